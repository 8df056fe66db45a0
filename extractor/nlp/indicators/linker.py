"""The indicator linker: candidates from the generator, cut by a threshold and top-k (as scispacy's
``EntityLinker`` does)."""

from __future__ import annotations

from typing import Sequence

from spacy.tokens import Span

from extractor.nlp.indicators.candidates import Candidate, CandidateGenerator
from extractor.nlp.indicators.catalog import Indicator, catalog
from extractor.nlp.indicators.words import LinkerWords, packaged_words


class IndicatorLinker:
    """Link a span to indicator ids: candidates best first, scores in [0, 1].

    threshold: candidates scoring below it are dropped; the claim's indicator is null then.
    top_k: how many candidates to keep.
    """

    def __init__(self, threshold: float = 0.72, top_k: int = 3, indicators: Sequence[Indicator] | None = None,
                 words: LinkerWords | None = None):
        self.threshold = threshold
        self.top_k = top_k
        self.generator = CandidateGenerator(indicators if indicators is not None else catalog(),
                                            words if words is not None else packaged_words())

    @property
    def units(self) -> dict[str, set[str]]:
        """Indicator id -> the kinds of value it takes (currency, percent, count, ...)."""
        return self.generator.units

    @property
    def measures(self) -> dict[str, set[str]]:
        return self.generator.measures

    def _cut(self, found: list[Candidate]) -> list[Candidate]:
        return [c for c in found if c.score >= self.threshold][: self.top_k]

    def __call__(self, span: Span, units: str | None = None, words: Sequence[str] | None = None) -> list[Candidate]:
        """Candidates of ``span`` (read by ``words`` where given) above the threshold, at most top-k."""
        return self._cut(self.generator(span, units, words))

    def link(self, phrase: str, units: str | None = None) -> list[tuple[str, float]]:
        """The same for a plain phrase, as ``(id, score)`` pairs (the catalog command, tests)."""
        return [(c.id, c.score) for c in self._cut(self.generator.for_text(phrase, units))]
