"""What the system extracts, spelled once: claims (with their change), and the mentions found on the
way (quantities, time expressions, named entities).

The store's columns (:mod:`extractor.store.schema`), the export and gold fields, the fields ``eval``
scores and the fields ``audit fix`` may set are all derived from these dataclasses; adding a field
here adds it everywhere. A field's ``metadata`` says what it is:

- ``gold``: a field of ``GOLD_GUIDE.md`` (labeled in gold files, exported, scored by ``eval``);
- ``sql``: the SQLite column type (``str`` for lists and dicts, stored as JSON);
- ``flat``: stored as one column per key of a nested dict (``change`` -> ``change_value``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _f(sql: type, default: Any = None, *, gold: bool = False, flat: tuple[str, ...] = (), factory=None) -> Any:
    meta = {"sql": sql, "gold": gold, "flat": flat}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Change:
    """The change a claim reports in the same clause: ``{"value": 15.2, "unit": "percent",
    "direction": "up", "basis": "yoy"}``; ``value`` is never negative, ``direction`` says which way."""

    value: float | None = None
    unit: str | None = None
    direction: str | None = None  # up, down, flat
    basis: str | None = None  # yoy, mom, an ISO period compared with, or None


CHANGE_KEYS = tuple(f.name for f in fields(Change))


@dataclass
class Claim:
    """One number asserted about the world, with what it measures, where, when and who says so."""

    # -- the GOLD_GUIDE.md fields, in the guide's order
    quote: str = _f(str, "", gold=True)
    value: float | None = _f(float, gold=True)
    unit: str | None = _f(str, gold=True)
    measure: str = _f(str, "level", gold=True)
    indicator: str | None = _f(str, gold=True)
    geo: str | list[str] | None = _f(str, gold=True)
    partner: str | None = _f(str, gold=True)
    period: str | None = _f(str, gold=True)
    change: dict | None = _f(float, gold=True, flat=CHANGE_KEYS)
    approx: str | None = _f(str, gold=True)
    modality: str = _f(str, "reported", gold=True)
    source: str | None = _f(str, gold=True)
    # -- where it stands in the text (character offsets)
    start: int = _f(int, 0)  # the value
    end: int = _f(int, 0)
    text: str = _f(str, "")
    quote_start: int = _f(int, 0)
    quote_end: int = _f(int, 0)
    phrase: str = _f(str, "")  # what the figure measures, as the text says it
    phrase_start: int | None = _f(int)
    phrase_end: int | None = _f(int)
    # -- how it was found
    indicator_score: float = _f(float, 0.0)
    indicator_candidates: list = _f(str, factory=list)  # [[id, score], ...] best first
    period_start: str | None = _f(str)  # first and last day of the period, for querying
    period_end: str | None = _f(str)
    geo_how: str = _f(str, "none")  # phrase, sentence, previous, paragraph, article, none
    period_how: str = _f(str, "none")  # sentence, now, paragraph, carried, story, none
    source_how: str = _f(str, "none")  # sentence, quote, run, none
    how: dict = _f(str, factory=dict)  # field -> id of the rule that decided it
    confidence: float = _f(float, 0.0)
    label: str = _f(str, "")  # the quantity's type: MONEY, PERCENT, QUANTITY

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict (shallow: the claim's lists and dicts are its own)."""
        return {f.name: getattr(self, f.name) for f in _CLAIM_FIELDS}


_CLAIM_FIELDS = fields(Claim)
#: the fields of GOLD_GUIDE.md, in its order (gold files, export)
GOLD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Claim) if f.metadata["gold"])
#: the gold fields ``eval`` scores on a matched claim (a match already agrees on value and unit)
SCORED_FIELDS: tuple[str, ...] = tuple(f for f in GOLD_FIELDS if f not in ("quote", "value", "unit"))
#: the fields a claim has no column of its own for (kept on the span only)
UNSTORED_FIELDS = frozenset({"label"})


def columns(cls: type) -> dict[str, type]:
    """SQLite columns of a dataclass: one per field, nested dicts flattened (``change_value``)."""
    out: dict[str, type] = {}
    for f in fields(cls):
        if f.name in UNSTORED_FIELDS and cls is Claim:
            continue
        if f.metadata.get("flat"):
            for key in f.metadata["flat"]:
                out[f"{f.name}_{key}"] = f.metadata["sql"] if key == "value" else str
        else:
            out[f.name] = f.metadata["sql"]
    return out


@dataclass
class Mention:
    """A span the pipeline found on the way to claims: a quantity (MONEY, PERCENT, QUANTITY), a
    time expression (DATE) or a named entity (ORG, GPE, PERSON, ...)."""

    type: str = _f(str, "")
    start: int = _f(int, 0)
    end: int = _f(int, 0)
    text: str = _f(str, "")
    # quantities
    value: float | None = _f(float)
    unit: str | None = _f(str)
    low: float | None = _f(float)
    high: float | None = _f(float)
    approx: str | None = _f(str)
    direction: str | None = _f(str)
    noun: str | None = _f(str)
    # time expressions
    period: str | None = _f(str)
    period_start: str | None = _f(str)
    period_end: str | None = _f(str)
    # the TIMEX3 (issue 18) of a DATE mention, or of a TIMEX mention (a time expression with no
    # period: a duration, a set, "now"); its extent may differ from the mention's ("since 1990":
    # the expression is "1990")
    timex_type: str | None = _f(str)
    timex_value: str | None = _f(str)
    timex_start: int | None = _f(int)
    timex_end: int | None = _f(int)
    # named entities: an ISO 3166 code, a bloc or an organisation's id
    entity_id: str | None = _f(str)
    # which component found it, and what else it said (JSON)
    origin: str = _f(str, "")
    attrs: dict | None = _f(str)


#: the normalized fields of a quantity mention, and of a time expression (subsets of Mention)
QUANTITY_FIELDS: tuple[str, ...] = ("value", "unit", "low", "high", "approx", "direction", "noun")
TIMEX_FIELDS: tuple[str, ...] = ("period", "period_start", "period_end")
