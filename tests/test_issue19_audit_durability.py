"""Issue 19: auditing never loses a verdict, flags stay resolved, export applies verdicts, metadata
re-extracts, fixes read values as people write them, and a misstated verdict. On an invented
article (no corpus figure), extracted with the session's pipeline."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.run.extract import extract
from extractor.store.anchors import align
from extractor.store.db import open_db
from extractor.store.schema import SCHEMA_VERSION

TEXT = """Vietnam trade update

Exports of Vietnam reached 71.25 billion US dollars in 2021, up 6.35 percent year-on-year, the General Statistics Office said on Monday.

Imports of Vietnam rose 5.85 percent to 48.65 billion US dollars in 2021, the office said.

Exports of Vietnam were 71.52 billion US dollars in 2021, according to a separate customs tally.
"""
META = {"published": "2022-01-15", "source": "Invented Wire"}
AID = "viet"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / f"{AID}.txt").write_text(TEXT, encoding="utf-8")
    (folder / f"{AID}.meta.json").write_text(json.dumps(META), encoding="utf-8")
    return folder


@pytest.fixture()
def store(corpus: Path, tmp_path: Path, nlp) -> Path:
    db = tmp_path / "facts.db"
    summary = extract([corpus], db, nlp=nlp)
    assert summary.processed == 1 and summary.failed == 0
    return db


def run(*args, ok: bool = True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def key(db_path: Path, value: float) -> str:
    db = open_db(db_path, create=False)
    row = db.execute("select claim_key from claims where value = ?", [value]).fetchone()
    assert row, f"no claim of {value}"
    return row[0]


def listed(db_path: Path, *opts) -> list[dict]:
    out = run("audit", "list", "--db", db_path, "--json", *opts).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def verdicts(db_path: Path) -> dict[float, str]:
    """The verdict in force of each claim, by its value."""
    return {r["value"]: r["verdict"] for r in listed(db_path) if r["verdict"]}


def rewrite(corpus: Path, text: str) -> None:
    (corpus / f"{AID}.txt").write_text(text, encoding="utf-8")


def judge(db_path: Path) -> None:
    run("audit", "accept", "--db", db_path, key(db_path, 71.25e9))
    run("audit", "fix", "--db", db_path, key(db_path, 48.65e9), "--set", "source=General Statistics Office of Vietnam")
    run("audit", "reject", "--db", db_path, key(db_path, 71.52e9), "--note", "a second tally")


# ---------------------------------------------------------------------------------------------- alignment


def test_align_maps_spans_through_edits():
    old = "alpha beta\ngamma 12.5 delta\nomega\n"
    new = "a new first line\nalpha beta\ngamma 12.5 delta!\nomega\nfooter\n"
    a = align(old, new)
    s = old.index("12.5")
    mapped = a.map_span(s, s + 4)
    assert mapped is not None and new[mapped[0]:mapped[1]] == "12.5"
    assert a.map_span(old.index("delta"), old.index("delta") + 6) is None  # "delta\n" became "delta!\n"
    assert align(old, old).map_span(0, len(old)) == (0, len(old))


# ---------------------------------------------------------------------------------------------- verdicts


def test_issue19_footer_line_keeps_every_verdict(store, corpus, nlp):
    judge(store)
    before = {r["value"]: r["claim_key"] for r in listed(store)}
    rewrite(corpus, TEXT + "Copyright 2022 Invented Wire. All rights reserved.\n")
    assert extract([corpus], store, nlp=nlp).processed == 1
    after = {r["value"]: r["claim_key"] for r in listed(store)}
    assert set(after) == set(before) and not set(after.values()) & set(before.values())  # every key changed
    assert verdicts(store) == {71.25e9: "accept", 48.65e9: "fix", 71.52e9: "reject"}
    db = open_db(store, create=False)
    rows = [dict(r) for r in db.query("select * from audits order by id")]
    assert len(rows) == 3 and all(r["attached_how"] == "aligned" and r["detached"] is None for r in rows)
    assert [r["judged_key"] for r in rows] == [before[71.25e9], before[48.65e9], before[71.52e9]]
    assert "0 orphaned verdict(s)" in run("audit", "list", "--db", store, "--orphaned").output
    assert "orphaned" not in run("check", "--db", store).output
    out = run("audit", "show", "--db", store, after[48.65e9]).output
    assert "re-attached: aligned" in out and "General Statistics Office of Vietnam" in out


def test_issue19_text_inserted_above_shifts_offsets(store, corpus, nlp):
    judge(store)
    rewrite(corpus, TEXT.replace("Vietnam trade update\n", "Vietnam trade update\nBy a staff reporter\n"))
    extract([corpus], store, nlp=nlp)
    assert verdicts(store) == {71.25e9: "accept", 48.65e9: "fix", 71.52e9: "reject"}


def test_issue19_moved_paragraph_found_by_its_quote(store, corpus, nlp):
    judge(store)
    paras = TEXT.split("\n\n")
    rewrite(corpus, "\n\n".join([paras[0], paras[3].rstrip("\n"), paras[2], paras[1]]) + "\n")
    extract([corpus], store, nlp=nlp)
    assert verdicts(store) == {71.25e9: "accept", 48.65e9: "fix", 71.52e9: "reject"}


def test_issue19_changed_figure_is_an_orphan_listed_never_dropped(store, corpus, nlp):
    judge(store)
    rewrite(corpus, TEXT.replace("48.65 billion", "48.95 billion"))
    extract([corpus], store, nlp=nlp)
    assert verdicts(store) == {71.25e9: "accept", 71.52e9: "reject"}
    assert open_db(store, create=False)["audits"].count == 3  # kept
    out = run("audit", "list", "--db", store, "--orphaned").output
    assert "1 orphaned verdict(s)" in out and "fix" in out and "48.65 billion USD" in out
    assert "was 48,650,000,000 USD" in out  # why: the figure there now has another value
    check = run("check", "--db", store)
    assert "orphaned verdict: fix" in check.output and "1 orphaned verdict(s)" in check.output
    exported = run("export", "--db", store)
    assert "1 verdict(s) are orphaned" in exported.stderr
    # the text is put back: the orphan finds its claim again by its quote
    rewrite(corpus, TEXT)
    extract([corpus], store, nlp=nlp)
    assert verdicts(store) == {71.25e9: "accept", 48.65e9: "fix", 71.52e9: "reject"}
    assert "0 orphaned verdict(s)" in run("audit", "list", "--db", store, "--orphaned").output
    assert [r[0] for r in open_db(store, create=False).execute("select detached from audits")] == [None] * 3
    # orphaned again, by another edit: the reason is the new one
    rewrite(corpus, TEXT.replace("48.65 billion", "49.15 billion") + "A footer.\n")
    extract([corpus], store, nlp=nlp)
    assert "now reads '49.15 billion US dollars'" in run("audit", "list", "--db", store, "--orphaned").output
    # and found again by its quote, under a new key, once the figure is back
    rewrite(corpus, TEXT + "Another footer.\n")
    extract([corpus], store, nlp=nlp)
    assert verdicts(store) == {71.25e9: "accept", 48.65e9: "fix", 71.52e9: "reject"}
    rows = [dict(r) for r in open_db(store, create=False).query("select * from audits order by id")]
    assert [r["detached"] for r in rows] == [None] * 3 and rows[1]["attached_how"] == "quote"


# ---------------------------------------------------------------------------------------------- flags


def _open_flags(db_path: Path) -> int:
    """Claims with an open flag (stated on them or naming them)."""
    return len(listed(db_path, "--flag", "open"))


def test_issue19_resolved_flag_stays_resolved(store, corpus, nlp):
    flagged = listed(store, "--flag", "open")
    assert {r["value"] for r in flagged} == {71.25e9, 71.52e9}
    # the later statement carries the flag, the earlier one is named by it
    run("audit", "reject", "--db", store, key(store, 71.52e9))
    assert _open_flags(store) == 0
    run("audit", "check", "--db", store)  # the flag is raised again, newer than the verdict
    assert _open_flags(store) == 0 and len(listed(store, "--flag", "resolved")) == 2
    extract([corpus], store, nlp=nlp, force=True)
    assert _open_flags(store) == 0
    rewrite(corpus, TEXT + "Copyright line.\n")  # new keys, same figures: still the same flag
    extract([corpus], store, nlp=nlp)
    assert _open_flags(store) == 0
    rewrite(corpus, TEXT.replace("71.25 billion", "70.25 billion"))  # an input of the flag changed
    extract([corpus], store, nlp=nlp)
    assert _open_flags(store) == 2


# ---------------------------------------------------------------------------------------------- export


def test_issue19_export_applies_verdicts(store):
    judge(store)
    run("audit", "misstated", "--db", store, key(store, 71.25e9), "--note", "the office's release says 71.2 billion",
        "--reference", "https://example.org/release")
    records = [json.loads(line) for line in run("export", "--db", store).stdout.splitlines()]
    assert [r["value"] for r in records] == [71250000000, 48650000000]  # the rejected claim is left out
    first, second = records
    assert list(first)[:15] == ["article", "quote", "value", "unit", "measure", "indicator", "geo", "partner",
                                "period", "change", "approx", "modality", "source", "start", "end"]
    assert (first["verdict"], first["note"], first["reference"]) == (
        "misstated", "the office's release says 71.2 billion", "https://example.org/release")
    assert first["claim_key"] == key(store, 71.25e9) and isinstance(first["confidence"], float)
    assert (second["verdict"], second["source"], second["fixed"]) == ("fix", "General Statistics Office of Vietnam", "source")
    marked = [json.loads(line) for line in run("export", "--db", store, "--rejected", "mark").stdout.splitlines()]
    assert [r["verdict"] for r in marked] == ["misstated", "fix", "reject"]
    raw = [json.loads(line) for line in run("export", "--db", store, "--raw").stdout.splitlines()]
    assert len(raw) == 3 and raw[1]["source"] != "General Statistics Office of Vietnam" and raw[1]["fixed"] is None
    rows = list(csv.DictReader(io.StringIO(run("export", "--db", store, "--format", "csv").stdout)))
    assert [r["verdict"] for r in rows] == ["misstated", "fix"] and rows[0]["reference"] == "https://example.org/release"


# ---------------------------------------------------------------------------------------------- metadata


def test_issue19_metadata_change_reextracts(store, corpus, nlp):
    assert extract([corpus], store, nlp=nlp).skipped == 1
    (corpus / f"{AID}.meta.json").write_text(json.dumps({**META, "published": "2022-02-20"}), encoding="utf-8")
    summary = extract([corpus], store, nlp=nlp)
    assert (summary.processed, summary.skipped) == (1, 0)
    db = open_db(store, create=False)
    assert db.execute("select published from articles").fetchone()[0] == "2022-02-20"
    assert extract([corpus], store, nlp=nlp).skipped == 1  # and then it is current
    (corpus / f"{AID}.meta.json").unlink()
    assert extract([corpus], store, nlp=nlp).processed == 1


# ---------------------------------------------------------------------------------------------- fix values


@pytest.mark.parametrize("raw, stored", [
    ("71.3 billion", 71300000000), ("71.3bn", 71300000000), ("71,300,000,000", 71300000000), ("7.13e10", 71300000000),
    ("0.0713 trillion", 71300000000), ("71300 million", 71300000000),
])
def test_issue19_fix_reads_values_as_written(store, raw, stored):
    run("audit", "fix", "--db", store, key(store, 71.25e9), "--set", f"value={raw}")
    row = open_db(store, create=False).execute("select fields from audits").fetchone()[0]
    assert json.loads(row) == {"value": stored}


def test_issue19_fix_warns_on_orders_of_magnitude(store):
    result = run("audit", "fix", "--db", store, key(store, 71.25e9), "--set", "value=71.3")
    assert "warning: value 71.3 is 9 orders of magnitude from the extracted 71.25 billion USD" in result.stderr
    assert "value=71.3 billion" in result.stderr
    result = run("audit", "fix", "--db", store, key(store, 71.25e9), "--set", "value=71.3 billion")
    assert "warning" not in result.stderr
    result = run("audit", "fix", "--db", store, key(store, 48.65e9), "--set", "value=5.9%")
    assert "is a percentage but the claim's unit is USD" in result.stderr


def test_issue19_unknown_filter_values_name_the_valid_ones(store):
    result = run("audit", "list", "--db", store, "--indicator", "trade.export", ok=False)
    assert result.exit_code != 0 and "unknown indicator 'trade.export'" in result.output
    assert "trade.exports" in result.output and "trade.imports" in result.output
    result = run("audit", "list", "--db", store, "--geo", "Vietnam", ok=False)
    assert result.exit_code != 0 and "places in the store: VN" in result.output
    result = run("audit", "list", "--db", store, "--verdict", "accepted", ok=False)
    assert "valid: unaudited, any, accept, reject, fix, misstated" in result.output
    assert run("audit", "list", "--db", store, "--indicator", "trade.total").stderr.strip() == "0 claim(s)"


def test_issue19_misstated_needs_a_note_and_an_http_reference(store):
    k = key(store, 71.25e9)
    assert run("audit", "misstated", "--db", store, k, ok=False).exit_code != 0
    result = run("audit", "misstated", "--db", store, k, "--note", "n", "--reference", "javascript:alert(1)", ok=False)
    assert result.exit_code != 0 and "not an http(s) URL" in result.output
    run("audit", "misstated", "--db", store, k, "--note", "contradicts the release")
    assert verdicts(store) == {71.25e9: "misstated"}
    stats = json.loads(run("stats", "--db", store, "--json").output)
    assert stats["audited"]["misstated"] == 1 and stats["audited"]["overall"] == 1.0  # the extraction was right


def test_issue19_report_shows_misstated(store, tmp_path):
    import lxml.html

    run("audit", "misstated", "--db", store, key(store, 71.25e9), "--note", "contradicts the release",
        "--reference", "https://example.org/r")
    run("report", "--db", store, "--out", tmp_path / "report")
    doc = lxml.html.fromstring((tmp_path / "report" / "articles" / "viet.html").read_text(encoding="utf-8"))
    row = doc.get_element_by_id(f"row-{key(store, 71.25e9)}")
    assert "misstated" in row.text_content() and "contradicts the release" in row.text_content()
    assert [a.get("href") for a in row.find_class("reference")] == ["https://example.org/r"]
    mark = doc.get_element_by_id(f"claim-{key(store, 71.25e9)}")
    assert "v-misstated" in mark.get("class").split()


# ---------------------------------------------------------------------------------------------- migration


def test_issue19_migrates_a_schema_2_store(store):
    """A store of schema 2 (no anchors, resolution by timestamps) keeps its verdicts and resolved flags."""
    judge(store)
    k = key(store, 71.52e9)  # the flagged claim, rejected by judge(): its flag is resolved
    assert _open_flags(store) == 0
    conn = sqlite3.connect(store)
    for col in ("reference", "judged_key", "quote", "quote_start", "value", "unit", "value_text", "value_start",
                "value_end", "attached_how", "detached"):
        conn.execute(f"alter table audits drop column [{col}]")
    conn.execute("alter table articles drop column meta_hash")
    conn.execute("drop table flag_resolutions")
    conn.execute("update flags set created_at = '2020-01-01T00:00:00+00:00'")  # raised before the verdicts
    conn.execute("update meta set value = '2' where key = 'schema_version'")
    conn.commit()
    conn.close()
    assert "older than" in run("audit", "list", "--db", store, ok=False).output
    assert f"migrated from schema version 2 to {SCHEMA_VERSION}" in run("migrate", "--db", store).output
    db = open_db(store, create=False)
    rows = {r["claim_key"]: dict(r) for r in db.query("select * from audits")}
    assert rows[k]["value"] == 71.52e9 and rows[k]["judged_key"] == k and rows[k]["value_text"]
    assert db["flag_resolutions"].count == 1 and _open_flags(store) == 0
    assert "OK" in run("check", "--db", store).output
