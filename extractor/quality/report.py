"""Static HTML report of a store: one page per article and an index page (``extractor report``).

Each article page shows the stored text rendered by displaCy from the stored mentions (quantities,
dates and entities in distinct colours, text outside the article body greyed), every claim's value
highlighted with its ``claim_key`` as the element id (``claim-<key>``) and in ``data-claim-keys``,
one anchor per sentence (``s-<idx>``), a claims table whose rows (``row-<key>``) link to both, and
the flags and latest audit verdicts. The index has counts per indicator, audited precision, open
flags and links to every article page. Pages are self-contained: inline CSS, no scripts, no network.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

import sqlite_utils
from spacy import displacy

from extractor.quality.consistency import Resolutions
from extractor.quality.stats import audited_precision, collect

GENERATOR = "extractor report"
ARTICLES_DIR = "articles"

QUANTITY_LABELS = ("MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL")
DATE_LABELS = ("DATE", "TIME")

#: one hue per kind: greens for quantities, blues for dates, warm tones for named entities
COLORS: dict[str, str] = {
    "MONEY": "#8fd9a8", "PERCENT": "#b5e8c4", "QUANTITY": "#d3f2dc", "CARDINAL": "#d3f2dc", "ORDINAL": "#d3f2dc",
    "DATE": "#9cc9f5", "TIME": "#c4def9",
    "GPE": "#fbd38d", "LOC": "#fbd38d", "ORG": "#f6b8a0", "PERSON": "#f3b6dc", "NORP": "#ddc8f5",
    "FAC": "#f6e0b5", "EVENT": "#f6e0b5", "LAW": "#f6e0b5", "PRODUCT": "#f6e0b5", "WORK_OF_ART": "#f6e0b5",
    "LANGUAGE": "#f6e0b5", "CLAIM": "#ffe066",
}
ENTITY_COLOR = "#f6e0b5"

# displaCy's own entity template (TPL_ENT) with room for ids, classes, a tooltip and claim links.
# displaCy escapes {text} itself; every other parameter is escaped here before it is passed in.
ENT_TEMPLATE = (
    '<mark class="entity {cls}" data-type="{label}"{attrs} style="background: {bg}"{title}>{anchors}'
    '<span class="ent-text">{text}</span><span class="ent-label">{label}{badge}</span></mark>'
)
_ENTS_OPEN = '<div class="entities" style="'


def _failed_part(failure: dict[str, Any]) -> str:
    """"the file", or the sentence of a stored article that was left out (issue 14)."""
    if failure.get("article_id") is None:
        return "the file"
    return f"sentence {failure['start']}-{failure['end']} left out: {failure['text']}"


def _entity_divs(html: str) -> list[str]:
    """The contents of displaCy's ``<div class="entities" style="...">...</div>`` wrappers, in
    order (a scan, not a lazy regex: that one retried every opening to the end, issue 14)."""
    out = []
    pos = 0
    while (i := html.find(_ENTS_OPEN, pos)) >= 0:
        q = html.find('"', i + len(_ENTS_OPEN))
        if q < 0:
            break
        if html.startswith(">", q + 1):
            end = html.find("</div>", q + 2)
            if end < 0:
                break
            out.append(html[q + 2:end])
            pos = end + len("</div>")
        else:
            pos = i + 1
    return out

CSS = """
body { font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #222; margin: 0 auto; padding: 1.5rem 2rem 4rem; max-width: 88rem; }
h1 { font-size: 1.5rem; margin: .2rem 0 .4rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
a { color: #1a5fb4; }
nav, .meta { color: #555; font-size: .9rem; }
nav a { margin-right: .8rem; }
.meta span { margin-right: 1.2rem; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem; margin: .8rem 0; font-size: .8rem; }
.legend span { padding: .1rem .5rem; border-radius: .3rem; }
.legend .boilerplate-key { color: #999; border: 1px dashed #bbb; }
.legend .claim-key { outline: 2px solid #c0392b; outline-offset: -2px; background: #fff; }
.legend .accept-key { outline: 2px solid #2b8a3e; outline-offset: -2px; background: #fff; }
.legend .fix-key { outline: 2px solid #1971c2; outline-offset: -2px; background: #fff; }
.legend .reject-key { outline: 2px dashed #c0392b; outline-offset: -2px; background: #fff; text-decoration: line-through; }
.legend .misstated-key { outline: 3px double #a61e4d; outline-offset: -3px; background: #fff; }
.legend .flag-key { outline: 2px solid #c0392b; outline-offset: -2px; box-shadow: 0 0 0 4px #ffa94d; background: #fff; margin: 0 .3rem; }
.text { line-height: 2.2; max-width: 62rem; font-size: 1rem; border: 1px solid #e4e4e4;
        border-radius: .4rem; padding: 1rem 1.4rem; background: #fff; overflow-wrap: anywhere; }
mark.entity { padding: .3em .45em; margin: 0 .2em; line-height: 1; border-radius: .35em; color: inherit; 
               -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.ent-label { font-size: .7em; font-weight: bold; vertical-align: middle; margin-left: .4rem;
             text-transform: uppercase; opacity: .75; }
.ent-label a.claim-ref { text-decoration: none; margin-left: .35rem; color: #a61e1e; }
mark.claim { outline: 2px solid #c0392b; outline-offset: 1px; font-weight: 600; white-space: nowrap; }
mark.claim.v-accept { outline-color: #2b8a3e; }
mark.claim.v-fix { outline-color: #1971c2; }
mark.claim.v-misstated { outline-color: #a61e4d; outline-style: double; outline-width: 3px; }
mark.claim.v-reject { outline-style: dashed; }
mark.claim.v-reject .ent-text { text-decoration: line-through; }
mark.claim.flagged { box-shadow: 0 0 0 4px #ffa94d; }
.boilerplate { color: #9a9a9a; }
.boilerplate mark.entity { opacity: .45; }
.sent:target, mark:target, tr:target { background-color: #fff3a8 !important; }
.sent:target { box-shadow: 0 0 0 3px #fff3a8; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.nowrap { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.small { color: #666; font-size: .8em; }
.verdict { padding: .05rem .4rem; border-radius: .3rem; font-weight: 600; white-space: nowrap; }
.verdict.accept { background: #d3f9d8; color: #2b8a3e; }
.verdict.reject { background: #ffe3e3; color: #c92a2a; }
.verdict.fix { background: #d0ebff; color: #1864ab; }
.verdict.misstated { background: #fff0f6; color: #a61e4d; outline: 1px solid #a61e4d; }
/* the claims table fits the page (1,400 px and narrower): cells wrap, long values break anywhere */
table.claims { width: 100%; }
table.claims td { overflow-wrap: break-word; }
table.claims td:nth-child(2), table.claims td:nth-child(5), table.claims td:nth-child(8),
table.claims td:nth-child(9), table.claims td:nth-child(10), table.claims td:nth-child(12),
table.claims td:nth-child(15) { overflow-wrap: anywhere; }
table.claims td.nowrap, table.claims .flag { white-space: normal; }
.verdict.none { color: #999; font-weight: normal; }
.flag { display: block; white-space: nowrap; }
.flag.open { color: #d9480f; font-weight: 600; }
.flag.resolved { color: #999; }
.empty { color: #888; font-style: italic; }
.big { font-size: 1.6rem; font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: .8rem; }
.cards > div { border: 1px solid #e4e4e4; border-radius: .4rem; padding: .5rem 1rem; min-width: 7rem; }
"""


def esc(value: Any) -> str:
    """HTML-escape any value (None becomes the empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def fmt_num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return format(value, ",.15g")
    return str(value)


def fmt_geo(geo: Any) -> str:
    if isinstance(geo, str) and geo.startswith("["):
        try:
            return ", ".join(str(g) for g in json.loads(geo))
        except ValueError:
            pass
    return "" if geo is None else str(geo)


def fmt_change(c: dict[str, Any]) -> str:
    if c.get("change_value") is None:
        return ""
    parts = [c.get("change_direction") or "", fmt_num(c["change_value"]), c.get("change_unit") or ""]
    out = " ".join(p for p in parts if p)
    return f"{out} ({c['change_basis']})" if c.get("change_basis") else out


def page_name(article_id: str) -> str:
    """A file name for an article page, stable and safe on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", article_id).strip(".") or "article"
    if safe != article_id:
        safe = f"{safe[:80]}-{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:8]}"
    return f"{safe}.html"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"generator\" content=\"{GENERATOR}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------------------------- store data


@dataclass
class StoreData:
    """Everything the pages need, read once from the store."""

    articles: list[dict[str, Any]]
    indicators: dict[str, dict[str, Any]]
    verdicts: dict[str, dict[str, Any]]
    flags_by_article: dict[str, list[dict[str, Any]]]
    flags_by_claim: dict[str, list[dict[str, Any]]]
    claim_home: dict[str, tuple[str, int]]  # claim_key -> (article id, row number on its page)
    pages: dict[str, str]  # article id -> page file name
    failures: list[dict[str, Any]] = field(default_factory=list)
    resolutions: Resolutions | None = None

    def is_open(self, flag: dict[str, Any]) -> bool:
        """Open until a verdict on its claim resolved it, for as long as the check finds the same
        claims with the same numbers (issue 19)."""
        return self.resolutions is None or self.resolutions.is_open(flag)


def _rows(db: sqlite_utils.Database, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query(sql, list(params))]


def load(db: sqlite_utils.Database) -> StoreData:
    articles = _rows(db, "select id, path, title, source, url, published, chars, body_start, body_end, extracted_at "
                         "from articles order by id")
    indicators = {r["id"]: r for r in _rows(db, "select id, name, description from indicators")}
    verdicts = {r["claim_key"]: r for r in _rows(
        db,
        "select a.* from audits a join (select claim_key, max(id) as id from audits group by claim_key) l "
        "on l.id = a.id",
    )}
    flags_by_article: dict[str, list[dict]] = defaultdict(list)
    flags_by_claim: dict[str, list[dict]] = defaultdict(list)
    for f in _rows(db, "select * from flags order by id"):
        flags_by_article[f["article_id"] or ""].append(f)
        if f["claim_key"]:
            flags_by_claim[f["claim_key"]].append(f)
    claim_home: dict[str, tuple[str, int]] = {}
    number: dict[str, int] = defaultdict(int)
    for c in _rows(db, "select claim_key, article_id from claims order by article_id, start, end, id"):
        number[c["article_id"]] += 1
        claim_home.setdefault(c["claim_key"], (c["article_id"], number[c["article_id"]]))
    pages = {a["id"]: page_name(a["id"]) for a in articles}
    failures = _rows(db, "select path, article_id, start, end, text, reason, at from failures order by path, start")
    return StoreData(articles, indicators, verdicts, dict(flags_by_article), dict(flags_by_claim), claim_home,
                     pages, failures, Resolutions(db))


# ---------------------------------------------------------------------------------------------- article text


@dataclass
class Highlight:
    start: int
    end: int
    label: str
    claims: list[dict[str, Any]] = field(default_factory=list)
    mention: dict[str, Any] | None = None


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def highlights(text: str, mentions: list[dict[str, Any]], claims: list[dict[str, Any]]) -> list[Highlight]:
    """Non-overlapping highlights (displaCy's ent style cannot nest): claim values first, then mentions.

    Claims whose value spans overlap share one highlight; a mention overlapping a claim value or an
    earlier, longer mention is left out (the claim's value mention gives the highlight its label).
    """
    n = len(text)

    def valid(s: Any, e: Any) -> bool:
        return isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= n

    by_id = {m["id"]: m for m in mentions}
    out: list[Highlight] = []
    for c in sorted((c for c in claims if valid(c["start"], c["end"])), key=lambda c: (c["start"], -c["end"])):
        if out and out[-1].claims and _overlaps((out[-1].start, out[-1].end), (c["start"], c["end"])):
            out[-1].end = max(out[-1].end, c["end"])
            out[-1].claims.append(c)
            continue
        m = by_id.get(c.get("mention_id"))
        out.append(Highlight(c["start"], c["end"], (m or {}).get("type") or "CLAIM", [c], m))
    taken = [(h.start, h.end) for h in out]
    for m in sorted((m for m in mentions if valid(m["start"], m["end"])), key=lambda m: (m["start"], m["start"] - m["end"])):
        span = (m["start"], m["end"])
        if any(_overlaps(span, t) for t in taken):
            continue
        taken.append(span)
        out.append(Highlight(m["start"], m["end"], m["type"] or "ENTITY", mention=m))
    return sorted(out, key=lambda h: h.start)


def _mention_title(m: dict[str, Any]) -> str:
    bits = [m.get("type") or ""]
    if m.get("value") is not None:
        bits.append(f"value {fmt_num(m['value'])} {m.get('unit') or ''}".strip())
    if m.get("period"):
        bits.append(f"period {m['period']}")
    if m.get("entity_id"):
        bits.append(str(m["entity_id"]))
    return " · ".join(b for b in bits if b)


def _params(h: Highlight, data: StoreData) -> dict[str, str]:
    """Template parameters of one highlight, all escaped."""
    label = h.label.upper()
    kind = "quantity" if label in QUANTITY_LABELS else "date" if label in DATE_LABELS else "entity"
    cls = [f"ent-{kind}"]
    attrs, anchors, badge, title = "", "", "", ""
    if h.mention:
        attrs += f' data-mention-id="{esc(h.mention["id"])}"'
        title = _mention_title(h.mention)
    if h.claims:
        keys = [c["claim_key"] for c in h.claims]
        cls.append("claim")
        verdict = data.verdicts.get(keys[0])
        if verdict and verdict.get("verdict") in ("accept", "reject", "fix", "misstated"):
            cls.append(f"v-{verdict['verdict']}")
        if any(data.is_open(f) for k in keys for f in data.flags_by_claim.get(k, [])):
            cls.append("flagged")
        attrs = f' id="claim-{esc(keys[0])}" data-claim-keys="{esc(" ".join(keys))}"' + attrs
        anchors = "".join(f'<a id="claim-{esc(k)}"></a>' for k in keys[1:])
        for c in h.claims:
            n = data.claim_home.get(c["claim_key"], ("", 0))[1]
            badge += f'<a class="claim-ref" href="#row-{esc(c["claim_key"])}" title="claim C{n} in the table">C{n}</a>'
        c = h.claims[0]
        title = " · ".join(str(x) for x in (
            f"claim C{data.claim_home.get(c['claim_key'], ('', 0))[1]}", c.get("indicator") or "no indicator",
            fmt_geo(c.get("geo")), c.get("period"),
            f"confidence {c['confidence']:.2f}" if c.get("confidence") is not None else None,
            f"verdict {verdict['verdict']}" if verdict else "unaudited",
        ) if x)
    return {
        "cls": esc(" ".join(cls)), "attrs": attrs, "anchors": anchors, "badge": badge,
        "title": f' title="{esc(title)}"' if title else "",
    }


@dataclass
class Segment:
    """A stretch of the article text rendered by displaCy: within one sentence, or between them."""

    start: int
    end: int
    sentence: dict[str, Any] | None
    html: str  #: the rendered stretch, wrapped in its span (sentence anchor, boilerplate class)


def render_text(article: dict[str, Any], text: str, sentences: list[dict[str, Any]], mentions: list[dict[str, Any]],
                claims: list[dict[str, Any]], data: StoreData) -> str:
    """The article text as displaCy markup, cut into segments for sentence anchors and boilerplate
    (see :func:`render_segments`)."""
    parts = render_segments(article, text, sentences, mentions, claims, data)
    return f'<div class="entities text">{"".join(p.html for p in parts)}</div>'


def render_segments(article: dict[str, Any], text: str, sentences: list[dict[str, Any]],
                    mentions: list[dict[str, Any]], claims: list[dict[str, Any]], data: StoreData) -> list[Segment]:
    """The article text as displaCy markup, segment by segment.

    Segments break at sentence and body boundaries (never inside a highlight); all segments go through
    one ``displacy.render`` call as separate documents, and each rendered document is wrapped in a
    span that carries the sentence anchor (``id="s-<idx>"``) or the boilerplate class.
    """
    n = len(text)
    body_start = article.get("body_start") if article.get("body_start") is not None else 0
    body_end = article.get("body_end") if article.get("body_end") is not None else n
    hs = highlights(text, mentions, claims)
    sents = sorted((s for s in sentences if s["start"] is not None and s["end"] is not None), key=lambda s: s["start"])
    cuts = {0, n, body_start, body_end} | {s["start"] for s in sents} | {s["end"] for s in sents}
    cuts = sorted(c for c in cuts if 0 <= c <= n and not any(h.start < c < h.end for h in hs))
    segments = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]

    docs = []
    for a, b in segments:
        ents = [{"start": h.start - a, "end": h.end - a, "label": esc(h.label), "params": _params(h, data)}
                for h in hs if a <= h.start and h.end <= b]
        docs.append({"text": text[a:b], "ents": ents})
    options = {"colors": COLORS, "template": ENT_TEMPLATE}
    rendered = displacy.render(docs, style="ent", manual=True, page=False, jupyter=False, options=options) if docs else ""
    parts = _entity_divs(rendered)
    if len(parts) != len(segments):
        raise RuntimeError(f"displaCy output has {len(parts)} documents for {len(segments)} segments")

    anchored: set[int] = set()
    out: list[Segment] = []
    for (a, b), part in zip(segments, parts):
        cls = ["seg"]
        if b <= body_start or a >= body_end:
            cls.append("boilerplate")
        sent = next((s for s in sents if s["start"] <= a < s["end"]), None)
        attrs = ""
        if sent is not None:
            cls.append("sent")
            attrs += f' data-sentence-id="{esc(sent["id"])}"'
        # Anchors for every sentence starting in this segment (normally exactly the one it belongs to).
        starts = [s for s in sents if a <= s["start"] < b and s["idx"] not in anchored]
        extra = ""
        for s in starts:
            anchored.add(s["idx"])
            if sent is s:
                attrs = f' id="s-{esc(s["idx"])}"' + attrs
            else:
                extra += f'<a class="anchor" id="s-{esc(s["idx"])}"></a>'
        title = ' title="outside the article body (boilerplate)"' if "boilerplate" in cls else ""
        out.append(Segment(a, b, sent, f'{extra}<span class="{" ".join(cls)}"{attrs}{title}>{part}</span>'))
    return out


# ---------------------------------------------------------------------------------------------- article page


def _verdict_html(verdict: dict[str, Any] | None) -> str:
    if not verdict:
        return '<span class="verdict none">unaudited</span>'
    v = verdict.get("verdict") or "?"
    tip = " · ".join(str(x) for x in (verdict.get("reviewer"), verdict.get("created_at"), verdict.get("note")) if x)
    out = f'<span class="verdict {esc(v)}" title="{esc(tip)}">{esc(v)}</span>'
    if verdict.get("note"):
        out += f'<div class="small">{esc(verdict["note"])}</div>'
    if v == "fix" and verdict.get("fields"):
        out += f'<div class="small">fixed: {esc(verdict["fields"])}</div>'
    ref = verdict.get("reference")
    if ref and urlsplit(str(ref)).scheme in ("http", "https"):
        out += f'<div class="small"><a class="reference" href="{esc(ref)}" rel="noreferrer">reference</a></div>'
    return out


def _flag_numbers(f: dict[str, Any]) -> str:
    bits = [f"{k} {fmt_num(f[k])}" for k in ("expected", "actual", "tolerance") if f.get(k) is not None]
    return ", ".join(bits)


def _related_html(related: Any, data: StoreData, here: str | None) -> str:
    """Links to the claims a flag relates to (``related`` is JSON when the checks store keys)."""
    if related in (None, ""):
        return ""
    try:
        items = json.loads(related) if isinstance(related, str) else related
    except ValueError:
        return esc(related)
    if not isinstance(items, list):
        return esc(json.dumps(items, ensure_ascii=False))
    out = []
    for item in items:
        home = data.claim_home.get(item) if isinstance(item, str) else None
        if home is None:
            out.append(esc(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)))
            continue
        article_id, n = home
        page = "" if article_id == here else (data.pages.get(article_id, "") if here else f"{ARTICLES_DIR}/{data.pages.get(article_id, '')}")
        label = f"C{n}" if article_id == here else f"{article_id} C{n}"
        out.append(f'<a href="{esc(quote(page))}#row-{esc(item)}">{esc(label)}</a>')
    return ", ".join(out)


def _flags_cell(flags: list[dict[str, Any]], data: StoreData) -> str:
    out = []
    for f in flags:
        state = "open" if data.is_open(f) else "resolved"
        tip = " · ".join(x for x in (f.get("message") or "", _flag_numbers(f)) if x)
        out.append(f'<a class="flag {state}" href="#flag-{esc(f["id"])}" title="{esc(tip)}">{esc(f["check"])}</a>')
    return "".join(out)


def _claims_table(claims: list[dict[str, Any]], sent_idx: dict[str, int], data: StoreData) -> str:
    if not claims:
        return '<p class="empty">No claims in this article.</p>'
    head = ("#", "value", "unit", "measure", "indicator", "geo", "partner", "period", "change", "approx", "modality",
            "source", "confidence", "verdict", "flags", "sentence")
    rows = []
    for c in claims:
        key = c["claim_key"]
        n = data.claim_home.get(key, ("", 0))[1]
        ind = data.indicators.get(c.get("indicator") or "")
        idx = sent_idx.get(c.get("sentence_id") or "")
        sentence = (f'<a href="#s-{esc(idx)}" title="{esc(c.get("quote"))}">sentence {esc(idx)}</a>'
                    if idx is not None else "")
        conf = c.get("confidence")
        cells = [
            f'<td><a href="#claim-{esc(key)}">C{n}</a></td>',
            f'<td class="nowrap"><a href="#claim-{esc(key)}">{esc(c.get("text"))}</a><div class="small">{esc(fmt_num(c.get("value")))}</div></td>',
            f'<td>{esc(c.get("unit"))}</td>',
            f'<td>{esc(c.get("measure"))}</td>',
            f'<td title="{esc(ind["name"] if ind else "")}">{esc(c.get("indicator"))}</td>',
            f'<td title="{esc(c.get("geo_how"))}">{esc(fmt_geo(c.get("geo")))}</td>',
            f'<td>{esc(c.get("partner"))}</td>',
            f'<td title="{esc(c.get("period_how"))}">{esc(c.get("period"))}</td>',
            f'<td>{esc(fmt_change(c))}</td>',
            f'<td>{esc(c.get("approx"))}</td>',
            f'<td>{esc(c.get("modality"))}</td>',
            f'<td title="{esc(c.get("source_how"))}">{esc(c.get("source"))}</td>',
            f'<td class="num">{"" if conf is None else f"{conf:.2f}"}</td>',
            f"<td>{_verdict_html(data.verdicts.get(key))}</td>",
            f"<td>{_flags_cell(data.flags_by_claim.get(key, []), data)}</td>",
            f'<td class="nowrap">{sentence}</td>',
        ]
        rows.append(f'<tr id="row-{esc(key)}" data-claim-key="{esc(key)}">{"".join(cells)}</tr>')
    th = "".join(f"<th>{h}</th>" for h in head)
    return f'<table class="claims"><thead><tr>{th}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _flags_table(flags: list[dict[str, Any]], data: StoreData, here: str | None) -> str:
    if not flags:
        return '<p class="empty">No flags.</p>'
    rows = []
    for f in flags:
        state = "open" if data.is_open(f) else "resolved"
        home = data.claim_home.get(f.get("claim_key") or "")
        if home is None:
            claim = esc(f.get("claim_key") or "(article)")
        else:
            article_id, n = home
            if here is None:
                claim = (f'<a href="{ARTICLES_DIR}/{esc(quote(data.pages[article_id]))}#row-{esc(f["claim_key"])}">'
                         f'{esc(article_id)} C{n}</a>')
            else:
                claim = f'<a href="#row-{esc(f["claim_key"])}">C{n}</a>'
        cells = [claim, f'<span class="flag {state}">{state}</span>', esc(f.get("check")), esc(f.get("message")),
                 esc(_flag_numbers(f)), _related_html(f.get("related"), data, here), esc(f.get("created_at"))]
        if here is None and home is None and f.get("article_id") in data.pages:
            cells[0] = (f'<a href="{ARTICLES_DIR}/{esc(quote(data.pages[f["article_id"]]))}">'
                        f'{esc(f["article_id"])}</a> {cells[0]}')
        anchor = f' id="flag-{esc(f["id"])}"' if here is not None else ""
        rows.append(f"<tr{anchor}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("claim", "state", "check", "message", "numbers", "related", "raised"))
    return f'<table class="flags"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _legend(labels: Iterable[str]) -> str:
    spans = [f'<span style="background: {COLORS.get(lb.upper(), ENTITY_COLOR)}">{esc(lb)}</span>' for lb in labels]
    spans += ['<span class="claim-key">claim value, unaudited</span>', '<span class="accept-key">accepted</span>',
              '<span class="fix-key">fixed</span>', '<span class="reject-key">rejected</span>',
              '<span class="misstated-key">misstated (the figure is false)</span>',
              '<span class="flag-key">open flag</span>']
    spans.append('<span class="boilerplate-key">boilerplate (outside the body)</span>')
    return f'<div class="legend">{"".join(spans)}</div>'


def _label_order(label: str) -> tuple[int, str]:
    u = label.upper()
    return (0 if u in QUANTITY_LABELS else 1 if u in DATE_LABELS else 2, u)


def render_article(db: sqlite_utils.Database, article: dict[str, Any], data: StoreData) -> str:
    """The HTML page of one article."""
    aid = article["id"]
    text = db.execute("select text from articles where id = ?", [aid]).fetchone()[0] or ""
    sentences = _rows(db, "select id, idx, start, end from sentences where article_id = ? order by start", [aid])
    mentions = _rows(db, "select id, type, start, end, value, unit, period, entity_id from mentions "
                         "where article_id = ? order by start", [aid])
    claims = _rows(db, "select * from claims where article_id = ? order by start, end, id", [aid])
    flags = data.flags_by_article.get(aid, [])
    sent_idx = {s["id"]: s["idx"] for s in sentences}

    title = article.get("title") or aid
    meta = [f"<span>id {esc(aid)}</span>"]
    for k in ("source", "published", "path"):
        if article.get(k):
            meta.append(f"<span>{k} {esc(article[k])}</span>")
    url = article.get("url")
    if url and urlsplit(str(url)).scheme in ("http", "https"):
        meta.append(f'<span><a href="{esc(url)}" rel="noreferrer">original</a></span>')
    body_start, body_end = article.get("body_start"), article.get("body_end")
    meta.append(f"<span>body chars {esc(body_start)}–{esc(body_end)} of {len(text)}</span>")
    open_flags = sum(data.is_open(f) for f in flags)
    labels = sorted({(m["type"] or "ENTITY") for m in mentions}, key=_label_order)
    body = "\n".join([
        '<nav><a href="../index.html">← index</a><a href="#text">text</a>'
        f'<a href="#claims">claims ({len(claims)})</a><a href="#flags">flags ({open_flags} open)</a></nav>',
        f"<h1>{esc(title)}</h1>",
        f'<div class="meta">{"".join(meta)}</div>',
        _legend(labels),
        '<h2 id="text">Text</h2>',
        render_text(article, text, sentences, mentions, claims, data),
        f'<h2 id="claims">Claims ({len(claims)})</h2>',
        _claims_table(claims, sent_idx, data),
        f'<h2 id="flags">Flags ({len(flags)}, {open_flags} open)</h2>',
        _flags_table(flags, data, aid),
    ])
    return _page(f"{title} · extractor report", body)


# ---------------------------------------------------------------------------------------------- index page


def _pct(x: Any) -> str:
    return "–" if x is None else f"{x:.1%}"


def render_index(db: sqlite_utils.Database, data: StoreData, db_label: str) -> str:
    """The index page: totals, claims and precision per indicator, open flags, articles, failures."""
    stats = collect(db)
    audited = audited_precision(db)
    precision = {r["indicator"]: r for r in audited["by_indicator"]}
    counts = stats["counts"]
    all_flags = [f for fs in data.flags_by_article.values() for f in fs]
    open_flags = [f for f in all_flags if data.is_open(f)]
    claims_per_article = {r["article"]: r["claims"] for r in stats["by_article"]}

    cards = [("articles", counts.get("articles", 0)), ("claims", counts.get("claims", 0)),
             ("audited", audited.get("audited") or 0), ("precision", _pct(audited["overall"])),
             ("open flags", len(open_flags)), ("failures", counts.get("failures", 0))]
    cards_html = "".join(f'<div><div class="big">{esc(fmt_num(v))}</div>{esc(k)}</div>' for k, v in cards)

    ind_rows = []
    for r in stats["by_indicator"]:
        ind = data.indicators.get(r["indicator"])
        p = precision.get(r["indicator"], {})
        ind_rows.append(
            f'<tr><td>{esc(r["indicator"])}</td><td>{esc(ind["name"] if ind else "")}</td>'
            f'<td class="num">{r["claims"]}</td><td class="num">{p.get("audited") or 0}</td>'
            f'<td class="num">{p.get("accepted") or 0}</td><td class="num">{p.get("fixed") or 0}</td>'
            f'<td class="num">{p.get("rejected") or 0}</td><td class="num">{_pct(p.get("precision"))}</td></tr>'
        )
    # Audited claims whose rows are gone (re-extracted away) still count in precision.
    for ind_id, p in precision.items():
        if not any(r["indicator"] == ind_id for r in stats["by_indicator"]):
            ind_rows.append(
                f'<tr><td>{esc(ind_id)}</td><td class="small">no current claims</td><td class="num">0</td>'
                f'<td class="num">{p["audited"]}</td><td class="num">{p["accepted"] or 0}</td>'
                f'<td class="num">{p["fixed"] or 0}</td><td class="num">{p["rejected"] or 0}</td>'
                f'<td class="num">{_pct(p["precision"])}</td></tr>'
            )
    ind_head = "".join(f"<th>{h}</th>" for h in ("indicator", "name", "claims", "audited", "accepted", "fixed",
                                                 "rejected", "precision"))
    ind_table = (f'<table class="indicators"><thead><tr>{ind_head}</tr></thead><tbody>{"".join(ind_rows)}</tbody></table>'
                 if ind_rows else '<p class="empty">No claims.</p>')

    art_rows = []
    for a in data.articles:
        flags = data.flags_by_article.get(a["id"], [])
        n_open = sum(data.is_open(f) for f in flags)
        href = f"{ARTICLES_DIR}/{quote(data.pages[a['id']])}"
        art_rows.append(
            f'<tr data-article-id="{esc(a["id"])}"><td><a class="article-link" href="{esc(href)}">'
            f'{esc(a.get("title") or a["id"])}</a><div class="small">{esc(a["id"])}</div></td>'
            f'<td>{esc(a.get("source"))}</td><td>{esc(a.get("published"))}</td>'
            f'<td class="num">{claims_per_article.get(a["id"], 0)}</td><td class="num">{n_open}</td></tr>'
        )
    art_head = "".join(f"<th>{h}</th>" for h in ("article", "source", "published", "claims", "open flags"))
    art_table = (f'<table class="articles"><thead><tr>{art_head}</tr></thead><tbody>{"".join(art_rows)}</tbody></table>'
                 if art_rows else '<p class="empty">No articles.</p>')

    fail_html = '<p class="empty">No failures.</p>'
    if data.failures:
        fail_rows = "".join(
            f"<tr><td>{esc(f['path'])}</td><td>{esc(_failed_part(f))}</td><td>{esc(f['reason'])}</td><td>{esc(f['at'])}</td></tr>"
            for f in data.failures)
        fail_html = ("<table><thead><tr><th>path</th><th>what</th><th>reason</th><th>at</th></tr></thead>"
                     f"<tbody>{fail_rows}</tbody></table>")

    precision_line = (f"{_pct(audited['overall'])} over {audited['audited']} audited claims (accepted "
                      f"{audited['accepted']}, fixed {audited['fixed']}, rejected {audited['rejected']}, "
                      f"misstated {audited.get('misstated') or 0})"
                      if audited.get("audited") else "no claims audited yet (run <code>extractor audit</code>)")
    generated = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    body = "\n".join([
        '<nav><a href="#indicators">indicators</a><a href="#flags">open flags</a><a href="#articles">articles</a>'
        '<a href="#failures">failures</a></nav>',
        "<h1>Extracted claims</h1>",
        f'<div class="meta"><span>store {esc(db_label)}</span><span>generated {esc(generated)}</span></div>',
        f'<div class="cards">{cards_html}</div>',
        f'<p>Audited precision: {precision_line}.</p>',
        '<h2 id="indicators">Claims and audited precision per indicator</h2>',
        ind_table,
        f'<h2 id="flags">Open flags ({len(open_flags)} of {len(all_flags)})</h2>',
        _flags_table(open_flags, data, None),
        f'<h2 id="articles">Articles ({len(data.articles)})</h2>',
        art_table,
        f'<h2 id="failures">Failures ({len(data.failures)})</h2>',
        fail_html,
    ])
    return _page("Extracted claims · extractor report", body)


# ---------------------------------------------------------------------------------------------- writing


@dataclass
class ReportSummary:
    index: Path
    articles: int
    claims: int
    open_flags: int
    removed: int

    def line(self) -> str:
        extra = f"; removed {self.removed} stale page(s)" if self.removed else ""
        return (f"wrote {self.index} and {self.articles} article page(s) with {self.claims} claim(s), "
                f"{self.open_flags} open flag(s){extra}")


def _write(path: Path, content: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)


def write_report(db: sqlite_utils.Database, out_dir: str | Path, db_label: str = "") -> ReportSummary:
    """Write ``index.html`` and ``articles/<id>.html`` under ``out_dir``.

    Article pages left over from an earlier report (articles no longer in the store) are removed,
    but only files this report wrote (recognised by their generator tag).
    """
    out = Path(out_dir)
    pages_dir = out / ARTICLES_DIR
    pages_dir.mkdir(parents=True, exist_ok=True)
    data = load(db)
    written: set[str] = set()
    for article in data.articles:
        name = data.pages[article["id"]]
        _write(pages_dir / name, render_article(db, article, data))
        written.add(name)
    removed = 0
    tag = f'<meta name="generator" content="{GENERATOR}">'
    for old in pages_dir.glob("*.html"):
        if old.name not in written and tag in old.read_text(encoding="utf-8", errors="replace")[:2000]:
            old.unlink()
            removed += 1
    index = out / "index.html"
    _write(index, render_index(db, data, db_label))
    open_flags = sum(data.is_open(f) for fs in data.flags_by_article.values() for f in fs)
    return ReportSummary(index, len(data.articles), len(data.claim_home), open_flags, removed)
