"""The command line's one error type: a message naming the file and the problem, exit code 1."""

from __future__ import annotations

from typing import NoReturn

import click


class CliError(click.ClickException):
    pass


def fail(exc: Exception) -> NoReturn:
    raise CliError(str(exc))
