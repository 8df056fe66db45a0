"""The HTML report: `extractor report` (issue 7)."""

from __future__ import annotations

import sqlite3

import click

from extractor.cli.options import db_option
from extractor.store.db import StoreError


@click.command("report")
@db_option("SQLite store to read.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write index.html and articles/*.html into (created if missing).")
def report(db_path: str, out_dir: str) -> None:
    """Write a static HTML report of the store: one page per article and an index.

    Article pages show the text rendered by displaCy (quantities, dates and entities highlighted,
    boilerplate greyed, every claim's value outlined), the claims table with verdicts and flags,
    each row linked to its sentence. The index has claims per indicator, audited precision, open
    flags and links to every article. Open index.html in a browser; no server or network needed.

    Example:

        extractor report --db data/facts.db --out data/report
    """
    from extractor.quality.report import write_report
    from extractor.store.db import open_db

    try:
        db = open_db(db_path, create=False)
        summary = write_report(db, out_dir, db_label=db_path)
    except StoreError as exc:
        raise click.ClickException(str(exc))
    except sqlite3.Error as exc:
        raise click.ClickException(f"{db_path}: {exc}")
    except OSError as exc:
        raise click.ClickException(f"{out_dir}: cannot write the report ({exc})")
    click.echo(summary.line())


#: click commands this module adds to the ``extractor`` group
COMMANDS: list[click.Command] = [report]
