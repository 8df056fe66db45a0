"""A claim while it is being built: what each field resolver found, and the rule that found it."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span

from extractor.nlp.indicators.candidates import Candidate


@dataclass
class Draft:
    index: int  # the figure's place among the document's quantities
    span: Span  # the value
    q: dict  # the value's quantity (extractor.nlp.quantities)
    change: dict | None  # the rate of change paired with it in its clause, a quantity too
    measure: str
    phrase: Span | None  # what the figure measures, as the text says it
    candidates: list[Candidate]
    geo: list[str]
    partner: str | None
    geo_how: str
    period: dict | None
    period_how: str
    source: str | None
    source_how: str
    modality: str
    sent_start: int = 0  # token index of the figure's sentence
    para: int = 0  # character offset of the figure's paragraph
    #: the subject is "it", "the figure", "its": the previous figure's
    anaphoric: bool = False
    #: "..., accounting for 67.6 percent of ...": a share of the figure before
    share_of_previous: bool = False
    #: "down from 7.8 percent": an earlier value of the same measure
    basis_of_previous: bool = False
    #: "3.8 times the 612.4 billion yuan spent in 2009": the value compared with
    compared_with: bool = False
    #: "Sweden (4.17 per cent)", "followed by Japan with $5.3 billion": the figure of a listed place
    listed_place: bool = False
    #: the partners of the phrase, in text order ("those to ASEAN and the EU ..., respectively")
    partners: list[str] = field(default_factory=list)
    #: the period was moved relative to an earlier figure's ("20.3% a year earlier")
    relative: bool = False
    #: the period is a fiscal year of the claim's country
    fiscal: bool = False
    headline: bool | None = None  # (cached: the figure stands in a headline)
    #: field -> id of the rule that decided it
    how: dict[str, str] = field(default_factory=dict)
