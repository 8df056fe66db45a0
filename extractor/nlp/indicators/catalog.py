"""The indicator catalog: the knowledge base the claim builder links figures to.

``indicators.yaml`` holds every indicator id of GOLD_GUIDE.md with its name, aliases (the ways news
text names it), WDI code, units and measures; it is validated on load (duplicate ids or aliases are
errors). Candidate generation is :mod:`extractor.nlp.indicators.candidates`, the linker that
applies a threshold and top-k is :mod:`extractor.nlp.indicators.linker` (scispacy's split).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from extractor.rules import RuleFileError, load_data

UNITS = {"currency", "percent", "count", "times", "ratio", "price", "index"}
MEASURES = {"level", "growth", "share", "count", "ratio", "price"}


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
