"""Claims between their two forms: a :class:`extractor.schema.Claim` and a row of the ``claims`` table
(``claim_row``), and a row back in the GOLD_GUIDE.md form (``claim_record``: ``export``, ``eval``)."""

from __future__ import annotations

import json
import math
from typing import Any

from extractor.schema import CHANGE_KEYS, GOLD_FIELDS, Claim, columns

#: export: the article, the GOLD_GUIDE.md fields, and the quote's offsets
EXPORT_FIELDS: list[str] = ["article", *GOLD_FIELDS, "start", "end"]

_SQLITE_INT = (-(2 ** 63), 2 ** 63 - 1)


def finite(v: Any) -> Any:
    """A number SQLite can store: None for inf/nan, a float for an int beyond 64 bits."""
    if isinstance(v, int) and not isinstance(v, bool) and not _SQLITE_INT[0] <= v <= _SQLITE_INT[1]:
        v = float(v) if abs(v) < 10 ** 308 else math.inf
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def claim_row(c: Claim, text: str, off: int, **keys: Any) -> dict[str, Any]:
    """The ``claims`` row of a claim found in a Doc whose text starts at ``off`` of the stored
    ``text``: offsets made absolute, surfaces read from the stored text (the pipeline read exotic
    spaces as spaces), numbers made storable, lists and dicts as JSON. ``keys``: the row's ids."""
    row: dict[str, Any] = dict(keys)
    cols = columns(Claim)
    for name in cols:
        if name.startswith("change_"):
            continue
        v = getattr(c, name)
        if name in ("start", "end", "quote_start", "quote_end", "phrase_start", "phrase_end") and v is not None:
            v = off + v
        row[name] = v
    row["text"] = text[row["start"]:row["end"]]
    row["quote"] = text[row["quote_start"]:row["quote_end"]]
    row["phrase"] = text[row["phrase_start"]:row["phrase_end"]] if row["phrase_start"] is not None else None
    ch = c.change or {}
    for key in CHANGE_KEYS:
        row[f"change_{key}"] = ch.get(key)
    for name in ("value", "indicator_score", "confidence", "change_value"):
        row[name] = finite(row[name])
    row["geo"] = to_json(c.geo) if isinstance(c.geo, list) else c.geo
    row["indicator_candidates"] = to_json(c.indicator_candidates)
    row["how"] = to_json(c.how) if c.how else None
    return row


def claim_record(r: dict[str, Any]) -> dict[str, Any]:
    """A ``claims`` row in the GOLD_GUIDE.md form, plus ``article`` and the quote's ``start``/``end``."""
    geo = r["geo"]
    if geo and geo.startswith("["):
        geo = json.loads(geo)
    change = None
    if r["change_value"] is not None:
        change = {key: r[f"change_{key}"] for key in CHANGE_KEYS}
    value = r["value"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    gold = {f: r.get(f) for f in GOLD_FIELDS} | {"value": value, "geo": geo, "change": change}
    return {"article": r["article_id"], **gold, "start": r["quote_start"], "end": r["quote_end"]}


def claim_records(db) -> list[dict]:
    """Every claim of the store in the GOLD_GUIDE.md form (see :func:`claim_record`)."""
    return [claim_record(r) for r in db.query("select * from claims order by article_id, start")]
