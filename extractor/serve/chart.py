"""The indicator view: every value the store holds for one indicator and place, against its period.

One Plotly figure per measure and unit (a level in yuan and a growth rate cannot share an axis).
Each figure is a point at the middle of its period, with a grey line over the whole period
(a year, a quarter, January to May), linked to its claim. Figures in a conflict (another article,
or the same article twice, gives a different value) and figures with another open flag are
marked, as are those a reviewer found misstated; rejected claims are left out and a fix in force
is applied. The chart script is Plotly's own, served from the installed ``plotly`` package.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import defaultdict
from typing import Any
from urllib.parse import quote

import sqlite_utils

from extractor.quality.audit import human, latest_verdicts
from extractor.quality.consistency import Resolutions

CONFLICT_CHECKS = ("corpus.conflict", "article.repeated")

#: marker of each kind of point: legend name, symbol, colour
KINDS: dict[str, tuple[str, str, str]] = {
    "plain": ("figure", "circle", "#1c7ed6"),
    "conflict": ("conflicting figure (open flag)", "x", "#e03131"),
    "flagged": ("other open flag", "diamond", "#f76707"),
    "misstated": ("misstated (reviewed)", "star", "#9c36b5"),
}


def _date(iso: str | None) -> _dt.date | None:
    if not iso:
        return None
    try:
        return _dt.date.fromisoformat(iso[:10])
    except ValueError:
        return None


def places(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Indicator and place pairs with how many claims, periods and open conflicts each has."""
    rows = [dict(r) for r in db.query(
        "select indicator, geo, count(*) as claims, count(distinct period) as periods, "
        "count(distinct article_id) as articles from claims where indicator is not null "
        "group by indicator, geo order by indicator, claims desc")]
    res = Resolutions(db)
    conflicts: dict[tuple, int] = defaultdict(int)
    geo_of = {r["claim_key"]: (r["indicator"], r["geo"]) for r in db.query("select claim_key, indicator, geo from claims")}
    for f in db.query(f"select * from flags where [check] in ({','.join('?' * len(CONFLICT_CHECKS))})",
                      list(CONFLICT_CHECKS)):
        f = dict(f)
        if res.is_open(f) and f["claim_key"] in geo_of:
            conflicts[geo_of[f["claim_key"]]] += 1
    for r in rows:
        r["conflicts"] = conflicts[(r["indicator"], r["geo"])]
    return rows


def points(db: sqlite_utils.Database, indicator: str, geo: str | None) -> list[dict[str, Any]]:
    """The figures of one indicator and place, with their kind and fixes applied."""
    verdicts = latest_verdicts(db)
    res = Resolutions(db)
    open_by_key: dict[str, set[str]] = defaultdict(set)
    for f in db.query("select * from flags"):
        f = dict(f)
        if not res.is_open(f):
            continue
        for k in {f["claim_key"], *(json.loads(f["related"]) if f["related"] else [])}:
            open_by_key[k].add(f["check"])
    sql = "select c.*, a.title from claims c join articles a on a.id = c.article_id where c.indicator = ? and "
    rows = db.query(sql + ("c.geo = ?" if geo else "c.geo is null") + " order by c.period_start, c.article_id",
                    [indicator, geo] if geo else [indicator])
    out = []
    for r in rows:
        r = dict(r)
        v = verdicts.get(r["claim_key"])
        verdict = v["verdict"] if v else None
        if verdict == "reject":
            continue
        fixed = json.loads(v["fields"]) if verdict == "fix" and v["fields"] else {}
        if any(k in fixed and fixed[k] != r.get(k) for k in ("indicator", "geo")):
            continue  # the fix moved it to another indicator or place
        value = fixed.get("value", r["value"])
        unit = fixed.get("unit", r["unit"])
        start, end = _date(r["period_start"]), _date(r["period_end"])
        if "period" in fixed:
            start, end = _period_bounds(fixed["period"])
        if value is None or start is None or end is None:
            continue
        checks = open_by_key.get(r["claim_key"], set())
        kind = ("misstated" if verdict == "misstated" else "conflict" if checks & set(CONFLICT_CHECKS)
                else "flagged" if checks else "plain")
        out.append({
            "key": r["claim_key"], "article": r["article_id"], "title": r["title"], "quote": r["quote"],
            "value": value, "unit": unit, "measure": r["measure"], "period": fixed.get("period", r["period"]),
            "start": start, "end": end, "mid": start + (end - start) / 2, "kind": kind, "verdict": verdict,
            "checks": sorted(checks), "confidence": r["confidence"],
        })
    return out


def _period_bounds(period: str | None) -> tuple[_dt.date | None, _dt.date | None]:
    from extractor.nlp.periods.iso import parse_iso_period

    if not period:
        return None, None
    try:
        p = parse_iso_period(period)
        return p.first_day, p.last_day
    except (ValueError, TypeError):  # a fixed period the chart cannot place: the point is left out
        return None, None


def figures(pts: list[dict[str, Any]], claim_url: str = "/claims/") -> list[dict[str, Any]]:
    """Plotly figure specs (``data`` and ``layout``), one per measure and unit."""
    import plotly.graph_objects as go

    groups: dict[tuple, list[dict]] = defaultdict(list)
    for p in pts:
        groups[(p["measure"] or "?", p["unit"] or "")].append(p)
    out = []
    for (measure, unit), ps in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        fig = go.Figure()
        xs: list[Any] = []
        ys: list[Any] = []
        for p in ps:
            xs += [p["start"].isoformat(), p["end"].isoformat(), None]
            ys += [p["value"], p["value"], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#adb5bd", "width": 2},
                                 hoverinfo="skip", name="period covered"))
        for kind, (name, symbol, color) in KINDS.items():
            kp = [p for p in ps if p["kind"] == kind]
            if not kp:
                continue
            fig.add_trace(go.Scatter(
                x=[p["mid"].isoformat() for p in kp], y=[p["value"] for p in kp], mode="markers", name=name,
                marker={"symbol": symbol, "color": color, "size": 13 if kind != "plain" else 10,
                        "line": {"width": 1, "color": "#212529"}},
                customdata=[claim_url + quote(p["key"]) for p in kp],
                hovertext=[_hover(p) for p in kp], hoverinfo="text",
            ))
        fig.update_layout(
            title={"text": f"{measure}, {unit or 'no unit'} ({len(ps)} figure{'s' if len(ps) != 1 else ''})"},
            xaxis={"type": "date", "title": {"text": "period"}},
            yaxis={"title": {"text": unit or measure}, "tickformat": "~s" if unit not in ("percent",) else ""},
            margin={"l": 70, "r": 20, "t": 50, "b": 50}, height=380, hovermode="closest",
            legend={"orientation": "h", "y": -0.2},
        )
        spec = fig.to_plotly_json()
        out.append({"id": f"chart-{len(out)}", "measure": measure, "unit": unit, "points": ps,
                    "spec": json.dumps({"data": spec["data"], "layout": spec["layout"]}, default=str)})
    return out


def _hover(p: dict[str, Any]) -> str:
    bits = [f"<b>{human(p['value'], p['unit'])}</b> · {p['period']}", f"{p['article']}",
            (p["quote"] or "")[:90]]
    if p["checks"]:
        bits.append("open flags: " + ", ".join(p["checks"]))
    if p["verdict"]:
        bits.append(f"verdict: {p['verdict']}")
    return "<br>".join(_esc(b) if i else b for i, b in enumerate(bits))


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
