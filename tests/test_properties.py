"""Property tests (issue 9) over random Unicode text: reading and extraction never raise, every
stored span holds its surface (``articles.text[start:end] == surface``), and stored values are
finite."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor import settings as extractor_settings
from extractor.ingest.corpus import CorpusError, read_article
from extractor.run.extract import extract, segments
from extractor.store.integrity import check_store

from . import generated_news

#: economic phrases mixed into the random text, so that the extractors have something to find
FRAGMENTS = [
    "Exports rose 8.1 percent to $891.1 billion in May 2019.",
    "Imports fell 3% year-on-year",
    " RMB1.81 trillion ",
    "up 15.2 percent",
    "389.14 billion yuan",
    "last month",
    "from January to May 2025",
    "the customs office said.",
    "about 4.4 times",
    "1e308 trillion",
    "9" * 20,
    "9" * 80 + "the",  # a long digit run glued to a word (it once stalled quantulum3)
    "0.000000000000000000001 percent",
    "€2,5 Mrd.",
    "Guangdong customs",
    "\n\n",
    "\r\n",
    "中国出口增长百分之八点一",
    "“quoted,” he said — ",
    "\u200b\u200d\ufeff",
    "e\u0301",
    "🇨🇳📈",
]

random_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80)
article_text = st.lists(st.one_of(random_text, st.sampled_from(FRAGMENTS)), min_size=1, max_size=12).map("".join)

SPANS = {
    "sentences": [("start", "end", "text")],
    "mentions": [("start", "end", "text")],
    "claims": [("start", "end", "text"), ("quote_start", "quote_end", "quote"), ("phrase_start", "phrase_end", "phrase")],
}
NUMBERS = {"mentions": ["value", "low", "high"], "claims": ["value", "change_value", "indicator_score", "confidence"]}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=article_text, bom=st.booleans(), crlf=st.booleans())
def test_extraction_never_raises_and_every_span_holds(nlp, text: str, bom: bool, crlf: bool) -> None:
    # a stuck example fails (as a failed article) instead of stalling the suite
    timeout, extractor_settings.ARTICLE_TIMEOUT = extractor_settings.ARTICLE_TIMEOUT, 30
    try:
        _extract_and_check(nlp, text, bom, crlf)
    finally:
        extractor_settings.ARTICLE_TIMEOUT = timeout


def _extract_and_check(nlp, text: str, bom: bool, crlf: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
        path = folder / "random.txt"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        try:
            read_article(path)
            readable = None
        except CorpusError as exc:
            readable = str(exc)
        db = folder / "facts.db"
        summary = extract([folder], db, nlp=nlp)
        if readable is not None:  # the reader's refusal is the only allowed failure
            assert (summary.processed, summary.failures) == (0, [(str(path), readable)])
            return
        assert (summary.processed, summary.failed) == (1, 0), summary.failures
        store = sqlite_utils.Database(db)
        [stored] = [r["text"] for r in store.query("select text from articles")]
        for table, triples in SPANS.items():
            for row in store.query(f"select * from {table}"):
                for s, e, col in triples:
                    if row[s] is None:
                        continue
                    assert stored[row[s]:row[e]] == (row[col] or ""), (table, col, row)
                for col in NUMBERS.get(table, []):
                    v = row[col]
                    assert v is None or (isinstance(v, (int, float)) and math.isfinite(v)), (table, col, v)
        report = check_store(db)
        assert report.ok, report.problems
        store.conn.close()


# no "<": a text that starts like an HTML page is read as one (tested in test_robustness_input)
plain_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="<") | st.sampled_from("\n \t"),
    min_size=1, max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(text=plain_text, bom=st.booleans(), crlf=st.booleans())
def test_utf8_text_reads_back_as_written(text: str, bom: bool, crlf: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
    # what Python's text mode reads: one byte-order mark dropped, line ends normalised
    expected = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.txt"
        path.write_bytes(data)
        try:
            art = read_article(path)
        except CorpusError as exc:
            assert not expected.strip() and "only whitespace" in str(exc), exc
            return
        assert art.text == expected and art.encoding == "utf-8"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab .!?\n\t。"), max_size=400), limit=st.integers(1, 60))
def test_segments_partition_the_text(text: str, limit: int) -> None:
    pieces = segments(text, 0, len(text), limit)
    assert all(0 < e - s <= limit for s, e in pieces)
    assert all(a[1] <= b[0] for a, b in zip(pieces, pieces[1:]))
    covered = set()
    for s, e in pieces:
        covered.update(range(s, e))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


# ---------------------------------------------------------------------------------------------- issue 14


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), n=st.integers(1, 4), published=st.sampled_from(generated_news.PUBLISHED),
       breaks=st.sampled_from([" ", "\n", "\n\n"]))
def test_issue14_news_like_text_finishes_within_its_bound_and_every_span_holds(nlp, data, n, published, breaks) -> None:
    """Generated news (number forms, currencies, date words, relative expressions, runs of
    punctuation; with and without a publication date) through the whole pipeline, each example
    under the runner's bounds: no component fails or runs out of time on any sentence, and every
    span lies in the text and holds its surface."""
    from extractor.nlp.claims.component import claim_dicts as claims
    from extractor.nlp.periods.component import timexes
    from extractor.nlp.quantities.component import quantities
    from extractor.run.workers import Limits, run_text

    def pick(options):
        return data.draw(st.sampled_from(options))

    text = breaks.join(generated_news.sentence(pick) for _ in range(n))
    out = run_text(nlp, text, published, Limits(article=60, sentence=60))
    assert out.error is None and not out.skipped, (out.error, out.skipped)
    doc = out.doc
    assert doc.text == text

    def holds(s, e, surface=None):
        assert 0 <= s <= e <= len(text), (s, e)
        if surface is not None:
            assert text[s:e] == surface

    for ent in doc.ents:
        holds(ent.start_char, ent.end_char, ent.text)
    for q in quantities(doc):
        holds(q["start"], q["end"])
    for d in timexes(doc):
        holds(d["start"], d["end"], d["text"])
    for c in claims(doc):
        holds(c["start"], c["end"])
        holds(c["quote_start"], c["quote_end"], c["quote"])
        if c["phrase_start"] is not None:
            holds(c["phrase_start"], c["phrase_end"])
