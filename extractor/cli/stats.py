"""`extractor stats`: counts by table, indicator and article, and audited precision."""

from __future__ import annotations

import json

import click

from extractor.cli.errors import fail
from extractor.cli.options import db_option
from extractor.store.db import StoreError


@click.command()
@db_option()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(db_path, as_json) -> None:
    """Counts by table, indicator and article, and audited precision.

    Example:

        extractor stats --db data/facts.db
    """
    from extractor.quality.stats import collect, render
    from extractor.store.db import open_db

    try:
        db = open_db(db_path, create=False)
    except StoreError as exc:
        fail(exc)
    data = collect(db)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else render(data))


COMMANDS: list[click.Command] = [stats]
