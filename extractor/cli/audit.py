"""Auditing commands: `extractor audit ...` (issue 7).

From a fresh store to a verdict on the least confident claim in two commands::

    extractor audit next --db data/facts.db         # shows it, prints the commands below
    extractor audit accept --db data/facts.db KEY   # or reject, or fix --set field=value
"""

from __future__ import annotations

import json
from typing import Any

import click
import sqlite_utils

from extractor.cli.options import db_option

#: options shared by the verdict commands
_DB = db_option()


def _open(db_path: str) -> sqlite_utils.Database:
    from extractor.cli.errors import CliError
    from extractor.store.db import StoreError, open_db

    try:
        return open_db(db_path, create=False)
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _run(fn, *args: Any, **kwargs: Any) -> Any:
    """Call fn, turning an AuditError into a clean command-line error."""
    from extractor.cli.errors import CliError
    from extractor.quality.audit import AuditError

    try:
        return fn(*args, **kwargs)
    except AuditError as exc:
        raise CliError(str(exc)) from None


@click.group()
def audit() -> None:
    """Review extracted claims: list, show, record verdicts, check consistency, grow the gold set.

    Example:

        extractor audit next --db data/facts.db
    """


@audit.command("list")
@_DB
@click.option("--article", default=None, help="Only this article (its id, or a unique id prefix such as 003).")
@click.option("--indicator", default=None, help="Only this indicator id (e.g. trade.exports).")
@click.option("--geo", default=None, help="Only claims about this place code (e.g. CN-GD), alone or in a list.")
@click.option("--period", default=None, help="Only claims whose period starts with this (2019 keeps 2019-01).")
@click.option("--below", type=click.FloatRange(0, 1), default=None, help="Only claims with confidence below this.")
@click.option("--unaudited", is_flag=True, help="Only claims without a verdict.")
@click.option("--verdict", default=None, help="Only claims with this verdict in force: unaudited, any, accept, "
              "reject, fix or misstated.")
@click.option("--flagged", is_flag=True, help="Only claims a consistency check flagged.")
@click.option("--flag", "flag_state", default=None, help="Only claims with flags in this state: open, resolved, "
              "any or none.")
@click.option("--search", default=None, help="Text search in the claims' quotes, phrases, sources and sentences.")
@click.option("--orphaned", is_flag=True, help="List the verdicts whose claim is no longer extracted instead (the "
              "article's text changed and the figure could not be found again), with the reason.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Show at most this many claims.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one claim each, with all its columns.")
def list_cmd(db_path: str, article: str | None, indicator: str | None, geo: str | None, period: str | None,
             below: float | None, unaudited: bool, verdict: str | None, flagged: bool, flag_state: str | None,
             search: str | None, orphaned: bool, limit: int | None, as_json: bool) -> None:
    """List claims, least confident first, with their verdict in force and number of flags.
    An unknown indicator, place, verdict or flag state is an error that names the valid ones.

    Example:

        extractor audit list --db data/facts.db --unaudited --below 0.9 --limit 20
    """
    from extractor.quality.audit import human, list_claims, orphans

    db = _open(db_path)
    if orphaned:
        rows = orphans(db)
        for r in rows[:limit] if limit else rows:
            if as_json:
                click.echo(json.dumps(r, ensure_ascii=False))
                continue
            click.echo(f"{r['claim_key']:20}  {r['verdict']:9} {r['article_id']}  "
                       f"{human(r['value'], r['unit'])}  quote {r['quote']!r}")
            click.echo(f"{'':22}why: {r['detached'] or 'its claim is no longer extracted'}")
        click.echo(f"{len(rows)} orphaned verdict(s)", err=True)
        return
    rows = _run(list_claims, db, article=article, indicator=indicator, geo=geo, below=below, unaudited=unaudited,
                flagged=flagged, limit=limit, period=period, verdict=verdict, flag=flag_state, query=search)
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False))
        return
    click.echo(f"{'key':20}  {'value':24} {'indicator':22} {'geo':10} {'period':16} {'conf':>5}  {'verdict':9} flags")
    for r in rows:
        geo_s = ",".join(json.loads(r["geo"])) if r["geo"] and r["geo"].startswith("[") else (r["geo"] or "-")
        click.echo(
            f"{r['claim_key']:20}  {human(r['value'], r['unit'], r['approx']):24.24} {r['indicator'] or '-':22.22} "
            f"{geo_s:10.10} {r['period'] or '-':16.16} {r['confidence'] or 0:5.3f}  {r['verdict'] or '-':9} "
            f"{r['flags']}"
        )
    click.echo(f"{len(rows)} claim(s)", err=True)


@audit.command()
@_DB
@click.argument("key")
def show(db_path: str, key: str) -> None:
    """Show one claim (KEY: its claim_key or a unique prefix): its sentence with the value, period,
    place and source highlighted, all its fields, its flags and its verdicts.

    Example:

        extractor audit show --db data/facts.db c807b320
    """
    from extractor.quality.audit import render_claim, resolve

    db = _open(db_path)
    claim = _run(resolve, db, key)
    click.echo(render_claim(db, claim, color=True))


@audit.command("next")
@_DB
@click.option("--article", default=None, help="Only claims of this article (id or unique prefix).")
@click.option("--indicator", default=None, help="Only claims on this indicator id.")
@click.option("--flagged", is_flag=True, help="Only claims a consistency check flagged.")
def next_cmd(db_path: str, article: str | None, indicator: str | None, flagged: bool) -> None:
    """Show the least confident claim without a verdict, and the commands that record one.

    Example:

        extractor audit next --db data/facts.db
    """
    from extractor.quality.audit import list_claims, render_claim, verdict_commands

    db = _open(db_path)
    todo = _run(list_claims, db, article=article, indicator=indicator, flagged=flagged, unaudited=True)
    if not todo:
        click.echo("every claim has a verdict" + (" (within the filters)" if article or indicator or flagged else ""))
        return
    claim, left = todo[0], len(todo)
    click.echo(render_claim(db, claim, color=True))
    click.echo("")
    click.echo(f"record a verdict ({left} claim(s) without one):")
    for cmd in verdict_commands(claim["claim_key"], db_path):
        click.echo(f"  {cmd}")


def _verdict(db_path: str, key: str, verdict: str, note: str | None, reviewer: str | None,
             fields: dict | None = None, reference: str | None = None) -> None:
    from extractor.quality.audit import human, record, resolve

    db = _open(db_path)
    claim = _run(resolve, db, key)
    row = _run(record, db, claim, verdict, fields=fields, note=note, reviewer=reviewer, reference=reference)
    what = f"{human(claim['value'], claim['unit'], claim['approx'])} {claim['indicator'] or '(no indicator)'}"
    click.echo(f"{verdict}: {claim['claim_key']} ({what}) by {row['reviewer']} at {row['created_at']}"
               + (f"; fields {row['fields']}" if row["fields"] else ""))


_NOTE = click.option("--note", default=None, help="Why: kept with the verdict.")
_REVIEWER = click.option("--reviewer", default=None,
                         help="Who decided (default: EXTRACTOR_REVIEWER, else the login name).")


@audit.command()
@_DB
@click.argument("key")
@_NOTE
@_REVIEWER
def accept(db_path: str, key: str, note: str | None, reviewer: str | None) -> None:
    """Record that claim KEY (claim_key or unique prefix) is right as extracted.

    Example:

        extractor audit accept --db data/facts.db c807b320 --note "checked against the customs release"
    """
    _verdict(db_path, key, "accept", note, reviewer)


@audit.command()
@_DB
@click.argument("key")
@_NOTE
@_REVIEWER
def reject(db_path: str, key: str, note: str | None, reviewer: str | None) -> None:
    """Record that claim KEY (claim_key or unique prefix) is wrong: not a claim, or beyond fixing.

    Example:

        extractor audit reject --db data/facts.db b184abdf --note "510 billion is the increase, not the level"
    """
    _verdict(db_path, key, "reject", note, reviewer)


@audit.command()
@_DB
@click.argument("key")
@click.option("--set", "assignments", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A corrected field (GOLD_GUIDE.md names: quote, value, unit, measure, indicator, geo, partner, "
                   "period, change, approx, modality, source); repeat for several. null clears a field; values are "
                   "written as people do (512.7 billion, 5.65%); geo takes CN-JS,CN-SH for a list; change takes JSON.")
@_NOTE
@_REVIEWER
def fix(db_path: str, key: str, assignments: tuple[str, ...], note: str | None, reviewer: str | None) -> None:
    """Record corrected fields for claim KEY (claim_key or unique prefix); values are validated
    (indicator in the catalog, ISO geo and period, measure/approx/modality from their sets).

    Example:

    \b
        extractor audit fix --db data/facts.db 004fc064 --set period=2019-01 --set geo=CN-GD \\
            --set 'change={"value": 13.8, "unit": "percent", "direction": "up", "basis": "yoy"}'
    """
    from extractor.quality.audit import fix_warnings, parse_assignments, resolve

    db = _open(db_path)
    claim = _run(resolve, db, key)
    text = db.execute("select text from articles where id = ?", [claim["article_id"]]).fetchone()[0]
    fields = _run(parse_assignments, list(assignments), text)
    raw = dict(a.split("=", 1) for a in assignments)
    for warning in fix_warnings(claim, fields, {k.strip(): v.strip() for k, v in raw.items()}):
        click.echo(click.style(f"warning: {warning}", fg="yellow"), err=True)
    _verdict(db_path, claim["claim_key"], "fix", note, reviewer, fields)


@audit.command()
@_DB
@click.argument("key")
@click.option("--note", required=True, help="Why the figure is false: the right figure and where it comes from.")
@click.option("--reference", default=None, help="An http(s) URL of the source or official data that contradicts it.")
@_REVIEWER
def misstated(db_path: str, key: str, note: str, reference: str | None, reviewer: str | None) -> None:
    """Record that claim KEY is extracted right but the article's figure is false: it contradicts
    its own source or official data. Export and report show it with the note and reference.

    Example:

    \b
        extractor audit misstated --db data/facts.db c807b320 --note "the release says 12.5 billion" \\
            --reference https://example.org/release
    """
    _verdict(db_path, key, "misstated", note, reviewer, reference=reference)


@audit.command("export-gold")
@_DB
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--article", "articles", multiple=True, help="Only this article (id or unique prefix); repeatable.")
def export_gold_cmd(db_path: str, folder: str, articles: tuple[str, ...]) -> None:
    """Write accepted and fixed claims (fixes applied) as gold files FOLDER/<article>.json in the
    GOLD_GUIDE.md form, merging into existing files: a claim on the same fact is replaced, other
    claims and the mentions are kept. Check the result with `extractor gold check`.

    Example:

    \b
        extractor audit export-gold --db data/facts.db gold/ && extractor gold check gold/ --corpus corpus/
    """
    from extractor.quality.audit import export_gold, resolve_articles

    db = _open(db_path)
    ids = _run(resolve_articles, db, articles) if articles else None
    summary = _run(export_gold, db, folder, articles=ids)
    for p in summary.files:
        click.echo(f"  {p}")
    for k in summary.missing:
        click.echo(f"skipped verdict on {k}: its claim is no longer in the store", err=True)
    click.echo(summary.line())


@audit.command()
@_DB
@click.option("--article", "articles", multiple=True, help="Only this article (id or unique prefix); repeatable.")
@click.option("--all", "show_all", is_flag=True, help="Also print the relations that hold.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one relation each.")
def check(db_path: str, articles: tuple[str, ...], show_all: bool, as_json: bool) -> None:
    """Run the consistency checks, store what fails as flags (replacing earlier ones), print them.

    Within an article: exports + imports = total, exports - imports = balance, part / whole = share,
    levels vs stated growth, a figure stated twice, listed parts vs their total; across the corpus:
    one figure with different values in two articles. Rounding of the stated digits is allowed.

    Example:

        extractor audit check --db data/facts.db --all
    """
    from extractor.quality.audit import resolve_articles
    from extractor.quality.consistency import relations, store_flags

    db = _open(db_path)
    ids = _run(resolve_articles, db, articles) if articles else None
    found = relations(db, ids)
    store_flags(db, found, ids)
    shown = found if show_all else [r for r in found if not r["ok"]]
    for r in shown:
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False))
            continue
        mark = "ok  " if r["ok"] else "FLAG"
        line = (f"{mark} {r['check']:22} {r['article_id']}  {r['message']}\n"
                f"     expected {r['expected']:.6g}, actual {r['actual']:.6g}, tolerance {r['tolerance']:.3g}; "
                f"claim {r['claim_key']}, related {', '.join(r['related'])}")
        click.echo(click.style(line, fg=None if r["ok"] else "red"))
    n_flags = sum(1 for r in found if not r["ok"])
    # with --json the summary goes to stderr so that stdout stays JSON lines
    click.echo(f"{len(found)} relation(s) checked, {n_flags} flag(s) stored", err=as_json)


#: click commands this module adds to the ``extractor`` group
COMMANDS: list = [audit]
