"""Claims for ``extractor export``: the GOLD_GUIDE.md fields with audit verdicts applied (issue 19).

By default a fix in force is applied (its fields replace the extracted ones), a rejected claim is
left out (or kept and marked with ``rejected="mark"``), and a misstated figure is kept with its
note and reference: the extraction is right, the article's figure is not. ``raw`` gives the
extraction as it is. Every record has the guide's fields, ``article`` and the quote's
``start``/``end`` first, then the columns of ``VERDICT_FIELDS``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from extractor.quality.audit import apply_fix, gold_claim, latest_verdicts, orphans
from extractor.store.records import EXPORT_FIELDS

#: columns after the guide's fields: the claim's key and confidence, the verdict in force, its
#: note and reference (misstated), and which fields a fix changed
VERDICT_FIELDS = ["claim_key", "confidence", "verdict", "note", "reference", "fixed"]
FIELDS = EXPORT_FIELDS + VERDICT_FIELDS
REJECTED = ("drop", "mark")


def export_records(db: sqlite_utils.Database, *, raw: bool = False, rejected: str = "drop") -> list[dict[str, Any]]:
    """One record per claim, in article and text order, verdicts applied unless ``raw``."""
    if rejected not in REJECTED:
        raise ValueError(f"rejected must be one of {REJECTED}")
    verdicts = latest_verdicts(db)
    texts: dict[str, str] = {}
    out = []
    for row in db.query("select * from claims order by article_id, start"):
        row = dict(row)
        v = verdicts.get(row["claim_key"])
        verdict = v["verdict"] if v else None
        if verdict == "reject" and not raw and rejected == "drop":
            continue
        record = {"article": row["article_id"], **gold_claim(row)}
        fixed: list[str] = []
        if verdict == "fix" and v["fields"] and not raw:
            fields = json.loads(v["fields"])
            if "quote" in fields and row["article_id"] not in texts:
                texts[row["article_id"]] = db.execute("select text from articles where id = ?",
                                                      [row["article_id"]]).fetchone()[0]
            record = {"article": row["article_id"],
                      **apply_fix(record, fields, texts.get(row["article_id"], ""), (row["start"], row["end"]))}
            fixed = sorted(fields)
        record = {k: record.get(k) for k in EXPORT_FIELDS}
        record.update({"claim_key": row["claim_key"], "confidence": row["confidence"], "verdict": verdict,
                       "note": v["note"] if v else None, "reference": v.get("reference") if v else None,
                       "fixed": ",".join(fixed) or None})
        out.append(record)
    return out


def orphan_count(db: sqlite_utils.Database) -> int:
    return len(orphans(db))
