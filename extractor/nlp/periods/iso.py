"""ISO 8601 periods: a point or an interval at any precision, and the publication-date anchor."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

def _fmt(t: tuple[int, ...]) -> str:
    if len(t) == 1:
        return f"{t[0]:04d}"
    if len(t) == 2:
        return f"{t[0]:04d}-{t[1]:02d}"
    return f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"


def _first_day(t: tuple[int, ...]) -> date:
    return date(t[0], t[1] if len(t) > 1 else 1, t[2] if len(t) > 2 else 1)


def _last_day(t: tuple[int, ...]) -> date:
    if len(t) == 3:
        return date(*t)
    if len(t) == 2:
        return date(t[0], t[1], calendar.monthrange(t[0], t[1])[1])
    return date(t[0], 12, 31)


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + n
    return k // 12, k % 12 + 1


def _shift(t: tuple[int, ...], years: int = 0, months: int = 0, days: int = 0) -> tuple[int, ...]:
    if len(t) == 1:
        return (t[0] + years + (months // 12 if months % 12 == 0 else 0),)
    if len(t) == 2:
        y, m = _add_months(t[0] + years, t[1], months)
        return (y, m)
    y, m = _add_months(t[0] + years, t[1], months)
    d = min(t[2], calendar.monthrange(y, m)[1])
    out = date(y, m, d) + timedelta(days=days)
    return (out.year, out.month, out.day)


@dataclass(frozen=True)
class Period:
    """A span of time at a stated precision; an open side is None."""

    start: tuple[int, ...] | None
    end: tuple[int, ...] | None

    @classmethod
    def point(cls, *t: int) -> "Period":
        return cls(tuple(t), tuple(t))

    @property
    def iso(self) -> str:
        a = _fmt(self.start) if self.start else ".."
        b = _fmt(self.end) if self.end else ".."
        return a if self.start == self.end else f"{a}/{b}"

    @property
    def first_day(self) -> date | None:
        return _first_day(self.start) if self.start else None

    @property
    def last_day(self) -> date | None:
        return _last_day(self.end) if self.end else None

    def fields(self) -> dict[str, str | None]:
        """``period`` (ISO 8601) with the ``period_start``/``period_end`` dates stored for queries."""
        return {"period": self.iso, "period_start": self.first_day.isoformat() if self.first_day else None,
                "period_end": self.last_day.isoformat() if self.last_day else None}

    def shift(self, years: int = 0, months: int = 0, days: int = 0) -> "Period":
        return Period(
            _shift(self.start, years, months, days) if self.start else None,
            _shift(self.end, years, months, days) if self.end else None,
        )


def parse_iso_period(s: str) -> Period:
    """``"2025-01/2025-05"`` -> Period; the inverse of :attr:`Period.iso`."""

    def part(p: str) -> tuple[int, ...] | None:
        if p == "..":
            return None
        return tuple(int(x) for x in p.split("-"))

    if "/" in s:
        a, b = s.split("/", 1)
        return Period(part(a), part(b))
    t = part(s)
    return Period(t, t)


@dataclass(frozen=True)
class Anchor:
    """The publication date at its known precision."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def from_iso(cls, value: str | None) -> "Anchor | None":
        if not value:
            return None
        parts = [int(x) for x in value[:10].split("-")]
        return cls(*parts)  # type: ignore[arg-type]

    @property
    def date(self) -> date | None:
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)
