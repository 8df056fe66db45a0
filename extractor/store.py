"""The SQLite fact store: schema, opening with checks, and writing one article atomically.

Tables: ``articles``, ``article_files``, ``sentences``, ``mentions``, ``claims``, ``indicators``,
``audits``, ``flags``, ``failures`` and ``meta`` (schema version). Every span row keeps character
offsets into ``articles.text``; ``text[start:end]`` equals its stored surface.

Claims are keyed by ``claim_key``, a digest of the article's content hash, the value span and the
value, so audit verdicts (``audits.claim_key``) survive re-extraction even though claim rows are
replaced. ``audits`` has no foreign key to ``claims`` for that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from .settings import DB_TIMEOUT

SCHEMA_VERSION = 1


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message says which file and why."""


def claim_key(content_hash: str, start: int, end: int, value: Any, unit: Any) -> str:
    raw = f"{content_hash}:{start}:{end}:{value!r}:{unit}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


TABLES: dict[str, dict] = {
    "meta": dict(columns={"key": str, "value": str}, pk="key"),
    "articles": dict(
        columns={
            "id": str, "content_hash": str, "path": str, "text": str, "chars": int, "encoding": str,
            "published": str, "published_how": str, "published_start": int, "published_end": int,
            "url": str, "source": str, "title": str, "body_start": int, "body_end": int,
            "pipeline_version": str, "extracted_at": str,
        },
        pk="id",
        not_null={"content_hash", "text"},
    ),
    "article_files": dict(
        columns={"path": str, "article_id": str, "content_hash": str},
        pk="path",
        foreign_keys=[("article_id", "articles", "id")],
    ),
    "sentences": dict(
        columns={"id": str, "article_id": str, "idx": int, "paragraph": int, "start": int, "end": int, "text": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    ),
    "mentions": dict(
        columns={
            "id": str, "article_id": str, "sentence_id": str, "type": str, "start": int, "end": int,
            "text": str, "value": float, "unit": str, "low": float, "high": float, "approx": str,
            "direction": str, "noun": str, "period": str, "period_start": str, "period_end": str,
            "entity_id": str, "origin": str, "attrs": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")],
    ),
    "indicators": dict(
        columns={"id": str, "name": str, "aliases": str, "wdi": str, "units": str, "measures": str, "description": str},
        pk="id",
    ),
    "claims": dict(
        columns={
            "id": str, "claim_key": str, "article_id": str, "sentence_id": str, "mention_id": str,
            "start": int, "end": int, "text": str, "quote": str, "quote_start": int, "quote_end": int,
            "value": float, "unit": str, "measure": str, "indicator": str, "indicator_score": float,
            "indicator_candidates": str, "phrase": str, "phrase_start": int, "phrase_end": int,
            "geo": str, "geo_how": str, "partner": str, "period": str, "period_start": str, "period_end": str,
            "period_how": str, "change_value": float, "change_unit": str, "change_direction": str,
            "change_basis": str, "approx": str, "modality": str, "source": str, "source_how": str,
            "confidence": float,
        },
        pk="id",
        foreign_keys=[
            ("article_id", "articles", "id"), ("sentence_id", "sentences", "id"),
            ("mention_id", "mentions", "id"), ("indicator", "indicators", "id"),
        ],
    ),
    "audits": dict(
        columns={
            "id": int, "claim_key": str, "article_id": str, "verdict": str, "fields": str, "note": str,
            "reviewer": str, "created_at": str,
        },
        pk="id",
    ),
    "flags": dict(
        columns={
            "id": int, "claim_key": str, "article_id": str, "check": str, "message": str,
            "expected": float, "actual": float, "tolerance": float, "related": str, "created_at": str,
        },
        pk="id",
    ),
    "failures": dict(
        columns={"path": str, "reason": str, "at": str},
        pk="path",
    ),
}

INDEXES = {
    "articles": [["content_hash"]],
    "article_files": [["article_id"]],
    "sentences": [["article_id"]],
    "mentions": [["article_id"], ["sentence_id"], ["type"]],
    "claims": [["article_id"], ["sentence_id"], ["mention_id"], ["indicator"], ["claim_key"], ["geo", "period"]],
    "audits": [["claim_key"], ["article_id"]],
    "flags": [["claim_key"], ["article_id"]],
}

FTS = {"sentences": ["text"], "claims": ["quote", "phrase", "indicator", "source"]}


def _connect(path: str | Path, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=timeout)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_db(path: str | Path, *, create: bool = True, timeout: float | None = None) -> sqlite_utils.Database:
    """Open (and create or migrate) a store; raises StoreError with the file and the reason."""
    path = Path(path)
    timeout = DB_TIMEOUT if timeout is None else timeout
    if str(path) != ":memory:":
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no such database (run `extractor extract PATH --db {path}` first)")
            folder = path.parent if str(path.parent) else Path(".")
            if not folder.exists():
                raise StoreError(f"{path}: folder {folder} does not exist")
            if not os.access(folder, os.W_OK):
                raise StoreError(f"{path}: folder {folder} is not writable")
        elif path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database file")
        else:
            with open(path, "rb") as fh:
                head = fh.read(16)
            if head and head != b"SQLite format 3\x00":
                raise StoreError(f"{path}: not an SQLite database")
    try:
        conn = _connect(path, timeout)
        db = sqlite_utils.Database(conn)
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if create:
            ensure_schema(db)
        else:
            check_version(db, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: {exc}") from exc
    return db


def check_version(db: sqlite_utils.Database, path: Any = "database") -> None:
    if "meta" not in db.table_names():
        if db.table_names():
            raise StoreError(f"{path}: not an extractor store (no meta table)")
        return
    row = db.execute("select value from meta where key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this extractor ({SCHEMA_VERSION}); upgrade extractor"
        )
    if version < SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is older than {SCHEMA_VERSION}; run `extractor migrate --db {path}`"
        )


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, indexes and full-text indexes; migrate older versions in place."""
    existing = set(db.table_names())
    if "meta" in existing:
        row = db.execute("select value from meta where key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"schema version {version} is newer than this extractor ({SCHEMA_VERSION}); upgrade extractor"
            )
        if version < SCHEMA_VERSION:
            migrate(db, version)
    elif existing - {"sqlite_stat1"}:
        # Tables exist but no meta table: some other database.
        raise StoreError(f"not an extractor store (tables {sorted(existing)[:5]} but no meta table)")
    with db.atomic():
        for name, spec in TABLES.items():
            if name not in db.table_names():
                db[name].create(
                    spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"),
                    not_null=spec.get("not_null"),
                )
            else:
                missing = {c: t for c, t in spec["columns"].items() if c not in db[name].columns_dict}
                for col, typ in missing.items():
                    db[name].add_column(col, typ)
        for name, idxs in INDEXES.items():
            for cols in idxs:
                db[name].create_index(cols, if_not_exists=True)
        db["meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
    for name, cols in FTS.items():
        if not db[name].detect_fts():
            db[name].enable_fts(cols, create_triggers=True, tokenize="porter")


def migrate(db: sqlite_utils.Database, from_version: int) -> None:
    """Bring an older store up to SCHEMA_VERSION. Version 0 is a store without a version row."""
    # Version 1 is the first schema; a version-0 store gets the missing tables and columns from
    # ensure_schema. Later versions add their steps here, each in its own transaction.
    if from_version < 1:
        return


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db["meta"].upsert({"key": key, "value": value}, pk="key")


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def delete_article_rows(db: sqlite_utils.Database, article_id: str) -> None:
    for table in ("claims", "mentions", "sentences"):
        db.execute(f"delete from [{table}] where article_id = ?", [article_id])
    db.execute("delete from flags where article_id = ? and [check] not like 'corpus.%'", [article_id])


def write_article(db: sqlite_utils.Database, rows: dict[str, Any]) -> None:
    """Replace one article's rows in a single transaction: all of it is stored, or none."""
    article = rows["article"]
    conn = db.conn
    # IMMEDIATE takes the write lock up front: a second extraction waits (busy timeout) instead
    # of failing half-way when its read transaction cannot be upgraded.
    conn.execute("BEGIN IMMEDIATE")
    try:
        delete_article_rows(db, article["id"])
        db["articles"].upsert(article, pk="id")
        for f in rows.get("files", []):
            db["article_files"].upsert(f, pk="path")
        db.execute("delete from failures where path in (select path from article_files where article_id = ?)", [article["id"]])
        for table in ("sentences", "mentions", "claims"):
            if rows.get(table):
                db[table].insert_all(rows[table], batch_size=500)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def record_failure(db: sqlite_utils.Database, path: str, reason: str, at: str) -> None:
    with db.atomic():
        db["failures"].upsert({"path": path, "reason": reason, "at": at}, pk="path")


def load_indicators(db: sqlite_utils.Database, indicators: Iterable[dict]) -> None:
    with db.atomic():
        db["indicators"].upsert_all(list(indicators), pk="id")
