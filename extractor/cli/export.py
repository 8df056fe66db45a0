"""`extractor export`: claims in the GOLD_GUIDE.md form with verdicts applied, as JSON lines or CSV;
or every article as a TimeML document with its time expressions (``--format timeml``)."""

from __future__ import annotations

import json

import click

from extractor.cli.errors import fail
from extractor.cli.options import db_option
from extractor.store.db import StoreError


@click.command()
@db_option()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "timeml"]), default="jsonl", show_default=True)
@click.option("--out", "out_path", type=click.Path(), default="-",
              help="File to write (default stdout); for timeml, the folder to write one <article>.tml into.")
@click.option("--raw", is_flag=True, help="The extraction as it is: no fix applied, rejected claims kept.")
@click.option("--rejected", type=click.Choice(["drop", "mark"]), default="drop", show_default=True,
              help="Leave rejected claims out, or keep them with verdict=reject.")
def export(db_path, fmt, out_path, raw, rejected) -> None:
    """Export claims, one per line, with the GOLD_GUIDE.md field names plus ``article`` and the
    quote's ``start``/``end``, then ``claim_key``, ``confidence``, ``verdict``, ``note``,
    ``reference`` and ``fixed``. Audit verdicts are applied: fixes replace the extracted fields,
    rejected claims are left out (``--rejected mark`` keeps them), misstated figures carry their
    note and reference; ``--raw`` exports the extraction as it is. With ``--format timeml``, each
    article as a TimeML document (its text with a TIMEX3 tag, type and value, around each time
    expression, and the publication date as DCT) that TempEval-3's scorer reads.

    Example:

        extractor export --db data/facts.db --format csv --out claims.csv
        extractor export --db data/facts.db --format timeml --out data/timeml/
    """
    import csv

    from extractor.quality.export import FIELDS, export_records, orphan_count
    from extractor.store.db import open_db

    try:
        db = open_db(db_path, create=False)
    except StoreError as exc:
        fail(exc)
    if fmt == "timeml":
        _export_timeml(db, out_path)
        return
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


def _export_timeml(db, out_path: str) -> None:
    from pathlib import Path

    from extractor.quality.timeml import stored_documents, to_timeml

    if out_path == "-":
        fail("--format timeml writes one file per article: give --out a folder")
    out = Path(out_path)
    if out.exists() and not out.is_dir():
        fail(f"{out}: not a folder (--format timeml writes one file per article into --out)")
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for doc in stored_documents(db):
        (out / f"{doc.doc}.tml").write_text(to_timeml(doc), encoding="utf-8")
        n += 1
    click.echo(f"wrote {n} TimeML documents to {out}", err=True)


COMMANDS: list[click.Command] = [export]
