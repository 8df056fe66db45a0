"""`extractor gold check`: validate gold files."""

from __future__ import annotations

from pathlib import Path

import click

from extractor.cli.errors import CliError, fail


@click.group()
def gold() -> None:
    """Gold files: validate hand labels."""


@gold.command("check")
@click.argument("folder", default="gold", type=click.Path())
@click.option("--corpus", default="corpus", show_default=True, type=click.Path(), help="Folder of the labeled articles.")
def gold_check(folder, corpus) -> None:
    """Validate gold files: schema, offsets and quotes, catalog ids, ISO periods and codes, overlaps.

    Example:

        extractor gold check gold/ --corpus corpus/
    """
    from extractor.quality.gold import GoldError, check_dir

    try:
        errors = check_dir(folder, corpus)
    except GoldError as exc:
        fail(exc)
    for e in errors:
        click.echo(e, err=True)
    n = len(list(Path(folder).glob("*.json")))
    if errors:
        raise CliError(f"{len(errors)} problem(s) in {n} gold file(s)")
    click.echo(f"{n} gold file(s) OK")





COMMANDS: list[click.Command] = [gold]
