"""TIMEX3 values: a calendar date at a granularity, and the functions a rule's value calls.

A :class:`Point` is a day standing for the unit that holds it (a year, quarter, month, week,
weekend, day, part of a day, minute); ``value`` writes it as TimeML does (``1998``, ``1998-Q3``,
``1998-W32``, ``1998-W32-WE``, ``1998-08-07``, ``1998-08-07TMO``, ``1998-08-07T10:30``).
:class:`Resolve` holds what a relative expression is resolved against -- the publication date,
the last date the text stated (the reference), the tense of the clause -- and the functions
named in ``timex.yaml``'s values (``[dct year -1]``, ``[weekday 5]``, ``[dur 3 Y]``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

#: granularities from the coarsest; a Point is truncated to one of these
GRANS = ("century", "decade", "year", "half", "season", "quarter", "month", "week", "weekend", "day", "part", "time")
_RANK = {g: i for i, g in enumerate(GRANS)}
SEASON_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}
#: a day without its year in a past-tense clause is put ahead of the publication date rather than
#: this many days or more back, when it is at most _DAY_AHEAD days ahead
_DAY_BACK = 183
_DAY_AHEAD = 62
#: TIMEX3 duration units of the time of day (PT...)
CLOCK_UNITS = {"H": "H", "MIN": "M", "S": "S"}


def _add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    y, m = divmod(k, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


@dataclass(frozen=True)
class Point:
    """A unit of the calendar: ``day`` is its first day (a week's Monday, a weekend's Saturday,
    a season's first month, a part of a day's day); ``extra`` is the part of the day (``MO``) or
    the clock time (``10:30``)."""

    day: date
    gran: str
    extra: str = ""

    @classmethod
    def of(cls, d: date, gran: str, extra: str = "") -> "Point":
        """The unit of ``gran`` that holds ``d``."""
        if gran == "century":
            d = date(d.year // 100 * 100 or 1, 1, 1)
        elif gran == "decade":
            d = date(d.year // 10 * 10 or 1, 1, 1)
        elif gran == "year":
            d = date(d.year, 1, 1)
        elif gran == "half":
            d = date(d.year, 1 if d.month <= 6 else 7, 1)
        elif gran == "quarter":
            d = date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
        elif gran == "season":
            m = d.month
            d = date(d.year - (m < 3), 12, 1) if m in (12, 1, 2) else date(d.year, (m - 3) // 3 * 3 + 3, 1)
        elif gran == "month":
            d = date(d.year, d.month, 1)
        elif gran == "week":
            d = d - timedelta(days=d.weekday())
        elif gran == "weekend":
            d = d - timedelta(days=d.weekday()) + timedelta(days=5)
        return cls(d, gran, extra)

    def shift(self, unit: str, n: int) -> "Point":
        """Moved ``n`` units (``year``, ``half``, ``quarter``, ``season``, ``month``, ``week``,
        ``weekend``, ``day``, ``decade``, ``century``), keeping the granularity."""
        d = self.day
        if unit == "century":
            d = date(d.year + 100 * n, d.month, 1 if d.month == 2 and d.day == 29 else d.day)
        elif unit == "decade":
            d = _add_months(d, 120 * n)
        elif unit == "year":
            d = _add_months(d, 12 * n)
        elif unit == "half":
            d = _add_months(d, 6 * n)
        elif unit in ("quarter", "season"):
            d = _add_months(d, 3 * n)
        elif unit == "month":
            d = _add_months(d, n)
        elif unit in ("week", "weekend"):
            d = d + timedelta(weeks=n)
        elif unit in ("day", "part", "time"):
            d = d + timedelta(days=n)
        return Point.of(d, self.gran, self.extra)

    def at(self, gran: str) -> "Point":
        return Point.of(self.day, gran)

    def finer_or_equal(self, gran: str) -> bool:
        return _RANK[self.gran] >= _RANK[gran]

    @property
    def value(self) -> str:
        d, g = self.day, self.gran
        if g == "century":
            return f"{d.year // 100:02d}"
        if g == "decade":
            return f"{d.year // 10:03d}"
        if g == "year":
            return f"{d.year:04d}"
        if g == "half":
            return f"{d.year:04d}-H{1 if d.month <= 6 else 2}"
        if g == "quarter":
            return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
        if g == "season":
            code = {3: "SP", 6: "SU", 9: "FA", 12: "WI"}[d.month]
            return f"{d.year:04d}-{code}"
        if g == "month":
            return f"{d.year:04d}-{d.month:02d}"
        if g in ("week", "weekend"):
            y, w, _ = d.isocalendar()
            return f"{y:04d}-W{w:02d}" + ("-WE" if g == "weekend" else "")
        out = d.isoformat()
        if g in ("part", "time") and self.extra:
            out += "T" + self.extra
        return out


def parse_value(value: str) -> Point | None:
    """The Point a TIMEX3 value names (for use as the reference); None for durations, sets and
    values with unknown digits."""
    v = value
    if not v or "X" in v or v.startswith("P") or v.endswith("_REF"):
        return None
    extra = ""
    if "T" in v:
        v, extra = v.split("T", 1)
    try:
        parts = v.split("-")
        if len(parts) == 1:
            if len(v) == 4:
                return Point(date(int(v), 1, 1), "year")
            if len(v) == 3:
                return Point(date(int(v) * 10, 1, 1), "decade")
            if len(v) == 2:
                return Point(date(int(v) * 100 or 1, 1, 1), "century")
            return None
        y = int(parts[0])
        p = parts[1]
        if p.startswith("Q"):
            return Point(date(y, 3 * int(p[1]) - 2, 1), "quarter")
        if p.startswith("H"):
            return Point(date(y, 1 if p[1] == "1" else 7, 1), "half")
        if p in SEASON_MONTH:
            return Point(date(y, SEASON_MONTH[p], 1), "season")
        if p.startswith("W"):
            monday = date.fromisocalendar(y, int(p[1:]), 1)
            return Point.of(monday, "weekend" if v.endswith("-WE") else "week")
        if len(parts) == 2:
            return Point(date(y, int(p), 1), "month")
        d = date(y, int(p), int(parts[2]))
        return Point(d, ("time" if ":" in extra else "part") if extra else "day", extra)
    except (ValueError, IndexError):
        return None


@dataclass
class Resolve:
    """What a relative expression is resolved against, and the functions a value template calls.

    ``dct`` is the publication date (None when unknown), ``dct_gran`` how precisely it is known;
    ``ref`` the last date the text stated before the expression; ``tense`` a callable giving
    ``past``, ``present``, ``future`` or None for the clause of the expression."""

    dct: date | None
    tables: "Tables"
    ref: Point | None = None
    tense: Callable[[], str | None] = lambda: None
    #: how precisely the publication date is known: ``day``, ``month`` or ``year`` (``dct`` is
    #: then the first day of that unit, and nothing finer is resolved against it)
    dct_gran: str = "day"

    def _knows(self, gran: str) -> bool:
        """The publication date is known at least to ``gran`` (a year is enough for a decade)."""
        if self.dct is None:
            return False
        need = {"century": "year", "decade": "year", "year": "year", "half": "month", "season": "month",
                "quarter": "month", "month": "month"}.get(gran, "day")
        return _RANK[self.dct_gran] >= _RANK[need]

    # -- helpers ---------------------------------------------------------------------------------

    def _mode(self, mode: str | None) -> str:
        if mode:
            return mode
        t = self.tense()
        return {"past": "past", "future": "future"}.get(t or "", "closest")

    def _pick(self, candidates: list[Point], mode: str, start_of: Callable[[Point], date]) -> Point:
        """Of the occurrences one year apart, the one the mode asks for, relative to the DCT."""
        dct = self.dct
        assert dct is not None
        cands = sorted(candidates, key=lambda p: p.day)
        if mode in ("past", "before"):
            ok = [p for p in cands if (start_of(p) <= dct if mode == "past" else _end(p) < dct)]
            return ok[-1] if ok else cands[0]
        if mode in ("future", "after"):
            ok = [p for p in cands if (_end(p) >= dct if mode == "future" else start_of(p) > dct)]
            return ok[0] if ok else cands[-1]
        if mode == "this":
            return min(cands, key=lambda p: abs(p.day.year - dct.year) * 10 + (p.day.year > dct.year))
        # closest: the occurrence whose span is nearest the DCT
        def distance(p: Point) -> int:
            if start_of(p) <= dct <= _end(p):
                return 0
            return min(abs((start_of(p) - dct).days), abs((_end(p) - dct).days))
        return min(cands, key=lambda p: (distance(p), p.day > dct))

    def _yearly(self, make: Callable[[int], Point | None], mode: str | None, gran: str = "month") -> str | None:
        """Of the occurrences in the publication year and the years either side, the one the
        mode (or the tense) picks."""
        if not self._knows(gran):
            return None
        assert self.dct is not None
        cands = [p for p in (make(self.dct.year + k) for k in (-1, 0, 1)) if p is not None]
        if not cands:
            return None
        return self._pick(cands, self._mode(mode), lambda p: p.day).value

    # -- functions named in timex.yaml -------------------------------------------------------

    def dct_(self, gran: str, n: str = "0") -> str | None:
        """The publication date's unit of ``gran`` moved ``n`` units: [dct year -1] -> last year."""
        gran = self.tables.gran(gran)
        if not self._knows(gran):
            return None
        assert self.dct is not None
        return Point.of(self.dct, gran).shift(gran, _int(n)).value

    def deictic(self, word: str) -> str | None:
        return self.dct_("day", {"yesterday": "-1", "today": "0", "tomorrow": "1"}.get(word, "0"))

    def ref_(self, gran: str, unit: str, n: str = "0") -> str | None:
        """The reference (the last date stated) at ``gran`` (``same``: its own granularity),
        moved ``n`` units; without a reference fine enough, the publication date's unit."""
        unit = self.tables.gran(unit)
        n_ = _int(n, default=1 if n == "" else 0)
        if n.startswith("-") and n.strip("-") == "":
            n_ = -1
        ref = self.ref
        if gran == "same":
            if ref is not None and ref.finer_or_equal(unit) and ref.gran not in ("part", "time"):
                return ref.shift(unit, n_).value
            if ref is not None and ref.gran in ("part", "time"):
                return ref.at("day").shift(unit, n_).value
            if not self._knows(unit):
                return None
            assert self.dct is not None
            return Point.of(self.dct, unit).shift(unit, n_).value
        gran = self.tables.gran(gran)
        if ref is not None and ref.finer_or_equal(gran):
            return ref.at(gran).shift(unit, n_).value
        if not self._knows(gran):
            return None
        assert self.dct is not None
        return Point.of(self.dct, gran).shift(unit, n_).value

    def refday(self) -> str | None:
        ref = self.ref
        if ref is not None and ref.finer_or_equal("day") and ref.gran != "weekend":
            return ref.day.isoformat()
        return self.dct.isoformat() if self.dct and self._knows("day") else None

    def refq(self, n: str = "0") -> str | None:
        """The quarter the text is about: the reference's quarter, or the quarter the clause's
        tense points to (a past-tense report: the last quarter that ended before publication)."""
        ref = self.ref
        if ref is not None and ref.finer_or_equal("quarter") and ref.gran not in ("season",):
            return ref.at("quarter").shift("quarter", _int(n)).value
        if not self._knows("quarter"):
            return None
        assert self.dct is not None
        q = Point.of(self.dct, "quarter")
        if self.tense() != "future":
            q = q.shift("quarter", -1)
        return q.shift("quarter", _int(n)).value

    def refqyear(self, y: str) -> str | None:
        """"the 1988 quarter": the quarter the text is about, in that year."""
        q = self.refq()
        return f"{y}-{q[5:]}" if q and y else None

    def ago(self, n: str, unit: str) -> str | None:
        """"two years ago": the unit that many units before the publication date; "a year ago"
        after a quarter, month or day the text is about: that quarter, month or day a year before
        (a report's "compared with $5 million a year ago")."""
        gran = self.tables.gran(unit)
        k = _int(n, default=1)
        ref = self.ref
        if gran == "year" and k == 1 and ref is not None and ref.gran in ("half", "quarter", "month"):
            return ref.shift("year", -k).value
        if gran == "week":
            gran, k = "day", 7 * k
        return self.dct_(gran, str(-k))

    def month(self, m: str, mode: str = "") -> str | None:
        mm = int(m)
        return self._yearly(lambda y: Point(date(y, mm, 1), "month"), mode or None)

    def day(self, m: str, d: str, y: str = "") -> str | None:
        mm, dd = int(m), int(d)
        if y:
            try:
                return date(int(y), mm, dd).isoformat()
            except ValueError:
                return None

        def make(year: int) -> Point | None:
            try:
                return Point(date(year, mm, dd), "day")
            except ValueError:
                return None
        out = self._yearly(make, None, "day")
        if out is not None and self.dct is not None and self._mode(None) == "past":
            # a day named without its year lies near the publication date: in a past-tense clause
            # ("authorized a split payable Dec. 7") a day weeks ahead beats one most of a year back
            ahead = make(self.dct.year + (date(self.dct.year, mm, 1) < date(self.dct.year, self.dct.month, 1)))
            back = (self.dct - date.fromisoformat(out)).days
            if ahead is not None and back > _DAY_BACK and 0 < (ahead.day - self.dct).days <= _DAY_AHEAD:
                return ahead.value
        return out

    def quarterof(self, m: str, d: str) -> str | None:
        """"the quarter ended Sept. 30": the calendar quarter that holds the day."""
        day = self.day(m, d)
        p = parse_value(day) if day else None
        return p.at("quarter").value if p else None

    def ymd(self, y: str, a: str, b: str, weekday: str = "") -> str | None:
        """A numeric date: month first (10/30/89), day first when the first number is no month
        (30/10/89) or when only that reading falls on the weekday written before it."""
        year = int(y)
        if year < 100:
            year += 1900 if year > 30 else 2000
        readings = []
        for month, day in ((int(a), int(b)), (int(b), int(a))):
            try:
                readings.append(date(year, month, day))
            except ValueError:
                continue
        if weekday:
            readings = [d for d in readings if d.isoweekday() == int(weekday)] or readings
        return readings[0].isoformat() if readings else None

    def quarter(self, q: str, mode: str = "", years: str = "0") -> str | None:
        """A quarter without a year: in a past-tense clause the latest that has begun, otherwise
        the nearest ("will report third-quarter results" in October: the quarter just ended)."""
        n = int(q)
        if not mode and self.tense() != "past":
            mode = "closest"
        out = self._yearly(lambda y: Point(date(y, 3 * n - 2, 1), "quarter"), mode or None)
        if out and _int(years):
            p = parse_value(out)
            return p.shift("year", _int(years)).value if p else None
        return out

    def half(self, h: str, mode: str = "") -> str | None:
        n = int(h)
        return self._yearly(lambda y: Point(date(y, 1 if n == 1 else 7, 1), "half"), mode or None)

    def season(self, s: str, mode: str = "") -> str | None:
        m = SEASON_MONTH.get(s)
        if m is None:
            return None
        return self._yearly(lambda y: Point(date(y, m, 1), "season"), mode or None)

    def weekday(self, w: str, mode: str = "") -> str | None:
        """A weekday without a date: the one of the publication week the tense points to
        (``before``/``after``: strictly before or after the publication day)."""
        if not self._knows("day"):
            return None
        assert self.dct is not None
        wd = int(w) - 1
        mode = self._mode(mode or None)
        if mode == "refbefore":
            # "the previous Friday": the one before the day the text is about
            base = self.ref.day if self.ref is not None and self.ref.finer_or_equal("day") else self.dct
            return (base - timedelta(days=(base.weekday() - wd) % 7 or 7)).isoformat()
        back = (self.dct.weekday() - wd) % 7
        fwd = (wd - self.dct.weekday()) % 7
        if mode == "before":
            d = self.dct - timedelta(days=back or 7)
        elif mode == "after":
            d = self.dct + timedelta(days=fwd or 7)
        elif mode == "future":
            d = self.dct + timedelta(days=fwd)
        elif mode == "past":
            d = self.dct - timedelta(days=back)
        else:
            d = self.dct - timedelta(days=back) if back <= fwd else self.dct + timedelta(days=fwd)
        return d.isoformat()

    def weekend(self, n: str = "0") -> str | None:
        if not self._knows("day"):
            return None
        assert self.dct is not None
        mode = self._mode(None)
        we = Point.of(self.dct, "weekend")  # the Saturday of the publication week
        if mode != "future" and we.day > self.dct:
            we = we.shift("week", -1)
        return we.shift("week", _int(n)).value

    def holiday(self, spec: str, y: str = "") -> str | None:
        def make(year: int) -> Point | None:
            d = self.tables.holiday(spec, year)
            return Point(d, "day") if d else None
        if y:
            p = make(int(y))
            return p.value if p else None
        return self._yearly(make, None, "day")

    def dur(self, n: str, unit: str) -> str | None:
        code = self.tables.unit(unit)
        if code is None:
            return None
        mult = 1
        if code[:1].isdigit():  # "fortnight": 2W
            mult, code = int(code[:-1]), code[-1]
        if n in ("", None):
            n = "1"
        if n != "X":
            try:
                x = float(n) * mult
            except ValueError:
                return None
            if x != int(x):
                return _fractional(x, code)
            n = str(int(x))
        if code in CLOCK_UNITS:
            return f"PT{n}{CLOCK_UNITS[code]}"
        if code == "WE":
            return f"P{n}WE"
        return f"P{n}{code}"

    def frequency(self, word: str) -> str | None:
        """"annually": P1Y."""
        return self.tables.frequencies.get(word.lower())

    def durhalf(self, n: str, unit: str) -> str | None:
        base = 1.0 if n in ("", "X") else float(n)
        return self.dur(str(base + 0.5), unit)

    def hhmm(self, hour: str, minute: str = "", ampm: str = "") -> str | None:
        h = hour.lower()
        if h == "noon":
            return "12:00"
        if h == "midnight":
            return "24:00"
        try:
            hh = int(h)
            mm = int(minute) if minute else 0
        except ValueError:
            return None
        if ampm == "pm" and hh < 12:
            hh += 12
        elif ampm == "am" and hh == 12:
            hh = 0
        return f"{hh:02d}:{mm:02d}"

    def call(self, name: str, args: list[str]) -> str | None:
        fn = _FUNCTIONS.get(name)
        if fn is None:
            raise KeyError(f"timex.yaml names no resolver function {name!r}")
        return fn(self, *args)


_FUNCTIONS: dict[str, Callable[..., str | None]] = {
    "dct": Resolve.dct_, "ref": Resolve.ref_, "refday": Resolve.refday, "refq": Resolve.refq,
    "deictic": Resolve.deictic, "ago": Resolve.ago, "month": Resolve.month, "day": Resolve.day,
    "ymd": Resolve.ymd, "quarter": Resolve.quarter, "half": Resolve.half, "season": Resolve.season,
    "weekday": Resolve.weekday, "weekend": Resolve.weekend, "refqyear": Resolve.refqyear, "quarterof": Resolve.quarterof,
    "frequency": Resolve.frequency, "holiday": Resolve.holiday, "dur": Resolve.dur,
    "durhalf": Resolve.durhalf, "hhmm": Resolve.hhmm,
}
FUNCTION_NAMES = frozenset(_FUNCTIONS)


def _end(p: Point) -> date:
    """The last day of a Point's unit."""
    g, d = p.gran, p.day
    if g == "century":
        return date(d.year + 99, 12, 31)
    if g == "decade":
        return date(d.year + 9, 12, 31)
    if g == "year":
        return date(d.year, 12, 31)
    months = {"half": 6, "quarter": 3, "season": 3, "month": 1}.get(g)
    if months:
        return _add_months(d, months) - timedelta(days=1)
    if g == "week":
        return d + timedelta(days=6)
    if g == "weekend":
        return d + timedelta(days=1)
    return d


def _int(s: str, default: int = 0) -> int:
    try:
        return int(float(s))
    except (TypeError, ValueError):
        return default


#: TIMEX3 unit codes to the granularity a date is shifted by
_GRAN_OF = {"Y": "year", "M": "month", "W": "week", "D": "day", "Q": "quarter", "E": "decade", "C": "century",
            "H": "half", "WE": "weekend"}
_CODES = ("Y", "M", "W", "D", "H", "MIN", "S", "E", "C", "Q", "L", "WE")


@dataclass(frozen=True)
class Tables:
    """The tables of timex.yaml the functions read: unit words (``years`` -> ``Y``) and holidays
    (``christmas`` -> ``12-25``; ``thanksgiving`` -> [month, ISO weekday, nth, -1 for the last])
    and frequency adverbs (``annually`` -> ``P1Y``)."""

    units: dict[str, str]
    holidays: dict[str, object]
    frequencies: dict[str, str]

    def unit(self, word: str) -> str | None:
        """A unit word or code as its TIMEX3 code; "trading days" is D."""
        u = word.strip().lower()
        if u.upper() in _CODES or u[:1].isdigit():
            return u.upper()
        if u.endswith(" days") or u.endswith(" day"):
            return "D"
        return self.units.get(u) or self.units.get(u.rstrip("s")) or self.units.get(u + "s")

    def gran(self, unit: str) -> str:
        """A unit word, code or granularity as the granularity dates are moved by."""
        u = unit.strip().lower()
        if u in GRANS:
            return u
        if u in ("centurie", "centuries"):
            return "century"
        return _GRAN_OF.get(self.unit(u) or "", u.rstrip("s"))

    def holiday(self, name: str, year: int) -> date | None:
        spec = self.holidays.get(name.lower().replace("_", " "))
        if isinstance(spec, str):
            m, d = spec.split("-")
            return date(year, int(m), int(d))
        if isinstance(spec, list) and len(spec) == 3:
            month, weekday, n = (int(x) for x in spec)
            wd = weekday - 1
            if n > 0:
                first = date(year, month, 1)
                return first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
            last = date(year, month, calendar.monthrange(year, month)[1])
            return last - timedelta(days=(last.weekday() - wd) % 7)
        return None


def _fractional(x: float, code: str) -> str | None:
    """"a year and a half": P18M; "a minute and a half": PT1M30S."""
    whole = int(x)
    if code == "Y":
        return f"P{round(x * 12)}M"
    if code == "M":
        return f"P{whole}M15D" if whole else "P15D"
    if code == "W":
        return f"P{round(x * 7)}D"
    if code == "D":
        return f"PT{round(x * 24)}H"
    if code == "H":
        return f"PT{whole}H30M" if whole else "PT30M"
    if code == "MIN":
        return f"PT{whole}M30S" if whole else "PT30S"
    return None
