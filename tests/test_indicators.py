"""The indicator catalog (validated on load) and the linker: ``(id, score)`` candidates, best first."""

from __future__ import annotations

import pytest

from extractor.nlp.indicators.catalog import load_catalog
from extractor.nlp.indicators.linker import IndicatorLinker
from extractor.nlp.indicators.words import phrase_words
from extractor.rules import RuleFileError


@pytest.fixture(scope="module")
def linker() -> IndicatorLinker:
    return IndicatorLinker()


def _entry(iid: str, *aliases: str, units=("currency",)) -> dict:
    return {"id": iid, "name": iid, "units": list(units), "measures": ["level"], "aliases": list(aliases)}


@pytest.mark.parametrize("data,message", [
    ([_entry("a.x", "foo"), _entry("a.x", "bar")], "duplicate id 'a.x'"),
    ([_entry("a.x", "foo"), _entry("a.y", "Foo")], "alias 'Foo' of 'a.y' is the same as an alias of 'a.x'"),
    ([_entry("a.x", "foo", units=("litres",))], "unknown units"),
    ([{"name": "no id"}], "entry 0 has no id"),
])
def test_catalog_rejects_bad_entries(data, message):
    with pytest.raises(RuleFileError, match=message):
        load_catalog(data)


@pytest.mark.parametrize("phrase,units,expected", [
    ("exports", "currency", "trade.exports"),
    ("exports of integrated circuits", "currency", "ic.exports"),
    # issue 6: a synonym of the aliases' words ("shipments" are exports in trade news)
    ("shipments of chips", "currency", "ic.exports"),
    ("chip shipments", "percent", "ic.exports"),
    # issue 6: a tail that widens a named product to an open group
    ("exports of integrated circuits and other electronic components", "currency", "ic.exports"),
    ("exports of integrated circuits as well as parts", "currency", "ic.exports"),
    # issue 6: the direction of a change in a headline is no part of what is measured
    ("foreign trade up", "percent", "trade.total"),
    ("exports down", "percent", "trade.exports"),
    ("exports to the mainland", "percent", "trade.exports"),
    ("electronics, computers and components", "currency", "electronics.exports"),
    # issue 6 (third held-out batch): words about how a figure is compiled or when it runs
    ("the cumulative deficit", "currency", "trade.balance"),
    ("the seasonally adjusted surplus on goods trade", "currency", "trade.balance"),
    ("exports for the financial year to date", "currency", "trade.exports"),
    ("services exports in FY25", "currency", "services.exports"),
])
def test_link_best_candidate(linker, phrase, units, expected):
    got = linker.link(phrase, units)
    assert got and got[0][0] == expected, got


@pytest.mark.parametrize("phrase,narrower", [
    ("exports of goods and services", "exports of services"),
    ("combined goods and services exports", "combined services exports"),
])
def test_issue6_an_aggregate_without_an_id_links_to_nothing(linker, phrase, narrower):
    assert linker.link(phrase, "percent") == []
    assert linker.link(narrower, "percent")[0][0] == "services.exports"  # services alone still links


@pytest.mark.parametrize("phrase", ["farm and food exports", "exports of electric cars and steel", "re-exports of phones"])
def test_a_product_without_an_id_stays_unlinked(linker, phrase):
    got = linker.link(phrase, "currency")
    assert not got or got[0][0] not in ("trade.exports",), got


def test_candidates_are_sorted_scored_and_cut_by_threshold_and_top_k():
    loose = IndicatorLinker(threshold=0.0, top_k=5).link("high-tech exports", "currency")
    assert len(loose) == 5
    assert [s for _, s in loose] == sorted((s for _, s in loose), reverse=True)
    assert all(0.0 <= s <= 1.0 for _, s in loose)
    strict = IndicatorLinker(threshold=0.9, top_k=1).link("high-tech exports", "currency")
    assert strict == [loose[0]] and strict[0][0] == "hightech.exports"


def test_units_keep_only_indicators_of_that_kind(linker):
    assert linker.link("R&D intensity", "percent")[0][0] == "rd.intensity"
    assert all(i != "rd.intensity" for i, _ in linker.link("R&D intensity", "currency"))


def test_phrase_words_apply_synonyms_and_tails_to_both_sides():
    assert phrase_words("Shipments of chips") == ["export", "chip"]
    assert phrase_words("integrated circuits and related parts") == ["integrated", "circuit"]


@pytest.mark.parametrize("phrase,whole", [
    ("Youth (15-24 years) unemployment rate", "unemployment rate"),
    ("the unemployment rate for women", "the unemployment rate"),
    ("Men (25 plus) unemployment rate", "unemployment rate"),
    ("the jobless rate for Black workers", "the jobless rate"),
    ("the employment rate", None),
    ("Participation rate", None),
])
def test_issue16_a_population_group_or_a_rate_without_an_id_links_to_nothing(linker, phrase, whole):
    """GOLD_GUIDE: a part of an indicator the catalog has no id for gets indicator null; the
    whole still links."""
    assert linker.link(phrase, "percent") == []
    if whole is not None:
        assert linker.link(whole, "percent")[0][0] == "unemployment.rate"
