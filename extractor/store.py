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
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils

from . import settings

SCHEMA_VERSION = 2


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
    # a file that could not be extracted (article_id null), or a sentence of a stored article that
    # the pipeline failed on and left out (article_id, component, start/end/text), issue 14
    "failures": dict(
        columns={"id": int, "path": str, "article_id": str, "component": str, "start": int, "end": int, "text": str,
                 "reason": str, "at": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
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
    "failures": [["path"], ["article_id"]],
}

FTS = {"sentences": ["text"], "claims": ["quote", "phrase", "indicator", "source"]}


def _connect(path: str | Path, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=timeout)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def describe_error(path: Any, exc: sqlite3.Error, timeout: float | None = None) -> StoreError:
    """A StoreError naming the file, with the usual SQLite failures said in plain words."""
    msg = str(exc)
    if "locked" in msg or "busy" in msg:
        waited = settings.DB_TIMEOUT if timeout is None else timeout
        return StoreError(
            f"{path}: database is locked by another process (another extraction?); gave up after waiting "
            f"{waited:g}s (EXTRACTOR_DB_TIMEOUT sets the wait)"
        )
    if "unable to open" in msg:
        return StoreError(f"{path}: cannot open or create the database file ({msg})")
    if "readonly" in msg:
        return StoreError(f"{path}: the database (or its folder) is read-only ({msg})")
    if "not a database" in msg or "malformed" in msg:
        return StoreError(f"{path}: not an SQLite database, or a damaged one ({msg})")
    return StoreError(f"{path}: {msg}")


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock up front.

    A deferred transaction that reads first cannot be upgraded to a write while another
    extraction commits (SQLite fails at once, without waiting); BEGIN IMMEDIATE waits for the
    lock with the busy timeout instead.
    """
    conn = db.conn
    if conn.in_transaction:  # nested: a savepoint inside the open transaction
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:  # an error may already have rolled the transaction back
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_db(path: str | Path, *, create: bool = True, timeout: float | None = None) -> sqlite_utils.Database:
    """Open (and create or migrate) a store; raises StoreError with the file and the reason.

    ``create=False`` opens an existing store as it is: a missing file or an older schema is an
    error that names the command to run.
    """
    path = Path(path)
    timeout = settings.DB_TIMEOUT if timeout is None else timeout
    if str(path) != ":memory:":
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no such database (run `extractor extract PATH --db {path}` first)")
            folder = path.parent if str(path.parent) else Path(".")
            if not folder.exists():
                raise StoreError(f"{path}: folder {folder} does not exist (create it first)")
            if not folder.is_dir():
                raise StoreError(f"{path}: {folder} is not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StoreError(f"{path}: folder {folder} is not writable")
        elif path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database file")
        else:
            try:
                with open(path, "rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise StoreError(f"{path}: cannot read ({exc.strerror})") from exc
            if head and head != b"SQLite format 3\x00":
                raise StoreError(f"{path}: not an SQLite database")
    conn = None
    try:
        conn = _connect(path, timeout)
        db = sqlite_utils.Database(conn)
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if create:
            ensure_schema(db, path)
        else:
            check_version(db, path)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise describe_error(path, exc, timeout) from exc
    except StoreError:
        if conn is not None:
            conn.close()
        raise
    return db


def schema_version(db: sqlite_utils.Database) -> int | None:
    """The stored schema version: None for a database without a meta table, 0 for no version row."""
    if "meta" not in db.table_names():
        return None
    row = db.execute("select value from meta where key = 'schema_version'").fetchone()
    try:
        return int(row[0]) if row else 0
    except (TypeError, ValueError):
        return 0


def check_version(db: sqlite_utils.Database, path: Any = "database") -> None:
    version = schema_version(db)
    if version is None:
        if set(db.table_names()) - {"sqlite_stat1"}:
            raise StoreError(f"{path}: not an extractor store (no meta table)")
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this extractor ({SCHEMA_VERSION}); upgrade extractor"
        )
    if version < SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is older than {SCHEMA_VERSION}; run `extractor migrate --db {path}`"
        )


def ensure_schema(db: sqlite_utils.Database, path: Any = "database") -> int | None:
    """Create missing tables, indexes and full-text indexes; migrate older versions in place.

    Everything happens in one write transaction: two extractions starting at once on a new
    file do not both create tables, and a failure leaves the file as it was. Returns the
    version found (None for a new store).
    """
    with immediate(db):
        existing = set(db.table_names())
        version = schema_version(db)
        if version is None and existing - {"sqlite_stat1"}:
            raise StoreError(f"{path}: not an extractor store (tables {sorted(existing)[:5]} but no meta table)")
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: schema version {version} is newer than this extractor ({SCHEMA_VERSION}); upgrade extractor"
            )
        if version is not None and version < SCHEMA_VERSION:
            migrate(db, version)
        for name, spec in TABLES.items():
            if name not in db.table_names():  # live: a migration step may have created it
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
        if version != SCHEMA_VERSION:
            db["meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
        for name, cols in FTS.items():
            if not db[name].detect_fts():
                db[name].enable_fts(cols, create_triggers=True, tokenize="porter")
    return version


def migrate(db: sqlite_utils.Database, from_version: int) -> None:
    """Bring an older store up to SCHEMA_VERSION. Version 0 is a store without a version row."""
    # Version 1 is the first schema; a version-0 store gets the missing tables and columns from
    # ensure_schema. Later versions add their steps here (they run inside ensure_schema's
    # transaction).
    if from_version < 2 and "failures" in db.table_names() and "id" not in db["failures"].columns_dict:
        # version 2: failures keyed by a row id, so that one article can have several failed
        # sentences; the failed files of version 1 are kept
        db.execute("alter table failures rename to failures_v1")
        spec = TABLES["failures"]
        db["failures"].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
        db.execute("insert into failures (path, reason, at) select path, reason, at from failures_v1")
        db.execute("drop table failures_v1")


def migrate_db(path: str | Path) -> tuple[int, int]:
    """Migrate an existing store file in place; returns (version found, version now)."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such database")
    try:
        conn = _connect(path, settings.DB_TIMEOUT)
        try:
            version = schema_version(sqlite_utils.Database(conn))
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise describe_error(path, exc) from exc
    if version is None:
        raise StoreError(f"{path}: not an extractor store (no meta table); nothing to migrate")
    open_db(path, create=True).conn.close()
    return version, SCHEMA_VERSION


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db["meta"].upsert({"key": key, "value": value}, pk="key")


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


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
        delete_article_rows(db, article["id"])
        _insert(db, "articles", [article], replace=True)
        _insert(db, "article_files", rows.get("files", []), replace=True)
        db.execute(
            "delete from failures where path in (select path from article_files where article_id = ?)", [article["id"]]
        )
        for table in ("sentences", "mentions", "claims", "failures"):
            _insert(db, table, rows.get(table) or [])
        # the consistency checks run after the run; until then the article is marked, so that a
        # run interrupted before them has the next run check it too
        db.conn.execute("insert or replace into meta (key, value) values (?, '1')", [UNCHECKED_PREFIX + article["id"]])


def _insert(db: sqlite_utils.Database, table: str, rows: list[dict], replace: bool = False) -> None:
    """Plain ``executemany`` into a table the schema created (sqlite-utils' insert_all inspects the
    table on every call, most of the cost of storing an article). Lists and dicts are stored as
    JSON, as sqlite-utils would; a column the table lacks is an error, not a silent ALTER."""
    if not rows:
        return
    cols = list(dict.fromkeys(k for r in rows for k in r))
    verb = "insert or replace" if replace else "insert"
    sql = f"{verb} into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})"
    structured = {c for c in cols if any(type(r.get(c)) in (dict, list, tuple) for r in rows)}
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
