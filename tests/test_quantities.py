"""Quantity finding and normalization, from tests/cases/quantities.yaml (issue 4)."""

from __future__ import annotations

import math

import pytest

from extractor.nlp.quantities.component import quantities

from .conftest import load_cases

CASES = load_cases("quantities.yaml")


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)


def test_case_file_is_large_enough():
    assert len(CASES) >= 150
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_quantity_case(case, nlp_quantities):
    doc = nlp_quantities(case["text"])
    got = quantities(doc)
    expected = case["expected"]
    assert [g["text"] for g in got] == [e["text"] for e in expected]
    for g, e in zip(got, expected):
        assert _close(g["value"], e.get("value")), (g["text"], g["value"], e.get("value"))
        assert g["unit"] == e["unit"], g["text"]
        assert g["approx"] == e.get("approx"), g["text"]
        assert g["direction"] == e.get("direction"), g["text"]
        if "low" in e:
            assert _close(g["low"], e["low"]) and _close(g["high"], e["high"]), g["text"]
        if "noun" in e:
            assert g["noun"] == e["noun"], g["text"]
        assert case["text"][g["start"]:g["end"]] == g["text"]
