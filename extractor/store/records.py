"""Reading claims back from the store in the GOLD_GUIDE.md form (``export``, ``eval``)."""

from __future__ import annotations

import json

EXPORT_FIELDS = ["article", "quote", "value", "unit", "measure", "indicator", "geo", "partner", "period", "change",
                 "approx", "modality", "source", "start", "end"]


def claim_records(db) -> list[dict]:
    """Claims in the GOLD_GUIDE.md form (plus ``article`` and the quote's ``start``/``end``)."""
    out = []
    for r in db.query("select * from claims order by article_id, start"):
        geo = r["geo"]
        if geo and geo.startswith("["):
            geo = json.loads(geo)
        change = None
        if r["change_value"] is not None:
            change = {"value": r["change_value"], "unit": r["change_unit"], "direction": r["change_direction"],
                      "basis": r["change_basis"]}
        value = r["value"]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append({
            "article": r["article_id"], "quote": r["quote"], "value": value, "unit": r["unit"],
            "measure": r["measure"], "indicator": r["indicator"], "geo": geo, "partner": r["partner"],
            "period": r["period"], "change": change, "approx": r["approx"], "modality": r["modality"],
            "source": r["source"], "start": r["quote_start"], "end": r["quote_end"],
        })
    return out
