"""The quantity scorer (issue 17): one-to-one matching per sentence, value, unit and change."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.quality.quantities import (
    QuantityGoldError,
    Sentence,
    canonical_unit,
    load_gold,
    max_matching,
    part_of,
    same_value,
    score,
)

TEXT = "Shares fell 4% to $12.50 as 300 workers left; a 7-3 win."


def _q(text, value=None, unit=None, change=None, low=None, high=None):
    start = TEXT.index(text)
    return {"start": start, "end": start + len(text), "text": text, "value": value, "low": low, "high": high,
            "unit": unit, "change": change, "approx": None}


GOLD = [_q("4%", 4, "percent", "down"), _q("$12.50", 12.5, "USD"), _q("300 workers", 300, "count"),
        _q("7", 7, "count"), _q("3", 3, "count")]


def test_perfect_prediction_scores_one():
    r = score([Sentence("s1", "markets", TEXT, GOLD)], [[dict(g) for g in GOLD]])
    for m in ("value", "value+unit", "value+change"):
        assert r["all"][m]["f1"] == 1.0
    assert r["errors"] == []


def test_unit_and_change_errors_count_only_in_their_metric():
    pred = [dict(g) for g in GOLD]
    pred[0] = dict(pred[0], change=None)  # the fall missed
    pred[1] = dict(pred[1], unit="EUR")
    r = score([Sentence("s1", "markets", TEXT, GOLD)], [pred])["all"]
    assert r["value"]["tp"] == 5
    assert r["value+unit"]["tp"] == 4
    assert r["value+change"]["tp"] == 4


def test_matching_is_one_to_one():
    # two predictions of the value 7 match the one gold 7 once: one is spurious
    pred = [{"value": 7, "unit": "count"}, {"value": 7, "unit": "count"}]
    r = score([Sentence("s1", "sports", TEXT, [GOLD[3]])], [pred])["all"]
    assert (r["value"]["tp"], r["pred"], r["gold"]) == (1, 2, 1)
    assert r["value"]["p"] == 0.5 and r["value"]["r"] == 1.0


def test_maximum_matching_reassigns_greedy_choice():
    gold = [{"value": 5, "unit": "USD"}, {"value": 5, "unit": "EUR"}]
    pred = [{"value": 5, "unit": "EUR"}, {"value": 5, "unit": "USD"}]
    ok = lambda p, g: same_value(p, g) and p["unit"] == g["unit"]  # noqa: E731
    assert len(max_matching(pred, gold, ok)) == 2


def test_ranges_match_on_both_bounds_and_never_a_single_value():
    g = {"value": None, "low": 12, "high": 120, "unit": "count"}
    assert same_value({"value": None, "low": 12, "high": 120}, g)
    assert not same_value({"value": None, "low": 12, "high": 100}, g)
    assert not same_value({"value": 12}, g)


def test_fractions_match_to_two_decimals():
    assert same_value({"value": 1 / 3}, {"value": 0.33})
    assert not same_value({"value": 0.25}, {"value": 0.2})
    assert not same_value({"value": 1001}, {"value": 1000})


def test_units_compare_per_and_slash_and_aliases():
    assert canonical_unit("USD per barrel") == canonical_unit("USD/barrel")
    assert canonical_unit("point") == canonical_unit("index")
    assert canonical_unit("degree Celsius") == canonical_unit("degree celsius")
    assert canonical_unit("USD") != canonical_unit("EUR")


def test_split_is_fixed_and_about_two_thirds():
    ids = [f"x-{n}" for n in range(900)]
    dev = sum(part_of(i) == "dev" for i in ids)
    assert 540 <= dev <= 660
    assert [part_of(i) for i in ids] == [part_of(i) for i in ids]


def test_sections_and_parts_are_reported():
    s1, s2 = Sentence("a-1", "sports", TEXT, GOLD[3:]), Sentence("a-2", "weather", TEXT, GOLD[:1])
    r = score([s1, s2], [[], GOLD[:1]])
    assert r["all"]["sections"]["sports"]["value"]["r"] == 0.0
    assert r["all"]["sections"]["weather"]["value"]["f1"] == 1.0
    assert r[s1.part]["sentences"] + (r[s2.part]["sentences"] if s2.part != s1.part else 0) == 2


def _write(tmp_path, items):
    d = tmp_path / "gold"
    d.mkdir()
    (d / "sentences.jsonl").write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    return d


def test_bad_offsets_are_an_error_naming_the_line(tmp_path):
    bad = _q("4%", 4, "percent", "down") | {"start": 0}
    d = _write(tmp_path, [{"id": "a-1", "section": "markets", "text": TEXT, "quantities": [bad]}])
    with pytest.raises(QuantityGoldError, match=r"sentences.jsonl:1"):
        load_gold(d)


def test_cli_scores_a_prediction_file(tmp_path):
    d = _write(tmp_path, [{"id": "a-1", "section": "markets", "text": TEXT, "quantities": GOLD}])
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"quantities": [dict(g, direction=g["change"]) for g in GOLD[:4]]}) + "\n")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["eval-quantities", "--gold", str(d), "--pred", str(pred), "--json", str(out)])
    assert res.exit_code == 0, res.output
    r = json.loads(out.read_text())
    assert r["all"]["value"]["tp"] == 4 and r["all"]["value"]["r"] == 0.8
    assert [e["kind"] for e in r["errors"]] == ["missed"]


def test_cli_rejects_a_prediction_file_of_another_length(tmp_path):
    d = _write(tmp_path, [{"id": "a-1", "section": "markets", "text": TEXT, "quantities": GOLD}])
    pred = tmp_path / "pred.jsonl"
    pred.write_text('{"quantities": []}\n{"quantities": []}\n')
    res = CliRunner().invoke(cli, ["eval-quantities", "--gold", str(d), "--pred", str(pred)])
    assert res.exit_code != 0 and "2 lines for 1 gold sentences" in res.output
