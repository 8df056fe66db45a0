"""Modality: a figure is ``reported`` (measured), a ``target`` (a goal) or a ``forecast``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.tree import first_verb_above
from extractor.nlp.rule_table import RuleTable

_MODALS = ("will", "would", "could", "may", "might", "shall")


@dataclass
class Figure:
    ctx: DocContext
    span: Span
    q: dict

    @property
    def verbs(self) -> list[Token]:
        """The verb the figure hangs on, and the verb above it when it is a complement ("expected
        to reach")."""
        verb = first_verb_above(self.span, steps=5)  # (an appositive adds a step: "..., growth of 3% to 4%")
        if verb is None:
            return []
        chain = [verb]
        v = verb
        # "expected an addition of 10,000 jobs and the unemployment rate to rise to 5.5 per cent": up
        # through complements and coordinated clauses to the verb that frames them
        for _ in range(3):
            if v.dep_ not in ("xcomp", "ccomp", "conj", "acl") or v.head.i == v.i:
                break
            v = v.head
            while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i and v.dep_ in ("dobj", "conj", "pobj", "prep"):
                v = v.head
            if v.pos_ in ("VERB", "AUX"):
                chain.append(v)
        return chain


def _earlier_value(f: Figure) -> str | None:
    """"down from 7.8 percent": the earlier, measured value."""
    pre = f.ctx.text[max(f.ctx.sent_of(f.span).start_char, f.q["start"] - 14):f.q.get("approx_start") or f.q["start"]].lower()
    return "reported" if re.search(r"\bfrom\s*$", pre) else None


def _verb(f: Figure) -> str | None:
    """The verb's meaning and auxiliaries: "aims to", "should", "is to" (a plan) make a target;
    "expected", "will", "could" a forecast; "saw exports jump" and a statistics office's
    "was estimated at" report what happened."""
    lex = f.ctx.lex
    for v in f.verbs:
        auxes = [c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")]
        lemma = v.lemma_.lower()
        if lemma in lex.target_cues or any(a in ("should", "must") for a in auxes):
            return "target"
        if "to" in auxes and v.head.i != v.i and v.head.lemma_ == "be" and v.dep_ == "xcomp":
            return "target"  # "firms are to open at least 100 warehouses": a plan
        if lemma in lex.forecast_cues and v.tag_ == "VBD" and lemma == "see":
            continue  # "saw exports jump": what happened
        if lemma in ("estimate", "put", "calculate") and v.tag_ == "VBN" and not any(a in _MODALS for a in auxes):
            continue  # "turnover was estimated at US$248.19 billion": a statistics office's estimate
        if lemma in lex.forecast_cues or any(a in _MODALS + ("'ll",) for a in auxes):
            return "forecast"
    return None


def _window(f: Figure) -> str:
    """The words just before the figure: "a target of", "eyes", "its forecast for ... to"."""
    window = f.ctx.text[max(f.ctx.sent_of(f.span).start_char, f.span.start_char - 50):f.span.start_char].lower()
    # "rose more strongly than forecast", "as expected": a comparison with a forecast, not one
    window = re.sub(r"\b(?:than|as|had been|was|were)\s+(?:had\s+been\s+)?(?:forecast|expected|projected|estimated|predicted)\b", " ", window)
    if re.search(r"\b(?:target|goal|aims?|aimed|targets|eyes|eyeing)\b(?: of| to| at)?", window):
        return "target"
    if re.search(r"\b(?:forecasts?|projected|projections?|expected|estimated to|predicts?|sees|outlook)\b", window):
        return "forecast"
    return "reported"


def _target_noun(f: Figure) -> str | None:
    """"the Bank of England's 2% target", "a 3 per cent inflation goal": the figure names a target."""
    after = f.ctx.text[f.q["end"]:min(f.q["end"] + 40, f.ctx.sent_of(f.span).end_char)].lower()
    # split, not one regex: "\s*(?:[a-z-]+\s+)?target" rescans a long run from every start
    words = after.split()[:2]
    noun = re.compile(r"(?:target|goal|objective|ceiling)s?\W*")
    if words and (noun.fullmatch(words[0]) or len(words) == 2 and re.fullmatch(r"[a-z-]+", words[0])
                  and noun.fullmatch(words[1])):
        return "target"
    return None


RULES: RuleTable[str] = RuleTable("modality", [
    ("modality.earlier_value", _earlier_value),
    ("modality.target_noun", _target_noun),
    ("modality.verb", _verb),
    ("modality.words_before", _window),
])

#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = tuple(RULES.ids)


def modality(ctx: DocContext, span: Span, q: dict) -> tuple[str, str]:
    """(the modality, the rule that decided it)."""
    found = RULES.first(Figure(ctx, span, q))
    assert found is not None  # the last rule always answers
    return found.value, found.rule
