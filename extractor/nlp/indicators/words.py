"""How phrases and aliases are compared: lower case, singular, without function words, with the
synonyms and widening tails of ``linker.yaml`` applied to both sides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from extractor.rules import RuleFileError, load_data

_STOP = frozenset({
    "the", "a", "an", "of", "its", "their", "his", "her", "our", "this", "that", "these", "those", "in", "on",
    "for", "to", "from", "with", "by", "as", "at", "and", "or", "s", "between", "into", "along", "across", "among",
    "which", "whose", "such", "other", "all", "both", "each", "per", "than",
})
_IRREGULAR = {"goods": "goods", "services": "service", "statistics": "statistics", "sales": "sale", "news": "news",
              "electronics": "electronics", "proceeds": "proceeds", "earnings": "earnings", "economics": "economics"}


def _singular(w: str) -> str:
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@dataclass(frozen=True)
class LinkerWords:
    """The word lists of ``linker.yaml``: words that do not change what is measured (and, for money,
    the contracts it is the value of), synonyms, tails that widen a phrase, and phrases of
    aggregates the catalog has no id for."""

    neutral: frozenset[str]
    neutral_for_money: frozenset[str]
    synonyms: dict[str, str]
    dropped_tails: tuple[re.Pattern, ...]
    unlinked: tuple[re.Pattern, ...]

    @classmethod
    def from_data(cls, raw: Any) -> "LinkerWords":
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
        parts = raw.get("population_parts") or []
        if not isinstance(parts, list):
            raise RuleFileError("linker.yaml: expected a list 'population_parts' (patterns)")
        try:
            part_rx = tuple(re.compile(str(p)) for p in parts)
        except re.error as exc:
            raise RuleFileError(f"linker.yaml: population_parts: {exc}") from None
        return cls(frozenset(str(w).lower() for w in raw["neutral"]),
                   frozenset(str(w).lower() for w in raw["neutral_for_money"]),
                   {str(k).lower(): str(v).lower() for k, v in syn.items()}, tails,
                   tuple(re.compile(r"\b" + re.escape(str(p).lower()) + r"\b") for p in unlinked) + part_rx)

    def phrase_words(self, text: str) -> list[str]:
        """Lower case, words only, singular, without function words: both aliases and phrases."""
        t = text.lower().replace("’", "'")
        for tail in self.dropped_tails:
            t = tail.sub("", t)
        t = re.sub(r"\br\s*&\s*d\b", " rd ", t)
        t = re.sub(r"\bhi-tech\b", "high tech", t).replace("&", " and ")
        t = re.sub(r"'s\b", "", t)
        t = re.sub(r"[^a-z0-9\- ]+", " ", t).replace("-", " ")
        words = (_singular(x) for x in t.split())
        return [self.synonyms.get(w, w) for w in words if w not in _STOP]


@lru_cache(maxsize=1)
def packaged_words() -> LinkerWords:
    return LinkerWords.from_data(load_data("linker.yaml"))


def phrase_words(text: str) -> list[str]:
    """:meth:`LinkerWords.phrase_words` with the packaged ``linker.yaml``."""
    return packaged_words().phrase_words(text)


#: endings that make a derived form of the same word ("technology"/"technological",
#: "import"/"imported"/"importer"); "economy"/"economist" are different words
_DERIVED = frozenset({"", "y", "ies", "ic", "ical", "ically", "al", "ally", "ed", "ing", "s", "es", "er", "ers", "e",
                      "ion", "ions", "ation", "ations", "ive", "ively", "ly", "ised", "ized", "ise", "ize"})


@lru_cache(maxsize=1 << 16)
def same_word(a: str, b: str) -> bool:
    """Exact, or one a derived form of the other ("technology"/"technological", "import"/"imported")."""
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 5 and n >= 0.8 * min(len(a), len(b)) and a[n:] in _DERIVED and b[n:] in _DERIVED


def word_hits(words: list[str]) -> Callable[[str], bool]:
    """A test of whether an alias word is in ``words`` (exactly, or one a derived form of the other),
    each alias word tested once: many aliases share their words."""
    word_set = set(words)
    # derived forms share their first five letters (see same_word): only those words are tried
    by_stem: dict[str, list[str]] = {}
    for w in word_set:
        if len(w) >= 5:
            by_stem.setdefault(w[:5], []).append(w)
    memo: dict[str, bool] = {}

    def hit(a: str) -> bool:
        h = memo.get(a)
        if h is None:
            h = memo[a] = a in word_set or any(same_word(a, w) for w in by_stem.get(a[:5], ()))
        return h

    return hit
