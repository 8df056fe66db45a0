"""`extractor check --db FILE` (issue 9): a good store passes; a store corrupted on purpose is
reported with every problem and exit code 1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import N_ARTICLES
from click.testing import CliRunner

from extractor.cli import cli
from extractor.store.integrity import check_store
from extractor.store.schema import SCHEMA_VERSION


@pytest.fixture()
def store(corpus_db: Path, tmp_path: Path) -> Path:
    """A private copy of the session's corpus store, to corrupt."""
    dest = tmp_path / "facts.db"
    src = sqlite3.connect(corpus_db)
    dst = sqlite3.connect(dest)
    src.backup(dst)
    src.close()
    dst.close()
    return dest


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = OFF")  # corrupting on purpose
    for s in statements:
        conn.execute(s)
    conn.commit()
    conn.close()


def _check(db: Path):
    return CliRunner().invoke(cli, ["check", "--db", str(db)])


def test_a_good_store_passes(store: Path) -> None:
    report = check_store(store)
    assert report.ok, report.problems
    assert report.version == SCHEMA_VERSION and report.counts["articles"] == N_ARTICLES and report.spans > 300
    result = _check(store)
    assert result.exit_code == 0, result.output
    assert f"OK (schema version {SCHEMA_VERSION}; " in result.output and "spans checked" in result.output


def test_check_does_not_change_the_store(store: Path) -> None:
    before = store.read_bytes()
    _check(store)
    assert store.read_bytes() == before


def test_shifted_offsets_are_reported(store: Path) -> None:
    mention = sqlite3.connect(store).execute("select id from mentions order by id limit 1").fetchone()[0]
    _sql(store,
         f"update mentions set start = start + 1 where id = '{mention}'",
         "update claims set quote_end = quote_end + 1000000 where rowid = (select min(rowid) from claims)",
         "update sentences set text = 'something else' where rowid = (select min(rowid) from sentences)")
    report = check_store(store)
    problems = "\n".join(report.problems)
    assert f"mentions {mention}: text [" in problems and "the stored surface" in problems
    assert "claims " in problems and "quote [" in problems and "outside the article text" in problems
    assert "sentences " in problems and "'something else'" in problems
    assert len(report.problems) == 3
    result = _check(store)
    assert result.exit_code == 1 and "3 problem(s) in" in result.output


def test_changed_article_text_breaks_hash_and_spans(store: Path) -> None:
    _sql(store, "update articles set text = 'X' || text where id = '003_270bea5b41e05852'")
    problems = check_store(store).problems
    assert any("articles 003_270bea5b41e05852: content_hash does not match" in p for p in problems)
    assert any("articles 003_270bea5b41e05852: chars is" in p for p in problems)
    assert sum("003_270bea5b41e05852:" in p for p in problems) > 10  # its spans are all off by one


def test_dangling_foreign_keys_are_reported(store: Path) -> None:
    sid = sqlite3.connect(store).execute(
        "select sentence_id from claims where sentence_id is not null limit 1").fetchone()[0]
    _sql(store, f"delete from sentences where id = '{sid}'",
         "insert into article_files (path, article_id, content_hash) values ('ghost.txt', 'ghost', 'x')")
    problems = check_store(store).problems
    assert any(p.startswith("foreign key: claims row") and f"sentence_id = '{sid}' has no row in sentences" in p
               for p in problems)
    assert any("foreign key: article_files row" in p and "article_id = 'ghost'" in p for p in problems)


def test_non_finite_values_are_reported(store: Path) -> None:
    _sql(store, "update mentions set value = 9e999 where rowid = (select min(rowid) from mentions)")
    assert any("value is inf" in p for p in check_store(store).problems)


def test_wrong_schema_version_and_missing_parts(store: Path) -> None:
    _sql(store, "update meta set value = '0' where key = 'schema_version'", "drop table failures",
         "alter table claims drop column modality")
    problems = check_store(store).problems
    assert f"schema version 0, this extractor expects {SCHEMA_VERSION}: run `extractor migrate --db {store}`" in problems
    assert "missing table failures" in problems
    assert "table claims: missing columns modality" in problems


def test_damaged_file_is_reported_not_raised(store: Path) -> None:
    data = bytearray(store.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[3 * page:5 * page] = b"\x5a" * (2 * page)  # two pages of the tables
    store.write_bytes(bytes(data))
    report = check_store(store)
    assert not report.ok
    assert any("integrity_check" in p or "damaged" in p for p in report.problems)
    result = _check(store)
    assert result.exit_code == 1 and "problem(s) in" in result.output


def test_not_a_store_at_all(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("hello", encoding="utf-8")
    result = _check(text)
    assert result.exit_code == 1 and f"{text}: not an SQLite database" in result.output
    result = _check(tmp_path / "missing.db")
    assert result.exit_code == 1 and "no such file" in result.output
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create table t (x)")
    conn.close()
    assert check_store(other).problems == ["not an extractor store: no meta table (no schema version)"]
