"""`extractor export`: claims in the GOLD_GUIDE.md form with verdicts applied, as JSON lines or CSV."""

from __future__ import annotations

import json

import click

from extractor.cli.errors import fail
from extractor.store.db import StoreError


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default="-", help="File to write (default stdout).")
@click.option("--raw", is_flag=True, help="The extraction as it is: no fix applied, rejected claims kept.")
@click.option("--rejected", type=click.Choice(["drop", "mark"]), default="drop", show_default=True,
              help="Leave rejected claims out, or keep them with verdict=reject.")
def export(db_path, fmt, out_path, raw, rejected) -> None:
    """Export claims, one per line, with the GOLD_GUIDE.md field names plus ``article`` and the
    quote's ``start``/``end``, then ``claim_key``, ``confidence``, ``verdict``, ``note``,
    ``reference`` and ``fixed``. Audit verdicts are applied: fixes replace the extracted fields,
    rejected claims are left out (``--rejected mark`` keeps them), misstated figures carry their
    note and reference; ``--raw`` exports the extraction as it is.

    Example:

        extractor export --db data/facts.db --format csv --out claims.csv
    """
    import csv

    from extractor.quality.export import FIELDS, export_records, orphan_count
    from extractor.store.db import open_db

    try:
        db = open_db(db_path, create=False)
    except StoreError as exc:
        fail(exc)
    records = export_records(db, raw=raw, rejected=rejected)
    stream = click.open_file(out_path, "w", encoding="utf-8")
    if fmt == "jsonl":
        for r in records:
            stream.write(json.dumps(r, ensure_ascii=False) + "\n")
    else:
        w = csv.DictWriter(stream, fieldnames=FIELDS)
        w.writeheader()
        for r in records:
            row = dict(r)
            for k in ("geo", "partner", "change"):
                if isinstance(row[k], (list, dict)):
                    row[k] = json.dumps(row[k], ensure_ascii=False)
            w.writerow(row)
    stream.flush()
    n = orphan_count(db)
    if n:
        click.echo(f"warning: {n} verdict(s) are orphaned (their claims are no longer extracted) and not in the "
                   "export: `extractor audit list --orphaned` lists them", err=True)


COMMANDS: list[click.Command] = [export]
