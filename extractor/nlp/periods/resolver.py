"""The period grammar: one time expression resolved against its context (publication date, tense,
the period of the expression it refers to), an ordered table of rules; dateparser as the fallback
for a DATE span the grammar cannot read, with ``RELATIVE_BASE`` set to the publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Callable

from extractor.nlp.periods.iso import Anchor, Period, _add_months, _first_day, _last_day
from extractor.rules import load_data

@lru_cache(maxsize=1)
def _lex() -> dict[str, Any]:
    d = load_data("dates.yaml")
    months = {k: v for k, v in d["months"].items()}
    month_rx = "|".join(sorted(months, key=len, reverse=True))
    return {
        "months": months,
        "weekdays": d["weekdays"],
        "ordinals": d["ordinals"],
        "month_rx": rf"(?:{month_rx})\.?",
        "locating": sorted(d["locating_prepositions"], key=len, reverse=True),
        "open_start": d["open_start"],
        "open_end": d["open_end"],
        "not_periods": set(d["not_periods"]),
        "vague": set(d["vague"]),
        "future_cues": set(d["future_cues"]),
    }


_NUMWORD = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1,
}
YEAR = r"(?:1[5-9]\d\d|20\d\d|21\d\d)"


def _num(s: str) -> int | None:
    s = s.strip().lower()
    if s.isdigit():
        return int(s)
    return _NUMWORD.get(s)


#: a year that qualifies a whole range, at the end of the expression ("April-October this year",
#: "the January-July period of last year", "the April-June quarter of 2014")
_YEAR_QUALIFIER = re.compile(rf"(?:,? | of (?:the )?)(this year|the current year|last year|the previous year|"
                             rf"the prior year|next year|{YEAR})$")


def normalise(text: str) -> str:
    s = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").replace("\u00a0", " ")
    s = re.sub(r"\s+", " ", s).strip().lower()
    s = re.sub(r"'s$", "", s)
    s = s.strip(" ,.;:()")
    return s


@dataclass
class Context:
    """What a relative expression is resolved against."""

    anchor: Anchor | None
    #: the sentence points forward: "will", "next", "is expected to" (a month after publication
    #: stays in the publication year; one before it moves to the next year)
    future: bool = False
    #: the governing verb is not past tense ("take effect on March 1"): a month after publication
    #: stays in the publication year, but nothing moves forward
    nonpast: bool = False
    #: the period another expression of the sentence states, for anaphora ("a year earlier")
    previous: Period | None = None


class Resolver:
    """Resolves one time expression; ``resolve`` returns (Period or None, how)."""

    def __init__(self) -> None:
        lx = _lex()
        self.months: dict[str, int] = lx["months"]
        self.weekdays: dict[str, int] = lx["weekdays"]
        self.ordinals: dict[str, int] = lx["ordinals"]
        M = lx["month_rx"]
        self.M = M
        O = "|".join(sorted(map(re.escape, self.ordinals), key=len, reverse=True))
        N = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
        REL_Y = r"(?:this year|the year|the current year|last year|the previous year|the past year|next year|the prior year|" \
                r"the same year|a year earlier|a year ago|" + YEAR + r")"
        self.rules: list[tuple[re.Pattern, Callable]] = [
            (re.compile(rf"^(?:the )?(?:same period|corresponding period|same time|same month|same quarter)( of| in)? (?:last year|a year (?:earlier|ago)|the previous year|the prior year)$"), self._same_period_last_year),
            # issue 5 regressions: forms once left unresolved
            (re.compile(r"^(?:the |a )?year[- ]ago(?: period| month| quarter| level| figure)?$"), self._same_period_last_year),
            (re.compile(rf"^(?:({M})(?: (\d{{1,2}}))? (?:of )?)?that year$"), self._that_year),
            (re.compile(r"^(last|this|next|the previous|the past) week$"), self._week),
            (re.compile(rf"^(?:the )?week (?:ending|ended|to|through)(?: on)? (.+)$"), self._week_ending),
            (re.compile(rf"^(?:the )?(?:next|coming) ({N}) (years|months)$"), self._next_n),
            (re.compile(rf"^(?:the )?(?:year|twelve months|12 months) (?:ending|ended|to|through|until)(?: in)? ({M})(?:,? ({YEAR}))?$"), lambda m, c: self._months_ending_n(12, m[1], m[2], c)),
            (re.compile(rf"^(?:the )?(?:fiscal|financial) ({YEAR})$"), lambda m, c: Period.point(int(m[1]))),
            (re.compile(r"^(end)[- ](.+)$"), self._part_of),
            (re.compile(rf"^(?:since|from) (?:the )?({YEAR})s$"), lambda m, c: Period(((int(m[1])),), None)),
            (re.compile(rf"^(?:the )?({YEAR})s$"), lambda m, c: Period((int(m[1]),), (int(m[1]) + 9,))),
            (re.compile(rf"^(?:the )?'?(\d)0s$"), lambda m, c: Period((1900 + int(m[1]) * 10,), (1909 + int(m[1]) * 10,))),
            (re.compile(rf"^(?:the )?({O}) (quarter|half)(?: of (?:the )?(.+?))?(?: period)?$"), self._quarter_half),
            (re.compile(rf"^(?:the )?(q[1-4]|h[12])(?: of)?(?: ('?\d{{2}}|{YEAR}|this year|last year|next year|the year))?$"), self._qh_code),
            (re.compile(rf"^({YEAR}) ?(q[1-4]|h[12])$"), lambda m, c: self._qh_code_year(m[2], int(m[1]))),
            (re.compile(rf"^(?:the )?first ({N}) quarters(?: of (?:the )?(.+?))?$"), self._first_quarters),
            (re.compile(rf"^(?:the )?(?:first|opening) ({N}) months(?: of (?:the )?(.+?))?$"), self._first_months),
            (re.compile(rf"^(?:the )?(?:first|opening) month(?: of (?:the )?(.+?))?$"), lambda m, c: self._first_months_n(1, m[1], c)),
            (re.compile(rf"^(?:the )?({N}) months (?:that |which )?(?:ending|ended|to|through|until)(?: in| on)? ({M})(?: \d{{1,2}})?(?:,? ({YEAR}))?$"), self._months_ending),
            (re.compile(rf"^(?:the )?(?:fiscal|financial) year (?:ending|ended|to)(?: in)? ({M})(?:,? ({YEAR}))?$"), lambda m, c: self._months_ending_n(12, m[1], m[2], c)),
            (re.compile(rf"^(?:the )?(?:last|final) ({N}) months of (?:the )?(.+)$"), self._last_months_of),
            (re.compile(rf"^(?:the )?(?:past|last|previous) ({N}) (years|months|quarters)$"), self._past_n),
            (re.compile(rf"^(?:the )?(?:past|last|previous) (?:({N}) )?decades?$"), self._past_decades),
            (re.compile(rf"^(?:the )?(?:past|last) (?:twelve|12) months$"), lambda m, c: self._past_n_units(12, "months", c)),
            (re.compile(rf"^(?:the )?past (year|month)$"), lambda m, c: self._relative_unit(m[1], -1, c)),
            (re.compile(rf"^({N}) (years|months) (?:ago|earlier|before)$"), self._n_ago),
            (re.compile(rf"^(?:a|one) (year|month|quarter) (?:ago|earlier|before)$"), self._anaphoric_one),
            (re.compile(rf"^(?:the )?(?:previous|prior|preceding) (year|month|quarter)$"), self._anaphoric_one),
            (re.compile(rf"^(?:the )?(?:(?:fiscal|financial) year|fy) ?({YEAR})[-/](\d{{2}}|{YEAR})$"), self._year_range),
            (re.compile(rf"^({YEAR})[-/](\d{{2}}|{YEAR})(?: (?:fiscal|financial) year)?$"), self._year_range),
            (re.compile(rf"^(?:the )?(?:fiscal|financial) year ({YEAR})$|^fy ?({YEAR})$"), lambda m, c: Period.point(int(m[1] or m[2]))),
            (re.compile(rf"^(?:the )?({YEAR}) (?:fiscal|financial) year$"), lambda m, c: Period.point(int(m[1]))),
            (re.compile(rf"^({YEAR}) (?:to|and|through|until) ({YEAR})$"), self._year_range),
            (re.compile(rf"^(?:the )?(end|beginning|start|middle|close) of (.+)$"), self._part_of),
            (re.compile(rf"^(mid|early|late)[- ](.+)$"), lambda m, c: self.resolve_core(m[2], c)),
            (re.compile(rf"^(?:the )?(?:morning|afternoon|evening|night) of (.+)$"), lambda m, c: self.resolve_core(m[1], c)),
            (re.compile(rf"^(?:the )?(.+?) (?:period|months|season)$"), self._strip_period_word),
        ]

    # -- entry point ---------------------------------------------------------------------------

    def resolve(self, text: str, ctx: Context) -> tuple[Period | None, str]:
        s = normalise(text)
        lx = _lex()
        if s in lx["vague"] or s.startswith(("recent ", "the coming ", "the next few", "the past few", "coming ")):
            return None, "vague"
        for prefix in lx["open_start"]:
            if s.startswith(prefix + " ") and prefix == "since":
                inner, how = self.resolve(s[len(prefix) + 1:], ctx)
                if inner is None:
                    return None, how
                return Period(inner.start, None), how
        for prefix in lx["open_end"]:
            if s.startswith(prefix + " "):
                inner, how = self.resolve(s[len(prefix) + 1:], ctx)
                if inner is None:
                    return None, how
                return Period(None, inner.end), how
        s = self._strip_preposition(s)
        try:
            p = self.resolve_core(s, ctx)
            if isinstance(p, Period):
                p.first_day, p.last_day  # a date the calendar lacks ("Feb. 29" of 2025) is no period
        except (ValueError, KeyError, IndexError):
            p = None
        if isinstance(p, tuple):
            return p
        if p is not None:
            return p, "grammar"
        return None, "unresolved"

    def _strip_preposition(self, s: str) -> str:
        for prep in _lex()["locating"]:
            if s.startswith(prep + " "):
                return s[len(prep) + 1:]
        return s

    def resolve_core(self, s: str, ctx: Context) -> Period | None:
        s = s.strip()
        r = (
            self._absolute(s, ctx)
            or self._range(s, ctx)
            or self._relative(s, ctx)
        )
        if r is not None:
            return r
        for rx, fn in self.rules:
            m = rx.match(s)
            if m:
                out = fn(m, ctx)
                if out is not None:
                    return out
        return None

    # -- absolute dates ------------------------------------------------------------------------

    def _month(self, s: str) -> int:
        return self.months[s.rstrip(".").lower()]

    def _absolute(self, s: str, ctx: Context) -> Period | None:
        M = self.M
        if re.fullmatch(YEAR, s):
            return Period.point(int(s))
        m = re.fullmatch(rf"({M}) (\d{{1,2}})(?:st|nd|rd|th)?,? ({YEAR})", s)
        if m:
            return Period.point(int(m[3]), self._month(m[1]), int(m[2]))
        m = re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({M}),? ({YEAR})", s)
        if m:
            return Period.point(int(m[3]), self._month(m[2]), int(m[1]))
        m = re.fullmatch(rf"({M}),? ({YEAR})", s)
        if m:
            return Period.point(int(m[2]), self._month(m[1]))
        m = re.fullmatch(rf"({M}) (\d{{1,2}})(?:st|nd|rd|th)?", s) or re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({M})", s)
        if m:
            a, b = m[1], m[2]
            month, day = (self._month(a), int(b)) if not a[0].isdigit() else (self._month(b), int(a))
            y = self._year_for(month, day, ctx)
            return Period.point(y, month, day) if y else None
        m = re.fullmatch(rf"({M})", s)
        if m:
            month = self._month(m[1])
            y = self._year_for(month, None, ctx)
            return Period.point(y, month) if y else None
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
        if m:
            return Period.point(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(rf"({M}) (?:of )?(this year|last year|next year|the year|the previous year)", s)
        if m:
            y = self._rel_year(m[2], ctx)
            return Period.point(y, self._month(m[1])) if y else None
        return None

    def _year_for(self, month: int, day: int | None, ctx: Context) -> int | None:
        """The year of a month (and day) stated without one: the publication year, moved back a
        year when that would be after publication in a past-tense sentence, forward in a future one."""
        a = ctx.anchor
        if a is None:
            return None
        y = a.year
        if a.month is None:
            return y
        if day is not None:
            after = (month, day) > (a.month, a.day if a.day is not None else 31)
            before = (month, day) < (a.month, a.day if a.day is not None else 1)
        else:
            after, before = month > a.month, month < a.month
        if ctx.future:
            return y + 1 if before else y
        if ctx.nonpast:
            return y
        return y - 1 if after else y

    # -- ranges ----------------------------------------------------------------------------------

    def _range(self, s: str, ctx: Context) -> Period | None:
        # a year that qualifies the whole range: "April-October this year", "the January-July
        # period of last year", "the April-June quarter of 2014"
        qualifier = None
        q = _YEAR_QUALIFIER.search(s)
        if q and q.start() > 0 and not re.search(rf"(?<!\d){YEAR}$", s[:q.start()]):
            qualifier = self._rel_year(q.group(1), ctx)
            if qualifier is None:
                return None
            s = s[:q.start()]
        s2 = re.sub(r"^(?:the )?(.*?)(?: period| quarter| months| season)?$", r"\1", s)
        s2 = re.sub(r"^(?:from|between) ", "", s2)
        s2 = re.sub(r"(?<=[a-z.])-(?:to|through)-(?=[a-z])", " to ", s2)  # "January-to-July"
        # (s2 is one line: normalise() made every run of spaces one space)
        m = re.fullmatch(r"^(.+?)(?: ?- ?|(?<!\s)\s+(?:to|through|until|till|and)\s+)(.+)", s2, re.S)
        if not m:
            return None
        left, right = m[1].strip(), m[2].strip()
        if not left or not right:
            return None
        # year ranges: 2016-2020, 2012-13
        if re.fullmatch(YEAR, left) and re.fullmatch(rf"{YEAR}|\d{{2}}", right):
            y2 = int(right) if len(right) == 4 else int(left[:2] + right)
            return Period((int(left),), (y2,)) if y2 >= int(left) else None
        M = self.M
        lpart = re.fullmatch(rf"({M})(?: (\d{{1,2}}))?(?:,? ({YEAR}))?", left)
        day = re.fullmatch(rf"(\d{{1,2}})(?:,? ({YEAR}))?", right)
        if lpart and lpart[2] and day:  # "March 1-10": the right end is a day of the left's month
            right = f"{lpart[1]} {day[1]}" + (f" {day[2]}" if day[2] else "")
        rpart = re.fullmatch(rf"({M})(?: (\d{{1,2}}))?(?:,? ({YEAR}))?", right)
        if not (rpart and lpart):
            # "March 2024 to May 2025", "Q1-Q3 2024"
            lp = self.resolve_core(left, ctx) if re.search(YEAR, left) or re.fullmatch(M, left) else None
            rp = self.resolve_core(right, ctx) if lp is not None else None
            if lp is not None and rp is not None and lp.start and rp.end and _first_day(lp.start) <= _last_day(rp.end):
                return Period(lp.start, rp.end)
            return None
        lm, ld, ly = self._month(lpart[1]), lpart[2], lpart[3]
        rm, rd, ry = self._month(rpart[1]), rpart[2], rpart[3]
        if ld and not rd or rd and not ld:
            return None
        if ry or qualifier:
            y2 = int(ry) if ry else qualifier
        else:
            y2 = self._year_for(rm, int(rd) if rd else None, ctx)
            if y2 is None:
                return None
        y1 = int(ly) if ly else (y2 if (lm, int(ld or 0)) <= (rm, int(rd or 0)) else y2 - 1)
        if ld:
            return Period((y1, lm, int(ld)), (y2, rm, int(rd)))
        return Period((y1, lm), (y2, rm))

    # -- relative expressions ------------------------------------------------------------------

    def _rel_year(self, s: str, ctx: Context) -> int | None:
        if re.fullmatch(YEAR, s):
            return int(s)
        a = ctx.anchor
        if s in ("this year", "the year", "the current year", "the same year", "earlier this year", "later this year",
                 "so far this year", "the year so far", "this year so far", "the year to date", "year to date"):
            return a.year if a else None
        if s in ("last year", "the previous year", "the past year", "the prior year", "a year earlier", "a year ago",
                 "the year before", "the preceding year"):
            return a.year - 1 if a else None
        if s in ("next year", "the coming year", "the following year"):
            return a.year + 1 if a else None
        m = re.fullmatch(r"'(\d{2})", s)
        if m:
            return 2000 + int(m[1])
        return None

    def _that_year(self, m: re.Match, ctx: Context) -> Period | None:
        """"April that year": the year of the period the sentence stated before."""
        prev = ctx.previous
        if prev is None or not prev.start:
            return None
        y = prev.start[0]
        if not m[1]:
            return Period.point(y)
        month = self._month(m[1])
        return Period.point(y, month, int(m[2])) if m[2] else Period.point(y, month)

    ANAPHORIC_YEAR = ("a year earlier", "a year ago", "the previous year", "the prior year", "the year before",
                      "the preceding year", "a year before")

    def _relative(self, s: str, ctx: Context) -> Period | None:
        a = ctx.anchor
        if s in self.ANAPHORIC_YEAR and ctx.previous is not None and ctx.previous.start is not None:
            return ctx.previous.shift(years=-1)
        y = self._rel_year(s, ctx)
        if y is not None:
            return Period.point(y)
        if s in ("last month", "the past month", "the previous month", "a month earlier", "a month ago", "the prior month",
                 "this month", "earlier this month", "later this month", "next month", "the same month"):
            if s in ("the previous month", "a month earlier", "a month ago", "the prior month") and ctx.previous is not None:
                p = ctx.previous
                return Period.point(*p.start[:2]).shift(months=-1) if p.start and len(p.start) >= 2 else None
            if a is None or a.month is None:
                return None
            n = -1 if s in ("last month", "the past month", "the previous month", "a month earlier", "a month ago", "the prior month") else (1 if s == "next month" else 0)
            return Period.point(*_add_months(a.year, a.month, n))
        if s in ("last quarter", "this quarter", "the current quarter", "next quarter", "the previous quarter", "the prior quarter"):
            if s in ("the previous quarter", "the prior quarter") and ctx.previous is not None and ctx.previous.start and len(ctx.previous.start) >= 2:
                return Period(ctx.previous.start[:2], ctx.previous.end[:2] if ctx.previous.end else None).shift(months=-3)
            if a is None or a.month is None:
                return None
            q0 = (a.month - 1) // 3 * 3 + 1
            n = {"last quarter": -3, "the previous quarter": -3, "the prior quarter": -3, "next quarter": 3}.get(s, 0)
            ys, ms = _add_months(a.year, q0, n)
            return Period((ys, ms), _add_months(ys, ms, 2))
        if s in ("yesterday", "today", "tomorrow"):
            if a is None or a.date is None:
                return None
            d = a.date + timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[s])
            return Period.point(d.year, d.month, d.day)
        m = re.fullmatch(r"(?:(last|this|next|past) )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)", s)
        if m:
            if a is None or a.date is None:
                return None
            wd = self.weekdays[m[2]]
            base = a.date
            if m[1] == "next" or (ctx.future and m[1] is None):
                delta = (wd - base.weekday()) % 7 or (7 if m[1] == "next" else 0)
                d = base + timedelta(days=delta)
            else:
                delta = (base.weekday() - wd) % 7
                if m[1] == "last" and delta == 0:
                    delta = 7
                d = base - timedelta(days=delta)
            return Period.point(d.year, d.month, d.day)
        return None

    def _relative_unit(self, unit: str, n: int, ctx: Context) -> Period | None:
        a = ctx.anchor
        if a is None:
            return None
        if unit == "year":
            return Period.point(a.year + n)
        if a.month is None:
            return None
        return Period.point(*_add_months(a.year, a.month, n))

    # -- rule handlers -------------------------------------------------------------------------

    def _week(self, m: re.Match, ctx: Context) -> Period | None:
        """"last week": the Monday-to-Sunday week before the publication week."""
        a = ctx.anchor
        if a is None or a.date is None:
            return None
        shift = {"last": -1, "the previous": -1, "the past": -1, "this": 0, "next": 1}[m[1]]
        monday = a.date - timedelta(days=a.date.weekday()) + timedelta(weeks=shift)
        sunday = monday + timedelta(days=6)
        return Period((monday.year, monday.month, monday.day), (sunday.year, sunday.month, sunday.day))

    def _week_ending(self, m: re.Match, ctx: Context) -> Period | None:
        """"the week ended July 4": the seven days to that day."""
        end = self.resolve_core(m[1], ctx)
        if end is None or end.end is None or len(end.end) < 3:
            return None
        last = date(*end.end)
        first = last - timedelta(days=6)
        return Period((first.year, first.month, first.day), end.end)

    def _next_n(self, m: re.Match, ctx: Context) -> Period | None:
        """"the next five years" from 2025: 2026/2030; months likewise, from the month after."""
        n = _num(m[1])
        a = ctx.anchor
        if n is None or a is None:
            return None
        if m[2] == "years":
            return Period((a.year + 1,), (a.year + n,))
        if a.month is None:
            return None
        return Period(_add_months(a.year, a.month, 1), _add_months(a.year, a.month, n))

    def _year_of(self, phrase: str | None, ctx: Context) -> int | None:
        if not phrase:
            a = ctx.anchor
            return a.year if a else None
        phrase = phrase.strip()
        if phrase in ("year", "the year"):
            phrase = "this year"
        return self._rel_year(phrase, ctx)

    def _quarter_half(self, m: re.Match, ctx: Context) -> Period | None:
        n = self.ordinals.get(m[1])
        if n is None:
            return None
        kind = m[2]
        y = self._year_of(m[3], ctx)
        if y is None:
            return None
        if kind == "quarter":
            n = 4 if n == -1 else n
            if not 1 <= n <= 4:
                return None
            p = Period((y, 3 * n - 2), (y, 3 * n))
        else:
            n = 2 if n == -1 else n
            if not 1 <= n <= 2:
                return None
            p = Period((y, 6 * n - 5), (y, 6 * n))
        return self._not_after_anchor(p, ctx, explicit_year=bool(m[3]))

    def _not_after_anchor(self, p: Period, ctx: Context, explicit_year: bool) -> Period:
        """A quarter or half named without a year, in a past-tense sentence, is the latest one
        that has started by the publication date."""
        a = ctx.anchor
        if explicit_year or a is None or a.month is None or ctx.future or ctx.nonpast or p.start is None:
            return p
        if _first_day(p.start) > date(a.year, a.month, a.day or 1):
            return p.shift(years=-1)
        return p

    def _qh_code(self, m: re.Match, ctx: Context) -> Period | None:
        code = m[1]
        ys = m[2]
        if ys and ys.startswith("'"):
            y = 2000 + int(ys[1:])
        elif ys and re.fullmatch(r"\d{2}", ys):
            y = 2000 + int(ys)
        else:
            y = self._year_of(ys, ctx)
        if y is None:
            return None
        p = self._qh_code_year(code, y)
        return self._not_after_anchor(p, ctx, explicit_year=bool(ys)) if p else None

    @staticmethod
    def _qh_code_year(code: str, y: int) -> Period:
        n = int(code[1])
        if code[0] == "q":
            return Period((y, 3 * n - 2), (y, 3 * n))
        return Period((y, 6 * n - 5), (y, 6 * n))

    def _first_quarters(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1])
        y = self._year_of(m[2], ctx)
        if n is None or y is None or not 1 <= n <= 4:
            return None
        return self._elapsed(Period((y, 1), (y, 3 * n)), 3 * n, m[2], ctx)

    def _first_months(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1])
        return self._first_months_n(n, m[2], ctx) if n else None

    def _first_months_n(self, n: int, phrase: str | None, ctx: Context) -> Period | None:
        y = self._year_of(phrase, ctx)
        if y is None or not 1 <= n <= 12:
            return None
        return self._elapsed(Period.point(y, 1) if n == 1 else Period((y, 1), (y, n)), n, phrase, ctx)

    @staticmethod
    def _elapsed(p: Period, months: int, year_phrase: str | None, ctx: Context) -> Period:
        """"the first 11 months" with no year, reported in January 2025: the first 11 months that
        have passed, 2024's (a period of a year not yet elapsed is not reported as past)."""
        a = ctx.anchor
        if year_phrase or a is None or a.month is None or ctx.future or months <= a.month:
            return p
        return p.shift(years=-1)

    def _months_ending(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1])
        return self._months_ending_n(n, m[2], m[3], ctx) if n else None

    def _months_ending_n(self, n: int, month_s: str, year_s: str | None, ctx: Context) -> Period | None:
        month = self._month(month_s)
        y = int(year_s) if year_s else self._year_for(month, None, ctx)
        if y is None:
            return None
        start = _add_months(y, month, -(n - 1))
        return Period(start, (y, month))

    def _past_n(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1])
        return self._past_n_units(n, m[2], ctx) if n else None

    def _past_n_units(self, n: int, unit: str, ctx: Context) -> Period | None:
        a = ctx.anchor
        if a is None:
            return None
        if unit == "years":
            return Period((a.year - n,), (a.year,))
        if a.month is None:
            return None
        k = 3 * n if unit == "quarters" else n
        return Period(_add_months(a.year, a.month, -k), (a.year, a.month))

    def _last_months_of(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1])
        y = self._year_of(m[2], ctx)
        if n is None or y is None or not 1 <= n <= 12:
            return None
        return Period((y, 13 - n), (y, 12))

    def _past_decades(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1]) if m[1] else 1
        return self._past_n_units(10 * n, "years", ctx) if n else None

    def _n_ago(self, m: re.Match, ctx: Context) -> Period | None:
        n = _num(m[1])
        if n is None:
            return None
        return self._relative_unit("year" if m[2] == "years" else "month", -n, ctx)

    def _anaphoric_one(self, m: re.Match, ctx: Context) -> Period | None:
        unit = m[1]
        p = ctx.previous
        if p is not None and p.start is not None:
            if unit == "year":
                return p.shift(years=-1)
            if unit == "month" and len(p.start) >= 2:
                return p.shift(months=-1)
            if unit == "quarter" and len(p.start) >= 2:
                return p.shift(months=-3)
        if unit == "quarter":
            return self._relative("last quarter", ctx)
        return self._relative_unit(unit, -1, ctx)

    def _same_period_last_year(self, m: re.Match, ctx: Context) -> Period | None:
        if ctx.previous is not None and ctx.previous.start is not None:
            return ctx.previous.shift(years=-1)
        a = ctx.anchor
        return Period.point(a.year - 1) if a else None

    def _year_range(self, m: re.Match, ctx: Context) -> Period | None:
        y1 = int(m[1])
        r = m[2]
        y2 = int(r) if len(r) == 4 else int(str(y1)[:2] + r)
        return Period((y1,), (y2,)) if y2 >= y1 else None

    def _part_of(self, m: re.Match, ctx: Context) -> Period | None:
        which, rest = m[1], m[2]
        inner = self.resolve_core(rest, ctx)
        if inner is None or inner.start is None or inner.end is None:
            return None
        if which in ("end", "close"):
            d = _last_day(inner.end)
            a = ctx.anchor.date if ctx.anchor is not None else None
            if rest in ("the year", "the current year") and a is not None and d > a and not (ctx.future or ctx.nonpast):
                # "bringing the number to 143,900 by the end of the year" in January: a past verb
                # tells of the year-end just gone, not the coming one
                d = d.replace(year=d.year - 1)
            return Period.point(d.year, d.month, d.day)
        if which in ("beginning", "start"):
            d = _first_day(inner.start)
            return Period.point(d.year, d.month, d.day) if len(inner.start) >= 2 else inner
        return inner

    def _strip_period_word(self, m: re.Match, ctx: Context) -> Period | None:
        inner = m[1]
        if inner == normalise(m[0]):
            return None
        return self.resolve_core(inner, ctx)


# --------------------------------------------------------------------------------------------
# dateparser fallback


@lru_cache(maxsize=64)
def _dateparser_for(base: datetime, year_required: bool) -> Any:
    """One parser per relative base (an article's spans share it): building one costs more than
    parsing a span."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past",
                  "REQUIRE_PARTS": ["year"] if year_required else []},
    )


@lru_cache(maxsize=8192)
def _dateparser_resolve(text: str, anchor: Anchor | None) -> Period | None:
    """dateparser on one DATE span, relative to the publication date. With no publication date it
    is used only when the span states a year, and its answer must not depend on the clock.
    (Cached: the answer depends on nothing else, and an article repeats its dates.)"""
    has_year = re.search(YEAR, text) is not None
    if anchor is None and not has_year:
        return None
    base = datetime(anchor.year, anchor.month or 1, anchor.day or 1) if anchor else datetime(2000, 1, 1)
    parser = _dateparser_for(base, anchor is None)
    try:
        data = parser.get_date_data(text)
    except Exception:  # dateparser raises on odd input; an unreadable span stays unresolved
        return None
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj
    if data.period == "year":
        return Period.point(d.year)
    if data.period == "month":
        return Period.point(d.year, d.month)
    if data.period == "day":
        if anchor is not None and anchor.day is None and not re.search(r"\d", text):
            return None  # a weekday or "yesterday" needs a publication day
        return Period.point(d.year, d.month, d.day)
    return None
