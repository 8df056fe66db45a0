"""The ``extractor`` command line: one click group, each command with an example in its help.

Each command lives in a module of this package that lists it in ``COMMANDS``.
"""

from __future__ import annotations

import importlib

import click

#: the modules whose ``COMMANDS`` make up the group, in the order ``--help`` lists them
COMMAND_MODULES = ("extract", "export", "quantities", "stats", "indicators", "gold", "evaluate", "audit", "report",
                   "check", "eval_time", "eval_quantities", "serve")


@click.group()
@click.version_option(package_name="extractor")
def cli() -> None:
    """Extract statistical claims from economic news into SQLite, audit them, and score them."""


def _register_command_modules() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register_command_modules()


def main() -> None:  # pragma: no cover
    cli()
