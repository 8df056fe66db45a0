"""Store statistics: counts by table, indicator and article; audited precision."""

from __future__ import annotations

from typing import Any

import sqlite_utils

TABLES = ["articles", "sentences", "mentions", "claims", "indicators", "audits", "flags", "failures"]


def collect(db: sqlite_utils.Database) -> dict[str, Any]:
    names = set(db.table_names())
    counts = {t: db[t].count for t in TABLES if t in names}
    by_indicator = [
        dict(r) for r in db.query(
            "select coalesce(indicator, '(none)') as indicator, count(*) as claims from claims group by 1 order by 2 desc, 1"
        )
    ]
    by_article = [
        dict(r) for r in db.query(
            "select a.id as article, a.published, "
            "(select count(*) from sentences s where s.article_id = a.id) as sentences, "
            "(select count(*) from mentions m where m.article_id = a.id) as mentions, "
            "(select count(*) from claims c where c.article_id = a.id) as claims "
            "from articles a order by a.id"
        )
    ]
    return {"counts": counts, "by_indicator": by_indicator, "by_article": by_article, "audited": audited_precision(db)}


def audited_precision(db: sqlite_utils.Database) -> dict[str, Any]:
    """Precision from the latest verdict per claim: (accepted + misstated) / audited. A misstated
    figure is extracted right (the article's figure is what is false)."""
    if "audits" not in db.table_names():
        return {"overall": None, "by_indicator": []}
    rows = list(db.query(
        """
        with latest as (
          select a.* from audits a
          join (select claim_key, max(id) as id from audits group by claim_key) l on l.id = a.id
        )
        select coalesce(c.indicator, '(none)') as indicator,
               sum(l.verdict = 'accept') as accepted, sum(l.verdict = 'reject') as rejected,
               sum(l.verdict = 'fix') as fixed, sum(l.verdict = 'misstated') as misstated, count(*) as audited
        from latest l left join claims c on c.claim_key = l.claim_key
        group by 1 order by 1
        """
    ))
    total = {k: sum(r[k] or 0 for r in rows) for k in ("accepted", "rejected", "fixed", "misstated", "audited")}
    by_ind = []
    for r in rows:
        r = dict(r)
        r["precision"] = round(((r["accepted"] or 0) + (r["misstated"] or 0)) / r["audited"], 3) if r["audited"] else None
        by_ind.append(r)
    overall = round((total["accepted"] + total["misstated"]) / total["audited"], 3) if total["audited"] else None
    return {"overall": overall, **total, "by_indicator": by_ind}


def render(data: dict[str, Any]) -> str:
    lines = ["table        rows"]
    for t, n in data["counts"].items():
        lines.append(f"{t:12} {n:>6}")
    lines.append("")
    lines.append("indicator                 claims")
    for r in data["by_indicator"]:
        lines.append(f"{r['indicator']:25} {r['claims']:>6}")
    lines.append("")
    lines.append("article                   published   sentences mentions claims")
    for r in data["by_article"]:
        lines.append(f"{r['article']:25} {str(r['published'] or '-'):11} {r['sentences']:>9} {r['mentions']:>8} {r['claims']:>6}")
    a = data["audited"]
    lines.append("")
    if a.get("audited"):
        lines.append(f"audited: {a['audited']} claims, precision {a['overall']:.3f} "
                     f"(accepted {a['accepted']}, fixed {a['fixed']}, rejected {a['rejected']})")
        for r in a["by_indicator"]:
            lines.append(f"  {r['indicator']:23} {r['audited']:>4} audited  precision {r['precision']:.3f}")
    else:
        lines.append("audited: none yet (extractor audit next)")
    return "\n".join(lines)
