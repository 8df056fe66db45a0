"""Options the commands share."""

from __future__ import annotations

from typing import Callable

import click


def db_option(help: str = "The SQLite store (written by `extractor extract`).", *, exists: bool = True) -> Callable:
    """``--db PATH``: the store a command reads (``exists``: it must be there) or writes."""
    return click.option("--db", "db_path", required=True, type=click.Path(exists=exists, dir_okay=False), help=help)
