"""Issue 18: TempEval-3's time-expression measures, TimeML documents and the TimeBank split."""

from __future__ import annotations

import json

import pytest

from extractor.quality.timeml import (
    TimeDocument, Timex, TimeMLError, from_timeml, load_jsonl, match, render, score, split_of, to_timeml,
)

TEXT = "Sales rose on Friday morning and for three years before that, he said on Jan. 4."


def _t(text: str, phrase: str, type_: str, value: str, nth: int = 0) -> Timex:
    s = -1
    for _ in range(nth + 1):
        s = text.index(phrase, s + 1)
    return Timex(s, s + len(phrase), phrase, type_, value)


def _doc(timexes: list[Timex], name: str = "d1") -> TimeDocument:
    return TimeDocument(name, "1998-01-08", TEXT, timexes)


def test_issue18_score_strict_relaxed_value_and_type():
    gold = _doc([_t(TEXT, "Friday morning", "TIME", "1998-01-02TMO"), _t(TEXT, "three years", "DURATION", "P3Y"),
                 _t(TEXT, "Jan. 4", "DATE", "1998-01-04")])
    # "Friday" overlaps "Friday morning" (relaxed, not strict, wrong type and value); "three years"
    # is exact with the right value; "Jan. 4" is missed; "said" is a false alarm
    pred = _doc([_t(TEXT, "Friday", "DATE", "1998-01-02"), _t(TEXT, "three years", "DURATION", "P3Y"),
                 _t(TEXT, "said", "DATE", "PAST_REF")])
    r = score([(gold, pred)])
    a = r["all"]
    assert (a["gold"], a["pred"]) == (3, 3)
    assert a["strict"] == {"p": round(1 / 3, 4), "r": round(1 / 3, 4), "f1": round(1 / 3, 4)}
    assert a["relaxed"] == {"p": round(2 / 3, 4), "r": round(2 / 3, 4), "f1": round(2 / 3, 4)}
    assert a["value_accuracy"] == 0.5 and a["type_accuracy"] == 0.5
    assert a["value"]["f1"] == round(1 / 3, 4)
    # per type: recall over gold of the type, precision over the system's expressions of the type
    assert r["TIME"]["relaxed"]["r"] == 1.0 and r["TIME"]["pred"] == 0 and r["TIME"]["type_accuracy"] == 0.0
    assert r["DATE"]["gold"] == 1 and r["DATE"]["pred"] == 2 and r["DATE"]["relaxed"]["p"] == 0.5
    assert r["DATE"]["relaxed"]["r"] == 0.0
    kinds = sorted(e["kind"] for e in r["errors"])
    assert kinds == ["false", "miss", "value"]
    table = render(r, "test")
    assert "DURATION" in table and "0.333" in table


def test_issue18_matching_is_one_to_one_and_prefers_same_extent():
    g = [_t(TEXT, "Friday morning", "TIME", "x")]
    p = [_t(TEXT, "Friday", "DATE", "y"), _t(TEXT, "Friday morning", "TIME", "x"), _t(TEXT, "morning", "TIME", "z")]
    pairs = match(g, p)
    assert pairs == [(g[0], p[1])]
    r = score([(_doc(g), _doc(p))])
    assert r["all"]["relaxed"]["p"] == round(1 / 3, 4) and r["all"]["strict"]["r"] == 1.0


def test_issue18_timeml_round_trip_keeps_text_offsets_and_attributes():
    doc = TimeDocument("WSJ<1>", "1998-01-08", 'A & B said "now" <ok> on Friday.',
                       [Timex(12, 15, "now", "DATE", "PRESENT_REF"), Timex(25, 31, "Friday", "DATE", "1998-01-02")])
    xml = to_timeml(doc)
    assert '<DCT><TIMEX3 tid="t0" type="DATE" value="1998-01-08"' in xml
    assert '<TIMEX3 tid="t1" type="DATE" value="PRESENT_REF">now</TIMEX3>' in xml
    back = from_timeml(xml)
    assert back.doc == doc.doc and back.dct == doc.dct and back.text == doc.text
    assert back.timexes == doc.timexes


def test_issue18_timeml_reader_reads_tags_nested_in_events_and_skips_overlaps_when_writing():
    xml = ('<TimeML><DOCID>x</DOCID><DCT><TIMEX3 tid="t0" type="DATE" value="1989-10-30">10/30/89</TIMEX3></DCT>'
           '<TEXT>It <EVENT eid="e1">rose</EVENT> <SIGNAL sid="s1">in</SIGNAL> <TIMEX3 tid="t1" type="DATE" '
           'value="1989-Q3">the third quarter</TIMEX3>.</TEXT></TimeML>')
    doc = from_timeml(xml)
    assert doc.text == "It rose in the third quarter."
    assert doc.timexes == [Timex(11, 28, "the third quarter", "DATE", "1989-Q3")]
    doc.timexes.append(Timex(15, 20, "third", "DATE", "XXXX"))
    assert to_timeml(doc).count("<TIMEX3") == 2  # the DCT and the outer expression
    with pytest.raises(TimeMLError, match="no TEXT"):
        from_timeml("<TimeML><DOCID>x</DOCID></TimeML>")


def test_issue18_load_jsonl_checks_offsets_and_types(tmp_path):
    good = {"doc": "a", "dct": "1998-01-08", "text": "It fell today.",
            "timexes": [{"start": 8, "end": 13, "text": "today", "type": "DATE", "value": "1998-01-08"}]}
    path = tmp_path / "tb.jsonl"
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert load_jsonl(path)[0].timexes == [Timex(8, 13, "today", "DATE", "1998-01-08")]
    bad = dict(good, timexes=[dict(good["timexes"][0], end=12)])
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(TimeMLError, match=r"tb.jsonl:1: timex 0 text 'today' differs"):
        load_jsonl(path)
    path.write_text(json.dumps(dict(good, timexes=[dict(good["timexes"][0], type="EVENT")])) + "\n", encoding="utf-8")
    with pytest.raises(TimeMLError, match="type 'EVENT'"):
        load_jsonl(path)


def test_issue18_split_is_deterministic_and_holds_out_about_a_third():
    ids = [f"doc{i}" for i in range(2000)]
    held = [i for i in ids if split_of(i) == "heldout"]
    assert 0.25 < len(held) / len(ids) < 0.35
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert split_of("wsj_0001") == split_of("wsj_0001")
