"""The shortcuts taken to keep ``make bench`` at 70% of bare ``nlp.pipe`` give the answers of the
plain versions they replace: each is checked against that plain version, on the corpus and on
inputs made to reach its edge."""

from __future__ import annotations

import re

import justext
import pytest

from extractor.ingest import body
from extractor.ingest.corpus import read_article
from extractor.nlp.indicators.words import same_word, word_hits
from extractor.nlp.quantities import grammar
from extractor.nlp.quantities.numerals import fractions
from extractor.nlp.text import joined_text
from extractor.run.digest import DocDigest

from .conftest import CORPUS


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return [read_article(p).text for p in sorted(CORPUS.glob("*.txt"))]


def test_bench_find_body_with_cached_paragraph_text_equals_plain_justext(corpus_texts, monkeypatch) -> None:
    fast = [body.find_body(t).span for t in corpus_texts]

    def plain(page: str, params: dict) -> list:
        return justext.justext(page.encode("utf-8"), body._stoplist(), encoding="utf-8", **params)

    monkeypatch.setattr(body, "_justext", plain)
    assert [body.find_body(t).span for t in corpus_texts] == fast


@pytest.mark.parametrize("text", ["", " ", "a  b\n\n c\u00a0d \t", "x\r\ny", "US$5bn (4.6%) -- \u2014 \u201cquoted\u201d\n"])
def test_bench_joined_text_is_doc_text(nlp_quantities, text: str) -> None:
    doc = nlp_quantities.make_doc(text)
    assert joined_text(doc) == doc.text == text


def test_bench_joined_text_is_doc_text_on_the_corpus(nlp_quantities, corpus_texts) -> None:
    for text in corpus_texts:
        assert joined_text(nlp_quantities.make_doc(text)) == text


def test_bench_fraction_words_as_a_prefix_tree_match_as_the_alternation() -> None:
    words = sorted(fractions())
    tree = re.compile(rf"(?i:\b(?:{grammar._trie(words)})\b)")
    plain = re.compile(rf"(?i:\b(?:{grammar._alt(words)})\b)")
    texts = [w + tail for w in words for tail in ("", " of", "s", "-ish")] + [
        "two-thirds of exports", "Three Quarters", "one half", "a third", "one-and-a-half"]
    for text in texts:
        a, b = tree.search(text), plain.search(text)
        assert (a and a.span()) == (b and b.span()), text


@pytest.mark.parametrize("words", [
    ["technological", "imports", "of", "goods"],
    ["importers", "exported", "economy", "economist"],
    ["ict", "e-commerce", "hi", "services"],
    [],
])
def test_bench_word_hits_by_stem_equals_testing_every_word(words: list[str]) -> None:
    hit = word_hits(words)
    for alias in ("technology", "import", "export", "economics", "ict", "service", "goods", "commerce", "hi", "tech"):
        assert hit(alias) == (alias in words or any(same_word(alias, w) for w in words)), alias


def test_bench_timex_rules_by_start_index_equal_a_scan_of_every_rule(nlp_quantities, corpus_texts) -> None:
    g = nlp_quantities.get_pipe("timex_tagger").grammar
    keys = {t[i:i + 3].lower() for t in corpus_texts[:10] for i in range(len(t))} | {"", "a", "19", "ma", " "}
    for key in keys:
        scan = tuple(i for i, starts in enumerate(g._starts)
                     if starts is None or any(key.startswith(p) for p in starts))
        assert g._bucket(key) == scan, key


def test_bench_digest_rows_equal_rows_read_off_the_doc(nlp, corpus_texts) -> None:
    """What a worker sends (the digest) holds what the rows read off the Doc."""
    for text in corpus_texts[:8]:
        doc = nlp.make_doc(text)
        doc._.published = "2024-05-01"
        doc = nlp(doc)
        d = DocDigest.of(doc)
        sents = [s for s in doc.sents]
        assert len(d.sentences) == len(sents)
        for (s, e, end), sent in zip(d.sentences, sents):
            assert end == sent.end_char
            if s is None:
                assert not sent.text.strip()
            else:
                assert text[s:e] == sent.text.strip()
        for char, n in d.sentence_at.items():
            span = doc.char_span(char, char + 1, alignment_mode="expand")
            assert sents[n].start <= span.start < sents[n].end
        assert [c.start for c in d.claims] == sorted(c.start for c in d.claims)
