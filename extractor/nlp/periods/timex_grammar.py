"""The TIMEX3 grammar of ``timex.yaml``: macros, an ordered table of named rules, one regular
expression that tries them in order at a place, and the value templates.

:meth:`TimexGrammar.match_at` finds the expression that starts at a character (the first rule
that matches there, its constraints met); :meth:`TimexGrammar.value` fills the rule's value
template from the match's normalised groups and the resolver functions of
:mod:`extractor.nlp.periods.timex_values`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Callable

from extractor.nlp.periods.timex_values import FUNCTION_NAMES, Resolve, Tables
from extractor.nlp.quantities.numerals import parse_number_words
from extractor.rules import RuleFileError, load_data

#: TIMEX3 types; a rule of type NONE finds words that are no time expression ("$5 a year")
TYPES = ("DATE", "TIME", "DURATION", "SET", "NONE")
#: white space between two words of an expression: one line break at most, no blank line
SPACE = r"(?:[ \t\u00a0]{1,4}|[ \t\u00a0]{0,4}\n[ \t\u00a0]{0,4})"
_MACRO_REF = re.compile(r"\{([A-Z][A-Z0-9]*)(?:#(\d))?\}")
_GROUP_NAME = re.compile(r"\(\?P<([A-Za-z][A-Za-z0-9_]*)>")
_TEMPLATE_GROUP = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_TEMPLATE_CALL = re.compile(r"\[([a-z]+)((?: [^\[\]\s]*)*)\]")
#: a TIMEX3 value: a date (to any precision, with a part of the day or a clock time), a week, a
#: quarter, half or season, a set's X-filled date, a duration, or a present/past/future reference
VALUE = re.compile(
    r"(?:\d{2,4}|XXXX)(?:-(?:\d\d|XX)(?:-(?:\d\d|XX))?|-W(?:\d\d|XX)(?:-(?:[1-7]|WE))?|-[QH][1-4X]|-(?:SP|SU|FA|WI))?"
    r"(?:T(?:\d\d:\d\d|MO|AF|EV|NI|MI|DT))?|\d{2,3}X?|XXXX-WXX-[1-7](?:T(?:MO|AF|EV|NI))?"
    r"|P(?:\d+(?:\.\d+)?|X)(?:Y|M|W|D|E|C|Q|L|WE|X)(?:\d+[MD])?|PT(?:\d+|X)[HMS](?:\d+[MS])?"
    r"|PRESENT_REF|PAST_REF|FUTURE_REF"
)


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    value: str  #: the value template
    pattern: str  #: the expanded pattern, its groups named after their macros
    before: re.Pattern | None  #: the text before the expression must end with this
    source: str  #: this rule alone, with the grammar's suffixes (compiled on first use)
    pos: frozenset[str] = frozenset()  #: the first word's part of speech must be one of these

    @cached_property
    def regex(self) -> re.Pattern:
        # (kept on the rule: a lookup by the pattern's text per match cost more than the match)
        return _compile(self.source)

    @property
    def anaphoric(self) -> bool:
        """The value is read off the last date the text stated ("a year earlier")."""
        return any(f in self.value for f in ("[ref ", "[refday", "[refq", "refbefore", "[ago"))


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    rule: Rule
    groups: dict[str, str]  #: the matched text of each named group of the rule
    prefix: str | None  #: words before the rule's match that belong to the expression


class TimexGrammar:
    """Rules, macros and word tables loaded from ``timex.yaml`` (months and weekdays from
    ``dates.yaml``)."""

    def __init__(self, data: dict[str, Any] | None = None, dates: dict[str, Any] | None = None):
        data = data if data is not None else load_data("timex.yaml")
        dates = dates if dates is not None else load_data("dates.yaml")
        t = data["tables"]
        self.tables = Tables(units={str(k).lower(): str(v) for k, v in t["units"].items()},
                             holidays={str(k).lower(): v for k, v in t["holidays"].items()},
                             frequencies={str(k).lower(): str(v) for k, v in t["frequencies"].items()})
        self.words: dict[str, dict[str, Any]] = {
            "months": {k: v for k, v in dates["months"].items()},
            "weekdays": {k: v + 1 for k, v in dates["weekdays"].items()},
            **{k: {str(w).lower(): v for w, v in table.items()} for k, table in t.items() if isinstance(table, dict)},
        }
        self.future_verbs = frozenset(t.get("future_verbs", []))
        self.macros: dict[str, tuple[str, str]] = {}
        for name, spec in data["macros"].items():
            self.macros[name] = (_spaces(self._macro_regex(name, spec)), spec.get("normalise", "none"))
        self.prefix_rx = _spaces(data.get("prefixes", ""))
        self.suffix_rx = _spaces(data.get("suffixes", ""))
        self.rules: list[Rule] = []
        seen: set[str] = set()
        for raw in data["rules"]:
            rid = raw["id"]
            if rid in seen:
                raise RuleFileError(f"timex.yaml: rule id {rid!r} appears twice")
            seen.add(rid)
            if raw["type"] not in TYPES:
                raise RuleFileError(f"timex.yaml: rule {rid!r} has type {raw['type']!r}")
            self._check_template(rid, raw["value"])
            pattern = self._expand(rid, raw["pattern"])
            self.rules.append(Rule(
                rid, raw["type"], raw["value"], pattern,
                re.compile(rf"(?:{raw['before']})\Z", re.I) if raw.get("before") else None,
                self._wrap(f"(?:{pattern})"),
                frozenset(raw.get("pos", [])),
            ))
        self.prefix = re.compile(f"(?:{self.prefix_rx})(?:{SPACE}|(?<=-))", re.I) if self.prefix_rx else None
        #: the first characters (lowercase, up to PREFIX_CHARS) each rule's matches can start
        #: with; None: any
        # (read off each rule with its macros as placeholders: parsing every expanded rule is slow)
        macro_starts = {name: start_strings(rx) for name, (rx, _) in self.macros.items()}
        placeholders = {chr(0xE000 + i): macro_starts[name] for i, name in enumerate(self.macros)}
        codes = {name: chr(0xE000 + i) for i, name in enumerate(self.macros)}
        self._starts = [
            start_strings(_MACRO_REF.sub(lambda m: re.escape(codes[m[1]]), _spaces(raw["pattern"])), placeholders=placeholders)
            for raw in data["rules"]
        ]
        #: start string -> the rules that can start with it; rules with no known start: always tried
        self._by_start: dict[str, list[int]] = {}
        for i, starts in enumerate(self._starts):
            for p in starts or ():
                self._by_start.setdefault(p, []).append(i)
        self._anywhere = [i for i, starts in enumerate(self._starts) if starts is None]
        self._buckets: dict[str, tuple[int, ...]] = {}

    # -- building ------------------------------------------------------------------------------

    def _macro_regex(self, name: str, spec: dict[str, Any]) -> str:
        if "regex" in spec:
            return spec["regex"]
        table = self.words.get(spec["words"])
        if table is None:
            raise RuleFileError(f"timex.yaml: macro {name} names no table {spec['words']!r}")
        exclude = set(spec.get("exclude", []))
        capitalised = set(spec.get("capitalised", []))
        forms = []
        for w in sorted((w for w in table if w not in exclude), key=len, reverse=True):
            rx = re.escape(w).replace(r"\ ", " ")
            if spec.get("dotted") and len(w) <= 4 and w not in ("may", "june", "july"):
                rx += r"\." if w in capitalised else r"\.?"
            if w in capitalised:
                rx = f"(?-i:{w.capitalize()}{rx[len(w):]}|{w.upper()}{rx[len(w):]})"
            forms.append(rx)
        return "|".join(forms)

    def _expand(self, rid: str, pattern: str) -> str:
        def sub(m: re.Match) -> str:
            name, index = m[1], m[2]
            if name not in self.macros:
                raise RuleFileError(f"timex.yaml: rule {rid!r} names no macro {name}")
            group = name if not index or index == "1" else f"{name}_{index}"
            return f"(?P<{group}>{self.macros[name][0]})"

        return _MACRO_REF.sub(sub, _spaces(pattern))

    def _wrap(self, body: str) -> str:
        suf = f"(?:{SPACE}(?P<SUF>{self.suffix_rx}))?" if self.suffix_rx else ""
        return f"{body}{suf}(?![^\\W_])"

    def _bucket(self, key: str) -> tuple[int, ...]:
        """The rules (in order) whose matches can start with ``key``, the text's next
        :data:`PREFIX_CHARS` characters, lowercase."""
        got = self._buckets.get(key)
        if got is None:
            # an index rather than a scan: some rules can start 700 ways
            found = set(self._anywhere)
            for k in range(1, len(key) + 1):
                found.update(self._by_start.get(key[:k], ()))
            got = tuple(sorted(found))
            if len(self._buckets) < 20_000:
                self._buckets[key] = got
        return got

    def compile_all(self) -> list[re.Pattern]:
        """Every expression the grammar uses (each rule, the prefixes), compiled now rather than
        on first use."""
        out = [r.regex for r in self.rules]
        if self.prefix is not None:
            out.append(self.prefix)
        return out

    @staticmethod
    def _check_template(rid: str, template: str) -> None:
        for m in _TEMPLATE_CALL.finditer(template):
            if m[1] not in FUNCTION_NAMES:
                raise RuleFileError(f"timex.yaml: rule {rid!r} calls no resolver function {m[1]!r}")

    # -- matching ------------------------------------------------------------------------------

    def match_at(self, text: str, pos: int, endpos: int | None = None) -> Found | None:
        """The expression that starts at ``pos``: after a prefix ("the end of", "early") if one
        is there, the first rule that matches and whose constraints on the text before it hold."""
        end = len(text) if endpos is None else endpos
        plain = self._match_rules(text, pos, end)
        if self.prefix is not None:
            pm = self.prefix.match(text, pos, end)
            if pm is not None and pm.end() < end:
                f = self._match_rules(text, pm.end(), end)
                if f is not None and (plain is None or f.end > plain.end):
                    return Found(pos, f.end, f.rule, f.groups, " ".join(text[pos:pm.end()].split()))
        return plain

    def _match_rules(self, text: str, pos: int, end: int) -> Found | None:
        if pos >= end:
            return None
        for i in self._bucket(text[pos:pos + PREFIX_CHARS].lower()):
            rule = self.rules[i]
            m = rule.regex.match(text, pos, end)
            if m is not None and self._constraints_hold(rule, text, pos):
                groups = {g: v for g, v in m.groupdict().items() if v is not None and g != "SUF"}
                return Found(m.start(), m.end(), rule, groups, None)
        return None

    @staticmethod
    def _constraints_hold(rule: Rule, text: str, pos: int) -> bool:
        return rule.before is None or rule.before.search(text, max(0, pos - 40), pos) is not None

    # -- values --------------------------------------------------------------------------------

    def normalise(self, group: str, surface: str, resolve: Resolve) -> str:
        macro = group if group in self.macros else group.rstrip("0123456789").rstrip("_")  # MONTH_2, QORD2
        kind = self.macros[macro][1] if macro in self.macros else "none"
        return _NORMALISERS[kind](self, " ".join(surface.split()), resolve)

    def value(self, found: Found, resolve: Resolve) -> str | None:
        """The rule's value template filled in: None when a function cannot resolve it."""
        values = {g: self.normalise(g, s, resolve) for g, s in found.groups.items()}
        filled = _TEMPLATE_GROUP.sub(lambda m: values.get(m[1], ""), found.rule.value)
        failed = False

        def call(m: re.Match) -> str:
            nonlocal failed
            args = m[2].split(" ")[1:] if m[2] else []
            out = resolve.call(m[1], [a for a in args])
            if out is None:
                failed = True
                return ""
            return out

        out = _TEMPLATE_CALL.sub(call, filled)
        return out if not failed and VALUE.fullmatch(out) else None


@lru_cache(maxsize=256)
def _compile(source: str) -> re.Pattern:
    return re.compile(source, re.I)


def _spaces(rx: str) -> str:
    """A pattern's spaces (outside character classes) as :data:`SPACE`."""
    out = []
    in_class = escaped = False
    for i, ch in enumerate(rx):
        if escaped:
            out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == " " and not in_class:
            # (a space with a quantifier of its own is one space character: a repeated group of
            # repeats would backtrack exponentially)
            out.append("[ \\t\\u00a0]" if rx[i + 1:i + 2] in ("*", "+", "?", "{") else SPACE)
            continue
        out.append(ch)
    return "".join(out)


#: rules are chosen by the text's first characters: as many as this
PREFIX_CHARS = 3
#: a rule whose matches can start in more ways than this is tried everywhere
_MAX_STARTS = 4000


def start_strings(pattern: str, k: int = PREFIX_CHARS,
                  placeholders: dict[str, frozenset[str] | None] | None = None) -> frozenset[str] | None:
    """The strings (lowercase, ``k`` characters or fewer where a match can be that short) that a
    match of ``pattern`` can start with; None when they are too many to list or the pattern uses
    a construct this reading does not know (the rule is then tried at every place).
    ``placeholders``: characters of the pattern that stand for a macro, with its start strings."""
    placeholders = placeholders or {}
    from re import _constants as C, _parser as P  # type: ignore[attr-defined]

    class TooMany(Exception):
        pass

    def join(heads: set[str], tails: set[str]) -> set[str]:
        out = {h if len(h) >= k else (h + t)[:k] for h in heads for t in (tails if len(h) < k else {""})}
        if len(out) > _MAX_STARTS:
            raise TooMany
        return out

    def seq(items: Any) -> set[str]:
        out = {""}
        for op, av in items:
            if all(len(x) >= k for x in out):
                break
            out = join(out, item(op, av))
        return out

    def chars(op: Any, av: Any) -> set[str]:
        if op is C.LITERAL:
            return {chr(av).lower()}
        found: set[str] = set()
        for iop, iav in av:
            if iop is C.LITERAL and chr(iav) in placeholders:  # (?:{UNIT}|{TUNIT}) parses as a set
                macro = placeholders[chr(iav)]
                if macro is None:
                    raise TooMany
                found.update(macro)
            elif iop is C.LITERAL:
                found.add(chr(iav).lower())
            elif iop is C.RANGE and iav[1] - iav[0] < 128:
                found.update(chr(c).lower() for c in range(iav[0], iav[1] + 1))
            elif iop is C.CATEGORY and iav is C.CATEGORY_DIGIT:
                found.update("0123456789")
            else:
                raise TooMany
        return found

    def item(op: Any, av: Any) -> set[str]:
        if op is C.LITERAL and chr(av) in placeholders:
            macro = placeholders[chr(av)]
            if macro is None:
                raise TooMany
            return set(macro)
        if op in (C.LITERAL, C.IN):
            return chars(op, av)
        if op is C.BRANCH:
            return set().union(*(seq(alt) for alt in av[1]))
        if op is C.SUBPATTERN:
            return seq(av[-1])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            lo, hi, body = av
            once = seq(body)
            out = {""} if lo == 0 else set()
            acc = {""}
            for n in range(1, min(hi, k) + 1):
                acc = join(acc, once)
                if n >= lo:
                    out |= acc
            if lo > k:
                out |= acc
            return out
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            return {""}
        raise TooMany

    try:
        found = seq(P.parse(pattern, re.I))
    except (TooMany, RecursionError, re.error):
        return None
    return None if "" in found else frozenset(found)


# ------------------------------------------------------------------------------------------ normalisers


def _n_month(g: TimexGrammar, s: str, r: Resolve) -> str:
    return f"{g.words['months'][s.lower().rstrip('.')]:02d}"


def _n_weekday(g: TimexGrammar, s: str, r: Resolve) -> str:
    w = s.lower().rstrip(".").rstrip("s") if s.lower().endswith("days") else s.lower().rstrip(".")
    for name, n in g.words["weekdays"].items():
        if name.startswith(w[:3]):
            return str(n)
    return ""


def _n_day(g: TimexGrammar, s: str, r: Resolve) -> str:
    low = s.lower()
    digits = re.match(r"\d+", low)
    n = int(digits[0]) if digits else g.words["ordinals"].get(low, 0)
    return f"{n:02d}"


_YEAR_WORDS_TENS = {"hundred": 0}


def _n_year(g: TimexGrammar, s: str, r: Resolve) -> str:
    low = s.lower().replace("-", " ")
    if low.startswith("'"):
        if r.dct is None:
            return ""  # the century of '89 is the publication date's
        y = r.dct.year // 100 * 100 + int(low[1:3])
        return str(y - 100 if y > r.dct.year + 20 else y)
    if low[:1].isdigit():
        return low[:4]
    if low.startswith("nineteen"):
        rest = low[len("nineteen"):].strip()
        if rest == "hundred":
            return "1900"
        n = parse_number_words(rest)
        return str(1900 + int(n)) if n is not None else ""
    if low.startswith("two thousand"):
        rest = low[len("two thousand"):].replace("and", "").strip()
        n = parse_number_words(rest) if rest else 0
        return str(2000 + int(n)) if n is not None else ""
    return ""


def _n_decade(g: TimexGrammar, s: str, r: Resolve) -> str:
    low = s.lower().replace("'", "")
    m = re.match(r"(\d{3})0s", low)
    if m:
        return m[1]
    m = re.match(r"(\d)0s", low)
    words = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7, "eighties": 8,
             "nineties": 9}
    digit = int(m[1]) if m else words.get(low)
    if digit is None or r.dct is None:
        return ""  # the century of the '80s is the publication date's
    century = r.dct.year // 100
    if century * 100 + digit * 10 > r.dct.year:
        century -= 1
    return f"{century}{digit}"


def _n_century(g: TimexGrammar, s: str, r: Resolve) -> str:
    low = s.lower()
    m = re.match(r"\d+", low)
    n = int(m[0]) if m else g.words["ordinals"].get(low, 0)
    return f"{n - 1:02d}" if n else ""


def _n_number(g: TimexGrammar, s: str, r: Resolve) -> str:
    low = s.lower()
    vague = g.words["vague_numbers"]
    if low in vague:
        v = vague[low]
        return str(v)
    if low == "the":
        return "X"
    if low[:1].isdigit():
        return low.rstrip(".")
    n = parse_number_words(low.replace(" and a half", ""))
    if n is None:
        return "X"
    if low.endswith(" and a half"):
        return str(float(n) + 0.5)
    return str(int(n)) if n == int(n) else str(float(n))


def _n_unit(g: TimexGrammar, s: str, r: Resolve) -> str:
    return g.tables.unit(s) or ""


def _n_ordinal(g: TimexGrammar, s: str, r: Resolve) -> str:
    return str(g.words["ordinals"].get(s.lower(), ""))


def _n_quarter_ordinal(g: TimexGrammar, s: str, r: Resolve) -> str:
    n = g.words["ordinals"].get(s.lower())
    return "4" if n == -1 else str(n or "")


def _n_half_ordinal(g: TimexGrammar, s: str, r: Resolve) -> str:
    n = g.words["ordinals"].get(s.lower())
    return "2" if n == -1 else str(n or "")


def _n_relative(g: TimexGrammar, s: str, r: Resolve) -> str:
    low = s.lower()
    if low == "this past":
        return "-1"
    return str(g.words["relative"].get(low, 0))


def _n_season(g: TimexGrammar, s: str, r: Resolve) -> str:
    return g.words["seasons"].get(s.lower(), "")


def _n_part(g: TimexGrammar, s: str, r: Resolve) -> str:
    return g.words["parts_of_day"].get(s.lower(), "")


def _n_ampm(g: TimexGrammar, s: str, r: Resolve) -> str:
    return "pm" if s.lower().startswith("p") else "am"


def _n_holiday(g: TimexGrammar, s: str, r: Resolve) -> str:
    return s.lower().replace(" ", "_")  # one argument of [holiday ...]


def _n_none(g: TimexGrammar, s: str, r: Resolve) -> str:
    return s.lower()


_NORMALISERS: dict[str, Callable[[TimexGrammar, str, Resolve], str]] = {
    "month": _n_month, "weekday": _n_weekday, "day": _n_day, "year": _n_year, "decade": _n_decade,
    "century": _n_century, "number": _n_number, "unit": _n_unit, "ordinal": _n_ordinal,
    "quarter_ordinal": _n_quarter_ordinal, "half_ordinal": _n_half_ordinal, "relative": _n_relative,
    "season": _n_season, "part": _n_part, "hour": _n_none, "minute": _n_none, "ampm": _n_ampm,
    "holiday": _n_holiday, "none": _n_none,
}


@lru_cache(maxsize=1)
def grammar() -> TimexGrammar:
    return TimexGrammar()
