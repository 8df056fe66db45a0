"""Candidate generation: for a span of text, every indicator of the catalog an alias of which it
names, scored, with the alias that matched (as scispacy's ``CandidateGenerator`` returns
``MentionCandidate``s for a mention).

The score of an indicator is (the best share of one alias's words found in the phrase) x (the share
of the phrase's content words that its fully found aliases account for); words are compared on
singular forms, a derived form matching its stem. A phrase that says more than an alias ("farm
exports", "exports of electric cars") scores below one that says exactly that ("exports"), so a
product the catalog has no id for stays unlinked, as GOLD_GUIDE.md asks.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from rapidfuzz import fuzz
from spacy.tokens import Span

from extractor.nlp.indicators.catalog import Indicator
from extractor.nlp.indicators.words import LinkerWords, same_word, word_hits


class Candidate(NamedTuple):
    """An indicator id, its score in [0, 1], and the alias that matched (or, for a candidate a rule
    made rather than found, the rule's id)."""

    id: str
    score: float
    alias: str


class CandidateGenerator:
    """Scores spans against every alias of ``indicators``."""

    def __init__(self, indicators: Sequence[Indicator], words: LinkerWords):
        self.words = words
        self.units = {i.id: set(i.units) for i in indicators}
        self.measures = {i.id: set(i.measures) for i in indicators}
        self.aliases: list[tuple[str, tuple[str, ...], str]] = []  # (id, alias words, alias)
        self._by_prefix: dict[str, set[int]] = {}
        self._cache: dict[tuple[str, str | None], list[Candidate]] = {}
        for ind in indicators:
            for a in ind.aliases:
                aw = tuple(words.phrase_words(a))
                if not aw:
                    continue
                k = len(self.aliases)
                self.aliases.append((ind.id, aw, a))
                for w in aw:
                    self._by_prefix.setdefault(w[:5], set()).add(k)

    def __call__(self, span: Span, units: str | None = None, words: Sequence[str] | None = None) -> list[Candidate]:
        """Candidates for ``span``, best first. ``words``: the words to read it by, where a rule reads
        the span in part or adds a word of its context (a lead's flow, a verb's lemma); else the
        span's text. ``units`` (currency, count, percent, ...) keeps only the indicators that take a
        value of that kind."""
        return self.for_text(" ".join(words) if words is not None else span.text, units)

    def aliases_near(self, words: list[str]) -> set[int]:
        """Aliases sharing a word stem (5-letter prefix) with ``words``."""
        ks: set[int] = set()
        for w in words:
            ks |= self._by_prefix.get(w[:5], set())
        return ks

    def for_text(self, phrase: str, units: str | None = None) -> list[Candidate]:
        key = (phrase, units)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._score(phrase, units)
            if len(self._cache) < 50_000:  # news repeats its phrases; the catalog never changes
                self._cache[key] = hit
        return list(hit)

    def _score(self, phrase: str, units: str | None) -> list[Candidate]:
        if any(p.search(phrase.lower()) for p in self.words.unlinked):
            return []  # "exports of goods and services": an aggregate the catalog has no id for
        words = self.words.phrase_words(phrase)
        neutral = self.words.neutral | self.words.neutral_for_money if units == "currency" else self.words.neutral
        content = list(dict.fromkeys(w for w in words if w not in neutral))
        if not content:
            return []
        joined = " ".join(words)
        fit: dict[str, float] = {}
        alias_of: dict[str, str] = {}
        covered: dict[str, set[str]] = {}
        hit = word_hits(words)
        for k in self.aliases_near(words):
            iid, aw, alias = self.aliases[k]
            if units and self.units.get(iid) and units not in self.units[iid]:
                continue
            found = sum(1 for a in aw if hit(a))
            if not found:
                continue
            if found < len(aw):
                # a partial alias never scores: an id counts only the words its full aliases cover
                fit.setdefault(iid, 0.0)
                continue
            # fuzz.ratio breaks ties between aliases that fit equally
            f = 0.95 + 0.05 * fuzz.ratio(" ".join(aw), joined) / 100
            if f > fit.get(iid, 0.0):
                fit[iid], alias_of[iid] = f, alias
            covered.setdefault(iid, set()).update(w for w in content if w in aw or any(same_word(a, w) for a in aw))
        best = {iid: round(f * len(covered.get(iid, ())) / len(content), 4) for iid, f in fit.items()}
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [Candidate(i, round(s, 3), alias_of.get(i, "")) for i, s in ranked]

    def mentioned(self, text: str) -> list[tuple[str, float]]:
        """Indicators whose alias occurs in a longer text (every alias word present), scored by the
        alias's length: the families a sentence is about."""
        words = self.words.phrase_words(text)
        out: dict[str, float] = {}
        found = word_hits(words)
        for k in self.aliases_near(words):
            iid, aw, _ = self.aliases[k]
            if all(found(a) for a in aw):
                out[iid] = max(out.get(iid, 0.0), min(1.0, 0.6 + 0.1 * len(aw)))
        return sorted(out.items(), key=lambda kv: -kv[1])
