"""`extractor export`: claims in the GOLD_GUIDE.md form, as JSON lines or CSV."""

from __future__ import annotations

import json

import click

from extractor.cli.errors import fail
from extractor.cli.options import db_option
from extractor.store.db import StoreError
from extractor.store.records import EXPORT_FIELDS, claim_records


@click.command()
@db_option()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default="-", help="File to write (default stdout).")
def export(db_path, fmt, out_path) -> None:
    """Export claims, one per line, with the GOLD_GUIDE.md field names plus ``article``.

    Example:

        extractor export --db data/facts.db --format csv --out claims.csv
    """
    import csv

    from extractor.store.db import open_db

    try:
        db = open_db(db_path, create=False)
    except StoreError as exc:
        fail(exc)
    records = claim_records(db)
    stream = click.open_file(out_path, "w", encoding="utf-8")
    if fmt == "jsonl":
        for r in records:
            stream.write(json.dumps(r, ensure_ascii=False) + "\n")
    else:
        w = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS)
        w.writeheader()
        for r in records:
            row = dict(r)
            for k in ("geo", "change"):
                if isinstance(row[k], (list, dict)):
                    row[k] = json.dumps(row[k], ensure_ascii=False)
            w.writerow(row)
    stream.flush()


COMMANDS: list[click.Command] = [export]
