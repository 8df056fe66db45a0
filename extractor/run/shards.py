"""Shards: the rows of a few dozen articles in an SQLite file of the store's tables (issue 20).

A Dask task writes its articles into a shard (:class:`ShardWriter`) the way extraction writes into
the store (``store_outcome``), then publishes it atomically: the rows go to a temporary file in
the shard folder, which is synced and renamed to its final name only when complete, so a shard
under its final name is always whole. The driver merges a finished shard into the store
(:func:`merge_shard`) in one transaction, article by article through ``write_article`` and
``record_failure``, the store's own writers; both replace what they write, so merging a shard
twice (a retried or duplicated task) adds nothing twice.

Shards have the store's tables, keys and indexes but no full-text indexes (the store builds its
own as the rows arrive) and no foreign-key enforcement (the store enforces its keys at the merge).
The task's :class:`~extractor.run.extract.Summary` travels in the shard's ``meta`` table.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import uuid
from pathlib import Path
from types import TracebackType

import sqlite_utils

from extractor.run.extract import Summary
from extractor.store.db import immediate
from extractor.store.schema import INDEXES, TABLES
from extractor.store.write import record_failure, write_article

SUFFIX = ".shard.db"
_SUMMARY_KEY = "shard_summary"
#: tables holding rows of one article, keyed by ``article_id``
_ARTICLE_TABLES = ("article_files", "sentences", "mentions", "claims", "failures")


def create_shard(path: str | Path) -> sqlite_utils.Database:
    """A new shard file with the store's tables and indexes."""
    conn = sqlite3.connect(str(path))
    # the file is published by a rename once complete: a crash before that loses a temporary
    # file, never a shard, so the journal can stay in memory and writes need no sync
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    db = sqlite_utils.Database(conn)
    for name, spec in TABLES.items():
        db[name].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"),
                        not_null=spec.get("not_null"))
    for name, idxs in INDEXES.items():
        for cols in idxs:
            db[name].create_index(cols)
    return db


class ShardWriter:
    """``with ShardWriter(folder, name) as shard:`` write rows into ``shard.db``, then
    ``shard.publish(summary)``; leaving the block without publishing removes the temporary file."""

    def __init__(self, folder: str | Path, name: str):
        self.folder = Path(folder)
        self.path = self.folder / f"{name}{SUFFIX}"
        self.tmp = self.folder / f".{name}.{uuid.uuid4().hex}.tmp"
        self.db: sqlite_utils.Database | None = None
        self.published = False

    def __enter__(self) -> "ShardWriter":
        self.db = create_shard(self.tmp)
        return self

    def publish(self, summary: Summary) -> Path:
        assert self.db is not None
        with immediate(self.db):
            self.db.conn.execute("insert or replace into meta (key, value) values (?, ?)",
                                 [_SUMMARY_KEY, json.dumps(dataclasses.asdict(summary), ensure_ascii=False)])
        self.db.conn.close()
        self.db = None
        fd = os.open(self.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self.tmp, self.path)
        _sync_folder(self.folder)
        self.published = True
        return self.path

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None
        if not self.published:
            self.tmp.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform can sync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_summary(conn: sqlite3.Connection) -> Summary:
    row = conn.execute("select value from meta where key = ?", [_SUMMARY_KEY]).fetchone()
    if row is None:
        raise ValueError("the shard has no summary (not written by a task)")
    fields = json.loads(row[0])
    for name in ("failures", "left_out"):
        fields[name] = [tuple(x) for x in fields.get(name, [])]
    return Summary(**fields)


def merge_shard(store: sqlite_utils.Database, path: str | Path) -> Summary:
    """Write the shard's articles and failed files into the store in one transaction; returns the
    task's summary. Merging a shard again leaves the store as it was."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        summary = read_summary(conn)
        articles = [dict(r) for r in conn.execute("select * from articles order by rowid")]
        per_article = {a["id"]: {t: [] for t in _ARTICLE_TABLES} for a in articles}
        for table in _ARTICLE_TABLES:
            for r in conn.execute(f"select * from [{table}] where article_id is not null order by rowid"):
                per_article[r["article_id"]][table].append(_row(table, r))
        failed_files = [dict(r) for r in conn.execute(
            "select path, reason, at from failures where article_id is null order by rowid")]
    finally:
        conn.close()
    with immediate(store):
        for article in articles:
            rows = per_article[article["id"]]
            write_article(store, {"article": article, "files": rows["article_files"], "sentences": rows["sentences"],
                                  "mentions": rows["mentions"], "claims": rows["claims"],
                                  "failures": rows["failures"]})
        for f in failed_files:
            record_failure(store, f["path"], f["reason"], f["at"])
    return summary


def _row(table: str, row: sqlite3.Row) -> dict:
    out = dict(row)
    if table == "failures":
        out.pop("id")  # the store numbers its own failures
    return out


def shard_articles(path: str | Path) -> int:
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()
