"""Which quantities are claims, and which rate of change belongs to which level."""

from __future__ import annotations

import re

from spacy.tokens import Span

from extractor.nlp.claims.context import DocContext, unit_kind

#: units of figures that are no claims of their own: durations, parts of a whole in words
NOT_CLAIM_UNITS = frozenset({"fraction", "year", "month", "week", "day", "hour", "minute", "second", "decade", "quarter"})


def is_claim(ctx: DocContext, span: Span, q: dict) -> bool:
    """A quantity states a claim unless it is a bracketed conversion, has no value, is a duration,
    follows a rank ("among 219 zones"), or is a count in words or of page furniture."""
    if q.get("conversion_of") is not None or q["value"] is None:
        return False
    unit = q["unit"] or ""
    if unit in NOT_CLAIM_UNITS:
        return False
    if ctx.lex.skip_before.search(ctx.text[max(0, q["start"] - 25):q["start"]]):
        return False
    if unit == "count":
        if not re.search(r"\d", q["text"]):
            return False  # "three tasks": a count in words describes, it is not a statistic
        if (q.get("noun") or "") in ctx.lex.not_claim_nouns:
            return False  # "23 comments": page furniture
    return True


def pair_changes(ctx: DocContext) -> dict[int, int]:
    """Level index -> change index (into ``ctx.qs``), for a rate or amount of change in the same
    clause as a level. An elided verb's rate takes the direction of the clause it parallels
    (``ctx.qs`` is updated)."""
    text, qs = ctx.text, ctx.qs
    pairs: dict[int, int] = {}
    for k, (cs, c) in enumerate(qs):
        # "Exports rose 8.6 percent to 402.7 billion yuan, and imports 12.9 percent to 250.4
        # billion yuan": the elided verb's direction is that of the clause it parallels
        if c["direction"] or c["unit"] != "percent" or k == 0 or k + 1 >= len(qs):
            continue
        if not re.match(r"^\s+to\s", text[c["end"]:c["end"] + 5]):
            continue
        if not re.search(r"(?:,\s*|\s)(?:and|while|whereas)\s+(?:\w+\s+){1,3}$", text[max(0, c["start"] - 40):c["start"]]):
            continue
        before = [(ps, p) for ps, p in qs[:k] if p["direction"] and p["unit"] == "percent"
                  and ctx.sent_of(ps).start == ctx.sent_of(cs).start]
        if before:
            qs[k] = (cs, dict(c, direction=before[-1][1]["direction"]))
    for ci, (cs, c) in enumerate(qs):
        if c["direction"] and unit_kind(c["unit"]) == "currency" and ci + 1 < len(qs):
            # "the surplus rose $1.2 billion to $5.8 billion": an amount of change, then the level
            ls, lv = qs[ci + 1]
            if lv["unit"] == c["unit"] and not lv["direction"] and ci + 1 not in pairs \
                    and re.fullmatch(r"(?<!\s)\s*to\s+(?:a\s+record\s+|about\s+|around\s+)?", text[c["end"]:lv.get("approx_start") or lv["start"]]):
                pairs[ci + 1] = ci
            continue
        if not c["direction"] or c["unit"] not in ("percent", "percentage_point", "basis_point", "times"):
            continue
        if c["unit"] in ("percentage_point", "basis_point") and \
                re.match(r"^\s*(?:higher|lower|more|less|faster|slower)\s+than\b", text[c["end"]:c["end"] + 20]):
            continue  # "17.3 percentage points lower than in 2022": a gap between rates, a claim of its own
        # (but "$410.3 billion, 6.2 per cent lower than a year earlier" is the level's change)
        cands = []
        for li, (ls, lv) in enumerate(qs):
            if li == ci or li in pairs or lv["direction"] or lv.get("conversion_of") is not None or lv["value"] is None:
                continue
            level_ok = lv["unit"] not in (None, "fraction", "times", "percent", "percentage_point", "basis_point")
            # a share or rate level takes a change in percentage points ("30%, up 1.1 percentage points")
            share_ok = lv["unit"] == "percent" and c["unit"] == "percentage_point"
            if not (level_ok or share_ok):
                continue
            if ctx.sent_of(ls).start != ctx.sent_of(cs).start:
                continue
            a, b = (lv["end"], c["start"]) if li < ci else (c["end"], lv["start"])
            between = text[a:b]
            others = [k for k, (_, o) in enumerate(qs) if a <= o["start"] < b and k not in (li, ci)
                      and o.get("conversion_of") is None]
            if others or ctx.lex.clause_breaks.search(between):
                continue
            cands.append((li, li > ci))
        if not cands:
            continue
        after = text[c["end"]:c["end"] + 60]
        forward = re.match(
            r"^(?:\s*+(?:year[- ]on[- ]year|yoy|y/y|month[- ]on[- ]month|from a year (?:earlier|ago)|in value))?"
            r"(?:\s+(?:in|during|over)\s++[^,;]{1,30}?)?\s*+(?:,\s*+)?(?:to|to reach|reaching|at|to hit)\b",
            after, re.I,
        )
        following = [li for li, fwd in cands if fwd]
        preceding = [li for li, fwd in cands if not fwd]
        li = following[0] if forward and following else (preceding[-1] if preceding else following[0])
        pairs[li] = ci
    return pairs
