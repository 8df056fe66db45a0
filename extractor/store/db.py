"""Opening the SQLite fact store: checks, WAL, creating and migrating the schema, meta rows."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from extractor import settings
from extractor.store.schema import FTS, INDEXES, SCHEMA_VERSION, TABLES


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message says which file and why."""


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
    # version 3 (issue 18): mentions gain timex_type, timex_value, timex_start and timex_end;
    # ensure_schema adds missing columns, and the pipeline version changed, so the next
    # extraction fills them
    if from_version < 3 and "audits" in db.table_names():
        _migrate_v3(db)


def _migrate_v3(db: sqlite_utils.Database) -> None:
    """Version 3 (issue 19): verdicts carry the anchor of the claim they judge, and flags that a
    verdict covered are recorded as resolved (they were open or resolved by timestamps)."""
    for col, typ in TABLES["audits"]["columns"].items():
        if col not in db["audits"].columns_dict:
            db["audits"].add_column(col, typ)
    db.execute("update audits set judged_key = claim_key where judged_key is null")
    if "claims" in db.table_names():
        for col, src in (("quote", "quote"), ("quote_start", "quote_start"), ("value", "value"), ("unit", "unit"),
                         ("value_text", "text"), ("value_start", "start"), ("value_end", "end")):
            db.execute(f"update audits set [{col}] = (select c.[{src}] from claims c where c.claim_key = audits.claim_key"
                       " limit 1) where exists (select 1 from claims c where c.claim_key = audits.claim_key)")
        db.execute("update audits set detached = ? where claim_key not in (select claim_key from claims)",
                   ["its claim was no longer extracted when this store was migrated to schema 3 (the article's "
                    "text had changed): no anchor to re-attach it by"])
    if "flags" in db.table_names() and "flag_resolutions" not in db.table_names():
        spec = TABLES["flag_resolutions"]
        db["flag_resolutions"].create(spec["columns"], pk=spec["pk"])
        # a flag was resolved when its claim got a verdict at or after the flag was raised
        rows = db.execute(
            "select f.[check], f.claim_key, f.related, f.expected, f.actual, a.id, a.created_at from flags f "
            "join audits a on a.id = (select max(id) from audits where claim_key = f.claim_key) "
            "where f.claim_key is not null and (a.created_at >= f.created_at or a.created_at is null "
            "or f.created_at is null)").fetchall()
        for check, key, related, expected, actual, audit_id, at in rows:
            try:
                rel = sorted(json.loads(related)) if related else []
            except ValueError:
                rel = []
            db["flag_resolutions"].insert({"check": check, "claim_key": key, "related": json.dumps(rel),
                                           "expected": expected, "actual": actual, "audit_id": audit_id,
                                           "resolved_at": at})


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
