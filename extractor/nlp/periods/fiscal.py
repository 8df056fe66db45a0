"""Fiscal years: "fiscal 2024", "FY25", "2023-24", "this fiscal", "the financial year to date"
and "full-year" figures, resolved for the country whose fiscal year they are
(``fiscal_years.yaml``: the start month, and whether the start or the end year names it).

Calendar periods are the resolver's (:mod:`extractor.nlp.periods`); this module only re-reads the
expressions that mean a fiscal year when the claim's country keeps one that is not the calendar
year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractor.nlp.quantities.numerals import parse_number_words
from extractor.nlp.periods.iso import Period
from extractor.rules import RuleFileError, load_data


@dataclass(frozen=True)
class FiscalYear:
    start: int  # month 1-12
    named_by: str  # "start" or "end"

    def of(self, y: int, m: int) -> int:
        """The start year of the fiscal year holding month ``y-m``."""
        return y if m >= self.start else y - 1

    def named(self, n: int) -> int:
        """The start year of the fiscal year named ``n``."""
        return n if self.named_by == "start" or self.start == 1 else n - 1

    def span(self, start_year: int, months: int = 12) -> Period:
        end_y, end_m = start_year + (self.start - 1 + months - 1) // 12, (self.start - 1 + months - 1) % 12 + 1
        return Period((start_year, self.start), (end_y, end_m))


@lru_cache(maxsize=1)
def fiscal_years() -> dict[str, FiscalYear]:
    raw = load_data("fiscal_years.yaml")
    if not isinstance(raw, dict):
        raise RuleFileError("fiscal_years.yaml: expected a mapping of country codes")
    out = {}
    for code, v in raw.items():
        if not (isinstance(v, dict) and isinstance(v.get("start"), int) and 1 <= v["start"] <= 12
                and v.get("named_by") in ("start", "end")):
            raise RuleFileError(f"fiscal_years.yaml: {code}: expected {{start: 1-12, named_by: start|end}}")
        out[str(code)] = FiscalYear(v["start"], v["named_by"])
    return out


_SPLIT = re.compile(r"\b((?:19|20)\d\d)\s*[-–/]\s*(\d\d(?:\d\d)?)\b")
_NAMED = re.compile(r"\b(?:fiscal|financial)\s+(?:year\s+)?((?:19|20)\d\d)\b|\bfy\s*'?((?:19|20)?\d\d)\b", re.I)
_FIRST = re.compile(r"\bfirst\s+(\w+)\s+months?\b", re.I)
_THIS = re.compile(r"\b(?:this|the current)\s+(?:fiscal|financial)(?:\s+year)?\b|\bthis\s+fy\b", re.I)
_LAST = re.compile(r"\b(?:last|the previous|the last)\s+(?:fiscal|financial)(?:\s+year)?\b", re.I)
_TO_DATE = re.compile(r"\b(?:the\s+)?(?:fiscal|financial)\s+year[- ]to[- ]date\b|\b(?:fiscal|financial)\s+ytd\b", re.I)
_PART = re.compile(r"\b(q[1-4]|h[12])\b|\b(?:the\s+)?(?:(first|second|third|fourth)\s+quarter|(first|second)\s+half)\b")
#: a quarter or half with no year ("Q2", "the third quarter"): of a fiscal year the sentence names
PART_ONLY = re.compile(r"(?:the\s+)?(?:q[1-4]|h[12]|(?:first|second|third|fourth)\s+quarter|(?:first|second)\s+half)", re.I)
SPLIT_YEAR = re.compile(r"\b(?:19|20)\d\d\s*[-–/]\s*\d\d\b")
_BARE = re.compile(r"^(?:the\s+)?(?:fiscal|financial)\s+year$", re.I)
#: a story that counts in fiscal years (trade statistics are calendar years unless it says so)
TALKS_FISCAL = re.compile(r"\bfiscal\b|\bfinancial year\b|\bFY\s*'?\d{2}|\b(?:19|20)\d\d[-–/]\d\d\b")


def _split_start(m: re.Match) -> int | None:
    a, b = int(m.group(1)), m.group(2)
    b_full = int(b) if len(b) == 4 else (a // 100) * 100 + int(b)
    return a if b_full == a + 1 else None


def resolve(text: str, country: str | None, pub: tuple[int, int] | None = None,
            story_end: tuple[int, int] | None = None, full_year: bool = False) -> Period | None:
    """The fiscal period ``text`` names for ``country``, or None when it names none (or the
    country keeps calendar years). ``pub``: the publication (year, month); ``story_end``: the last
    month of the figures the story is about, for "the financial year to date" and a ``full_year``
    figure (the caller's rule decides what "full-year" is)."""
    fy = fiscal_years().get((country or "")[:2])
    if fy is None:
        return None
    low = " ".join(text.lower().split())
    months = None
    first = _FIRST.search(low)
    if first:
        n = first.group(1)
        months = int(n) if n.isdigit() else (int(parse_number_words(n)) if parse_number_words(n) is not None else None)
    start_year = None
    split = _SPLIT.search(low)
    if split:
        start_year = _split_start(split)
    named = None if start_year is not None else _NAMED.search(low)
    if named:
        n = named.group(1) or named.group(2)
        n = int(n) if len(n) == 4 else 2000 + int(n)
        start_year = fy.named(n)
    ref = story_end or pub
    if start_year is None and ref is not None:
        if _TO_DATE.search(low):
            s = fy.of(*ref)
            months_to = (ref[0] - s) * 12 + ref[1] - fy.start + 1
            return fy.span(s, months_to)
        if _THIS.search(low) and pub is not None:
            start_year = fy.of(*pub)
        elif _LAST.search(low) and pub is not None:
            start_year = fy.of(*pub) - 1
        elif _BARE.match(low) or full_year:
            start_year = fy.of(*ref)
    if start_year is None:
        return None
    part = _PART.search(low)
    if part and (split or named):
        # "Q2 of 2023-24", "the first half of FY25": a quarter or half of a named fiscal year
        if part.group(1):
            code = part.group(1)
        elif part.group(2):
            code = {"first": "q1", "second": "q2", "third": "q3", "fourth": "q4"}[part.group(2)]
        else:
            code = {"first": "h1", "second": "h2"}[part.group(3)]
        size = 3 if code[0] == "q" else 6
        first = fy.span(start_year, size * (int(code[1]) - 1) + size)
        shift = size * (int(code[1]) - 1)
        y, m = start_year + (fy.start - 1 + shift) // 12, (fy.start - 1 + shift) % 12 + 1
        return Period((y, m), first.end)
    return fy.span(start_year, months if months and 1 <= months <= 12 else 12)
