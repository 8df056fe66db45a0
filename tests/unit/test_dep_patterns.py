"""Dependency patterns matched at a token (extractor.nlp.dep_patterns) find what spaCy's
DependencyMatcher finds over the whole doc (issue 15), on the fixed parses of the rule tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.matcher import DependencyMatcher
from spacy.tokens import DocBin

from extractor.nlp.claims.lexicon import (
    ClaimLexicon,
    _expand,
    dependency_patterns,
    packaged_data,
)
from extractor.nlp.dep_patterns import DependencyPatterns, PatternError
from extractor.nlp.periods import component as _periods  # noqa: F401  (span extensions of the parses)
from extractor.nlp.quantities import component as _quantities  # noqa: F401

PARSES = Path(__file__).parent / "claims" / "parses.spacy"


@pytest.fixture(scope="module")
def setup():
    nlp = spacy.blank("en")
    lex = ClaimLexicon.from_data(packaged_data())
    docs = list(DocBin().from_disk(PARSES).get_docs(nlp.vocab))
    return nlp, lex, docs


def test_matches_equal_spacys_dependency_matcher(setup):
    nlp, lex, docs = setup
    ours = dependency_patterns(lex, nlp.vocab)
    theirs = DependencyMatcher(nlp.vocab)
    names = {}
    for entry in lex.patterns:
        nodes = [{k: (_expand(v, lex.words) if k == "RIGHT_ATTRS" else v) for k, v in n.items()} for n in entry["pattern"]]
        theirs.add(entry["id"], [nodes])
        names[entry["id"]] = [n["RIGHT_ID"] for n in nodes]
    compared = 0
    for doc in docs:
        expected: set[tuple[str, tuple]] = set()
        for match_id, tokens in theirs(doc):
            pid = nlp.vocab.strings[match_id]
            expected.add((pid, tuple(sorted(zip(names[pid], tokens)))))
        got = {(pid, tuple(sorted(m.items()))) for pid in ours.ids for tok in doc for m in ours.match(pid, tok)}
        assert got == expected, doc.text
        compared += len(expected)
    assert compared > 20  # the parses hold matches of every kind, not only empty sets


@pytest.mark.parametrize("pattern,message", [
    ([{"RIGHT_ID": "a", "RIGHT_ATTRS": {"SHAPE": "dd"}}], "unsupported token attribute"),
    ([{"RIGHT_ID": "a", "RIGHT_ATTRS": {}}, {"LEFT_ID": "a", "REL_OP": ".", "RIGHT_ID": "b", "RIGHT_ATTRS": {}}],
     "unsupported operator"),
    ([{"RIGHT_ID": "a", "RIGHT_ATTRS": {"LOWER": {"REGEX": "x"}}}], "only IN and NOT_IN"),
    ([{"RIGHT_ID": "a", "RIGHT_ATTRS": {}}, {"LEFT_ID": "zz", "REL_OP": ">", "RIGHT_ID": "b", "RIGHT_ATTRS": {}}],
     "pattern 1"),
])
def test_bad_patterns_are_rejected_on_load(setup, pattern, message):
    nlp = setup[0]
    with pytest.raises(PatternError, match=message):
        DependencyPatterns(nlp.vocab, [{"id": "x", "key": "a", "pattern": pattern}])
