"""The indicator catalog and linking a measured phrase to it.

``indicators.yaml`` holds every indicator id of GOLD_GUIDE.md with its name, aliases (the ways news
text names it), WDI code, units and measures; it is validated on load (duplicate ids or aliases are
errors). :class:`IndicatorLinker` scores a phrase against every alias with rapidfuzz after the
same normalisation of both sides, and returns ``(id, score)`` candidates, best first, above a
threshold (as scispacy's linker does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from extractor.rules import RuleFileError, load_data

UNITS = {"currency", "percent", "count", "times", "ratio", "price"}
MEASURES = {"level", "growth", "share", "count", "ratio", "price"}

_STOP = {
    "the", "a", "an", "of", "its", "their", "his", "her", "our", "this", "that", "these", "those", "in", "on",
    "for", "to", "from", "with", "by", "as", "at", "and", "or", "s", "between", "into", "along", "across", "among",
    "which", "whose", "such", "other", "all", "both", "each", "per", "than",
}
def _linker_words() -> tuple[frozenset[str], frozenset[str], dict[str, str], tuple[re.Pattern, ...]]:
    raw = load_data("linker.yaml")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), list) for k in ("neutral", "neutral_for_money", "dropped_tails")):
        raise RuleFileError("linker.yaml: expected lists 'neutral', 'neutral_for_money' and 'dropped_tails'")
    syn = raw.get("synonyms")
    if not isinstance(syn, dict):
        raise RuleFileError("linker.yaml: expected a mapping 'synonyms' (word -> word)")
    try:
        tails = tuple(re.compile(str(p)) for p in raw["dropped_tails"])
    except re.error as exc:
        raise RuleFileError(f"linker.yaml: dropped_tails: {exc}") from None
    unlinked = raw.get("unlinked_phrases") or []
    if not isinstance(unlinked, list):
        raise RuleFileError("linker.yaml: expected a list 'unlinked_phrases'")
    return (frozenset(str(w).lower() for w in raw["neutral"]), frozenset(str(w).lower() for w in raw["neutral_for_money"]),
            {str(k).lower(): str(v).lower() for k, v in syn.items()}, tails,
            tuple(re.compile(r"\b" + re.escape(str(p).lower()) + r"\b") for p in unlinked))


#: words that do not change what is measured, and for money the contracts it is the value of;
#: synonyms; tails that widen a phrase; phrases of aggregates without an id (linker.yaml)
NEUTRAL, NEUTRAL_FOR_MONEY, SYNONYMS, DROPPED_TAILS, UNLINKED = _linker_words()
_IRREGULAR = {"goods": "goods", "services": "service", "statistics": "statistics", "sales": "sale", "news": "news",
              "electronics": "electronics", "proceeds": "proceeds", "earnings": "earnings", "economics": "economics"}


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    description: str
    wdi: str | None
    units: tuple[str, ...]
    measures: tuple[str, ...]
    aliases: tuple[str, ...]

    def row(self) -> dict:
        import json

        return {
            "id": self.id, "name": self.name, "description": self.description, "wdi": self.wdi,
            "units": json.dumps(list(self.units)), "measures": json.dumps(list(self.measures)),
            "aliases": json.dumps(list(self.aliases), ensure_ascii=False),
        }


def _singular(w: str) -> str:
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def phrase_words(text: str) -> list[str]:
    """Lower case, words only, singular, without function words: both aliases and phrases."""
    t = text.lower().replace("’", "'")
    for tail in DROPPED_TAILS:
        t = tail.sub("", t)
    t = re.sub(r"\br\s*&\s*d\b", " rd ", t)
    t = re.sub(r"\bhi-tech\b", "high tech", t).replace("&", " and ")
    t = re.sub(r"'s\b", "", t)
    t = re.sub(r"[^a-z0-9\- ]+", " ", t).replace("-", " ")
    words = (_singular(x) for x in t.split())
    return [SYNONYMS.get(w, w) for w in words if w not in _STOP]


def normalise_phrase(text: str) -> str:
    return " ".join(phrase_words(text))


@lru_cache(maxsize=1 << 16)
def _same_word(a: str, b: str) -> bool:
    """Exact, or one a derived form of the other ("technology"/"technological", "import"/"imported")."""
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 5 and n >= 0.8 * min(len(a), len(b))


def word_hits(words: list[str]):
    """A test of whether an alias word is in ``words`` (exactly, or one a derived form of the other),
    each alias word tested once: many aliases share their words."""
    word_set = set(words)
    memo: dict[str, bool] = {}

    def hit(a: str) -> bool:
        h = memo.get(a)
        if h is None:
            h = memo[a] = a in word_set or any(_same_word(a, w) for w in words)
        return h

    return hit


def load_catalog(data: list | None = None) -> tuple[Indicator, ...]:
    """Validate and load the catalog (``data`` for tests; else the packaged file)."""
    raw = load_data("indicators.yaml") if data is None else data
    if not isinstance(raw, list):
        raise RuleFileError("indicators.yaml: expected a list of indicators")
    ids: set[str] = set()
    aliases: dict[str, str] = {}
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not item.get("id"):
            raise RuleFileError(f"indicators.yaml: entry {i} has no id")
        iid = item["id"]
        if iid in ids:
            raise RuleFileError(f"indicators.yaml: duplicate id {iid!r}")
        ids.add(iid)
        for field in ("units", "measures"):
            bad = set(item.get(field) or []) - (UNITS if field == "units" else MEASURES)
            if bad:
                raise RuleFileError(f"indicators.yaml: {iid}: unknown {field} {sorted(bad)}")
        names = [item.get("name", iid), *(item.get("aliases") or [])]
        for a in item.get("aliases") or []:
            key = " ".join(str(a).lower().split())
            if key in aliases and aliases[key] != iid:
                raise RuleFileError(
                    f"indicators.yaml: alias {a!r} of {iid!r} is the same as an alias of {aliases[key]!r}"
                )
            aliases[key] = iid
        out.append(
            Indicator(
                id=iid, name=item.get("name", iid), description=item.get("description", ""), wdi=item.get("wdi"),
                units=tuple(item.get("units") or []), measures=tuple(item.get("measures") or []),
                aliases=tuple(str(a) for a in names),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def catalog() -> tuple[Indicator, ...]:
    return load_catalog()


def catalog_ids() -> set[str]:
    return {i.id for i in catalog()}


class IndicatorLinker:
    """Link a phrase to indicator ids: ``[(id, score), ...]`` best first, scores in [0, 1].

    The score of an indicator is (the best share of one alias's words found in the phrase) x (the
    share of the phrase's content words that its fully found aliases account for); words are
    compared on singular forms, a derived form matching its stem. A phrase that says more than an alias ("farm exports", "exports of
    electric cars") scores below one that says exactly that ("exports"), so a product the catalog
    has no id for stays unlinked, as GOLD_GUIDE.md asks.

    threshold: candidates scoring below it are dropped; the claim's indicator is null then.
    top_k: how many candidates to keep.
    """

    def __init__(self, threshold: float = 0.72, top_k: int = 3, indicators: tuple[Indicator, ...] | None = None):
        self.threshold = threshold
        self.top_k = top_k
        inds = indicators if indicators is not None else catalog()
        self.units = {i.id: set(i.units) for i in inds}
        self.measures = {i.id: set(i.measures) for i in inds}
        self._aliases: list[tuple[str, tuple[str, ...]]] = []
        self._ids: list[str] = []
        self._by_prefix: dict[str, set[int]] = {}
        self._cache: dict[tuple[str, str | None], list[tuple[str, float]]] = {}
        for ind in inds:
            for a in ind.aliases:
                words = tuple(phrase_words(a))
                if not words:
                    continue
                k = len(self._aliases)
                self._aliases.append((ind.id, words))
                self._ids.append(ind.id)
                for w in words:
                    self._by_prefix.setdefault(w[:5], set()).add(k)

    def aliases_near(self, words: list[str]) -> set[int]:
        """Aliases sharing a word stem (5-letter prefix) with ``words``."""
        ks: set[int] = set()
        for w in words:
            ks |= self._by_prefix.get(w[:5], set())
        return ks

    def link(self, phrase: str, units: str | None = None) -> list[tuple[str, float]]:
        """Candidates for ``phrase``; ``units`` (currency, count, percent, ...) keeps only the
        indicators that take a value of that kind."""
        key = (phrase, units)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._link(phrase, units)
            if len(self._cache) < 50_000:  # news repeats its phrases; the catalog never changes
                self._cache[key] = hit
        return list(hit)

    def _link(self, phrase: str, units: str | None) -> list[tuple[str, float]]:
        if any(p.search(phrase.lower()) for p in UNLINKED):
            return []  # "exports of goods and services": an aggregate the catalog has no id for
        words = phrase_words(phrase)
        neutral = NEUTRAL | NEUTRAL_FOR_MONEY if units == "currency" else NEUTRAL
        content = list(dict.fromkeys(w for w in words if w not in neutral))
        if not content:
            return []
        joined = " ".join(words)
        ks = self.aliases_near(words)
        fit: dict[str, float] = {}
        covered: dict[str, set[str]] = {}
        hit = word_hits(words)
        for k in ks:
            iid, aw = self._aliases[k]
            if units and self.units.get(iid) and units not in self.units[iid]:
                continue
            found = sum(1 for a in aw if hit(a))
            if not found:
                continue
            if found < len(aw):
                # a partial alias never scores: an id counts only the words its full aliases cover
                fit.setdefault(iid, 0.0)
                continue
            # fuzz.ratio breaks ties between aliases that fit equally
            f = 0.95 + 0.05 * fuzz.ratio(" ".join(aw), joined) / 100
            fit[iid] = max(fit.get(iid, 0.0), f)
            covered.setdefault(iid, set()).update(w for w in content if w in aw or any(_same_word(a, w) for a in aw))
        best = {iid: round(f * len(covered.get(iid, ())) / len(content), 4) for iid, f in fit.items()}
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(i, round(s, 3)) for i, s in ranked if s >= self.threshold][: self.top_k]
