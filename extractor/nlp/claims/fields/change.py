"""The change a claim reports in its own clause: a rate or amount paired with the level
(:mod:`extractor.nlp.claims.select` pairs them), or a level said to be unchanged; with its basis
(``yoy``, ``mom``, or the ISO period it is compared with)."""

from __future__ import annotations

import re

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.draft import Draft
from extractor.nlp.claims.fields.period import is_basis_date, same_months_in


def paired_change(ctx: DocContext, c: dict, level: dict, period: str | None = None) -> dict:
    """The change ``c`` (a quantity) of the level ``level``, with the basis its clause states."""
    text = ctx.text
    c_sent = ctx.sent_of(ctx.doc.char_span(c["start"], c["end"], alignment_mode="expand"))
    sent_end = c_sent.end_char
    end = max(c["end"], level["end"])
    m = re.search(r"[;,]\s+(?!year|from|compared|over|than|against|a year|month)|\.\s", text[end:sent_end])
    clause_end = end + m.start() if m else sent_end
    # nor past the next figure: "fell 2.3 per cent to €98.1 billion and were down 4.6 per cent
    # year-on-year" says "year-on-year" of the second rate only
    clause_end = min([clause_end] + [st for st in ctx.q_starts if end < st < clause_end])
    window = text[c["end"]:clause_end] + " " + text[level["end"]:clause_end]
    before = text[max(c_sent.start_char, c["start"] - 30):c["start"]]
    basis = None
    if ctx.lex.yoy.search(window) or ctx.lex.yoy.search(before):
        basis = "yoy"
    elif ctx.lex.mom.search(window) or ctx.lex.mom.search(before):
        basis = "mom"
    else:
        for ds, d in ctx.dates:
            if not c["end"] <= ds.start_char < clause_end:
                continue
            if is_basis_date(ctx, ds):
                basis = d["period"]
                break
            same = ctx.lex.same_period_of.search(text[max(c["end"], ds.start_char - 40):ds.start_char])
            if same and re.fullmatch(r"\d{4}", d["period"] or ""):
                # "up 16 percent from the same month of 2019": the claim's month in that year
                basis = same_months_in(d["period"], period, days=True) or d["period"]
                break
    return {"value": abs(c["value"]) if c["value"] is not None else None, "unit": c["unit"],
            "direction": c["direction"], "basis": basis}


def flat_change(ctx: DocContext, d: Draft) -> dict | None:
    """A level said to be unchanged ("held steady at 1.5 trillion yen", "..., unchanged from a
    year earlier"): change 0, direction flat. Only the level's own clause counts."""
    text, q = ctx.text, d.q
    sent = ctx.sent_of(d.span)
    before = text[sent.start_char:q.get("approx_start") or q["start"]]
    cut = None
    for m in ctx.lex.clause_breaks.finditer(before):
        cut = m.end()
    if cut is not None:
        before = before[cut:]
    after = text[q["end"]:sent.end_char]
    m = ctx.lex.clause_breaks.search(after)
    if m:
        after = after[:m.start()]
    window = before + " " + after
    cue = ctx.lex.flat_cues.search(before)
    if cue is None:
        cue = ctx.lex.flat_cues.search(after)
        if cue is None or re.search(r"\d", after[:cue.start()]):
            return None  # no cue, or another figure comes first and the cue is its
    basis = "yoy" if ctx.lex.yoy.search(window) else "mom" if ctx.lex.mom.search(window) else None
    if basis is None:
        lo, hi = q["end"], q["end"] + len(after)
        basis = next((t["period"] for ds, t in ctx.dates if lo <= ds.start_char < hi and is_basis_date(ctx, ds)), None)
    return {"value": 0, "unit": "percent", "direction": "flat", "basis": basis}


#: the rule ids this module's changes are recorded under (by :mod:`extractor.nlp.claims.finish`)
RECORDS: tuple[str, ...] = ("change.paired", "change.unchanged")
