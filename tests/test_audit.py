"""`extractor audit ...` (extractor/audit.py, extractor/cli_audit.py) on copies of the corpus store."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.quality.audit import STYLES, AuditError, parse_value
from extractor.cli import cli
from extractor.store.db import open_db

from .conftest import CORPUS, GOLD, N_ARTICLES, N_GOLD

GD = "003_270bea5b41e05852"
ART001 = "001_a98aa1da957942e1"


@pytest.fixture()
def store(corpus_db, tmp_path) -> Path:
    """A writable copy of the session's corpus store."""
    dest = tmp_path / "facts.db"
    shutil.copy(corpus_db, dest)
    return dest


def run(*args: str, color: bool = False, ok: bool = True):
    result = CliRunner().invoke(cli, [str(a) for a in args], color=color)
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def key_of(db_path: Path, article: str, value: float) -> str:
    db = open_db(db_path, create=False)
    row = db.execute("select claim_key from claims where article_id = ? and value = ?", [article, value]).fetchone()
    assert row, f"no claim of {value} in {article}"
    return row[0]


def listed(db_path: Path, *opts: str) -> list[dict]:
    out = run("audit", "list", "--db", db_path, "--json", *opts).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def audits(db_path: Path) -> list[dict]:
    return [dict(r) for r in open_db(db_path, create=False).query("select * from audits order by id")]


# ---------------------------------------------------------------------------------------------- list


def test_list_least_confident_first(store):
    rows = listed(store)
    db = open_db(store, create=False)
    assert len(rows) == db["claims"].count > 0
    confs = [r["confidence"] for r in rows]
    assert confs == sorted(confs)
    assert rows[0]["verdict"] is None and rows[0]["flags"] == 0


@pytest.mark.parametrize("opts, keep", [
    (["--article", "003"], lambda r: r["article_id"] == GD),
    (["--article", GD], lambda r: r["article_id"] == GD),
    (["--indicator", "trade.total"], lambda r: r["indicator"] == "trade.total"),
    (["--geo", "CN-SH"], lambda r: r["geo"] and "CN-SH" in r["geo"]),  # a member of a list of places
    (["--geo", "CN-GD"], lambda r: r["geo"] == "CN-GD"),
    (["--below", "0.8"], lambda r: r["confidence"] < 0.8),
])
def test_list_filters(store, opts, keep):
    every = listed(store)
    rows = listed(store, *opts)
    assert rows, "the filter should keep some claims of the corpus"
    assert [r["claim_key"] for r in rows] == [r["claim_key"] for r in every if keep(r)]


def test_list_limit_unaudited_flagged(store):
    assert len(listed(store, "--limit", "3")) == 3
    first = listed(store)[0]["claim_key"]
    run("audit", "accept", "--db", store, first)
    rows = listed(store, "--unaudited")
    assert first not in {r["claim_key"] for r in rows} and len(rows) == len(listed(store)) - 1
    assert [r["verdict"] for r in listed(store) if r["claim_key"] == first] == ["accept"]
    # extraction runs the checks: the store starts with article 001's flag
    flagged = {r["claim_key"] for r in listed(store, "--flagged")}
    # the flag is stated on one of article 001's two totals and names the other: both are listed
    assert {key_of(store, ART001, 4.62e12), key_of(store, ART001, 510e9)} <= flagged
    assert {r["claim_key"] for r in listed(store, "--flagged", "--article", ART001)} == {
        key_of(store, ART001, 4.62e12), key_of(store, ART001, 510e9)}
    run("audit", "check", "--db", store)  # running them again finds the same
    assert {r["claim_key"] for r in listed(store, "--flagged")} == flagged


def test_list_table(store):
    out = run("audit", "list", "--db", store, "--article", "003").stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["key", "value", "indicator"]
    assert any("630.2 billion CNY" in line and "trade.total" in line and "CN-GD" in line for line in lines)


def test_list_unknown_article(store):
    result = run("audit", "list", "--db", store, "--article", "999", ok=False)
    assert result.exit_code != 0 and "no article '999'" in result.output


# ---------------------------------------------------------------------------------------------- show / next


def _styled(text: str, role: str) -> str:
    import click

    return click.style(text, **STYLES[role])


@pytest.mark.parametrize("value, spans", [
    # the exports claim: value, period ("last month") and place (Guangdong) in its sentence
    (389.14e9, [("389.14 billion", "value"), ("last month", "period")]),
    # the total: its source is named in the same sentence
    (630.2e9, [("630.2 billion yuan", "value"), ("Guangdong customs", "source"), ("Guangdong", "place")]),
])
def test_show_highlights(store, value, spans):
    key = key_of(store, GD, value)
    out = run("audit", "show", "--db", store, key[:8], color=True).output
    for text, role in spans:
        assert _styled(text, role) in out, f"{text!r} not highlighted as {role}"
    plain = run("audit", "show", "--db", store, key).output
    assert "\x1b[" not in plain  # no colour when not on a terminal
    for field in ("quote", "value", "unit", "measure", "indicator", "geo", "partner", "period", "change", "approx",
                  "modality", "source"):
        assert f"\n  {field} " in plain
    assert "verdicts: none yet" in plain


def test_show_place_highlight(store):
    key = key_of(store, GD, 389.14e9)
    out = run("audit", "show", "--db", store, key, color=True).output
    import click

    # Guangdong is both the place and the start of the indicator phrase (underlined)
    assert click.style("Guangdong", fg="green", bold=True, underline=True) in out
    # the source is credited in an earlier sentence: shown there, highlighted
    assert "source credited at chars" in out and _styled("Guangdong customs", "source") in out


def test_show_flags_and_checks(store):
    run("audit", "check", "--db", store)
    out = run("audit", "show", "--db", store, key_of(store, ART001, 4.62e12)).output
    assert "flags: 1" in out and "article.repeated" in out and "tolerance" in out
    out = run("audit", "show", "--db", store, key_of(store, GD, 630.2e9)).output
    assert "checks that hold:" in out and "article.trade_sum" in out


@pytest.mark.parametrize("key, message", [
    ("zzzz", "no claim with key 'zzzz'"),
    ("", "empty claim key"),
])
def test_show_bad_key(store, key, message):
    result = run("audit", "show", "--db", store, key, ok=False)
    assert result.exit_code != 0 and message in result.output


def test_show_ambiguous_prefix(store):
    keys = [r["claim_key"] for r in listed(store)]
    # the shortest prefix two keys share
    prefix = min((a[:n] for a in keys for b in keys if a != b for n in range(1, 20) if a[:n] == b[:n]), key=len)
    result = run("audit", "show", "--db", store, prefix, ok=False)
    assert result.exit_code != 0 and "ambiguous" in result.output


def test_two_commands_to_a_verdict(store):
    """`audit next` shows the least confident claim and prints commands that record a verdict."""
    first = listed(store)[0]
    out = run("audit", "next", "--db", store).output
    assert f"claim {first['claim_key']}" in out
    commands = [line.strip() for line in out.splitlines() if line.strip().startswith("extractor audit ")]
    assert [shlex.split(c)[2] for c in commands] == ["accept", "reject", "fix", "misstated"]
    run(*shlex.split(commands[0])[1:])  # the printed accept command, as printed
    (a,) = audits(store)
    assert a["claim_key"] == first["claim_key"] and a["verdict"] == "accept"
    out = run("audit", "next", "--db", store).output
    assert f"claim {listed(store, '--unaudited')[0]['claim_key']}" in out
    assert first["claim_key"] not in out.split("\n")[0]


def test_next_when_all_audited(store):
    for r in listed(store):
        run("audit", "reject", "--db", store, r["claim_key"])
    assert "every claim has a verdict" in run("audit", "next", "--db", store).output


# ---------------------------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("verdict", ["accept", "reject"])
def test_verdict_row(store, verdict):
    key = key_of(store, GD, 630.2e9)
    out = run("audit", verdict, "--db", store, key[:10], "--note", "checked the release", "--reviewer", "ana").output
    assert out.startswith(f"{verdict}: {key}")
    (a,) = audits(store)
    assert (a["claim_key"], a["article_id"], a["verdict"], a["note"], a["reviewer"], a["fields"]) == \
        (key, GD, verdict, "checked the release", "ana", None)
    at = dt.datetime.fromisoformat(a["created_at"])
    assert at.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.timezone.utc) - at).total_seconds()) < 120


def test_reviewer_default(store, monkeypatch):
    monkeypatch.setenv("EXTRACTOR_REVIEWER", "lee")
    run("audit", "accept", "--db", store, key_of(store, GD, 630.2e9))
    assert audits(store)[0]["reviewer"] == "lee"


@pytest.mark.parametrize("assignment, stored", [
    ("period=2019-01", {"period": "2019-01"}),
    ("period=2025-01/2025-05", {"period": "2025-01/2025-05"}),
    ("period=null", {"period": None}),
    ("geo=CN-SH,CN-JS", {"geo": ["CN-JS", "CN-SH"]}),
    ("geo=CN-GD", {"geo": "CN-GD"}),
    ("partner=US", {"partner": "US"}),
    ("indicator=trade.exports", {"indicator": "trade.exports"}),
    ("indicator=null", {"indicator": None}),
    ("value=389.14e9", {"value": 389140000000}),
    ("unit=CNY", {"unit": "CNY"}),
    ("measure=growth", {"measure": "growth"}),
    ("approx=about", {"approx": "about"}),
    ("approx=null", {"approx": None}),
    ("modality=forecast", {"modality": "forecast"}),
    ("source=Guangdong customs", {"source": "Guangdong customs"}),
    ('change={"value": 9.8, "unit": "percent", "direction": "up", "basis": "yoy"}',
     {"change": {"value": 9.8, "unit": "percent", "direction": "up", "basis": "yoy"}}),
    ("change=null", {"change": None}),
    ("quote=overall imports and exports increased 9.8 percent year-on-year to 630.2 billion yuan",
     {"quote": "overall imports and exports increased 9.8 percent year-on-year to 630.2 billion yuan"}),
])
def test_fix_valid(store, assignment, stored):
    key = key_of(store, GD, 630.2e9)
    run("audit", "fix", "--db", store, key, "--set", assignment, "--note", "n")
    (a,) = audits(store)
    assert a["verdict"] == "fix" and json.loads(a["fields"]) == stored and a["note"] == "n"


@pytest.mark.parametrize("assignment, message", [
    ("indicator=trade.everything", "not in the catalog"),
    ("geo=XX", "not an ISO 3166 code"),
    ("geo=Guangdong", "not an ISO 3166 code"),
    ("partner=[\"US\"", "malformed JSON"),
    ("period=2019-13", "not ISO 8601"),
    ("period=January 2019", "not ISO 8601"),
    ("measure=total", "measure 'total' not in"),
    ("approx=roughly", "approx 'roughly' not"),
    ("modality=rumour", "modality 'rumour' not in"),
    # issue 3: any lower-case word once passed as a physical unit; units are ISO 4217, the guide's
    # units or quantulum3's unit names
    ("unit=yuan", "not an ISO 4217"),
    ("unit=square metre", None),
    ("unit=US$", "not an ISO 4217"),
    ("value=lots", "not a number"),
    ("change=up 9.8", "malformed JSON"),
    ('change={"value": 9.8}', "exactly value, unit, direction, basis"),
    ('change={"value": -9.8, "unit": "percent", "direction": "down", "basis": "yoy"}', "non-negative"),
    ('change={"value": 9.8, "unit": "percent", "direction": "sideways", "basis": "yoy"}', "direction"),
    ('change={"value": 9.8, "unit": "percent", "direction": "up", "basis": "weekly"}', "basis"),
    ("quote=not in this article at all", "does not occur"),
    ("colour=red", "unknown field 'colour'"),
    ("period", "expected field=value"),
])
def test_fix_invalid(store, assignment, message):
    key = key_of(store, GD, 630.2e9)
    result = run("audit", "fix", "--db", store, key, "--set", assignment, ok=message is None)
    if message is None:
        assert len(audits(store)) == 1
        return
    assert result.exit_code != 0 and message in result.output, result.output
    assert audits(store) == []  # nothing stored


def test_fix_needs_a_field_and_rejects_duplicates(store):
    key = key_of(store, GD, 630.2e9)
    assert run("audit", "fix", "--db", store, key, ok=False).exit_code != 0
    result = run("audit", "fix", "--db", store, key, "--set", "geo=CN", "--set", "geo=CN-GD", ok=False)
    assert "set twice" in result.output and audits(store) == []


def test_fix_adds_to_earlier_fix(store):
    key = key_of(store, GD, 630.2e9)
    run("audit", "fix", "--db", store, key, "--set", "geo=CN")
    run("audit", "fix", "--db", store, key, "--set", "source=null")
    assert [json.loads(a["fields"]) for a in audits(store)] == [{"geo": "CN"}, {"geo": "CN", "source": None}]
    out = run("audit", "show", "--db", store, key).output
    assert "-> fixed: CN" in out and "-> fixed: null" in out
    # a reject in between starts the fields afresh
    run("audit", "reject", "--db", store, key)
    run("audit", "fix", "--db", store, key, "--set", "period=2019")
    assert json.loads(audits(store)[-1]["fields"]) == {"period": "2019"}


def test_parse_value_sorts_and_dedups_places():
    assert parse_value("geo", '["CN-ZJ", "CN-SH", "CN-ZJ"]') == ["CN-SH", "CN-ZJ"]
    with pytest.raises(AuditError):
        parse_value("geo", "CN,ZZ")


def test_verdict_survives_reextraction(store, nlp):
    """Claims are replaced on re-extraction; verdicts keyed by claim_key still join them."""
    from extractor.run.extract import extract

    key = key_of(store, GD, 389.14e9)
    run("audit", "fix", "--db", store, key, "--set", "source=Guangdong customs", "--reviewer", "ana")
    db = open_db(store, create=False)
    db.execute("update claims set confidence = -1 where claim_key = ?", [key])  # marks the old row
    db.conn.commit()
    db.conn.close()
    summary = extract([CORPUS], store, force=True, nlp=nlp)
    assert summary.processed == N_ARTICLES and summary.failed == 0
    db = open_db(store, create=False)
    row = db.execute(
        "select c.confidence, a.verdict, a.reviewer from audits a join claims c on c.claim_key = a.claim_key"
    ).fetchall()
    assert len(row) == 1 and row[0][0] > 0 and row[0][1:] == ("fix", "ana")  # a new claim row, same verdict
    assert [r["verdict"] for r in listed(store) if r["claim_key"] == key] == ["fix"]
    assert "fix     by ana" in run("audit", "show", "--db", store, key).output
    stats = json.loads(run("stats", "--db", store, "--json").output)
    assert stats["audited"]["audited"] == 1 and stats["audited"]["fixed"] == 1


# ---------------------------------------------------------------------------------------------- export-gold


def _gold(folder: Path, article: str) -> dict:
    return json.loads((folder / f"{article}.json").read_text(encoding="utf-8"))


def test_export_gold_new_files(store, tmp_path):
    keep = key_of(store, GD, 389.14e9)
    fixed = key_of(store, GD, 4e9)
    dropped = key_of(store, GD, 241.06e9)
    run("audit", "accept", "--db", store, keep)
    run("audit", "fix", "--db", store, fixed, "--set", "indicator=rd.expenditure", "--set", "approx=null",
        "--set", "quote=invested more than 4 billion yuan")
    run("audit", "reject", "--db", store, dropped)
    out_dir = tmp_path / "gold"
    out = run("audit", "export-gold", "--db", store, out_dir).output
    assert "wrote 1 gold file(s): 2 claim(s) added" in out
    g = _gold(out_dir, GD)
    assert g["article"] == GD and g["published"] == "2019-02" and g["mentions"] == []
    by_value = {c["value"]: c for c in g["claims"]}
    assert set(by_value) == {389140000000, 4000000000}
    assert by_value[389140000000]["indicator"] == "trade.exports" and by_value[389140000000]["period"] == "2019-01"
    f = by_value[4000000000]
    assert (f["indicator"], f["approx"], f["quote"]) == ("rd.expenditure", None, "invested more than 4 billion yuan")
    text = (CORPUS / f"{GD}.txt").read_text(encoding="utf-8")
    for c in g["claims"]:
        assert text[c["start"]:c["end"]] == c["quote"]
    assert "1 gold file(s) OK" in run("gold", "check", out_dir, "--corpus", CORPUS).output


def test_export_gold_merges(store, tmp_path):
    out_dir = tmp_path / "gold"
    shutil.copytree(GOLD, out_dir)
    before = _gold(out_dir, GD)
    key = key_of(store, GD, 630.2e9)
    run("audit", "fix", "--db", store, key, "--set", "source=China Daily")
    run("audit", "accept", "--db", store, key_of(store, GD, 148.08e9))
    out = run("audit", "export-gold", "--db", store, out_dir).output
    assert "0 claim(s) added, 1 updated, 1 unchanged" in out
    after = _gold(out_dir, GD)
    assert after["mentions"] == before["mentions"] and after["published"] == before["published"]
    assert len(after["claims"]) == len(before["claims"])
    changed = [(b, a) for b, a in zip(before["claims"], after["claims"]) if a != b]
    assert len(changed) == 1
    b, a = changed[0]
    assert a == {**b, "source": "China Daily"}  # the hand-labeled quote and offsets are kept
    # other articles' files are untouched
    for p in GOLD.glob("*.json"):
        if p.stem != GD:
            assert (out_dir / p.name).read_text(encoding="utf-8") == p.read_text(encoding="utf-8")
    assert f"{N_GOLD} gold file(s) OK" in run("gold", "check", out_dir, "--corpus", CORPUS).output
    # exporting again changes nothing
    again = run("audit", "export-gold", "--db", store, out_dir).output
    assert "0 claim(s) added, 0 updated, 2 unchanged" in again
    assert _gold(out_dir, GD) == after


def test_export_gold_adds_unlabeled_claim(store, tmp_path):
    out_dir = tmp_path / "gold"
    shutil.copytree(GOLD, out_dir)
    doc = _gold(out_dir, GD)
    labeled = [c for c in doc["claims"] if c["value"] != 148080000000]
    assert len(labeled) == len(doc["claims"]) - 1
    (out_dir / f"{GD}.json").write_text(json.dumps({**doc, "claims": labeled}), encoding="utf-8")
    run("audit", "accept", "--db", store, key_of(store, GD, 148.08e9))
    assert "1 claim(s) added" in run("audit", "export-gold", "--db", store, out_dir).output
    after = _gold(out_dir, GD)
    assert len(after["claims"]) == len(doc["claims"])
    starts = [c["start"] for c in after["claims"]]
    assert starts == sorted(starts)
    (added,) = [c for c in after["claims"] if c["value"] == 148080000000]
    assert added["indicator"] == "trade.balance" and "148.08 billion yuan" in added["quote"]
    assert f"{N_GOLD} gold file(s) OK" in run("gold", "check", out_dir, "--corpus", CORPUS).output


def test_export_gold_fixed_value_replaces_label(store, tmp_path):
    out_dir = tmp_path / "gold"
    shutil.copytree(GOLD, out_dir)
    art = "004_f21e5918f760a7ed"
    before = _gold(out_dir, art)
    run("audit", "fix", "--db", store, key_of(store, art, 891.1e9), "--set", "value=891.2e9")
    assert "1 updated" in run("audit", "export-gold", "--db", store, out_dir, "--article", "004").output
    after = _gold(out_dir, art)
    assert len(after["claims"]) == len(before["claims"])
    values = {c["value"] for c in after["claims"]}
    assert 891200000000 in values and 891100000000 not in values
    assert f"{N_GOLD} gold file(s) OK" in run("gold", "check", out_dir, "--corpus", CORPUS).output


def test_export_gold_refuses_malformed_file(store, tmp_path):
    out_dir = tmp_path / "gold"
    out_dir.mkdir()
    (out_dir / f"{GD}.json").write_text("{not json", encoding="utf-8")
    run("audit", "accept", "--db", store, key_of(store, GD, 630.2e9))
    result = run("audit", "export-gold", "--db", store, out_dir, ok=False)
    assert result.exit_code != 0 and "malformed JSON" in result.output
    assert (out_dir / f"{GD}.json").read_text(encoding="utf-8") == "{not json"


# ---------------------------------------------------------------------------------------------- check


def test_check_command(store):
    out = run("audit", "check", "--db", store).output
    flagged = out.count("\nFLAG ") + out.startswith("FLAG ")
    assert "FLAG article.repeated" in out and ART001 in out and f"{flagged} flag(s) stored" in out
    assert "ok  " not in out
    out = run("audit", "check", "--db", store, "--all").output
    for check in ("article.trade_sum", "article.trade_balance", "article.share"):
        assert f"ok   {check}" in out
    assert open_db(store, create=False)["flags"].count == flagged  # replaced, not added
    lines = run("audit", "check", "--db", store, "--all", "--json", "--article", "003").stdout.splitlines()
    rels = [json.loads(line) for line in lines]
    assert rels and all(r["article_id"] == GD and r["ok"] for r in rels if r["check"].startswith("article."))
