"""Each named rule of the claim builder, on a fixed parse (no model): the rule decides its field
for the case's figure, and the field is what the case says (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from extractor.nlp.claims import rule_ids
from extractor.nlp.claims.component import ClaimBuilder
from extractor.nlp.periods import component as _periods  # noqa: F401  (registers the span extensions)
from extractor.nlp.quantities import component as _quantities  # noqa: F401
from extractor.quality.evaluate import field_equal
from extractor.rules import load_file

HERE = Path(__file__).parent
CASES = load_file(HERE / "rules.yaml")


@pytest.fixture(scope="module")
def builder() -> ClaimBuilder:
    nlp = spacy.blank("en")
    b = nlp.add_pipe("claim_builder")
    b.initialize(nlp=nlp)
    return b


@pytest.fixture(scope="module")
def parses(builder) -> dict:
    docs = DocBin().from_disk(HERE / "parses.spacy").get_docs(builder.vocab)
    return {(d.text, d._.published): d for d in docs}


def test_every_rule_has_a_case():
    assert {c["rule"] for c in CASES} == rule_ids()


def test_every_case_has_its_parse(parses):
    missing = [c["rule"] for c in CASES if (c["text"], c["published"]) not in parses]
    assert not missing, f"run python -m tests.unit.claims.make_parses for {missing}"


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_rule(case, builder, parses):
    doc = parses[(case["text"], case["published"])]
    claims = [c for _, c in builder.build(doc) if c.text == case["figure"]]
    # ("occurrence": the k-th of figures written alike, in text order)
    k = case.get("occurrence")
    assert len(claims) == (1 if k is None else len(claims)) and len(claims) > (k or 0), [c.text for _, c in builder.build(doc)]
    claim = claims[k or 0]
    field = case["field"]
    assert claim.how.get(field) == case["rule"], claim.how
    got = (claim.phrase or "") if field == "phrase" else getattr(claim, field)
    assert field_equal(field, got, case["expect"]), (got, case["expect"])
