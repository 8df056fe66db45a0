"""Publication date of an article: from its sidecar, else from a header, dateline or credit line.

Never the machine's clock: when nothing is found the date is ``None`` and ``how`` is ``unknown``,
and relative time expressions in the article stay unresolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from extractor.rules import load_data

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
HEAD_TAIL_CHARS = 400


@dataclass(frozen=True)
class PubDate:
    value: str | None  #: ISO 8601 at the precision known: YYYY, YYYY-MM or YYYY-MM-DD
    how: str  #: meta, text or unknown
    start: int | None = None  #: where in the text it was found (how == text)
    end: int | None = None

    @property
    def as_date(self) -> date | None:
        """The anchor for relative expressions: the last day known to be on or before publication
        is unknowable at month precision, so month and year precision anchor on their first day."""
        return iso_to_date(self.value) if self.value else None

    @property
    def precision(self) -> str | None:
        if not self.value:
            return None
        return {4: "year", 7: "month"}.get(len(self.value), "day")


def iso_to_date(value: str) -> date:
    parts = value[:10].split("-")
    y = int(parts[0])
    m = int(parts[1]) if len(parts) > 1 else 1
    d = int(parts[2]) if len(parts) > 2 else 1
    return date(y, m, d)


def normalise_meta_date(value: str) -> str:
    """``2019-02``, ``2019-02-03`` or a datetime -> ISO date at its precision."""
    value = value.strip()
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        raise ValueError(f"not an ISO date: {value!r}")
    y, mo, d = m.groups()
    if d:
        return date(int(y), int(mo), int(d)).isoformat()
    if mo:
        date(int(y), int(mo), 1)
        return f"{y}-{mo}"
    return y


_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _numeric_with_weekday(s: str, weekday: str) -> date | None:
    """"06/10/2023" on a Friday: 6 October (10 June 2023 was a Saturday). None when both readings,
    or neither, fall on that weekday."""
    a, b, y = (int(x) for x in re.split(r"[/.]", s))
    want = _WEEKDAYS.index(weekday[:3].lower())
    fits = set()
    for d, m in ((a, b), (b, a)):
        try:
            x = date(y, m, d)
        except ValueError:
            continue
        if x.weekday() == want:
            fits.add(x)
    return fits.pop() if len(fits) == 1 else None


def parse_date_string(s: str) -> date | None:
    cjk = re.fullmatch(r"(?<!\s)\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*", s)
    if cjk:
        try:
            return date(*(int(x) for x in cjk.groups()))
        except ValueError:
            return None
    s = s.strip().replace(",", " ")
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(s.split()[0], fmt).date()
        except ValueError:
            pass
    tokens = s.replace(".", " ").split()
    try:
        if tokens[0][:3].lower() in MONTHS:  # "December 07 2012"
            return date(int(tokens[2]), MONTHS[tokens[0][:3].lower()], int(tokens[1]))
        if tokens[1][:3].lower() in MONTHS:  # "7 December 2012"
            return date(int(tokens[2]), MONTHS[tokens[1][:3].lower()], int(tokens[0]))
    except (IndexError, ValueError):
        return None
    return None


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, str, re.Pattern]]:
    rules = load_data("pubdate.yaml")["patterns"]
    return [(r["name"], r["where"], re.compile(r["regex"])) for r in rules]


def detect(text: str, body: tuple[int, int] | None = None) -> PubDate:
    """Find the publication date printed in ``text``; ``body`` is the (start, end) of the article body."""
    b_start, b_end = body if body else (0, len(text))
    header_end = min(len(text), b_start + HEAD_TAIL_CHARS)
    footer_start = max(0, b_end - HEAD_TAIL_CHARS)
    for _name, where, rx in _patterns():
        for m in rx.finditer(text):
            s, e = m.span("date")
            if where == "header" and s >= header_end:
                continue
            if where == "footer" and s < footer_start:
                continue
            wd = m.groupdict().get("wd")
            d = _numeric_with_weekday(m.group("date"), wd) if wd else parse_date_string(m.group("date"))
            if d is not None and 1900 <= d.year <= 2200:
                return PubDate(d.isoformat(), "text", s, e)
    return PubDate(None, "unknown")


def publication_date(text: str, meta: dict, body: tuple[int, int] | None = None) -> PubDate:
    if meta.get("published"):
        return PubDate(normalise_meta_date(meta["published"]), "meta")
    return detect(text, body)
