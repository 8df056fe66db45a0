"""Keeping verdicts on their claims when an article's text changes (issue 19).

A claim's key is a digest of the article's content hash, the value span and the value, so any
edit of the text (one footer line appended) gives every claim of the article a new key. When an
article is stored again, its old text is aligned with the new one (common prefix and suffix,
then lines with difflib, then the characters of changed lines with rapidfuzz); each old claim is
mapped to the new claim at the aligned place of its value with the same value and unit, else to
the new claim at the same offset in another occurrence of its quote. The verdicts of a mapped
claim move to its new key (``attached_how`` says how); the others stay in ``audits`` as orphans,
``detached`` saying why, and are tried again (by their quote) each time the article is stored.
Flag resolutions naming a mapped claim follow it too.
"""

from __future__ import annotations

import bisect
import difflib
import json
import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import sqlite_utils
from rapidfuzz.distance import Indel

#: changed stretches up to this many characters (on each side) are aligned character by character;
#: a longer one counts as replaced as a whole (bounds the time on a rewritten article)
CHAR_ALIGN_LIMIT = 20_000


@dataclass(frozen=True)
class Alignment:
    """Blocks of text that are equal in the old and the new version: (old start, new start, length)."""

    blocks: tuple[tuple[int, int, int], ...]

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The new offsets of the old span ``[start, end)``, when all of it lies in one equal block."""
        starts = [b[0] for b in self.blocks]
        i = bisect.bisect_right(starts, start) - 1
        if i < 0:
            return None
        old, new, length = self.blocks[i]
        if start >= old and end <= old + length:
            return start - old + new, end - old + new
        return None


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # binary search on slice equality: C speed on long texts
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _char_blocks(a: str, b: str, a0: int, b0: int) -> list[tuple[int, int, int]]:
    if not a or not b or len(a) > CHAR_ALIGN_LIMIT or len(b) > CHAR_ALIGN_LIMIT:
        return []
    return [(a0 + op.src_start, b0 + op.dest_start, op.src_end - op.src_start)
            for op in Indel.opcodes(a, b) if op.tag == "equal"]


def align(old: str, new: str) -> Alignment:
    """The equal blocks of two versions of a text."""
    if old == new:
        return Alignment(((0, 0, len(old)),))
    p = _common_prefix(old, new)
    s = _common_suffix(old, new, min(len(old), len(new)) - p)
    blocks: list[tuple[int, int, int]] = [(0, 0, p)] if p else []
    a, b = old[p:len(old) - s], new[p:len(new) - s]
    a_lines, b_lines = a.splitlines(keepends=True), b.splitlines(keepends=True)
    a_at = [0]
    for line in a_lines:
        a_at.append(a_at[-1] + len(line))
    b_at = [0]
    for line in b_lines:
        b_at.append(b_at[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    i = j = 0
    for mi, mj, n in matcher.get_matching_blocks():
        # the stretch between two matching runs of lines: align its characters
        blocks += _char_blocks(a[a_at[i]:a_at[mi]], b[b_at[j]:b_at[mj]], p + a_at[i], p + b_at[j])
        if n:
            blocks.append((p + a_at[mi], p + b_at[mj], a_at[mi + n] - a_at[mi]))
        i, j = mi + n, mj + n
    if s:
        blocks.append((len(old) - s, len(new) - s, s))
    return Alignment(tuple(sorted(b for b in blocks if b[2] > 0)))


# ---------------------------------------------------------------------------------------------- claims


def _same_figure(a: dict[str, Any], value: Any, unit: Any) -> bool:
    if a.get("unit") != unit:
        return False
    x, y = a.get("value"), value
    if x is None or y is None:
        return x is None and y is None
    return math.isclose(float(x), float(y), rel_tol=1e-12, abs_tol=1e-12)


def find_by_alignment(alignment: Alignment, anchor: dict[str, Any], new_claims: Sequence[dict[str, Any]]) -> dict | None:
    """The new claim at the aligned place of the anchor's value, with the same value and unit."""
    span = alignment.map_span(anchor["value_start"], anchor["value_end"])
    if span is None:
        return None
    same = [c for c in new_claims if _same_figure(c, anchor["value"], anchor["unit"])]
    exact = [c for c in same if (c["start"], c["end"]) == span]
    if exact:
        return exact[0]
    # the pipeline may have drawn the value's span a little differently ("389 billion yuan")
    overlap = [c for c in same if c["start"] < span[1] and span[0] < c["end"]]
    return overlap[0] if len(overlap) == 1 else None


def find_by_quote(text: str, anchor: dict[str, Any], new_claims: Sequence[dict[str, Any]]) -> dict | None:
    """The new claim at the anchor's value offset in an occurrence of its quote (one only)."""
    quote, qs = anchor.get("quote"), anchor.get("quote_start")
    if not quote or qs is None or anchor.get("value_start") is None:
        return None
    offset = anchor["value_start"] - qs
    length = anchor["value_end"] - anchor["value_start"]
    found = []
    i = text.find(quote)
    while i >= 0:
        s = i + offset
        found += [c for c in new_claims if c["start"] == s and c["end"] == s + length
                  and _same_figure(c, anchor["value"], anchor["unit"])]
        i = text.find(quote, i + 1)
    keys = {c["claim_key"] for c in found}
    return found[0] if len(keys) == 1 else None


def claim_anchor(claim: dict[str, Any]) -> dict[str, Any]:
    """The anchor columns of ``audits`` for a claim row."""
    return {"quote": claim.get("quote"), "quote_start": claim.get("quote_start"), "value": claim.get("value"),
            "unit": claim.get("unit"), "value_text": claim.get("text"), "value_start": claim.get("start"),
            "value_end": claim.get("end")}


def _num(v: Any) -> str:
    return f"{v:,.15g}" if isinstance(v, (int, float)) else repr(v)


def why_detached(new_text: str, alignment: Alignment | None, anchor: dict[str, Any],
                 new_claims: Sequence[dict[str, Any]]) -> str:
    """A reviewer's explanation of why a verdict found no claim in the new text."""
    shown = anchor.get("value_text") or anchor.get("value")
    span = alignment.map_span(anchor["value_start"], anchor["value_end"]) if alignment and \
        anchor.get("value_start") is not None else None
    if span is None:
        # the value's own text changed: what does the quote's place hold now?
        qs = anchor.get("quote_start")
        at = alignment.map_span(qs, qs + 1) if alignment and qs is not None else None
        near = [c for c in new_claims if at and at[0] <= c["start"] < at[0] + len(anchor.get("quote") or "") + 20]
        if near:
            c = near[0]
            return (f"the figure at {shown!r} now reads {c.get('text')!r} ({_num(c.get('value'))} {c.get('unit') or ''}, "
                    f"was {_num(anchor.get('value'))} {anchor.get('unit') or ''})")
        return f"the text around {shown!r} (quote {anchor.get('quote')!r}) was changed or removed"
    there = [c for c in new_claims if c["start"] < span[1] and span[0] < c["end"]]
    if not there:
        return f"{shown!r} is still in the text (chars {span[0]}-{span[1]}) but no claim is extracted there now"
    c = there[0]
    return (f"the claim at {shown!r} (chars {span[0]}-{span[1]}) is now {_num(c.get('value'))} {c.get('unit') or ''}"
            f" (was {_num(anchor.get('value'))} {anchor.get('unit') or ''})").strip()


def map_claims(old_text: str, old_claims: Iterable[dict[str, Any]], new_text: str,
               new_claims: Sequence[dict[str, Any]]) -> tuple[dict[str, tuple[str, str]], Alignment]:
    """Old claim key -> (new claim key, how) for every old claim found again in the new text."""
    alignment = align(old_text, new_text)
    new_keys = {c["claim_key"] for c in new_claims}
    out: dict[str, tuple[str, str]] = {}
    for c in old_claims:
        key = c["claim_key"]
        if key in new_keys:
            out[key] = (key, "same")
            continue
        anchor = claim_anchor(c)
        hit = find_by_alignment(alignment, anchor, new_claims)
        how = "aligned"
        if hit is None:
            hit, how = find_by_quote(new_text, anchor, new_claims), "quote"
        if hit is not None:
            out[key] = (hit["claim_key"], how)
    return out, alignment


def reattach(db: sqlite_utils.Database, article_id: str, old_text: str | None, old_claims: list[dict[str, Any]],
             new_text: str, new_claims: Sequence[dict[str, Any]], at: str) -> dict[str, int]:
    """Move the article's verdicts (and flag resolutions) to the claims of its new rows.

    Runs inside the transaction that stores the new rows. Returns counts: ``moved`` (verdict keys
    re-attached), ``orphaned`` (keys left without a claim, newly or still).
    """
    counts = {"moved": 0, "orphaned": 0}
    new_keys = {c["claim_key"] for c in new_claims}
    audited = {r[0] for r in db.execute("select distinct claim_key from audits where article_id = ?", [article_id])}
    back = sorted(k for k in audited & new_keys)
    if back:  # an orphan whose very claim is extracted again (the text was put back as it was)
        db.execute(f"update audits set detached = null where article_id = ? and detached is not null and claim_key in "
                   f"({','.join('?' * len(back))})", [article_id, *back])
    has_resolutions = "flag_resolutions" in db.table_names() and db.execute(
        "select 1 from flag_resolutions limit 1").fetchone() is not None
    if not audited - new_keys and not has_resolutions:
        return counts
    if old_text is None:
        old_text, old_claims = "", []
    moves, alignment = map_claims(old_text, old_claims, new_text, new_claims)
    new_by_key = {c["claim_key"]: c for c in new_claims}
    old_by_key = {c["claim_key"]: c for c in old_claims}
    for key in sorted(audited - new_keys):
        target, how = moves.get(key, (None, None))
        if target is None:
            # an orphan from an earlier version of the text: look for its quote again
            row = db.execute("select quote, quote_start, value, unit, value_text, value_start, value_end from audits "
                             "where claim_key = ? and article_id = ? order by id desc limit 1",
                             [key, article_id]).fetchone()
            anchor = dict(zip(("quote", "quote_start", "value", "unit", "value_text", "value_start", "value_end"), row))
            if key not in old_by_key:
                hit = find_by_quote(new_text, anchor, new_claims)
                if hit is not None:
                    target, how = hit["claim_key"], "quote"
            if target is None:
                src = old_by_key.get(key)
                reason = why_detached(new_text, alignment if src else None, claim_anchor(src) if src else anchor,
                                      new_claims)
                db.execute("update audits set detached = coalesce(detached, ?) where claim_key = ? and article_id = ?",
                           [f"{at}: {reason}", key, article_id])
                counts["orphaned"] += 1
                continue
        claim = new_by_key[target]
        anchor = claim_anchor(claim)
        db.execute(
            "update audits set claim_key = ?, attached_how = ?, detached = null, quote = ?, quote_start = ?, "
            "value = ?, unit = ?, value_text = ?, value_start = ?, value_end = ? where claim_key = ? and article_id = ?",
            [target, how, anchor["quote"], anchor["quote_start"], anchor["value"], anchor["unit"], anchor["value_text"],
             anchor["value_start"], anchor["value_end"], key, article_id])
        counts["moved"] += 1
    if has_resolutions:
        _move_resolutions(db, {k: v for k, (v, _how) in moves.items() if k != v})
    return counts


def _move_resolutions(db: sqlite_utils.Database, moves: dict[str, str]) -> None:
    if not moves:
        return
    for rid, key, related in db.execute("select id, claim_key, related from flag_resolutions").fetchall():
        rel = json.loads(related) if related else []
        new_key = moves.get(key, key)
        new_rel = sorted(moves.get(k, k) for k in rel)
        if new_key != key or new_rel != sorted(rel):
            db.execute("update flag_resolutions set claim_key = ?, related = ? where id = ?",
                       [new_key, json.dumps(new_rel), rid])
