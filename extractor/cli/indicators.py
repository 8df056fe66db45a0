"""`extractor indicators`: the indicator catalog."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--json", "as_json", is_flag=True)
def indicators(as_json) -> None:
    """List the indicator catalog (ids, names, WDI codes, aliases).

    Example:

        extractor indicators --json
    """
    from extractor.nlp.indicators.catalog import catalog

    cat = catalog()
    if as_json:
        click.echo(json.dumps([{"id": i.id, "name": i.name, "wdi": i.wdi, "units": i.units, "measures": i.measures,
                                "aliases": i.aliases} for i in cat], indent=2, ensure_ascii=False))
        return
    for i in cat:
        click.echo(f"{i.id:24} {i.name}" + (f"  [WDI {i.wdi}]" if i.wdi else ""))
        click.echo(f"{'':24} aliases: {', '.join(i.aliases[1:8])}{' ...' if len(i.aliases) > 8 else ''}")


COMMANDS: list[click.Command] = [indicators]
