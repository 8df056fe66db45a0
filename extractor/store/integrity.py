"""Verifying a store (`extractor check`): SQLite's own integrity check, foreign keys, the schema
version and tables, and every stored span against the article text it points into.

The store is opened read-only; nothing is repaired. A damaged file is reported, never raised.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from extractor.ingest.corpus import content_hash
from extractor.store.schema import SCHEMA_VERSION, TABLES

#: (start column, end column, surface column) of every span kept in each table
SPANS: dict[str, list[tuple[str, str, str]]] = {
    "sentences": [("start", "end", "text")],
    "mentions": [("start", "end", "text")],
    "claims": [("start", "end", "text"), ("quote_start", "quote_end", "quote"), ("phrase_start", "phrase_end", "phrase")],
    "failures": [("start", "end", "text")],  # a sentence the pipeline failed on
}

#: numeric columns that must hold finite values (or NULL)
FINITE: dict[str, list[str]] = {
    "mentions": ["value", "low", "high"],
    "claims": ["value", "change_value", "indicator_score", "confidence"],
}


@dataclass
class CheckReport:
    path: Path
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  #: rows per table
    spans: int = 0  #: span offsets checked
    version: int | None = None
    #: verdicts in force whose claim is no longer extracted (issue 19): not damage, but audit work
    #: that no longer shows anywhere else, so listed
    orphans: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        rows = ", ".join(f"{n} {t}" for t, n in self.counts.items())
        orphans = (f"; {len(self.orphans)} orphaned verdict(s), listed above (`extractor audit list --orphaned`)"
                   if self.orphans else "")
        return f"{self.path}: OK (schema version {self.version}; {rows}; {self.spans} spans checked{orphans})"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def check_store(path: str | Path) -> CheckReport:
    """Check the store at ``path``; the report lists every problem found."""
    report = CheckReport(Path(path))
    p = report.path
    if not p.exists():
        report.problems.append(f"{p}: no such file")
        return report
    if p.is_dir():
        report.problems.append(f"{p}: is a folder, not a database file")
        return report
    with open(p, "rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        report.problems.append(f"{p}: not an SQLite database" + (" (empty file)" if not head else ""))
        return report
    try:
        conn = sqlite3.connect(f"file:{quote(str(p.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        report.problems.append(f"{p}: cannot open ({exc})")
        return report
    try:
        _check(conn, report)
    except sqlite3.DatabaseError as exc:
        # a damaged page can surface in any query, not only in integrity_check
        report.problems.append(f"{p}: damaged database ({exc})")
    finally:
        conn.close()
    return report


def _check(conn: sqlite3.Connection, report: CheckReport) -> None:
    problems = report.problems
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        problems.extend(f"sqlite integrity_check: {r}" for r in rows)
        return
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if "meta" not in tables:
        problems.append("not an extractor store: no meta table (no schema version)")
        return
    row = conn.execute("select value from meta where key = 'schema_version'").fetchone()
    try:
        report.version = int(row[0]) if row else 0
    except (TypeError, ValueError):
        report.version = 0
    if report.version != SCHEMA_VERSION:
        hint = (f"run `extractor migrate --db {report.path}`" if report.version < SCHEMA_VERSION
                else "upgrade extractor")
        problems.append(f"schema version {report.version}, this extractor expects {SCHEMA_VERSION}: {hint}")
    for name, spec in TABLES.items():
        if name not in tables:
            problems.append(f"missing table {name}")
            continue
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")}
        missing = [c for c in spec["columns"] if c not in columns]
        if missing:
            problems.append(f"table {name}: missing columns {', '.join(missing)}")
    for name in TABLES:
        if name in tables:
            report.counts[name] = conn.execute(f"select count(*) from [{name}]").fetchone()[0]
    _check_foreign_keys(conn, problems)
    if "articles" not in tables:
        return
    texts = _check_articles(conn, problems)
    for table in SPANS:
        if table in tables:
            report.spans += _check_spans(conn, table, texts, problems)
    if {"audits", "claims"} <= tables:
        report.orphans = _orphans(conn)


def _orphans(conn: sqlite3.Connection) -> list[str]:
    columns = {r[1] for r in conn.execute("PRAGMA table_info(audits)")}
    detached = "a.detached" if "detached" in columns else "null"
    quote = "a.quote" if "quote" in columns else "null"
    rows = conn.execute(
        f"select a.claim_key, a.article_id, a.verdict, {quote}, {detached} from audits a join "
        "(select claim_key, max(id) as id from audits group by claim_key) l on l.id = a.id "
        "where a.claim_key not in (select claim_key from claims) order by a.article_id, a.id").fetchall()
    return [f"orphaned verdict: {verdict} on {key} ({aid}{f', quote {quote!r}' if quote else ''}): "
            f"{why or 'its claim is no longer extracted'}" for key, aid, verdict, quote, why in rows]


def _check_foreign_keys(conn: sqlite3.Connection, problems: list[str]) -> None:
    columns: dict[tuple[str, int], str] = {}
    for table, rowid, parent, fkid in conn.execute("PRAGMA foreign_key_check"):
        if (table, fkid) not in columns:
            for fk in conn.execute(f"PRAGMA foreign_key_list([{table}])"):
                columns[(table, fk[0])] = fk[3]
        col = columns.get((table, fkid), "?")
        key = conn.execute(f"select [{col}] from [{table}] where rowid = ?", [rowid]).fetchone() if col != "?" else None
        problems.append(
            f"foreign key: {table} row {rowid}: {col} = {_short(key[0] if key else None)} has no row in {parent}"
        )


def _check_articles(conn: sqlite3.Connection, problems: list[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for aid, text, chars, digest, body_start, body_end in conn.execute(
        "select id, text, chars, content_hash, body_start, body_end from articles"
    ):
        if not isinstance(text, str):
            problems.append(f"articles {aid}: no text")
            continue
        texts[aid] = text
        if chars is not None and chars != len(text):
            problems.append(f"articles {aid}: chars is {chars}, the text has {len(text)}")
        if digest != content_hash(text):
            problems.append(f"articles {aid}: content_hash does not match the stored text")
        if body_start is not None or body_end is not None:
            if not _in_bounds(body_start, body_end, len(text)):
                problems.append(f"articles {aid}: body [{body_start}:{body_end}] is outside the text (0..{len(text)})")
    return texts


def _in_bounds(start: object, end: object, length: int) -> bool:
    return isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= length


def _check_spans(conn: sqlite3.Connection, table: str, texts: dict[str, str], problems: list[str]) -> int:
    cols = sorted({c for triple in SPANS[table] for c in triple} | set(FINITE.get(table, [])))
    checked = 0
    query = f"select id, article_id, {', '.join(f'[{c}]' for c in cols)} from [{table}]"
    for rid, aid, *values in conn.execute(query):
        row = dict(zip(cols, values))
        text = texts.get(aid)
        for s_col, e_col, surface_col in SPANS[table]:
            s, e, surface = row[s_col], row[e_col], row[surface_col]
            if s is None and e is None:
                continue
            if surface is None and s == e:  # an empty span stored without a surface (phrase "" -> NULL)
                continue
            checked += 1
            what = f"{table} {rid}: {surface_col} [{s}:{e}]"
            if text is None:
                problems.append(f"{what}: article {aid!r} is not stored")
            elif not _in_bounds(s, e, len(text)):
                problems.append(f"{what}: outside the article text (0..{len(text)})")
            elif text[s:e] != surface:
                problems.append(f"{what}: the text there is {_short(text[s:e])}, the stored surface {_short(surface)}")
        for col in FINITE.get(table, []):
            v = row[col]
            if isinstance(v, float) and not math.isfinite(v):
                problems.append(f"{table} {rid}: {col} is {v}")
    return checked
