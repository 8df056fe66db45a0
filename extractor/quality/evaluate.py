"""Scoring a store against gold files: mentions, claims, and baselines side by side.

Mentions: P/R/F1 per type, strict (same type and boundaries) and partial (same type, overlapping;
one-to-one), and normalized-value accuracy on partial matches. quantulum3 alone and spaCy's
MONEY/PERCENT/CARDINAL entities alone are scored on the same bodies for the quantity types.

Claims: a predicted claim matches a gold claim of the same article with the same value and unit
(one-to-one, nearest position first). Field accuracy is over matched claims; full-claim recall
counts gold claims matched with value, unit, indicator, geo, period and change all right.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from extractor import settings
from extractor.quality.gold import GoldFile
from extractor.schema import SCORED_FIELDS
from extractor.timebound import TimeBound, time_bound

QUANTITY_TYPES = ("MONEY", "PERCENT", "QUANTITY")
MENTION_TYPES = ("MONEY", "PERCENT", "QUANTITY", "DATE", "ORG", "GPE", "PERSON")
#: the fields scored on a matched claim (a match already agrees on value and unit)
CLAIM_FIELDS = SCORED_FIELDS
FULL_FIELDS = ("indicator", "geo", "period", "change")


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp, "pred": n_pred, "gold": n_gold}


def same_number(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------- mentions


@dataclass
class Mention:
    type: str
    start: int
    end: int
    text: str
    norm: Any  # (value, unit) for quantities, period for DATE, id for GPE/ORG/PERSON


def _norm_of(m: dict) -> Any:
    t = m["type"]
    if t in QUANTITY_TYPES:
        return (m.get("value"), m.get("unit"), m.get("low"), m.get("high"))
    if t == "DATE":
        return m.get("period")
    if t == "GPE":
        return m.get("id", m.get("entity_id"))
    return None  # ORG and PERSON ids are not labeled in gold; only their spans are scored


def _norm_equal(t: str, a: Any, b: Any) -> bool:
    if t in QUANTITY_TYPES:
        if a[0] is None and b[0] is None:  # ranges: both bounds
            return a[1] == b[1] and same_number(a[2], b[2]) and same_number(a[3], b[3])
        return same_number(a[0], b[0]) and a[1] == b[1]
    return a == b


def match_mentions(pred: list[Mention], gold: list[Mention]) -> dict[str, Any]:
    """Per type: strict and partial one-to-one matches, and value accuracy on partial matches."""
    out: dict[str, Any] = {}
    for t in sorted({m.type for m in gold} | {m.type for m in pred}):
        P = [m for m in pred if m.type == t]
        G = [m for m in gold if m.type == t]
        strict = len({(m.start, m.end) for m in P} & {(m.start, m.end) for m in G})
        pairs = _partial_pairs(P, G)
        value_ok = sum(1 for p, g in pairs if _norm_equal(t, p.norm, g.norm))
        out[t] = {
            "strict": prf(strict, len(P), len(G)),
            "partial": prf(len(pairs), len(P), len(G)),
            "value_accuracy": round(value_ok / len(pairs), 4) if pairs else None,
            "value_correct": value_ok,
            "matched": len(pairs),
        }
    return out


def _partial_pairs(P: list[Mention], G: list[Mention]) -> list[tuple[Mention, Mention]]:
    cands = []
    for i, p in enumerate(P):
        for j, g in enumerate(G):
            ov = min(p.end, g.end) - max(p.start, g.start)
            if ov > 0:
                exact = p.start == g.start and p.end == g.end
                cands.append((not exact, -ov, i, j))
    cands.sort()
    used_p, used_g, pairs = set(), set(), []
    for _, _, i, j in cands:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((P[i], G[j]))
    return pairs


def add_counts(acc: dict[str, Any], res: dict[str, Any]) -> None:
    for t, r in res.items():
        a = acc.setdefault(t, {"strict_tp": 0, "partial_tp": 0, "pred": 0, "gold": 0, "value_correct": 0, "matched": 0})
        a["strict_tp"] += r["strict"]["tp"]
        a["partial_tp"] += r["partial"]["tp"]
        a["pred"] += r["strict"]["pred"]
        a["gold"] += r["strict"]["gold"]
        a["value_correct"] += r["value_correct"]
        a["matched"] += r["matched"]


def finish_counts(acc: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for t, a in sorted(acc.items()):
        out[t] = {
            "strict": prf(a["strict_tp"], a["pred"], a["gold"]),
            "partial": prf(a["partial_tp"], a["pred"], a["gold"]),
            "value_accuracy": round(a["value_correct"] / a["matched"], 4) if a["matched"] else None,
        }
    return out


def _micro(acc: dict[str, Any], types: Iterable[str]) -> dict[str, Any]:
    s = {"strict_tp": 0, "partial_tp": 0, "pred": 0, "gold": 0, "value_correct": 0, "matched": 0}
    for t in types:
        for k in s:
            s[k] += acc.get(t, {}).get(k, 0)
    return {
        "strict": prf(s["strict_tp"], s["pred"], s["gold"]),
        "partial": prf(s["partial_tp"], s["pred"], s["gold"]),
        "value_accuracy": round(s["value_correct"] / s["matched"], 4) if s["matched"] else None,
        # value F1: a predicted quantity counts when it overlaps a gold one and its value and unit are right
        "value": prf(s["value_correct"], s["pred"], s["gold"]),
    }


# ---------------------------------------------------------------------------------------------- claims


def _norm_source(s: Any) -> Any:
    if not isinstance(s, str):
        return s
    return re.sub(r"^the\s+", "", " ".join(s.lower().split()))


def field_equal(f: str, p: Any, g: Any) -> bool:
    if f == "change":
        if p is None or g is None:
            return p is None and g is None
        return same_number(p.get("value"), g.get("value")) and p.get("unit") == g.get("unit") and \
            p.get("direction") == g.get("direction") and p.get("basis") == g.get("basis")
    if f == "source":
        return _norm_source(p) == _norm_source(g)
    if f == "geo" and isinstance(p, list) and isinstance(g, list):
        return sorted(p) == sorted(g)
    return p == g


def match_claims(pred: list[dict], gold: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one pairs of the same value and unit; the nearest positions first."""
    cands = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            if p.get("unit") == g.get("unit") and same_number(p.get("value"), g.get("value")):
                gs, ge = g.get("start", 0), g.get("end", 0)
                ps, pe = p.get("start", 0), p.get("end", 0)
                overlap = min(pe, ge) - max(ps, gs)
                dist = 0 if overlap > 0 else min(abs(ps - ge), abs(gs - pe))
                cands.append((dist, i, j))
    cands.sort()
    up, ug, pairs = set(), set(), []
    for _, i, j in cands:
        if i in up or j in ug:
            continue
        up.add(i)
        ug.add(j)
        pairs.append((pred[i], gold[j]))
    return pairs


def score_claims(pred_by_article: dict[str, list[dict]], gold_files: list[GoldFile]) -> dict[str, Any]:
    tp = n_pred = n_gold = 0
    field_ok = defaultdict(int)
    full = 0
    misses, false_pos, field_errors = [], [], []
    for g in gold_files:
        pred = pred_by_article.get(g.article, [])
        pairs = match_claims(pred, g.claims)
        tp += len(pairs)
        n_pred += len(pred)
        n_gold += len(g.claims)
        matched_p = {id(p) for p, _ in pairs}
        matched_g = {id(x) for _, x in pairs}
        for p, gc in pairs:
            all_ok = True
            for f in CLAIM_FIELDS:
                ok = field_equal(f, p.get(f), gc.get(f))
                field_ok[f] += ok
                if not ok:
                    field_errors.append({"article": g.article, "field": f, "quote": gc["quote"], "gold": gc.get(f), "pred": p.get(f)})
                if f in FULL_FIELDS and not ok:
                    all_ok = False
            full += all_ok
        for gc in g.claims:
            if id(gc) not in matched_g:
                misses.append({"article": g.article, "quote": gc["quote"], "value": gc["value"], "unit": gc["unit"]})
        for p in pred:
            if id(p) not in matched_p:
                false_pos.append({"article": g.article, "quote": p.get("quote"), "value": p.get("value"), "unit": p.get("unit")})
    fields = {f: round(field_ok[f] / tp, 4) if tp else None for f in CLAIM_FIELDS}
    return {
        "claims": prf(tp, n_pred, n_gold),
        "fields": fields,
        "full_claim_recall": round(full / n_gold, 4) if n_gold else None,
        "misses": misses,
        "false_positives": false_pos,
        "field_errors": field_errors,
    }


# ---------------------------------------------------------------------------------------------- baselines

QUANTULUM_CURRENCY = {
    "dollar": "USD", "united states dollar": "USD", "chinese yuan": "CNY", "yuan": "CNY", "renminbi": "CNY",
    "euro": "EUR", "pound sterling": "GBP", "japanese yen": "JPY", "hong kong dollar": "HKD", "indian rupee": "INR",
}


def quantulum_mentions(text: str, offset: int) -> list[Mention]:
    """quantulum3 alone over a body: its quantities as MONEY/PERCENT/QUANTITY mentions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quantulum3 import parser

        found = parser.parse(text)
    out = []
    for q in found:
        s, e = q.span
        unit = q.unit.name
        ent = q.unit.entity.name
        if ent == "currency":
            t, u = "MONEY", QUANTULUM_CURRENCY.get(unit.lower(), unit)
        elif "percent" in unit or unit == "percentage":
            t, u = "PERCENT", "percent"
        else:
            t, u = "QUANTITY", "count" if unit == "dimensionless" else unit
        value = abs(q.value) if t == "MONEY" else q.value
        out.append(Mention(t, offset + s, offset + e, text[s:e], (value, u, None, None)))
    return out


def spacy_mentions(doc, offset: int) -> list[Mention]:
    """spaCy's own MONEY/PERCENT/CARDINAL entities (CARDINAL as QUANTITY); spans only."""
    m = {"MONEY": "MONEY", "PERCENT": "PERCENT", "CARDINAL": "QUANTITY", "QUANTITY": "QUANTITY"}
    return [Mention(m[e.label_], offset + e.start_char, offset + e.end_char, e.text, (None, None, None, None))
            for e in doc.ents if e.label_ in m]


# ---------------------------------------------------------------------------------------------- running


def batch_of(article: str, batches: dict[str, str]) -> str | None:
    """The batch an article is in: ``batches`` maps a name to a range of 3-digit prefixes
    ("022-031"), as ``gold/batches.yaml`` does."""
    prefix = article[:3]
    for name, span in batches.items():
        lo, _, hi = str(span).partition("-")
        if lo <= prefix <= (hi or lo):
            return name
    return None


def evaluate(db, gold_files: list[GoldFile], *, baselines: bool = True, nlp_for_baseline=None,
             batches: dict[str, str] | None = None) -> dict[str, Any]:
    """Score the store ``db`` (sqlite_utils.Database) against ``gold_files``; with ``batches``,
    the claims of each batch are scored on their own too."""
    from extractor.store.records import claim_records

    missing = [g.article for g in gold_files if db.execute("select 1 from articles where id = ?", [g.article]).fetchone() is None]
    ours_acc: dict[str, Any] = {}
    q_acc: dict[str, Any] = {}
    s_acc: dict[str, Any] = {}
    mention_misses: list[dict] = []
    mention_fps: list[dict] = []
    baseline_skipped: list[dict] = []
    for g in gold_files:
        gold_m = [Mention(m["type"], m["start"], m["end"], m["text"], _norm_of(m)) for m in g.mentions]
        rows = list(db.query("select * from mentions where article_id = ?", [g.article]))
        pred_m = [Mention(r["type"], r["start"], r["end"], r["text"], _norm_of(dict(r, id=r["entity_id"])))
                  for r in rows if r["type"] in MENTION_TYPES]
        res = match_mentions(pred_m, gold_m)
        add_counts(ours_acc, res)
        for t in {m.type for m in gold_m} | {m.type for m in pred_m}:
            P = [m for m in pred_m if m.type == t]
            G = [m for m in gold_m if m.type == t]
            pairs = _partial_pairs(P, G)  # within the type: a GPE inside a predicted ORG is still missed
            got_g = {(x.start, x.end) for _, x in pairs}
            got_p = {(x.start, x.end) for x, _ in pairs}
            mention_misses.extend({"article": g.article, "type": t, "start": m.start, "text": m.text}
                                  for m in G if (m.start, m.end) not in got_g)
            mention_fps.extend({"article": g.article, "type": t, "start": m.start, "text": m.text}
                               for m in P if (m.start, m.end) not in got_p)
        if baselines:
            art = db.execute("select text, body_start, body_end from articles where id = ?", [g.article]).fetchone()
            if art is None:
                continue
            text, bs, be = art
            gold_q = [m for m in gold_m if m.type in QUANTITY_TYPES]
            try:
                # the baselines read user text too: the same bound as an article (issue 14); an
                # article a baseline is stuck on is left out of both baselines' figures
                with time_bound(settings.ARTICLE_TIMEOUT, "EXTRACTOR_ARTICLE_TIMEOUT"):
                    q_res = match_mentions(quantulum_mentions(text[bs:be], bs), gold_q)
                    s_res = (match_mentions(spacy_mentions(nlp_for_baseline(text[bs:be]), bs), gold_q)
                             if nlp_for_baseline is not None else None)
            except TimeBound as exc:
                baseline_skipped.append({"article": g.article, "reason": str(exc)})
                continue
            add_counts(q_acc, q_res)
            if s_res is not None:
                add_counts(s_acc, s_res)
    pred_claims: dict[str, list[dict]] = defaultdict(list)
    for c in claim_records(db):
        pred_claims[c["article"]].append(c)
    claims = score_claims(pred_claims, gold_files)
    by_batch: dict[str, Any] = {}
    for name in batches or {}:
        part = [g for g in gold_files if batch_of(g.article, batches) == name]
        if part:
            scored = score_claims(pred_claims, part)
            by_batch[name] = {"articles": len(part), "claims": scored["claims"], "fields": scored["fields"],
                              "full_claim_recall": scored["full_claim_recall"]}
    # the sentence of each miss and false positive, to guide work
    for item in claims["misses"] + claims["false_positives"]:
        item["sentence"] = _sentence_of(db, item["article"], item.get("quote"))
    result = {
        "articles": len(gold_files),
        "missing_articles": missing,
        "mentions": finish_counts(ours_acc),
        "quantities": {
            "ours": _micro(ours_acc, QUANTITY_TYPES),
            "quantulum3": _micro(q_acc, QUANTITY_TYPES) if baselines else None,
            "spacy_ents": _micro(s_acc, QUANTITY_TYPES) if baselines and nlp_for_baseline is not None else None,
            "ours_by_type": {t: finish_counts(ours_acc).get(t) for t in QUANTITY_TYPES},
            "quantulum3_by_type": {t: finish_counts(q_acc).get(t) for t in QUANTITY_TYPES} if baselines else None,
            "baseline_skipped": baseline_skipped,
        },
        "claims": {k: v for k, v in claims.items() if k not in ("misses", "false_positives", "field_errors")},
        "batches": by_batch,
        "top_misses": claims["misses"][:25],
        "top_false_positives": claims["false_positives"][:25],
        "field_errors": claims["field_errors"],
        "mention_misses": sorted(mention_misses, key=lambda m: (m["article"], m["start"])),
        "mention_false_positives": sorted(mention_fps, key=lambda m: (m["article"], m["start"])),
    }
    return result


def _sentence_of(db, article: str, quote: str | None) -> str | None:
    if not quote:
        return None
    row = db.execute("select text from articles where id = ?", [article]).fetchone()
    if row is None:
        return None
    pos = row[0].find(quote)
    if pos < 0:
        return None
    s = db.execute("select text from sentences where article_id = ? and start <= ? and end >= ? limit 1",
                   [article, pos, pos + 1]).fetchone()
    return s[0] if s else None


def _short(s: str, n: int = 140) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def render(result: dict[str, Any]) -> str:
    lines = []
    lines.append(f"articles: {result['articles']}" + (f" (missing from the store: {result['missing_articles']})" if result["missing_articles"] else ""))
    for skipped in result["quantities"].get("baseline_skipped") or []:
        lines.append(f"baselines left out {skipped['article']}: {skipped['reason']}")
    lines.append("")
    lines.append("mentions          strict P/R/F1          partial P/R/F1         value acc")
    for t in MENTION_TYPES:
        r = result["mentions"].get(t)
        if not r:
            continue
        s, p = r["strict"], r["partial"]
        va = "-" if r["value_accuracy"] is None else f"{r['value_accuracy']:.3f}"
        lines.append(f"  {t:10} {s['p']:.3f} {s['r']:.3f} {s['f1']:.3f}    {p['p']:.3f} {p['r']:.3f} {p['f1']:.3f}    {va}   (gold {s['gold']}, pred {s['pred']})")
    lines.append("")
    lines.append("quantities (MONEY+PERCENT+QUANTITY)  strict F1  partial F1  value P/R/F1          value acc")
    for name in ("ours", "quantulum3", "spacy_ents"):
        r = result["quantities"].get(name)
        if not r:
            continue
        v = r["value"]
        va = "-" if r["value_accuracy"] is None or name == "spacy_ents" else f"{r['value_accuracy']:.3f}"
        vv = "  -" if name == "spacy_ents" else f"{v['p']:.3f} {v['r']:.3f} {v['f1']:.3f}"
        lines.append(f"  {name:32}  {r['strict']['f1']:.3f}      {r['partial']['f1']:.3f}       {vv:20}  {va}")
    q3 = result["quantities"].get("quantulum3_by_type") or {}
    ours = result["quantities"].get("ours_by_type") or {}
    if q3:
        lines.append("  by type, strict F1 / partial F1 / value acc:   ours                  quantulum3")
        for t in QUANTITY_TYPES:
            a, b = ours.get(t), q3.get(t)
            if not a or not b:
                continue

            def cell(r):
                va = "-" if r["value_accuracy"] is None else f"{r['value_accuracy']:.3f}"
                return f"{r['strict']['f1']:.3f} / {r['partial']['f1']:.3f} / {va}"
            lines.append(f"    {t:10}                                  {cell(a):22}{cell(b)}")
    lines.append("")
    c = result["claims"]
    cl = c["claims"]
    lines.append(f"claims  P {cl['p']:.3f}  R {cl['r']:.3f}  F1 {cl['f1']:.3f}   (gold {cl['gold']}, pred {cl['pred']}, matched {cl['tp']})")
    lines.append("  field accuracy on matched claims: " + ", ".join(
        f"{f} {v:.3f}" if v is not None else f"{f} -" for f, v in c["fields"].items()))
    lines.append(f"  full-claim recall (value, unit, indicator, geo, period, change): {c['full_claim_recall']}")
    if result.get("batches"):
        lines.append("")
        names = list(CLAIM_FIELDS)
        lines.append(f"  {'batch':12} {'n':>3}  claims P/R/F1        " + " ".join(f"{f[:6]:>6}" for f in names) + "   full")
        for name, b in result["batches"].items():
            cl = b["claims"]
            cells = " ".join("     -" if b["fields"][f] is None else f"{b['fields'][f]:6.3f}" for f in names)
            lines.append(f"  {name:12} {b['articles']:3}  {cl['p']:.3f} {cl['r']:.3f} {cl['f1']:.3f}  {cells}   "
                         f"{b['full_claim_recall'] if b['full_claim_recall'] is not None else '-'}")
    if result["top_misses"]:
        lines.append("")
        lines.append("top misses:")
        for m in result["top_misses"][:10]:
            lines.append(f"  {m['article'][:3]} {m['value']} {m['unit']}: {m['quote']!r}")
            if m.get("sentence"):
                lines.append(f"        in: {_short(m['sentence'])}")
    if result["top_false_positives"]:
        lines.append("top false positives:")
        for m in result["top_false_positives"][:10]:
            lines.append(f"  {m['article'][:3]} {m['value']} {m['unit']}: {m['quote']!r}")
            if m.get("sentence"):
                lines.append(f"        in: {_short(m['sentence'])}")
    for key, title in (("mention_misses", "mention misses"), ("mention_false_positives", "mention false positives")):
        items = result.get(key) or []
        if items:
            lines.append(f"{title} ({len(items)}; all in the --json file):")
            for m in items[:10]:
                lines.append(f"  {m['article'][:3]} {m['type']:8} {m['text']!r}")
    if result["field_errors"]:
        lines.append("field errors:")
        for m in result["field_errors"][:15]:
            lines.append(f"  {m['article'][:3]} {m['field']}: gold {json.dumps(m['gold'])} pred {json.dumps(m['pred'])}  ({m['quote'][:60]!r})")
    return "\n".join(lines)
