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

from rapidfuzz import fuzz, process

from .rules import RuleFileError, load_data

UNITS = {"currency", "percent", "count", "times", "ratio", "price"}
MEASURES = {"level", "growth", "share", "count", "ratio", "price"}

_STOP = {
    "the", "a", "an", "of", "its", "their", "his", "her", "our", "this", "that", "these", "those",
    "overall", "figure", "country", "nation", "province", "city", "region",
    "in", "on", "for", "to", "from", "with", "by", "as", "at", "year", "month", "s", "and", "annual", "national",
}
_KEEP_WHEN_ONLY = {"value", "volume", "total"}
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


def normalise_phrase(text: str) -> str:
    """Lower case, words only, singular, without function words: both aliases and phrases."""
    t = text.lower().replace("’", "'").replace("&", " and ")
    t = re.sub(r"'s\b", "", t)
    t = re.sub(r"[^a-z0-9\- ]+", " ", t)
    t = t.replace("-", " ")
    words = [_singular(w) for w in t.split()]
    kept = [w for w in words if w not in _STOP]
    if not kept:
        kept = [w for w in words if w in _KEEP_WHEN_ONLY]
    return " ".join(kept)


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

    threshold: candidates scoring below it are dropped; the claim's indicator is null then.
    top_k: how many candidates to keep.
    """

    def __init__(self, threshold: float = 0.72, top_k: int = 3, indicators: tuple[Indicator, ...] | None = None):
        self.threshold = threshold
        self.top_k = top_k
        inds = indicators if indicators is not None else catalog()
        self._choices: list[str] = []
        self._ids: list[str] = []
        for ind in inds:
            for a in ind.aliases:
                n = normalise_phrase(a)
                if n:
                    self._choices.append(n)
                    self._ids.append(ind.id)

    def link(self, phrase: str) -> list[tuple[str, float]]:
        query = normalise_phrase(phrase)
        if not query:
            return []
        # token_sort_ratio penalises words on either side that the other lacks, so "exports of
        # electronic products" prefers the electronics alias over the bare "exports" alias.
        hits = process.extract(query, self._choices, scorer=fuzz.token_sort_ratio, limit=30)
        best: dict[str, float] = {}
        for choice, score, idx in hits:
            s = score / 100.0
            # a phrase that contains the whole alias as words is at least a partial match
            if f" {choice} " in f" {query} ":
                s = max(s, 0.75 + 0.25 * len(choice) / max(len(query), 1))
            iid = self._ids[idx]
            best[iid] = max(best.get(iid, 0.0), s)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(i, round(s, 3)) for i, s in ranked if s >= self.threshold][: self.top_k]
