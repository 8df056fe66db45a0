"""Consistency checks: arithmetic relations between claims, stored as flags (issue 7).

Each check looks for claims that the text relates arithmetically and evaluates the relation:

within an article (flag names ``article.*``, replaced when the article is re-extracted)
    ``article.trade_sum``      exports + imports = total (per trade family: goods, technology, ...)
    ``article.trade_balance``  exports - imports = balance (a deficit is negative)
    ``article.share``          100 * part / whole = a stated share
    ``article.growth``         100 * (level now / level of the earlier period - 1) = stated growth
    ``article.repeated``       the same figure (indicator, geo, partner, period, unit) stated twice
    ``article.parts_sum``      listed parts vs the total the text gives (equal when the parts are
                               every member of a listed group, otherwise not above it)
across the corpus (``corpus.*``, kept on re-extraction because they are keyed by claim_key)
    ``corpus.conflict``        two articles giving the same figure with different values

Tolerance. Every stated figure is only as exact as its last digit: "512.4 billion" is anything in
512.35-512.45 billion, so it carries an uncertainty of half a unit of its last stated digit (read
from the value's surface text, e.g. ``claims.text``, else from the value's significant digits). A
hedged figure ("about", "more than", "nearly") carries another ``HEDGE_SLACK`` of its value. A
relation holds when its two sides differ by no more than the sum of the uncertainties propagated
through it (first order); that sum is stored as ``flags.tolerance``.

A relation that holds is returned by :func:`relations` (``ok: True``) but not stored; a relation
that fails is stored as a row in ``flags`` (``expected`` is what the other figures imply,
``actual`` the stated figure). :func:`run_checks` evaluates and stores, replacing earlier flags of
the same checks for the articles checked.

Only claims with an indicator and a period take part: without them two figures cannot be known to
be about the same thing.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations, product
from pathlib import Path
from typing import Any, Iterable, Sequence

import sqlite_utils

from extractor.rules import load_data

#: relative slack for a hedged figure ("about 20 billion" is taken as 18-22 billion)
HEDGE_SLACK = 0.10

ARTICLE_CHECKS = (
    "article.trade_sum", "article.trade_balance", "article.share", "article.growth", "article.repeated",
    "article.parts_sum",
)
CORPUS_CHECKS = ("corpus.conflict",)
CHECKS = ARTICLE_CHECKS + CORPUS_CHECKS

_RELATIONS = load_data("indicator_relations.yaml")
#: trade families: (total, exports, imports, balance); None where the catalog has no id
FAMILIES: tuple[tuple[str | None, str | None, str | None, str | None], ...] = tuple(
    tuple(f) for f in _RELATIONS["families"]  # type: ignore[misc]
)
#: the whole each indicator is a part of (``indicator_relations.yaml``)
PARENT: dict[str, str] = dict(_RELATIONS["parent"])

LEVEL_MEASURES = ("level", "count", "price")
_NUMBER = re.compile(r"(\d[\d,]*)(?:\.(\d+))?")


# ---------------------------------------------------------------------------------------------- figures


@dataclass
class Figure:
    """One claim as the checks see it: its value and how exact it is."""

    key: str
    article_id: str
    start: int
    sentence_id: str | None
    value: float
    unit: str | None
    measure: str | None
    indicator: str | None
    geo: str | None
    partner: str | None
    period: str | None
    modality: str | None
    approx: str | None
    change_value: float | None
    change_unit: str | None
    change_direction: str | None
    change_basis: str | None
    confidence: float
    text: str | None
    u: float  # uncertainty: half a unit of the last stated digit, plus the hedge slack

    @property
    def geos(self) -> list[str]:
        return json.loads(self.geo) if self.geo and self.geo.startswith("[") else ([self.geo] if self.geo else [])

    def label(self) -> str:
        return f"{_human(self.value)}" + (f" {self.unit}" if self.unit else "")


def stated_precision(value: float, text: str | None = None) -> float:
    """Half a unit of the last digit the figure was stated with.

    From the surface ``text`` when it holds the number ("123.45 billion" -> 0.005e9, "$7,000" -> 0.5),
    else from ``value``: its decimals below 10,000 ("15.2" -> 0.05, "10" -> 0.5), its significant
    digits above (123450000000 -> 0.5e7, read as "123.45 billion").
    """
    v = abs(value)
    if v == 0:
        return 0.0
    if text:
        m = _NUMBER.search(text)
        if m:
            decimals = len(m.group(2) or "")
            shown = float(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
            if shown:
                scale = v / shown
                k = math.log10(scale)
                # the surface number times a power of ten (a scale word) must give the value
                if abs(k - round(k)) < 1e-6:
                    return 0.5 * 10 ** (round(k) - decimals)
    digits = f"{v:.12g}"
    if v < 1e4 and "e" not in digits:
        # a small number without its text ("15.2", "10" percent): its decimals are what was stated
        return 0.5 * 10 ** -(len(digits.split(".")[1]) if "." in digits else 0)
    if "e" in digits:
        mant, exp = digits.split("e")
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        return 0.5 * 10 ** (int(exp) - decimals)
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1])
    stripped = digits.rstrip("0")
    return 0.5 * 10 ** (len(digits) - len(stripped))


def uncertainty(value: float, text: str | None, approx: str | None) -> float:
    """How far the true figure may lie from ``value``: rounding, and the hedge when there is one."""
    u = stated_precision(value, text)
    if approx:
        u += HEDGE_SLACK * abs(value)
    return u


def _figure(r: dict) -> Figure:
    return Figure(
        key=r["claim_key"], article_id=r["article_id"], start=r["start"] or 0, sentence_id=r.get("sentence_id"),
        value=float(r["value"]), unit=r.get("unit"), measure=r.get("measure"), indicator=r.get("indicator"),
        geo=r.get("geo"), partner=r.get("partner"), period=r.get("period"), modality=r.get("modality"),
        approx=r.get("approx"), change_value=r.get("change_value"), change_unit=r.get("change_unit"),
        change_direction=r.get("change_direction"), change_basis=r.get("change_basis"),
        confidence=r.get("confidence") or 0.0, text=r.get("text"),
        u=uncertainty(float(r["value"]), r.get("text"), r.get("approx")),
    )


def load_figures(db: sqlite_utils.Database, article_ids: Sequence[str] | None = None) -> list[Figure]:
    """Claims with a value, as figures (all articles, or those given)."""
    sql = "select * from claims where value is not null"
    params: list[Any] = []
    if article_ids is not None:
        sql += f" and article_id in ({','.join('?' * len(article_ids))})"
        params = list(article_ids)
    return [_figure(dict(r)) for r in db.query(sql + " order by article_id, start", params)]


def _human(v: float) -> str:
    a = abs(v)
    for scale, word in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if a >= scale:
            return f"{v / scale:.6g}{word}"
    return f"{v:.6g}"


# ---------------------------------------------------------------------------------------------- relations


def _relation(check: str, target: Figure, others: Iterable[Figure], expected: float, actual: float, tol: float,
              message: str, *, at_most: bool = False) -> dict[str, Any]:
    """One evaluated relation. ``at_most``: it holds when expected <= actual (+ tolerance)."""
    eps = 1e-9 * max(abs(expected), abs(actual), 1.0)  # float noise, not rounding
    ok = expected <= actual + tol + eps if at_most else abs(expected - actual) <= tol + eps
    return {
        "check": check, "article_id": target.article_id, "claim_key": target.key,
        "related": [o.key for o in others if o.key != target.key], "expected": expected, "actual": actual,
        "tolerance": tol, "ok": ok, "message": message,
    }


def _best(candidates: list[dict]) -> dict | None:
    """Of the ways a figure can be related (several candidate partners), the one that fits best."""
    if not candidates:
        return None

    def miss(r: dict) -> float:
        d = abs(r["expected"] - r["actual"])
        return d / r["tolerance"] if r["tolerance"] else (0.0 if d == 0 else math.inf)

    return min(candidates, key=lambda r: (not r["ok"], miss(r)))


def _ctx(f: Figure) -> str:
    bits = [f.geo or "?", f.period or "?"]
    if f.partner:
        bits.append(f"with {f.partner}")
    return ", ".join(bits)


def _index(figs: Iterable[Figure]) -> dict[tuple, list[Figure]]:
    """Level figures by (indicator, geo, partner, period, unit, modality)."""
    idx: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figs:
        if f.measure in LEVEL_MEASURES and f.indicator and f.period:
            idx[(f.indicator, f.geo, f.partner, f.period, f.unit, f.modality)].append(f)
    return idx


def _trade(figs: list[Figure]) -> list[dict]:
    """exports + imports = total and exports - imports = balance, per trade family."""
    idx = _index(figs)
    out = []
    for total_id, exp_id, imp_id, bal_id in FAMILIES:
        for (ind, geo, partner, period, unit, modality), targets in idx.items():
            if ind not in (total_id, bal_id):
                continue
            exps = idx.get((exp_id, geo, partner, period, unit, modality), [])
            imps = idx.get((imp_id, geo, partner, period, unit, modality), [])
            for t in targets:
                cands = []
                for e, i in product(exps, imps):
                    tol = e.u + i.u + t.u
                    if ind == total_id:
                        exp_v = e.value + i.value
                        msg = (f"{exp_id} {e.label()} + {imp_id} {i.label()} = {_human(exp_v)}; "
                               f"stated {total_id} {t.label()} ({_ctx(t)})")
                        cands.append(_relation("article.trade_sum", t, [e, i], exp_v, t.value, tol, msg))
                    else:
                        exp_v = e.value - i.value
                        msg = (f"{exp_id} {e.label()} - {imp_id} {i.label()} = {_human(exp_v)}; "
                               f"stated {bal_id} {t.label()} ({_ctx(t)}; a deficit is negative)")
                        cands.append(_relation("article.trade_balance", t, [e, i], exp_v, t.value, tol, msg))
                best = _best(cands)
                if best:
                    out.append(best)
    return out


def parent_geos(geo: str | None) -> list[str]:
    """The places a geo is part of: CN-GD -> CN; a list of one country's subdivisions -> that country."""
    if not geo:
        return []
    codes = json.loads(geo) if geo.startswith("[") else [geo]
    countries = {c.split("-")[0] for c in codes}
    if len(countries) == 1 and all("-" in c for c in codes):
        return [countries.pop()]
    return []


def ancestors(indicator: str) -> list[str]:
    out = []
    while indicator in PARENT and PARENT[indicator] not in out:
        indicator = PARENT[indicator]
        out.append(indicator)
    return out


def _share(figs: list[Figure]) -> list[dict]:
    """A share claim vs the levels of its part and of its whole.

    The part is the level of the same indicator, geo, partner and period; the whole is the level of
    a broader indicator (electronics exports of all exports), of a broader place (a province's trade
    of the country's), or, for a partner flow, of the same flow with all partners.
    """
    idx = _index(figs)
    out = []
    for s in figs:
        if s.measure != "share" or s.unit != "percent" or not s.indicator or not s.period:
            continue
        parts = [p for (ind, geo, partner, period, _u, mod), fs in idx.items()
                 if (ind, geo, partner, period, mod) == (s.indicator, s.geo, s.partner, s.period, s.modality)
                 for p in fs]
        whole_keys = [(a, s.geo, s.partner) for a in ancestors(s.indicator)]
        whole_keys += [(s.indicator, g, s.partner) for g in parent_geos(s.geo)]
        if s.partner:
            whole_keys.append((s.indicator, s.geo, None))
        cands = []
        for p in parts:
            for ind, geo, partner in whole_keys:
                for w in idx.get((ind, geo, partner, s.period, p.unit, s.modality), []):
                    if not w.value:
                        continue
                    exp_v = 100 * p.value / w.value
                    tol = s.u + 100 * (p.u / abs(w.value) + abs(p.value) * w.u / w.value ** 2)
                    msg = (f"{p.indicator} {p.label()} / {w.indicator} {w.label()} ({_ctx(w)}) = {exp_v:.4g}%; "
                           f"stated share {s.value:g}% ({_ctx(s)})")
                    cands.append(_relation("article.share", s, [p, w], exp_v, s.value, tol, msg))
        best = _best(cands)
        if best:
            out.append(best)
    return out


def shift_period(period: str, basis: str | None) -> str | None:
    """The period a change is measured against: a year earlier (yoy, or no basis), a month earlier
    (mom, for a month), or the ISO period the basis names."""
    if basis and basis not in ("yoy", "mom"):
        return basis
    if basis == "mom":
        m = re.fullmatch(r"(\d{4})-(\d{2})", period)
        if not m:
            return None
        y, mo = int(m.group(1)), int(m.group(2))
        return f"{y - 1}-12" if mo == 1 else f"{y}-{mo - 1:02d}"
    return re.sub(r"\d{4}", lambda m: str(int(m.group(0)) - 1), period)


def _signed_change(f: Figure) -> float | None:
    if f.change_value is None or f.change_unit != "percent":
        return None
    return -f.change_value if f.change_direction == "down" else f.change_value


def _growth(figs: list[Figure]) -> list[dict]:
    """Level now vs the level of the earlier period vs the stated growth.

    The stated growth is a level claim's ``change`` (percent), or a growth claim on the same
    indicator, geo, partner and period as a level.
    """
    idx = _index(figs)
    out = []
    for g in figs:
        if not g.indicator or not g.period:
            continue
        if g.measure in LEVEL_MEASURES:
            stated, stated_u, basis = _signed_change(g), None, g.change_basis
            nows = [g]
            if stated is not None:
                stated_u = stated_precision(g.change_value)
        elif g.measure == "growth" and g.unit == "percent":
            stated, stated_u, basis = g.value, g.u, g.change_basis
            nows = [f for (ind, geo, partner, period, _u, mod), fs in idx.items()
                    if (ind, geo, partner, period, mod) == (g.indicator, g.geo, g.partner, g.period, g.modality)
                    for f in fs]
        else:
            continue
        if stated is None or not nows:
            continue
        earlier_period = shift_period(g.period, basis)
        if not earlier_period:
            continue
        cands = []
        for n in nows:
            for e in idx.get((n.indicator, n.geo, n.partner, earlier_period, n.unit, n.modality), []):
                if not e.value:
                    continue
                exp_v = 100 * (n.value / e.value - 1)
                tol = stated_u + 100 * (n.u / abs(e.value) + abs(n.value) * e.u / e.value ** 2)
                msg = (f"{n.indicator} {n.label()} ({n.period}) vs {e.label()} ({e.period}) = {exp_v:+.4g}%; "
                       f"stated {stated:+g}% ({_ctx(g)})")
                cands.append(_relation("article.growth", g, [n, e], exp_v, stated, tol, msg))
        best = _best(cands)
        if best:
            out.append(best)
    return out


def _same_figure_key(f: Figure) -> tuple | None:
    if not f.indicator or not f.period:
        return None
    return (f.indicator, f.geo, f.partner, f.period, f.unit, f.measure, f.modality)


def _pair(check: str, a: Figure, b: Figure, target: Figure, what: str) -> dict:
    other = b if target is a else a
    tol = a.u + b.u
    msg = (f"{what}: {target.indicator} ({_ctx(target)}) stated as {target.label()} "
           f"({target.article_id} at {target.start}) and as {other.label()} ({other.article_id} at {other.start})")
    return _relation(check, target, [other], other.value, target.value, tol, msg)


def _repeated(figs: list[Figure]) -> list[dict]:
    """The same figure stated twice in one article (a headline and the body): values must agree."""
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figs:
        k = _same_figure_key(f)
        if k:
            groups[k].append(f)
    out = []
    for fs in groups.values():
        for a, b in combinations(sorted(fs, key=lambda f: f.start), 2):
            # the later statement carries the flag; the earlier one is related (both list it)
            out.append(_pair("article.repeated", a, b, b, "the same figure stated twice"))
    return out


def _parts_sum(figs: list[Figure]) -> list[dict]:
    """Listed parts against the total the text gives.

    Members of a listed group of places ("Shanghai, Jiangsu and Zhejiang ... together") must add up
    to the group's total when every member is given and not exceed it otherwise; partner flows
    (trade with the US, with the EU) may not exceed the flow with all partners; sub-indicators
    listed in one sentence (IC and computer exports "of them") may not exceed their parent.
    """
    idx = _index(figs)
    out = []
    for (ind, geo, partner, period, unit, mod), totals in idx.items():
        groups: list[tuple[str, list[Figure], bool]] = []
        members = json.loads(geo) if geo and geo.startswith("[") else None
        if members:
            parts = [_top(idx.get((ind, m, partner, period, unit, mod), [])) for m in members]
            given = [p for p in parts if p]
            if given:
                groups.append((f"{', '.join(p.geo or '?' for p in given)} of {geo}", given, len(given) == len(members)))
        if partner is None:
            by_partner = {p: _top(fs) for (i2, g2, p, per2, u2, m2), fs in idx.items()
                          if (i2, g2, per2, u2, m2) == (ind, geo, period, unit, mod) and p and not p.startswith("[")}
            if by_partner:
                groups.append((f"flows with {', '.join(sorted(by_partner))}", list(by_partner.values()), False))
        children = [f for (i2, g2, p2, per2, u2, m2), fs in idx.items()
                    if PARENT.get(i2) == ind and (g2, p2, per2, u2, m2) == (geo, partner, period, unit, mod)
                    for f in fs]
        by_sentence: dict[str | None, dict[str, Figure]] = defaultdict(dict)
        for c in children:
            prev = by_sentence[c.sentence_id].get(c.indicator)
            if prev is None or c.confidence > prev.confidence:
                by_sentence[c.sentence_id][c.indicator] = c
        pair = _family_pair(ind)
        for parts_by_ind in by_sentence.values():
            if pair and set(parts_by_ind) == pair:
                continue  # exports and imports of a total: article.trade_sum checks them for equality
            groups.append((" + ".join(sorted(parts_by_ind)), list(parts_by_ind.values()), False))
        for t in totals:
            for what, parts, complete in groups:
                exp_v = sum(p.value for p in parts)
                tol = t.u + sum(p.u for p in parts)
                listing = " + ".join(p.label() for p in parts)
                rel = "=" if complete else "<="
                msg = (f"parts ({what}) {listing} = {_human(exp_v)} {rel} stated {ind} {t.label()} ({_ctx(t)})")
                out.append(_relation("article.parts_sum", t, parts, exp_v, t.value, tol, msg, at_most=not complete))
    return out


def _family_pair(total: str) -> set[str] | None:
    for t, e, i, _b in FAMILIES:
        if t == total:
            return {e, i}
    return None


def _top(fs: list[Figure]) -> Figure | None:
    return max(fs, key=lambda f: f.confidence) if fs else None


def article_relations(figs: list[Figure]) -> list[dict]:
    """Every within-article relation among the figures of one article."""
    out: list[dict] = []
    for check in (_trade, _share, _growth, _repeated, _parts_sum):
        out.extend(check(figs))
    return out


#: a figure stated by up to this many articles is checked against each of the others; beyond it,
#: against the group's median figure (pairs grow with the square: 2,000 articles on one
#: indicator, place and period would make two million relations)
PAIRWISE_UP_TO = 8


def _against_consensus(fs: list[Figure], wanted: set[str] | None) -> list[dict]:
    """Each figure against the median of the others stating the same thing (the most confident at
    the median): one relation per figure, on the figure when it disagrees."""
    ordered = sorted(fs, key=lambda f: (f.value, -f.confidence, f.article_id))
    ref = ordered[(len(ordered) - 1) // 2]
    out = []
    for f in fs:
        if f is ref or f.article_id == ref.article_id:
            continue
        if wanted is not None and f.article_id not in wanted and ref.article_id not in wanted:
            continue
        out.append(_pair("corpus.conflict", ref, f, f, "sources disagree (against the median of "
                         f"{len(fs)} statements)"))
    return out


def corpus_relations(figs: list[Figure], article_ids: Sequence[str] | None = None) -> list[dict]:
    """Pairs of figures from different articles on the same indicator, geo, partner, period, unit and
    measure. With ``article_ids``, only pairs with at least one figure from those articles."""
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figs:
        k = _same_figure_key(f)
        if k:
            groups[k].append(f)
    wanted = set(article_ids) if article_ids is not None else None
    out = []
    for fs in groups.values():
        if len({f.article_id for f in fs}) > PAIRWISE_UP_TO:
            out.extend(_against_consensus(fs, wanted))
            continue
        for a, b in combinations(fs, 2):
            if a.article_id == b.article_id:
                continue
            if wanted is not None and a.article_id not in wanted and b.article_id not in wanted:
                continue
            # the flag goes on the less confident claim: the one more likely wrong
            target = min((a, b), key=lambda f: (f.confidence, f.article_id))
            out.append(_pair("corpus.conflict", a, b, target, "two sources disagree"))
    return out


def relations(db: sqlite_utils.Database | str | Path, article_ids: Sequence[str] | None = None) -> list[dict]:
    """Every relation the checks find (holding or not), for all articles or those given.

    Each is a dict: check, article_id, claim_key (the figure the relation is stated on), related
    (the other claim keys), expected, actual, tolerance, ok, message.
    """
    db = _db(db)
    ids = list(article_ids) if article_ids is not None else None
    by_article: dict[str, list[Figure]] = defaultdict(list)
    for f in load_figures(db, ids):
        by_article[f.article_id].append(f)
    out = []
    for aid in sorted(by_article):
        out.extend(article_relations(by_article[aid]))
    out.extend(corpus_relations(load_figures(db), ids))
    return out


def _db(db: sqlite_utils.Database | str | Path) -> sqlite_utils.Database:
    if isinstance(db, sqlite_utils.Database):
        return db
    from extractor.store.db import open_db

    return open_db(db, create=False)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def run_checks(db: sqlite_utils.Database | str | Path, article_ids: Sequence[str] | None = None) -> list[dict]:
    """Run every check and store the relations that fail as rows of ``flags``; return those rows.

    Earlier flags of the same checks are replaced: ``article.*`` flags of the articles checked (all
    articles when ``article_ids`` is None), and ``corpus.*`` flags that involve those articles or a
    claim that no longer exists.
    """
    db = _db(db)
    ids = list(article_ids) if article_ids is not None else None
    return store_flags(db, relations(db, ids), ids)


def store_flags(db: sqlite_utils.Database, found: list[dict], article_ids: Sequence[str] | None = None) -> list[dict]:
    """Store the failing relations of ``found`` (from :func:`relations` over ``article_ids``) as
    flags, replacing earlier flags of the same checks for those articles; return the rows stored."""
    ids = list(article_ids) if article_ids is not None else None
    rows = [
        {
            "claim_key": r["claim_key"], "article_id": r["article_id"], "check": r["check"], "message": r["message"],
            "expected": r["expected"], "actual": r["actual"], "tolerance": r["tolerance"],
            "related": json.dumps(r["related"]), "created_at": _now(),
        }
        for r in found if not r["ok"]
    ]
    with db.atomic():
        a_marks = ",".join("?" * len(ARTICLE_CHECKS))
        c_marks = ",".join("?" * len(CORPUS_CHECKS))
        if ids is None:
            db.execute(f"delete from flags where [check] in ({a_marks}) or [check] in ({c_marks})",
                       [*ARTICLE_CHECKS, *CORPUS_CHECKS])
        elif ids:
            i_marks = ",".join("?" * len(ids))
            db.execute(f"delete from flags where [check] in ({a_marks}) and article_id in ({i_marks})",
                       [*ARTICLE_CHECKS, *ids])
            db.execute(
                f"""delete from flags where [check] in ({c_marks}) and (
                      article_id in ({i_marks})
                      or claim_key not in (select claim_key from claims)
                      or exists (select 1 from json_each(flags.related) j
                                 where j.value not in (select claim_key from claims)
                                    or j.value in (select claim_key from claims where article_id in ({i_marks}))))""",
                [*CORPUS_CHECKS, *ids, *ids],
            )
        if rows:
            db["flags"].insert_all(rows)
    return rows


# ---------------------------------------------------------------------------------------------- resolution


def _related(flag: dict[str, Any]) -> str:
    rel = flag.get("related")
    try:
        items = json.loads(rel) if isinstance(rel, str) and rel else (rel or [])
    except ValueError:
        items = []
    return json.dumps(sorted(str(k) for k in items))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


class Resolutions:
    """The flags verdicts have resolved, by what the flag says: a re-raised flag with the same
    check, claims and numbers is the same flag and stays resolved (issue 19); a change of any of
    them (a value re-extracted differently, a new related claim) opens it again."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._by: dict[tuple[str, str, str], list[tuple[Any, Any, dict]]] = defaultdict(list)
        names = db.table_names()
        if "flag_resolutions" in names:
            for r in db.query("select * from flag_resolutions order by id"):
                self._by[(r["check"], r["claim_key"], _related(r))].append((r["expected"], r["actual"], dict(r)))
        #: a verdict written to ``audits`` by another tool (no ``judged_key``) recorded no
        #: resolution: it covers the flags raised before it, as verdicts did before schema 3
        self._judged: dict[str, dict] = {}
        if "audits" in names and "judged_key" in db["audits"].columns_dict:
            self._judged = {r["claim_key"]: dict(r) for r in db.query(
                "select a.id, a.claim_key, a.created_at from audits a join (select claim_key, max(id) as id from "
                "audits group by claim_key) l on l.id = a.id where a.judged_key is null")}

    def resolution(self, flag: dict[str, Any]) -> dict | None:
        """The resolution that covers ``flag``, if any."""
        if not flag.get("claim_key"):
            return None
        for expected, actual, row in self._by.get((flag.get("check"), flag["claim_key"], _related(flag)), []):
            if _same(expected, flag.get("expected")) and _same(actual, flag.get("actual")):
                return row
        verdict = self._judged.get(flag["claim_key"])
        if verdict and (not verdict["created_at"] or not flag.get("created_at")
                        or str(verdict["created_at"]) >= str(flag["created_at"])):
            return {"audit_id": verdict["id"], "resolved_at": verdict["created_at"]}
        return None

    def is_open(self, flag: dict[str, Any]) -> bool:
        return self.resolution(flag) is None


def resolve_flags(db: sqlite_utils.Database, claim_key: str, audit_id: int, at: str) -> int:
    """Record every flag stated on ``claim_key`` as resolved by the verdict ``audit_id``; returns
    how many were open."""
    res = Resolutions(db)
    n = 0
    for f in db.query("select * from flags where claim_key = ?", [claim_key]):
        f = dict(f)
        if not res.is_open(f):
            continue
        db["flag_resolutions"].insert({
            "check": f["check"], "claim_key": claim_key, "related": _related(f), "expected": f["expected"],
            "actual": f["actual"], "audit_id": audit_id, "resolved_at": at,
        })
        n += 1
    return n
