"""Time expressions and their periods, from tests/cases/periods.yaml (issue 5)."""

from __future__ import annotations

import pytest

from extractor.nlp.periods.iso import Period, parse_iso_period

from extractor.nlp.periods.component import resolve_text, timexes

from .conftest import load_cases

CASES = load_cases("periods.yaml")


def test_case_file_is_large_enough():
    assert len(CASES) >= 80
    assert sum(1 for c in CASES if not c["expected"]) >= 10
    assert sum(1 for c in CASES if c["published"] is None) >= 5


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_period_case(case, nlp_quantities):
    doc = nlp_quantities.make_doc(case["text"])
    doc._.published = case["published"]
    doc = nlp_quantities(doc)
    got = [(t["text"], t["period"]) for t in timexes(doc)]
    expected = [(e["text"], e["period"]) for e in case["expected"]]
    assert len(got) == len(expected), got
    for (gt, gp), (et, ep) in zip(got, expected):
        assert gt in et or et in gt, (gt, et)
        assert gp == ep, (gt, gp, ep)


@pytest.mark.parametrize(
    "iso", ["2011", "2025-03", "2025-03-09", "2025-01/2025-05", "1990/..", "../2020", "2016/2020"]
)
def test_iso_round_trip(iso):
    assert parse_iso_period(iso).iso == iso


def test_period_days_for_querying():
    p = parse_iso_period("2024-02")
    assert (p.first_day.isoformat(), p.last_day.isoformat()) == ("2024-02-01", "2024-02-29")
    assert Period.point(2025).shift(years=-1).iso == "2024"


def test_unknown_publication_date_never_uses_the_clock():
    # relative expressions stay unresolved without a publication date
    assert resolve_text("last month", None) is None
    assert resolve_text("on Thursday", None) is None
    assert resolve_text("this year", None) is None
    # absolute ones still resolve
    assert resolve_text("March 2019", None) == "2019-03"


def test_month_precision_anchor_cannot_resolve_weekdays():
    assert resolve_text("Thursday", "2019-03") is None
    assert resolve_text("last month", "2019-03") == "2019-02"
