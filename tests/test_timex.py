"""Issue 18: time expressions as TIMEX3 (DATE, TIME, DURATION, SET) with their values.

Cases in tests/cases/timex.yaml; the grammar's own checks; the stored mention columns; the
TimeML export and ``eval-time``.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from extractor.nlp.periods.timex_component import timexes3
from extractor.nlp.periods.timex_grammar import VALUE, TimexGrammar, grammar, start_strings
from extractor.nlp.periods.timex_values import Point, parse_value
from extractor.rules import RuleFileError, load_data

from .conftest import load_cases

CASES = load_cases("timex.yaml")


def _run(nlp, text: str, published: str | None):
    doc = nlp.make_doc(text)
    doc._.published = published
    return nlp(doc)


def test_case_file_covers_every_type_and_the_issue():
    types = {e["type"] for c in CASES for e in c["expected"]}
    assert types == {"DATE", "TIME", "DURATION", "SET"}
    assert sum(1 for c in CASES if c["id"].startswith("issue18-")) >= 15
    assert sum(1 for c in CASES if not c["expected"]) >= 3


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_timex_case(case, nlp_quantities):
    doc = _run(nlp_quantities, case["text"], case["published"])
    got = [(t["text"], t["type"], t["value"]) for t in timexes3(doc)]
    expected = [(e["text"], e["type"], e["value"]) for e in case["expected"]]
    assert got == expected


def test_issue18_period_keeps_since_while_the_timex_drops_it(nlp_quantities):
    doc = _run(nlp_quantities, "Exports have grown since 1990.", "1998-08-07")
    periods = [(s._.timex["text"], s._.timex["period"]) for s in doc.spans["dates"]]
    assert periods == [("since 1990", "1990/..")]
    assert [(t["text"], t["value"]) for t in timexes3(doc)] == [("1990", "1990")]


def test_issue18_every_value_is_a_timeml_value(nlp_quantities):
    for case in CASES:
        doc = _run(nlp_quantities, case["text"], case["published"])
        for t in timexes3(doc):
            assert t["value"] is None or VALUE.fullmatch(t["value"]), t


# ---------------------------------------------------------------------------------------- the grammar


def test_issue18_rules_have_unique_ids_and_known_types():
    g = grammar()
    ids = [r.id for r in g.rules]
    assert len(ids) == len(set(ids)) and len(ids) >= 80
    assert {r.type for r in g.rules} == {"DATE", "TIME", "DURATION", "SET", "NONE"}


def test_issue18_a_rule_naming_an_unknown_function_or_macro_is_an_error():
    data = dict(load_data("timex.yaml"))
    bad = dict(data, rules=[{"id": "x", "type": "DATE", "pattern": "{MONTH}", "value": "[nosuch {MONTH}]"}])
    with pytest.raises(RuleFileError, match="no resolver function 'nosuch'"):
        TimexGrammar(bad)
    bad = dict(data, rules=[{"id": "x", "type": "DATE", "pattern": "{NOSUCH}", "value": "{NOSUCH}"}])
    with pytest.raises(RuleFileError, match="names no macro NOSUCH"):
        TimexGrammar(bad)
    bad = dict(data, rules=[{"id": "x", "type": "EVENT", "pattern": "now", "value": "PRESENT_REF"}])
    with pytest.raises(RuleFileError, match="type 'EVENT'"):
        TimexGrammar(bad)


@pytest.mark.parametrize("text", [
    "the third quarter of 1998", "last Friday", "three years", "10:30 a.m. EST", "Thanksgiving Day",
    "the past 12 months", "every Monday", "the 1990s", "the year-ago quarter", "Nov. 6, 1989", "a year earlier",
])
def test_issue18_rule_choice_by_first_characters_equals_trying_every_rule(text):
    """The rules tried at a place are chosen by the text's first characters; the answer must be
    the one trying every rule in order gives."""
    g = grammar()
    found = g._match_rules(text, 0, len(text))
    brute = None
    for rule in g.rules:
        m = rule.regex.match(text)
        if m and g._constraints_hold(rule, text, 0):
            brute = (rule.id, m.end())
            break
    assert found is not None and (found.rule.id, found.end) == brute


def test_issue18_start_strings():
    assert start_strings("(?:the )?year") == frozenset({"the", "yea"})
    assert start_strings(r"\d+ days") is not None and "7 d" in start_strings(r"\d+ days")
    assert start_strings(r"(?:a)?") is None  # may match nothing: tried everywhere


@pytest.mark.parametrize("value", ["1998", "1998-Q3", "1998-H2", "1998-FA", "1998-08", "1998-W32", "1998-W32-WE",
                                   "1998-08-07", "1998-08-07TMO", "1998-08-07T10:30", "199", "19"])
def test_issue18_values_parse_back(value):
    p = parse_value(value)
    assert isinstance(p, Point) and p.value == value


def test_issue18_week_and_quarter_arithmetic():
    p = parse_value("1998-W01")
    assert p.shift("week", -1).value == "1997-W52"
    assert parse_value("1998-Q1").shift("quarter", -1).value == "1997-Q4"
    assert parse_value("1998-08-07").at("weekend").value == "1998-W32-WE"
    assert parse_value("PRESENT_REF") is None and parse_value("P3Y") is None


# ---------------------------------------------------------------------------------------- the store


@pytest.fixture(scope="module")
def timex_store(tmp_path_factory, nlp):
    from extractor.run.extract import extract

    corpus = tmp_path_factory.mktemp("timex") / "corpus"
    corpus.mkdir()
    (corpus / "a1.txt").write_text(
        "Exporters gain on weak currency\n\nExports have grown since 1990, and shipments rose 8.1 percent in "
        "the third quarter from a year earlier. The plant ran for three years. The board meets every Monday.\n",
        encoding="utf-8")
    (corpus / "a1.meta.json").write_text(json.dumps({"published": "1998-10-20"}), encoding="utf-8")
    db = corpus.parent / "t.db"
    summary = extract([corpus], db, nlp=nlp)
    assert summary.failed == 0, summary.failures
    return db


def test_issue18_mentions_store_the_timex_beside_the_period(timex_store):
    conn = sqlite3.connect(timex_store)
    rows = conn.execute("select type, text, period, timex_type, timex_value, timex_start, timex_end from mentions "
                        "where timex_type is not null or type = 'DATE' order by start").fetchall()
    text = conn.execute("select text from articles").fetchone()[0]
    by_timex = {text[r[5]:r[6]]: r for r in rows if r[3] is not None}
    # the DATE mention "since 1990" keeps its open period; its TIMEX3 is "1990"
    assert by_timex["1990"][:5] == ("DATE", "since 1990", "1990/..", "DATE", "1990")
    assert by_timex["the third quarter"][3:5] == ("DATE", "1998-Q3")
    assert by_timex["a year earlier"][3:5] == ("DATE", "1997-Q3")  # anchored on the quarter
    # a duration has no period: a TIMEX mention of its own
    assert by_timex["three years"][:2] == ("TIMEX", "three years") and by_timex["three years"][3:5] == ("DURATION", "P3Y")
    # a set rides on the DATE mention it overlaps
    assert by_timex["every Monday"][3:5] == ("SET", "XXXX-WXX-1")
    assert all(r[3] is None or r[0] in ("DATE", "TIMEX") for r in rows)


def test_issue18_export_timeml_round_trips(timex_store, tmp_path):
    from extractor.cli import cli
    from extractor.quality.timeml import from_timeml, stored_documents
    from extractor.store.db import open_db

    out = tmp_path / "tml"
    result = CliRunner().invoke(cli, ["export", "--db", str(timex_store), "--format", "timeml", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.tml"))
    assert [f.name for f in files] == ["a1.tml"]
    xml = files[0].read_text(encoding="utf-8")
    assert '<DCT><TIMEX3 tid="t0" type="DATE" value="1998-10-20"' in xml
    assert re.search(r'<TIMEX3 tid="t\d+" type="DURATION" value="P3Y">three years</TIMEX3>', xml)
    back = from_timeml(xml)
    stored = stored_documents(open_db(timex_store, create=False))[0]
    assert back.text == stored.text and back.timexes == stored.timexes


def test_issue18_export_timeml_needs_a_folder(timex_store, tmp_path):
    from extractor.cli import cli

    result = CliRunner().invoke(cli, ["export", "--db", str(timex_store), "--format", "timeml"])
    assert result.exit_code == 1 and "give --out a folder" in result.output
    f = tmp_path / "file.txt"
    f.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--db", str(timex_store), "--format", "timeml", "--out", str(f)])
    assert result.exit_code == 1 and "not a folder" in result.output


def test_issue18_eval_time_scores_a_timebank_file(tmp_path):
    from extractor.cli import cli

    text = "Sales rose 5% in the third quarter. The plant ran for three years. Shares fell yesterday."
    docs = [{"doc": f"doc{i}", "dct": "1998-10-20", "text": text + " " * (i % 2), "timexes": [  # doc2, doc3 repeat doc0, doc1
        {"start": text.index("the third quarter"), "end": text.index("the third quarter") + 17,
         "text": "the third quarter", "type": "DATE", "value": "1998-Q3"},
        {"start": text.index("three years"), "end": text.index("three years") + 11, "text": "three years",
         "type": "DURATION", "value": "P3Y"},
        {"start": text.index("yesterday"), "end": text.index("yesterday") + 9, "text": "yesterday",
         "type": "DATE", "value": "1998-10-18"},  # a wrong value in the gold: scored as a value error
    ]} for i in range(4)]
    data = tmp_path / "tb.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["eval-time", "--data", str(data), "--split", "all", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "TimeBank all: 4 documents" in result.output and "DURATION" in result.output
    r = json.loads(out.read_text(encoding="utf-8"))["all"]["all"]
    assert r["gold"] == 12 and r["pred"] == 12
    assert r["strict"]["f1"] == 1.0 and r["relaxed"]["f1"] == 1.0
    assert r["value_accuracy"] == round(8 / 12, 4) and r["type_accuracy"] == 1.0


def test_issue18_eval_time_rejects_a_bad_file(tmp_path):
    from extractor.cli import cli

    data = tmp_path / "tb.jsonl"
    data.write_text('{"doc": "a", "text": "x", "timexes": [{"start": 0, "end": 9, "type": "DATE"}]}\n',
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval-time", "--data", str(data)])
    assert result.exit_code == 1 and "tb.jsonl:1: timex 0 offsets 0-9 outside the text" in result.output


def test_issue18_component_scorer(nlp_quantities):
    from spacy.training import Example

    pred = _run(nlp_quantities, "Profit rose in the third quarter and fell yesterday.", "1998-10-20")
    ref = nlp_quantities.make_doc(pred.text)
    ref.spans["timexes"] = [ref.char_span(pred.text.index("the third quarter"), pred.text.index(" and"), label="DATE")]
    scores = nlp_quantities.get_pipe("timex_tagger").score([Example(pred, ref)])
    assert scores["spans_p"] == 0.5 and scores["spans_r"] == 1.0
