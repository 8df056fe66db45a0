"""What kind of figure it is: ``level``, ``growth``, ``share``, ``count``, ``ratio`` or ``price``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span

from extractor.nlp.claims.context import DocContext
from extractor.nlp.rule_table import RuleTable

_RATES = ("percent", "percentage_point", "basis_point")


@dataclass
class Figure:
    """What the measure rules read: the figure, its quantity and the text around it."""

    ctx: DocContext
    span: Span
    q: dict
    phrase: str  # the measured phrase's text

    @property
    def unit(self) -> str:
        return self.q["unit"] or ""

    @property
    def before(self) -> str:
        return self.ctx.text[max(self.ctx.sent_of(self.span).start_char, self.q["start"] - 60):
                             self.q.get("approx_start") or self.q["start"]]

    @property
    def after(self) -> str:
        return self.ctx.text[self.q["end"]:self.q["end"] + 40]


def _ratio_after(f: Figure) -> str | None:
    """"2.71 percent of GDP"."""
    return "ratio" if f.unit in _RATES and f.ctx.lex.ratio_after.search(f.after[:30]) else None


def _rate_of_change(f: Figure) -> str | None:
    """"rose 8.1 percent": a rate with a direction."""
    return "growth" if f.unit in _RATES and f.q["direction"] else None


def _share_cue(f: Figure) -> str | None:
    """"accounted for 30%", "30% of national exports", "57 percent of the municipality's foreign trade"."""
    if f.unit in _RATES and (f.ctx.lex.share_before.search(f.before[-40:])
                             or re.match(r"^\s*of\s+(?:the|its|their|\w+['’]s)\b", f.after)):
        return "share"
    return None


def _share_phrase(f: Figure) -> str | None:
    """"its share of total R&D expenditure edged up to 6.41 percent"."""
    if f.unit in _RATES and re.match(r"^(?:its|their|the|a)\s+(?:\w+\s+)?(?:share|proportion)\b", f.phrase, re.I):
        return "share"
    return None


def _growth_word(f: Figure) -> str | None:
    """"export growth was 5.2 percent"; a gap in percentage points."""
    if f.unit in _RATES and (f.ctx.lex.growth_words.search(f.phrase) or f.unit == "percentage_point"):
        return "growth"
    if f.unit in _RATES:
        # "full-year exports of $610 billion to $617 billion, growth of 3% to 4%": the change noun
        # the figure completes, when the phrase is what changes
        start = f.q.get("approx_start") or f.q["start"]
        before = f.ctx.text[max(f.ctx.sent_of(f.span).start_char, start - 24):start]
        m = re.search(r"\b(\w+)\s+of\s+$", before)
        if m and f.ctx.lex.growth_words.fullmatch(m.group(1)) and m.group(1).lower() != "inflation":
            return "growth"
    return None


def _rate_level(f: Figure) -> str | None:
    return "level" if f.unit in _RATES else None


def _multiple(f: Figure) -> str | None:
    return "ratio" if f.unit == "times" else None


def _count(f: Figure) -> str | None:
    return "count" if f.unit == "count" else None


def _price(f: Figure) -> str | None:
    """"$3.20 per gallon", "the average export price"."""
    return "price" if " per " in f.unit or f.ctx.lex.price_words.search(f.phrase) else None


def _level(f: Figure) -> str:
    return "level"


RULES: RuleTable[str] = RuleTable("measure", [
    ("measure.ratio_of_gdp", _ratio_after),
    ("measure.rate_with_direction", _rate_of_change),
    ("measure.share_cue", _share_cue),
    ("measure.share_phrase", _share_phrase),
    ("measure.growth_word", _growth_word),
    ("measure.rate_level", _rate_level),
    ("measure.multiple", _multiple),
    ("measure.count", _count),
    ("measure.price", _price),
    ("measure.level", _level),
])

#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = tuple(RULES.ids)


def measure(ctx: DocContext, span: Span, q: dict, phrase: str) -> tuple[str, str]:
    """(the measure, the rule that decided it)."""
    found = RULES.first(Figure(ctx, span, q, phrase))
    assert found is not None  # the last rule always answers
    return found.value, found.rule
