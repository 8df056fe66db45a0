"""Store integrity: `extractor check` and `extractor migrate` (issue 9)."""

from __future__ import annotations

import click

from extractor.cli.options import db_option

#: problems printed before the rest are summarised as a count
MAX_LISTED = 200


@click.command("check")
@db_option("SQLite store to verify.", exists=False)
def check(db_path: str) -> None:
    """Verify a store: SQLite's integrity check, foreign keys, the schema version, and that every
    stored span's offsets hold its surface in the article text. Exits 1 and lists the problems
    when something is wrong; the store is opened read-only. Verdicts whose claim is no longer
    extracted (orphans) are listed too.

    Example:

        extractor check --db data/facts.db
    """
    from extractor.store.integrity import check_store

    report = check_store(db_path)
    for orphan in report.orphans:
        click.echo(orphan, err=True)
    if report.ok:
        click.echo(report.line())
        return
    for problem in report.problems[:MAX_LISTED]:
        click.echo(problem, err=True)
    if len(report.problems) > MAX_LISTED:
        click.echo(f"... and {len(report.problems) - MAX_LISTED} more", err=True)
    raise click.ClickException(f"{len(report.problems)} problem(s) in {db_path}")


@click.command("migrate")
@db_option("SQLite store to upgrade.", exists=False)
def migrate(db_path: str) -> None:
    """Upgrade a store written by an older extractor to the current schema, in place and in one
    transaction (tables and columns are added; no row is changed).

    Example:

        extractor migrate --db data/facts.db
    """
    from extractor.store.db import StoreError, migrate_db

    try:
        before, after = migrate_db(db_path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if before == after:
        click.echo(f"{db_path}: already at schema version {after}")
    else:
        click.echo(f"{db_path}: migrated from schema version {before} to {after}")


#: click commands this module adds to the ``extractor`` group
COMMANDS: list[click.Command] = [check, migrate]
