"""Writing to the store: one article's rows in one transaction, failures, the catalog."""

from __future__ import annotations

import json
from typing import Any, Iterable

import sqlite_utils

from extractor.store.anchors import reattach
from extractor.store.db import immediate


def delete_article_rows(db: sqlite_utils.Database, article_id: str) -> None:
    for table in ("claims", "mentions", "sentences", "failures"):
        db.execute(f"delete from [{table}] where article_id = ?", [article_id])
    db.execute("delete from flags where article_id = ? and [check] not like 'corpus.%'", [article_id])


def write_article(db: sqlite_utils.Database, rows: dict[str, Any]) -> None:
    """Replace one article's rows in a single transaction: all of it is stored, or none.

    The transaction is IMMEDIATE (see ``immediate``): a second extraction waits for the lock
    (busy timeout) instead of failing half-way.
    """
    article = rows["article"]
    with immediate(db):
        old_text, old_claims = _judged_rows(db, article["id"])
        delete_article_rows(db, article["id"])
        _insert(db, "articles", [article], replace=True)
        _insert(db, "article_files", rows.get("files", []), replace=True)
        db.execute(
            "delete from failures where path in (select path from article_files where article_id = ?)", [article["id"]]
        )
        for table in ("sentences", "mentions", "claims", "failures"):
            _insert(db, table, rows.get(table) or [])
        if old_claims is not None:
            reattach(db, article["id"], old_text, old_claims, article["text"], rows.get("claims") or [],
                     article.get("extracted_at") or "")
        # the consistency checks run after the run; until then the article is marked, so that a
        # run interrupted before them has the next run check it too
        db.conn.execute("insert or replace into meta (key, value) values (?, '1')", [UNCHECKED_PREFIX + article["id"]])


def _judged_rows(db: sqlite_utils.Database, article_id: str) -> tuple[str | None, list[dict] | None]:
    """The stored text and claims of an article that verdicts or flag resolutions may refer to
    (None when there is nothing to re-attach: most articles, most of the time)."""
    judged = db.execute("select exists (select 1 from audits where article_id = ?) "
                        "or exists (select 1 from flag_resolutions)", [article_id]).fetchone()[0]
    if not judged:
        return None, None
    row = db.execute("select text from articles where id = ?", [article_id]).fetchone()
    claims = [dict(zip(("claim_key", "quote", "quote_start", "value", "unit", "text", "start", "end"), r))
              for r in db.execute("select claim_key, quote, quote_start, value, unit, text, start, end from claims "
                                  "where article_id = ?", [article_id])]
    return (row[0] if row else None), claims


_STRUCTURED = (dict, list, tuple)


def _insert(db: sqlite_utils.Database, table: str, rows: list[dict], replace: bool = False) -> None:
    """Plain ``executemany`` into a table the schema created (sqlite-utils' insert_all inspects the
    table on every call, most of the cost of storing an article). Lists and dicts are stored as
    JSON, as sqlite-utils would; a column the table lacks is an error, not a silent ALTER."""
    if not rows:
        return
    cols = list(dict.fromkeys(k for r in rows for k in r))
    verb = "insert or replace" if replace else "insert"
    sql = f"{verb} into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})"
    structured = {c for r in rows for c, v in r.items() if type(v) in _STRUCTURED}
    if not structured:
        db.conn.executemany(sql, [tuple(map(r.get, cols)) for r in rows])
        return

    def cell(v: Any) -> Any:
        return json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list, tuple)) else v
    db.conn.executemany(sql, [[cell(r.get(c)) if c in structured else r.get(c) for c in cols] for r in rows])


#: meta keys of stored articles the consistency checks have not run over yet
UNCHECKED_PREFIX = "unchecked:"


def unchecked_articles(db: sqlite_utils.Database) -> list[str]:
    return [r[0][len(UNCHECKED_PREFIX):] for r in db.execute(
        "select key from meta where key like ? order by key", [UNCHECKED_PREFIX + "%"])]


def mark_checked(db: sqlite_utils.Database, article_ids: Iterable[str]) -> None:
    with immediate(db):
        for aid in article_ids:
            db.execute("delete from meta where key = ?", [UNCHECKED_PREFIX + aid])


def record_failure(db: sqlite_utils.Database, path: str, reason: str, at: str) -> None:
    """A file that could not be extracted: one row per file, the latest reason."""
    with immediate(db):
        db.execute("delete from failures where path = ? and article_id is null", [path])
        db.execute("insert into failures (path, reason, at) values (?, ?, ?)", [path, reason, at])


def failed_files(db: sqlite_utils.Database) -> set[str]:
    """Files whose last extraction failed (not the sentences left out of stored articles)."""
    return {r[0] for r in db.execute("select path from failures where article_id is null")}


def load_indicators(db: sqlite_utils.Database, indicators: Iterable[dict]) -> None:
    with immediate(db):
        db["indicators"].upsert_all(list(indicators), pk="id")
