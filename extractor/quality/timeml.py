"""Time expressions (TIMEX3) scored as TempEval-3 scores them, and TimeML documents.

* :func:`load_jsonl` reads the TimeBank JSON-lines form (one document a line: ``doc``, ``dct``,
  ``text``, ``timexes`` with ``start``/``end``/``text``/``type``/``value``).
* :func:`to_timeml` writes a TimeML document (DCT, TEXT with TIMEX3 tags) that TempEval-3's own
  scorer reads; :func:`from_timeml` reads one back (a gold file's EVENT and SIGNAL tags are
  ignored).
* :func:`score` computes TempEval-3's time-expression measures: strict (same extent) and relaxed
  (overlapping extent) precision, recall and F1, and for ``value`` and ``type`` the accuracy on
  relaxed matches and the attribute F1 (a match with the right attribute counts as a hit, over
  every system and every gold expression), overall and per TIMEX3 type.
* :func:`split_of` splits documents deterministically, by a hash of their id, into a development
  part and a held-out part.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

TYPES = ("DATE", "TIME", "DURATION", "SET")
#: the share of documents held out, by the hash of their id (see :func:`split_of`)
HELD_OUT_SHARE = 0.3


class TimeMLError(ValueError):
    """A TimeBank line or a TimeML document that cannot be read; the message names the source."""


@dataclass(frozen=True)
class Timex:
    start: int
    end: int
    text: str
    type: str
    value: str | None


@dataclass
class TimeDocument:
    doc: str
    dct: str | None
    text: str
    timexes: list[Timex] = field(default_factory=list)


def split_of(doc_id: str, held_out_share: float = HELD_OUT_SHARE) -> str:
    """``"heldout"`` for about ``held_out_share`` of the documents, ``"dev"`` for the others; the
    same answer for the same id on every machine (SHA-1 of the id, not Python's salted hash)."""
    h = int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16)
    return "heldout" if h % 1000 < held_out_share * 1000 else "dev"


# ---------------------------------------------------------------------------------------- reading


def load_jsonl(path: str | Path) -> list[TimeDocument]:
    """Documents of a TimeBank JSON-lines file; every offset is checked against the text."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TimeMLError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise TimeMLError(f"{path}: not UTF-8 ({exc.reason})") from exc
    docs = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TimeMLError(f"{where}: malformed JSON ({exc.msg})") from exc
        doc = _document(raw, where)
        if doc.doc in seen:
            raise TimeMLError(f"{where}: document {doc.doc!r} appears twice")
        seen.add(doc.doc)
        docs.append(doc)
    return docs


def _document(raw: Any, where: str) -> TimeDocument:
    if not isinstance(raw, dict):
        raise TimeMLError(f"{where}: expected a JSON object")
    for key, kind in (("doc", str), ("text", str), ("timexes", list)):
        if not isinstance(raw.get(key), kind):
            raise TimeMLError(f"{where}: field {key!r} must be a {kind.__name__}")
    dct = raw.get("dct")
    if dct is not None and not isinstance(dct, str):
        raise TimeMLError(f"{where}: field 'dct' must be a string")
    text = raw["text"]
    timexes = []
    for i, t in enumerate(raw["timexes"]):
        if not isinstance(t, dict) or not isinstance(t.get("start"), int) or not isinstance(t.get("end"), int):
            raise TimeMLError(f"{where}: timex {i} needs integer 'start' and 'end'")
        s, e = t["start"], t["end"]
        if not 0 <= s < e <= len(text):
            raise TimeMLError(f"{where}: timex {i} offsets {s}-{e} outside the text")
        if t.get("text") is not None and text[s:e] != t["text"]:
            raise TimeMLError(f"{where}: timex {i} text {t['text']!r} differs from the text at {s}-{e} {text[s:e]!r}")
        if t.get("type") not in TYPES:
            raise TimeMLError(f"{where}: timex {i} type {t.get('type')!r} is not one of {', '.join(TYPES)}")
        timexes.append(Timex(s, e, text[s:e], t["type"], t.get("value")))
    return TimeDocument(raw["doc"], dct, text, sorted(timexes, key=lambda x: (x.start, x.end)))


def from_timeml(source: str, name: str = "<string>") -> TimeDocument:
    """A TimeML document: DOCID, the DCT's value, the TEXT section's text and its TIMEX3 tags
    (offsets into that text; tags nested in other tags such as EVENT or SIGNAL are read too)."""
    try:
        root = ET.fromstring(source)
    except ET.ParseError as exc:
        raise TimeMLError(f"{name}: not well-formed XML ({exc})") from exc
    text_el = root.find("TEXT")
    if text_el is None:
        raise TimeMLError(f"{name}: no TEXT element")
    docid = root.findtext("DOCID") or Path(name).stem
    dct_el = root.find("DCT/TIMEX3")
    dct = dct_el.get("value") if dct_el is not None else None
    parts: list[str] = []
    timexes: list[Timex] = []
    pos = 0

    def walk(el: ET.Element) -> None:
        nonlocal pos
        start = pos
        if el.text:
            parts.append(el.text)
            pos += len(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
                pos += len(child.tail)
        if el.tag == "TIMEX3" and el is not text_el:
            if el.get("type") not in TYPES:
                raise TimeMLError(f"{name}: TIMEX3 {el.get('tid')!r} has type {el.get('type')!r}")
            timexes.append(Timex(start, pos, "".join(parts)[start:pos], el.get("type", ""), el.get("value")))

    walk(text_el)
    text = "".join(parts)
    return TimeDocument(docid, dct, text, sorted(timexes, key=lambda x: (x.start, x.end)))


# ---------------------------------------------------------------------------------------- writing


def to_timeml(doc: TimeDocument) -> str:
    """A TimeML document TempEval-3's scorer reads: DOCID, the DCT as TIMEX3 ``t0``, and the text
    with a TIMEX3 tag (``tid``, ``type``, ``value``) around each expression. Expressions that
    overlap one written before them are left out (TimeML tags do not cross or nest)."""
    out = [
        '<?xml version="1.0" ?>\n',
        '<TimeML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="http://timeml.org/timeMLdocs/TimeML_1.2.1.xsd">\n\n',
        f"<DOCID>{escape(doc.doc)}</DOCID>\n\n",
    ]
    if doc.dct:
        out.append(
            f'<DCT><TIMEX3 tid="t0" type="DATE" value={quoteattr(doc.dct)} temporalFunction="false" '
            f'functionInDocument="CREATION_TIME">{escape(doc.dct)}</TIMEX3></DCT>\n\n'
        )
    out.append("<TEXT>")
    pos = 0
    n = 0
    for t in sorted(doc.timexes, key=lambda x: (x.start, -x.end)):
        if t.start < pos or t.end <= t.start:
            continue
        n += 1
        attrs = f'tid="t{n}" type={quoteattr(t.type)}'
        if t.value is not None:
            attrs += f" value={quoteattr(t.value)}"
        out.append(escape(doc.text[pos:t.start]))
        out.append(f"<TIMEX3 {attrs}>{escape(doc.text[t.start:t.end])}</TIMEX3>")
        pos = t.end
    out.append(escape(doc.text[pos:]))
    out.append("</TEXT>\n\n</TimeML>\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------- scoring


def match(gold: list[Timex], pred: list[Timex]) -> list[tuple[Timex, Timex]]:
    """One-to-one pairs of overlapping expressions (TempEval's relaxed match): same extents first,
    then the largest overlap."""
    cands = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            ov = min(p.end, g.end) - max(p.start, g.start)
            if ov > 0:
                cands.append(((p.start, p.end) != (g.start, g.end), -ov, i, j))
    cands.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, _, i, j in cands:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((gold[j], pred[i]))
    return pairs


def _prf(hits_p: int, n_pred: int, hits_r: int, n_gold: int) -> dict[str, float]:
    p = hits_p / n_pred if n_pred else 0.0
    r = hits_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


class _Counts:
    def __init__(self) -> None:
        self.gold = self.pred = 0
        self.strict_g = self.strict_p = self.relaxed_g = self.relaxed_p = 0
        self.value_g = self.value_p = self.type_g = self.type_p = 0

    def result(self) -> dict[str, Any]:
        return {
            "gold": self.gold, "pred": self.pred,
            "strict": _prf(self.strict_p, self.pred, self.strict_g, self.gold),
            "relaxed": _prf(self.relaxed_p, self.pred, self.relaxed_g, self.gold),
            "value_accuracy": round(self.value_g / self.relaxed_g, 4) if self.relaxed_g else None,
            "value": _prf(self.value_p, self.pred, self.value_g, self.gold),
            "type_accuracy": round(self.type_g / self.relaxed_g, 4) if self.relaxed_g else None,
            "type": _prf(self.type_p, self.pred, self.type_g, self.gold),
        }


def score(docs: Iterable[tuple[TimeDocument, TimeDocument]]) -> dict[str, Any]:
    """TempEval-3's measures over (gold, system) document pairs, overall (``all``) and per type.

    Per type, recall and the attribute accuracies count the gold expressions of that type and
    precision the system's expressions of that type (matching itself ignores the type, as
    TempEval's does). ``errors`` lists the misses, false alarms and wrong values."""
    counts = {t: _Counts() for t in ("all", *TYPES)}
    errors: list[dict[str, Any]] = []
    n_docs = 0
    for gold, pred in docs:
        n_docs += 1
        pairs = match(gold.timexes, pred.timexes)
        matched_g = {id(g) for g, _ in pairs}
        matched_p = {id(p) for _, p in pairs}
        for g in gold.timexes:
            for key in ("all", g.type):
                counts[key].gold += 1
            if id(g) not in matched_g:
                errors.append({"doc": gold.doc, "kind": "miss", "gold": _row(g), "context": _context(gold.text, g)})
        for p in pred.timexes:
            for key in ("all", p.type) if p.type in TYPES else ("all",):
                counts[key].pred += 1
            if id(p) not in matched_p:
                errors.append({"doc": gold.doc, "kind": "false", "pred": _row(p), "context": _context(gold.text, p)})
        for g, p in pairs:
            strict = (g.start, g.end) == (p.start, p.end)
            value_ok = g.value == p.value
            type_ok = g.type == p.type
            for key, side in (("all", "both"), (g.type, "gold"), (p.type, "pred")):
                if key not in counts:
                    continue
                c = counts[key]
                if side in ("both", "gold"):
                    c.relaxed_g += 1
                    c.strict_g += strict
                    c.value_g += value_ok
                    c.type_g += type_ok
                if side in ("both", "pred"):
                    c.relaxed_p += 1
                    c.strict_p += strict
                    c.value_p += value_ok
                    c.type_p += type_ok
            if not (strict and value_ok and type_ok):
                errors.append({"doc": gold.doc, "kind": "span" if value_ok and type_ok else "value",
                               "gold": _row(g), "pred": _row(p), "context": _context(gold.text, g)})
    return {"documents": n_docs, **{k: c.result() for k, c in counts.items()}, "errors": errors}


def _row(t: Timex) -> dict[str, Any]:
    return {"start": t.start, "end": t.end, "text": t.text, "type": t.type, "value": t.value}


def _context(text: str, t: Timex, width: int = 60) -> str:
    a = max(0, t.start - width)
    b = min(len(text), t.end + width)
    return (text[a:t.start] + "[" + text[t.start:t.end] + "]" + text[t.end:b]).replace("\n", " ")


def render(result: dict[str, Any], title: str) -> str:
    """The measures as a table: one row overall and one per TIMEX3 type."""
    lines = [f"{title}: {result['documents']} documents",
             f"{'':10} {'gold':>5} {'sys':>5}   {'strict P/R/F1':<20} {'relaxed P/R/F1':<20} "
             f"{'value acc':>9} {'value F1':>8} {'type acc':>8}"]

    def f(x: float | None) -> str:
        return "   -  " if x is None else f"{x:.3f}"

    for key in ("all", *TYPES):
        r = result[key]
        s, rl = r["strict"], r["relaxed"]
        lines.append(
            f"{key:10} {r['gold']:>5} {r['pred']:>5}   {f(s['p'])} {f(s['r'])} {f(s['f1'])}  "
            f"{f(rl['p'])} {f(rl['r'])} {f(rl['f1'])}  {f(r['value_accuracy']):>9} {f(r['value']['f1']):>8} "
            f"{f(r['type_accuracy']):>8}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- the store


def stored_timexes(db: Any, article_id: str, text: str) -> list[Timex]:
    """The TIMEX3 stored for one article (on its DATE and TIMEX mentions), offsets into ``text``,
    the article's stored text."""
    rows = db.execute(
        "select timex_start, timex_end, timex_type, timex_value from mentions "
        "where article_id = ? and timex_type is not null order by timex_start, timex_end",
        [article_id],
    ).fetchall()
    return [Timex(s, e, text[s:e], t, v) for s, e, t, v in rows]


def stored_documents(db: Any) -> list[TimeDocument]:
    """Every stored article as a TimeML document: its text, publication date and TIMEX3."""
    out = []
    for aid, text, published in db.execute("select id, text, published from articles order by id").fetchall():
        out.append(TimeDocument(aid, published, text, stored_timexes(db, aid, text)))
    return out
