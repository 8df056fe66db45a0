"""Gold files and `extractor gold check` (issue 3)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.quality.gold import check_dir

from .conftest import CORPUS, GOLD


def test_project_gold_passes_check():
    assert check_dir(GOLD, CORPUS) == []


def test_gold_check_command_on_project_gold():
    result = CliRunner().invoke(cli, ["gold", "check", str(GOLD), "--corpus", str(CORPUS)])
    assert result.exit_code == 0, result.output
    assert f"{len(list(GOLD.glob('*.json')))} gold file(s) OK" in result.output


def test_gold_labels_every_article_with_claims_and_mentions():
    for f in sorted(GOLD.glob("*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        assert data["claims"], f.name
        types = {m["type"] for m in data["mentions"]}
        # (a figure of every claim is a quantity mention; not every story has money, a CPI report, nor
        # names a place, "The Indian economy grew")
        assert "DATE" in types and types & {"MONEY", "PERCENT", "QUANTITY"}, f.name


def _first(data: dict, mention_type: str) -> dict:
    return next(x for x in data["mentions"] if x["type"] == mention_type)


def _break(data: dict, how: str) -> str:
    c = data["claims"][0]
    m = data["mentions"][0]
    if how == "quote":
        c["quote"] = "this text is not in the article"
        return "quote does not occur"
    if how == "offsets":
        c["start"] += 1
        return "do not hold the quote"
    if how == "indicator":
        c["indicator"] = "trade.nonsense"
        return "not in the catalog"
    if how == "geo":
        c["geo"] = "XX-ZZ"
        return "ISO 3166"
    if how == "geo-list-unsorted":
        c["geo"] = ["CN-ZJ", "CN-JS"]
        return "sorted list"
    if how == "period":
        c["period"] = "Jan 2019"
        return "ISO 8601"
    if how == "period-month-13":
        c["period"] = "2018-13"
        return "ISO 8601"
    if how == "change":
        c["change"] = {"value": -2, "unit": "percent", "direction": "up", "basis": None}
        return "non-negative"
    if how == "missing-field":
        del c["modality"]
        return "missing fields"
    if how == "mention-text":
        m["text"] = m["text"] + "x"
        return "text["
    if how == "overlap":
        data["mentions"].append(dict(m))
        return "overlaps"
    if how == "money-unit":
        _first(data, "MONEY")["unit"] = "dollars"
        return "ISO 4217"
    # issue 3 regressions: problems gold check once let through
    if how == "duplicate-claim":
        data["claims"].append(dict(c))
        return "labeled twice"
    if how == "claim-unit-word":
        c["unit"] = "dollars"
        return "not an ISO 4217 code or a known unit"
    if how == "percent-unit":
        _first(data, "PERCENT")["unit"] = "dollars"
        return "PERCENT unit"
    if how == "period-backwards":
        c["period"] = "2011/2010"
        return "ISO 8601"
    if how == "range-bounds":
        _first(data, "PERCENT").update(value=None, low=5, high=3)
        return "low <= high"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how", ["quote", "offsets", "indicator", "geo", "geo-list-unsorted", "period", "period-month-13", "change", "missing-field",
            "mention-text", "overlap", "money-unit", "duplicate-claim", "claim-unit-word", "percent-unit",
            "period-backwards", "range-bounds"],
)
def test_gold_check_finds_each_problem(tmp_path, how):
    gold = tmp_path / "gold"
    shutil.copytree(GOLD, gold, ignore=shutil.ignore_patterns("*.md"))
    path = gold / "003_270bea5b41e05852.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    expected = _break(data, how)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    errors = check_dir(gold, CORPUS)
    assert errors and all(e.startswith("003_270bea5b41e05852.json") for e in errors)
    assert any(expected in e for e in errors), errors
    result = CliRunner().invoke(cli, ["gold", "check", str(gold), "--corpus", str(CORPUS)])
    assert result.exit_code != 0


def test_gold_check_malformed_json_names_the_file(tmp_path):
    (tmp_path / "x.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["gold", "check", str(tmp_path), "--corpus", str(CORPUS)])
    assert result.exit_code != 0 and "x.json" in result.output
