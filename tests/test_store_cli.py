"""The store and the command line (issue 2): schema, provenance offsets, idempotency, commands."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from extractor.cli import cli
from extractor.run.extract import extract
from extractor.store.schema import SCHEMA_VERSION, TABLES
from extractor.store.db import open_db

from .conftest import CORPUS, N_ARTICLES

GUIDE_FIELDS = ["quote", "value", "unit", "measure", "indicator", "geo", "partner", "period", "change", "approx",
                "modality", "source"]


def test_schema_tables_keys_and_search(tmp_path):
    db = open_db(tmp_path / "s.db")
    names = set(db.table_names())
    assert set(TABLES) <= names
    assert db.execute("select value from meta where key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    fks = {(fk.column, fk.other_table) for fk in db["claims"].foreign_keys}
    assert {("article_id", "articles"), ("sentence_id", "sentences"), ("mention_id", "mentions")} <= fks
    indexed = {tuple(i.columns) for i in db["claims"].indexes}
    assert ("article_id",) in indexed and ("claim_key",) in indexed
    assert db["sentences"].detect_fts() and db["claims"].detect_fts()


def test_every_stored_span_holds_its_surface(corpus_db):
    db = sqlite_utils.Database(corpus_db)
    texts = {r["id"]: r["text"] for r in db.query("select id, text from articles")}
    checked = 0
    for table, pairs in {
        "sentences": [("start", "end", "text")],
        "mentions": [("start", "end", "text")],
        "claims": [("start", "end", "text"), ("quote_start", "quote_end", "quote"), ("phrase_start", "phrase_end", "phrase")],
    }.items():
        for row in db.query(f"select * from {table}"):
            for s, e, col in pairs:
                if row[s] is None:
                    continue
                assert texts[row["article_id"]][row[s]:row[e]] == row[col], (table, row["id"], col)
                checked += 1
    assert checked > 300


def test_body_offsets_and_publication_dates_are_stored(corpus_db):
    db = sqlite_utils.Database(corpus_db)
    rows = {r["id"]: r for r in db.query("select * from articles")}
    assert len(rows) == N_ARTICLES
    assert rows["003_270bea5b41e05852"]["published"] == "2019-02"
    assert rows["003_270bea5b41e05852"]["published_how"] == "meta"
    assert rows["000_eb5fc65021657d43"]["published_how"] == "text"
    assert rows["002_50abea90d804c576"]["published_how"] == "unknown"
    art = rows["002_50abea90d804c576"]
    assert "Yafela Trading" not in art["text"][art["body_start"]:art["body_end"]]
    # no mention or claim outside the body
    for r in db.query("select m.start, m.end, a.body_start, a.body_end from mentions m join articles a on a.id = m.article_id"):
        assert r["body_start"] <= r["start"] and r["end"] <= r["body_end"]


def _rows(db_path: Path) -> dict[str, list]:
    db = sqlite_utils.Database(db_path)
    out = {}
    for t in ("sentences", "mentions", "claims"):
        out[t] = sorted(tuple(r.values()) for r in db.query(f"select * from {t}"))
    out["articles"] = sorted(
        tuple(v for k, v in r.items() if k != "extracted_at") for r in db.query("select * from articles")
    )
    return out


def test_rerun_changes_nothing_and_skips_everything(tmp_path, nlp, corpus_copy):
    db = tmp_path / "f.db"
    first = extract([corpus_copy], db, nlp=nlp)
    assert (first.processed, first.skipped, first.failed) == (N_ARTICLES, 0, 0)
    before = _rows(db)
    second = extract([corpus_copy], db, nlp=nlp)
    assert (second.processed, second.skipped, second.failed) == (0, N_ARTICLES, 0)
    assert _rows(db) == before


def test_changed_article_is_replaced_and_force_redoes_all(tmp_path, nlp, corpus_copy):
    db = tmp_path / "f.db"
    extract([corpus_copy], db, nlp=nlp)
    path = corpus_copy / "003_270bea5b41e05852.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("389.14 billion", "389.15 billion"), encoding="utf-8")
    s = extract([corpus_copy], db, nlp=nlp)
    assert (s.processed, s.skipped) == (1, N_ARTICLES - 1)
    store = sqlite_utils.Database(db)
    values = [r["value"] for r in store.query("select value from claims where article_id = '003_270bea5b41e05852'")]
    assert 389150000000 in values and 389140000000 not in values
    assert store.execute("select count(*) from articles").fetchone()[0] == N_ARTICLES
    forced = extract([corpus_copy], db, nlp=nlp, force=True)
    assert forced.processed == N_ARTICLES


def test_claim_keys_survive_reextraction(tmp_path, nlp, corpus_copy):
    db = tmp_path / "f.db"
    extract([corpus_copy], db, nlp=nlp)
    keys = {r["claim_key"] for r in sqlite_utils.Database(db).query("select claim_key from claims")}
    extract([corpus_copy], db, nlp=nlp, force=True)
    again = {r["claim_key"] for r in sqlite_utils.Database(db).query("select claim_key from claims")}
    assert keys == again and len(keys) > 20


def test_same_text_under_two_names_is_stored_once(tmp_path, nlp):
    folder = tmp_path / "c"
    folder.mkdir()
    src = (CORPUS / "003_270bea5b41e05852.txt").read_text(encoding="utf-8")
    (folder / "a.txt").write_text(src, encoding="utf-8")
    (folder / "b.txt").write_text(src, encoding="utf-8")
    db = tmp_path / "f.db"
    s = extract([folder], db, nlp=nlp)
    store = sqlite_utils.Database(db)
    assert store.execute("select count(*) from articles").fetchone()[0] == 1
    assert {r["path"].split("/")[-1] for r in store.query("select path from article_files")} == {"a.txt", "b.txt"}
    assert s.processed == 1


# ---------------------------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = folder / "facts.db"
    result = CliRunner().invoke(cli, ["extract", str(corpus), "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"{N_ARTICLES} articles processed, 0 skipped, 0 failed;" in result.output
    return db


def test_extract_again_reports_skips(cli_db, tmp_path):
    corpus = cli_db.parent / "corpus"
    result = CliRunner().invoke(cli, ["extract", str(corpus), "--db", str(cli_db), "--quiet"])
    assert result.exit_code == 0
    assert f"0 articles processed, {N_ARTICLES} skipped, 0 failed" in result.output


def test_export_jsonl_has_the_guide_fields(cli_db):
    result = CliRunner().invoke(cli, ["export", "--db", str(cli_db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) >= 25
    for r in records:
        assert set(GUIDE_FIELDS) <= set(r) and "article" in r
    guangdong = [r for r in records if r["article"] == "003_270bea5b41e05852" and r["value"] == 389140000000]
    assert guangdong and guangdong[0]["unit"] == "CNY" and guangdong[0]["change"]["direction"] == "up"


def test_export_csv(cli_db, tmp_path):
    out = tmp_path / "claims.csv"
    result = CliRunner().invoke(cli, ["export", "--db", str(cli_db), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and set(GUIDE_FIELDS) <= set(rows[0])


def test_stats_counts(cli_db):
    result = CliRunner().invoke(cli, ["stats", "--db", str(cli_db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["articles"] == N_ARTICLES and data["counts"]["claims"] >= 25
    assert any(r["indicator"] == "trade.total" for r in data["by_indicator"])


def test_indicators_lists_every_guide_id():
    result = CliRunner().invoke(cli, ["indicators", "--json"])
    ids = {i["id"] for i in json.loads(result.output)}
    for iid in ("trade.total", "trade.exports", "tech_trade.contracts", "rd.intensity", "gdp", "new_three.exports"):
        assert iid in ids


def test_quantities_command_reads_json_lines():
    lines = "\n".join([
        json.dumps({"text": "Exports rose 8.1 percent to $891.1 billion."}),
        json.dumps({"text": "No figures here."}),
    ])
    result = CliRunner().invoke(cli, ["quantities"], input=lines + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(x) for x in result.output.splitlines()]
    assert len(out) == 2 and out[1] == {"quantities": []}
    q = out[0]["quantities"]
    assert [(x["text"], x["value"], x["unit"], x["direction"]) for x in q] == [
        ("8.1 percent", 8.1, "percent", "up"), ("$891.1 billion", 891100000000, "USD", None)]


def test_quantities_command_rejects_bad_lines():
    result = CliRunner().invoke(cli, ["quantities"], input='{"nope": 1}\n')
    assert result.exit_code != 0 and "stdin line 1" in result.output


def test_issue2_a_bad_line_does_not_stop_the_lines_after_it():
    lines = '{"text": "Exports rose 5 percent."}\nnot json\n{"text": "Imports fell 2 percent."}\n'
    result = CliRunner().invoke(cli, ["quantities"], input=lines)
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert result.exit_code != 0 and len(out) == 3
    assert out[0]["quantities"][0]["value"] == 5 and out[2]["quantities"][0]["value"] == 2
    assert out[1]["quantities"] is None and "stdin line 2" in out[1]["error"]


def test_unknown_model_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(CORPUS), "--db", str(tmp_path / "x.db"), "--model", "no_such_model", "--quiet"])
    assert result.exit_code != 0
    assert "no_such_model" in str(result.exception) or "no_such_model" in result.output


def test_issue2_name_with_a_no_break_space_is_one_person(corpus_db):
    """The byline "Li\u00a0Jiabao": the pipeline reads exotic spaces as spaces, the store keeps the text."""
    db = sqlite_utils.Database(corpus_db)
    people = {r["text"] for r in db.query("select text from mentions where type = 'PERSON' and article_id = '000_eb5fc65021657d43'")}
    assert "Li\u00a0Jiabao" in people and "Li" not in people


def test_issue2_every_packaged_data_file_is_tracked_by_git():
    """extractor/data once fell under a .gitignore rule: a fresh clone would have had no rules."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        tracked = subprocess.run(["git", "ls-files", "extractor/data"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    if not tracked.strip() and not (root / ".git").exists():
        pytest.skip("not a git checkout")
    names = {Path(p).name for p in tracked.split()}
    on_disk = {p.name for p in (root / "extractor" / "data").iterdir() if p.is_file()}
    assert on_disk <= names, on_disk - names


def test_extraction_runs_the_consistency_checks(corpus_db):
    db = sqlite_utils.Database(corpus_db)
    flags = list(db.query("select * from flags"))
    assert any(f["article_id"] == "001_a98aa1da957942e1" for f in flags)


def test_issue8_two_workers_store_what_one_stores(tmp_path, nlp):
    """With workers the texts go to the worker processes with their publication date and piece
    number (they tokenize); the store must equal a one-process run, relative periods included
    (003 is dated by its sidecar: "last month" is 2019-01)."""
    from .robustness import snapshot

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("003_270bea5b41e05852", "004_f21e5918f760a7ed", "009_5d0590625db7654f"):
        for f in CORPUS.glob(f"{name}.*"):
            shutil.copy(f, corpus / f.name)
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    extract([corpus], one, nlp=nlp)
    s = extract([corpus], two, nlp=nlp, workers=2)
    assert (s.processed, s.failed) == (3, 0)
    assert snapshot(two) == snapshot(one)
    periods = {r[0] for r in sqlite_utils.Database(two).execute(
        "select period from claims where article_id = '003_270bea5b41e05852'")}
    assert "2019-01" in periods
