"""DocContext: what the field resolvers read of one document, indexed once.

``Doc.text``, ``Doc.ents`` and ``Span.sent`` are recomputed on every access, and the resolvers ask
for them thousands of times per article; the context holds them as lists, with the quantities and
dates of the document, the tokens of reporting verbs, the dependency-pattern matches and the
credits of its sentences. The state of one document lives here, never on the component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.attrs import LEMMA
from spacy.tokens import Doc, Span, Token

from extractor.nlp.claims.lexicon import ClaimLexicon
from extractor.nlp.dep_patterns import DependencyPatterns
from extractor.nlp.indicators.candidates import Candidate
from extractor.nlp.indicators.linker import IndicatorLinker
from extractor.nlp.periods.iso import Anchor
from extractor.nlp.text import doc_text, sentences


def para_bounds(text: str, pos: int) -> tuple[int, int]:
    """The paragraph (line) holding character ``pos``: its start and end offsets."""
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    return s, (len(text) if e < 0 else e)


def range_midpoint(q: dict) -> dict:
    """A range ("shrink 20-25%", "4-5 per cent") states one claim: its value is the midpoint
    (gold/README.md); the bounds stay on the mention."""
    if q.get("value") is None and q.get("low") is not None and q.get("high") is not None and q.get("unit"):
        mid = (q["low"] + q["high"]) / 2
        return dict(q, value=int(mid) if float(mid).is_integer() else mid, is_range=True)
    return q


def unit_kind(unit: str | None) -> str | None:
    """What kind of value a unit is: currency, price, percent, count, times (else None)."""
    if not unit:
        return None
    if re.match(r"^[A-Z]{3}$", unit):
        return "currency"
    if re.match(r"^[A-Z]{3} per ", unit):
        return "price"
    return {"percent": "percent", "percentage_point": "percent", "basis_point": "percent", "count": "count",
            "times": "times"}.get(unit)


@dataclass
class DocContext:
    """One document as the claim builder reads it."""

    doc: Doc
    lex: ClaimLexicon
    linker: IndicatorLinker
    text: str
    ents: list[Span]
    sents: list[Span]
    sent_at: list[int]  # token index -> sentence index
    qs: list[tuple[Span, dict]]  # the quantities, a range as its midpoint
    q_starts: list[int]  # start offsets of the quantities that are no bracketed conversion
    q_token_starts: list[int]  # start token of each quantity of ``qs``, in text order
    all_dates: list[tuple[Span, dict]]  # every date span with its timex
    dates: list[tuple[Span, dict]]  # those with a period
    anchor: Anchor | None  # the publication date
    reporting_tokens: list[int]  # tokens whose lemma is a reporting verb, in order
    patterns: DependencyPatterns  # the dependency patterns of claims/patterns.jsonl
    #: sentence start token -> (name, kind) of what the sentence credits (fields.source)
    sent_credits: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    #: (character offset, name) of every speaker credited so far ("he said")
    speakers: list[tuple[int, str]] = field(default_factory=list)
    article_geo: str | None = None
    #: gazetteer id of a body -> its country (a statistics office, a central bank)
    bodies: dict[str, str] = field(default_factory=dict)
    _mentioned: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _by_sentence: dict[str, dict[int, list]] = field(default_factory=dict)
    _matched: dict[tuple[str, int], list[dict[str, int]]] = field(default_factory=dict)

    @classmethod
    def build(cls, doc: Doc, lex: ClaimLexicon, linker: IndicatorLinker,
              patterns: DependencyPatterns, reporting_hashes: set[int],
              qkey: str = "quantities", dkey: str = "dates") -> "DocContext":
        sents = sentences(doc)
        sent_at = [0] * len(doc)
        for k, sent in enumerate(sents):
            for t in range(sent.start, sent.end):
                sent_at[t] = k
        qs = sorted(((s, range_midpoint(s._.quantity)) for s in doc.spans.get(qkey, []) if s._.quantity is not None),
                    key=lambda sq: sq[0].start)
        all_dates = [(s, s._.timex) for s in doc.spans.get(dkey, []) if s._.timex is not None]
        lemmas = doc.to_array(LEMMA) if len(doc) else []
        return cls(
            doc=doc, lex=lex, linker=linker, text=doc_text(doc), ents=list(doc.ents), sents=sents, sent_at=sent_at,
            qs=qs, q_starts=[q["start"] for _, q in qs if q.get("conversion_of") is None],
            q_token_starts=[s.start for s, _ in qs],
            all_dates=all_dates, dates=[(s, t) for s, t in all_dates if t["period"]],
            anchor=Anchor.from_iso(doc._.published),
            # the tokens whose lemma is a reporting verb, found once per document (a Token object per
            # token of every sentence was most of the cost of looking for credits)
            reporting_tokens=[i for i, h in enumerate(lemmas) if int(h) in reporting_hashes],
            patterns=patterns,
        )

    # -- where things are -----------------------------------------------------------------------

    def sent_of(self, x: Span | Token) -> Span:
        """The sentence of a span or token."""
        return self.sents[self.sent_at[x.start if isinstance(x, Span) else x.i]]

    def ents_in(self, span: Span) -> list[Span]:
        if len(span) and self.sent_at[span.start] == self.sent_at[span.end - 1]:
            near = self.in_sentence("ents", self.sent_at[span.start])  # a span inside one sentence
        else:
            near = self.ents
        return [e for e in near if span.start <= e.start and e.end <= span.end]

    def in_sentence(self, what: str, k: int) -> list:
        """The ``ents``, ``dates`` or ``qs`` (with their dicts) of sentence ``k``, in order (indexed
        once per document: figures look up their sentence's dates and quantities many times)."""
        index = self._by_sentence.get(what)
        if index is None:
            index = self._by_sentence[what] = {}
            items = self.ents if what == "ents" else getattr(self, what)
            for item in items:
                span = item if what == "ents" else item[0]
                index.setdefault(self.sent_at[span.start], []).append(item)
        return index.get(k, [])

    def para_start(self, pos: int) -> int:
        return para_bounds(self.text, pos)[0]

    def previous_sentence(self, span: Span) -> Span | None:
        k = self.sent_at[span.start]
        return self.sents[k - 1] if k > 0 else None

    def matched(self, pattern: str, key: int) -> list[dict[str, int]]:
        """The matches of a dependency pattern (``claims/patterns.jsonl``) whose key node is token
        ``key``: each as node name -> token index."""
        found = self._matched.get((pattern, key))
        if found is None:
            found = self._matched[(pattern, key)] = self.patterns.match(pattern, self.doc[key])
        return found

    # -- indicators -------------------------------------------------------------------------------

    def link(self, span: Span, units: str | None, words: list[str] | None = None) -> list[Candidate]:
        return self.linker(span, units, words)

    def mentioned_indicators(self, text: str) -> list[tuple[str, float]]:
        """Indicators whose alias occurs in a longer text (every alias word present)."""
        cached = self._mentioned.get(text)
        if cached is None:
            cached = self._mentioned[text] = self.linker.generator.mentioned(text)
        return cached

    def has_unit(self, indicator: str) -> bool:
        return indicator in self.linker.units
