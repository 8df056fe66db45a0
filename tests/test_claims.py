"""Claim building from tests/cases/claims.yaml (issue 6): every field of every claim."""

from __future__ import annotations

import pytest

from extractor.nlp.claims.component import claim_dicts as claims
from extractor.quality.evaluate import CLAIM_FIELDS, field_equal, match_claims

from .conftest import load_cases

CASES = load_cases("claims.yaml")
KNOWN = load_cases("claims_known_failures.yaml")


def test_case_file_is_large_enough():
    assert len(CASES) >= 60
    assert set(KNOWN) <= {c["id"] for c in CASES}
    # the known failures stay a minority
    assert len(KNOWN) <= len(CASES) // 4


def _params():
    for c in CASES:
        marks = [pytest.mark.xfail(reason=KNOWN[c["id"]], strict=True)] if c["id"] in KNOWN else []
        yield pytest.param(c, id=c["id"], marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_claim_case(case, nlp):
    doc = nlp.make_doc(case["text"])
    doc._.published = case["published"]
    doc = nlp(doc)
    got = claims(doc)
    for g in got:
        g["start"], g["end"] = g["quote_start"], g["quote_end"]
    expected = case["expected"]
    for e in expected:
        pos = case["text"].find(e["quote"])
        e["start"], e["end"] = pos, pos + len(e["quote"])
    pairs = match_claims(got, expected)
    assert len(pairs) == len(expected) == len(got), [(g["value"], g["unit"]) for g in got]
    for g, e in pairs:
        wrong = {f: (g.get(f), e.get(f)) for f in CLAIM_FIELDS if not field_equal(f, g.get(f), e.get(f))}
        assert not wrong, (e["quote"], wrong)
        assert case["text"][g["quote_start"]:g["quote_end"]] == g["quote"]


@pytest.mark.parametrize("text", ["Shanghai exports: $5 billion in May 2024", "GDP, 2.3 percent; inflation, 1.1 percent."])
def test_issue6_verbless_lines_still_give_claims(text, nlp):
    """A line with no verb to climb to falls back to the words before the figure (a crash once:
    that path was a static method that used the builder's state)."""
    got = claims(nlp(text))
    assert got and all(c["value"] is not None for c in got)
