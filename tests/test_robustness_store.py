"""The store under bad conditions (issue 9): missing or unwritable folders, files that are not a
store, older schemas, a lock held by another extraction, and two extractions at once."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from extractor import settings
from extractor.cli import cli
from extractor.run.extract import extract
from extractor.store.integrity import check_store
from extractor.store.schema import SCHEMA_VERSION
from extractor.store.db import StoreError, immediate, migrate_db, open_db

from .robustness import EXTRACTOR, ROOT, cli_env, snapshot, write_corpus


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", 3)


@pytest.fixture(scope="module")
def stored(tmp_path_factory, nlp) -> Path:
    """A store of three small articles, made once; tests work on copies."""
    folder = tmp_path_factory.mktemp("stored")
    db = folder / "facts.db"
    summary = extract([write_corpus(folder / "corpus", 3)], db, nlp=nlp)
    assert summary.failed == 0
    return db


def _copy(db: Path, dest: Path) -> Path:
    """A consistent copy of a store (its WAL included)."""
    src = sqlite3.connect(db)
    dst = sqlite3.connect(dest)
    src.backup(dst)
    src.close()
    dst.close()
    return dest


# ---------------------------------------------------------------------------------------------- where the db goes


def test_db_in_a_folder_that_does_not_exist(tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "no" / "such" / "facts.db"
    with pytest.raises(StoreError, match=f"{db}: folder {db.parent} does not exist"):
        open_db(db)
    result = CliRunner().invoke(cli, ["extract", str(corpus), "--db", str(db), "--quiet"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not db.parent.exists()


def test_db_under_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match="is not a folder"):
        open_db(tmp_path / "plain" / "facts.db")


def test_db_in_an_unwritable_folder(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root writes anywhere: make the permission check see what a user would
            real_access = os.access
            monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == folder else real_access(p, mode))
        with pytest.raises(StoreError, match=f"folder {folder} is not writable"):
            open_db(folder / "facts.db")
    finally:
        folder.chmod(0o755)


def test_db_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder, not a database file"):
        open_db(tmp_path)


# ---------------------------------------------------------------------------------------------- what the file is


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("my precious notes\n" * 10, encoding="utf-8")
    before = db.read_bytes()
    with pytest.raises(StoreError, match=f"{db}: not an SQLite database"):
        open_db(db)
    result = CliRunner().invoke(cli, ["extract", str(corpus), "--db", str(db), "--quiet"])
    assert result.exit_code == 1 and "not an SQLite database" in result.output
    assert db.read_bytes() == before


def test_a_damaged_sqlite_file_is_a_clear_error(tmp_path: Path, stored: Path) -> None:
    db = _copy(stored, tmp_path / "damaged.db")
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's schema
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=f"{db}: not an SQLite database, or a damaged one"):
        open_db(db)


def test_another_sqlite_database_is_not_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("create table customers (id integer primary key, name text)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an extractor store"):
        open_db(db)
    assert set(sqlite_utils.Database(db).table_names()) == {"customers"}


def _make_version_0(db: Path) -> None:
    """What an older extractor wrote: no version row, no failures table, no encoding column."""
    conn = sqlite3.connect(db)
    conn.execute("delete from meta where key = 'schema_version'")
    conn.execute("drop table failures")
    conn.execute("alter table articles drop column encoding")
    conn.commit()
    conn.close()


def test_older_schema_is_refused_by_readers_with_the_command_to_run(tmp_path: Path, stored: Path) -> None:
    db = _copy(stored, tmp_path / "old.db")
    _make_version_0(db)
    with pytest.raises(StoreError, match=rf"schema version 0 is older than {SCHEMA_VERSION}; run `extractor migrate --db"):
        open_db(db, create=False)
    for command in (["stats", "--db", str(db)], ["export", "--db", str(db)]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1 and f"extractor migrate --db {db}" in result.output


def _migrated(tmp_path: Path, stored: Path, make_old, version: int):
    """A copy of the stored corpus made old by ``make_old`` and migrated by the command: (path,
    the snapshot before, the migrated store)."""
    db = _copy(stored, tmp_path / "old.db")
    before = snapshot(db)
    make_old(db)
    result = CliRunner().invoke(cli, ["migrate", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"migrated from schema version {version} to {SCHEMA_VERSION}" in result.output
    return db, before, sqlite_utils.Database(db)


def test_migrate_command_upgrades_an_older_store_keeping_its_rows(tmp_path: Path, stored: Path) -> None:
    db, before, store = _migrated(tmp_path, stored, _make_version_0, 0)
    assert "failures" in store.table_names() and "encoding" in store["articles"].columns_dict
    after = snapshot(db)
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert after["claims"] == before["claims"]
    assert check_store(db).ok
    again = CliRunner().invoke(cli, ["migrate", "--db", str(db)])
    assert again.exit_code == 0 and "already at schema version" in again.output


def _make_version_1(db: Path) -> None:
    """What the extractor of schema version 1 wrote: one failures row per file, keyed by path."""
    conn = sqlite3.connect(db)
    conn.execute("update meta set value = '1' where key = 'schema_version'")
    conn.execute("drop table failures")
    conn.execute("create table failures (path text primary key, reason text, at text)")
    conn.execute("insert into failures values ('corpus/bad.txt', 'empty file', '2026-01-01T00:00:00+00:00')")
    conn.commit()
    conn.close()


def test_issue14_migration_from_version_1_keeps_the_failed_files(tmp_path: Path, stored: Path) -> None:
    """Version 2 keys failures by a row id (a stored article may have several failed sentences);
    the failed files of a version-1 store are kept as file failures."""
    db, before, store = _migrated(tmp_path, stored, _make_version_1, 1)
    assert store["failures"].pks == ["id"]
    assert [(r["path"], r["article_id"], r["reason"]) for r in store.query("select * from failures")] == [
        ("corpus/bad.txt", None, "empty file")]
    assert "failures_v1" not in store.table_names()
    assert snapshot(db) == before
    assert check_store(db).ok


def test_extract_migrates_an_older_store_in_place(tmp_path: Path, stored: Path, nlp) -> None:
    db = _copy(stored, tmp_path / "old.db")
    _make_version_0(db)
    corpus = stored.parent / "corpus"
    summary = extract([corpus], db, nlp=nlp, force=True)
    assert (summary.processed, summary.failed) == (3, 0)
    assert check_store(db).ok


def test_newer_schema_is_refused(tmp_path: Path, stored: Path) -> None:
    db = _copy(stored, tmp_path / "new.db")
    conn = sqlite3.connect(db)
    conn.execute("update meta set value = '99' where key = 'schema_version'")
    conn.commit()
    conn.close()
    for create in (True, False):
        with pytest.raises(StoreError, match="schema version 99 is newer than this extractor"):
            open_db(db, create=create)
    with pytest.raises(StoreError, match="newer"):
        migrate_db(db)


def test_migrate_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["migrate", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 1 and "no such database" in result.output
    (tmp_path / "text.db").write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(cli, ["migrate", "--db", str(tmp_path / "text.db")])
    assert result.exit_code == 1 and "not an SQLite database" in result.output


# ---------------------------------------------------------------------------------------------- locks


def _hold_write_lock(db: Path) -> sqlite3.Connection:
    """What a running extraction does while it writes an article."""
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("insert or replace into meta (key, value) values ('busy', 'yes')")
    return conn


def test_locked_db_waits_for_the_timeout_then_fails_clearly(tmp_path: Path, stored: Path, nlp, monkeypatch) -> None:
    db = _copy(stored, tmp_path / "locked.db")
    open_db(db).conn.close()  # WAL mode, as a store is
    monkeypatch.setattr(settings, "DB_TIMEOUT", 1.0)
    holder = _hold_write_lock(db)
    try:
        t0 = time.perf_counter()
        with pytest.raises(StoreError, match=r"database is locked by another process .*waiting 1s"):
            extract([stored.parent / "corpus"], db, nlp=nlp, force=True)
        assert time.perf_counter() - t0 >= 0.9
        result = CliRunner().invoke(cli, ["extract", str(stored.parent / "corpus"), "--db", str(db), "--quiet"])
        assert result.exit_code == 1 and "EXTRACTOR_DB_TIMEOUT" in result.output
    finally:
        holder.rollback()
        holder.close()
    assert snapshot(db) == snapshot(stored)  # the waiting run changed nothing


def test_locked_db_is_written_once_the_lock_is_released(tmp_path: Path, stored: Path, nlp, monkeypatch) -> None:
    db = _copy(stored, tmp_path / "locked.db")
    open_db(db).conn.close()
    monkeypatch.setattr(settings, "DB_TIMEOUT", 15.0)
    holder = _hold_write_lock(db)
    releaser = threading.Timer(1.0, holder.rollback)
    releaser.start()
    try:
        summary = extract([stored.parent / "corpus"], db, nlp=nlp, force=True)
    finally:
        releaser.join()
        holder.close()
    assert (summary.processed, summary.failed) == (3, 0)


def test_lock_taken_in_the_middle_of_a_run_is_a_store_error(tmp_path: Path, corpus: Path, nlp, monkeypatch) -> None:
    """A lock that outlasts the timeout while articles are written stops the run with a clear
    error (it is not blamed on an article); what was stored before stays."""
    import extractor.run.extract as ex

    db = tmp_path / "f.db"
    monkeypatch.setattr(settings, "DB_TIMEOUT", 0.5)
    real = ex.write_article
    calls = {"n": 0}
    holder: list[sqlite3.Connection] = []

    def write_then_lock(store, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            holder.append(_hold_write_lock(db))
        real(store, rows)

    monkeypatch.setattr(ex, "write_article", write_then_lock)
    try:
        with pytest.raises(StoreError, match="database is locked"):
            extract([corpus], db, nlp=nlp)
    finally:
        for conn in holder:
            conn.rollback()
            conn.close()
    assert sqlite_utils.Database(db).execute("select count(*) from articles").fetchone()[0] == 1
    assert sqlite_utils.Database(db).execute("select count(*) from failures").fetchone()[0] == 0


def test_wal_mode_and_readers_during_a_write(tmp_path: Path, stored: Path) -> None:
    db = _copy(stored, tmp_path / "wal.db")
    store = open_db(db)
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with immediate(store):
        store.execute("delete from claims")
        # a reader sees the last committed state while the write is open
        reader = sqlite3.connect(db, timeout=0.1)
        assert reader.execute("select count(*) from claims").fetchone()[0] > 0
        reader.close()
    store.conn.close()


def test_two_extractions_at_once_both_finish_without_duplicates(tmp_path: Path, nlp) -> None:
    corpus = write_corpus(tmp_path / "corpus", 8)
    reference = tmp_path / "reference.db"
    extract([corpus], reference, nlp=nlp)
    db = tmp_path / "shared.db"
    env = cli_env(EXTRACTOR_BATCH_SIZE="1")
    procs = [
        subprocess.Popen([*EXTRACTOR, "extract", str(corpus), "--db", str(db), "--quiet"], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
        processed, skipped = re.search(r"(\d+) articles processed, (\d+) skipped, 0 failed", out).groups()
        assert int(processed) + int(skipped) == 8
    store = sqlite_utils.Database(db)
    for table in ("articles", "sentences", "mentions", "claims"):
        assert store.execute(f"select count(*) from {table}").fetchone()[0] == \
            sqlite_utils.Database(reference).execute(f"select count(*) from {table}").fetchone()[0], table
    dup = store.execute("select count(*) from (select article_id, start, end, type from mentions "
                        "group by 1, 2, 3, 4 having count(*) > 1)").fetchone()[0]
    assert dup == 0
    assert snapshot(db) == snapshot(reference)
    assert check_store(db).ok
