"""Claims: who, what, where and when for every figure, linked to the indicator catalog.

The ``claim_builder`` component turns the quantities of a doc into claims (``GOLD_GUIDE.md``
fields) on ``doc.spans["claims"]``, each span (the value) carrying ``span._.claim``:

- ``measure``, ``value`` (signed for growth; negative for a deficit), ``unit``;
- ``phrase`` (what the figure measures, found through the dependency parse) and ``indicator``
  with its ``indicator_score`` and ``indicator_candidates`` (``[(id, score), ...]``, best first);
- ``geo``/``partner`` (ISO codes) with ``geo_how`` (``phrase``, ``sentence``, ``paragraph``,
  ``article``), ``period`` with ``period_how`` (``clause``, ``sentence``, ``paragraph``, ``now``);
- ``change`` (a rate in the same clause: value, unit, direction, basis), ``approx``, ``modality``,
  ``source`` with ``source_how``; ``quote`` offsets; ``confidence`` in [0, 1].

Every rule is about the language of economic news, never about a particular article; the word
lists live in ``extractor/data/claims.yaml``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup, Token

from .entities import link_place
from .indicators import IndicatorLinker
from .periods import Anchor
from .rules import load_data

SPANS_KEY = "claims"

if not Span.has_extension("claim"):
    Span.set_extension("claim", default=None)

CURRENCY_RX = re.compile(r"^[A-Z]{3}(?: per .+)?$")


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    return load_data("claims.yaml")


def _rx(words: Iterable[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.I)


@dataclass
class Ctx:
    """Per-document state while building claims."""

    doc: Doc
    quantities: list[tuple[Span, dict]]
    dates: list[tuple[Span, dict]]
    anchor: Anchor | None
    article_geo: str | None = None
    last_geo: dict[str, str] = field(default_factory=dict)  # "province"/"country" -> code


def _sent(doc: Doc, char: int) -> Span | None:
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return span[0].sent if span is not None and len(span) else None


def _para_bounds(text: str, pos: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    return s, (len(text) if e < 0 else e)


class ClaimBuilder:
    def __init__(self, threshold: float = 0.72, top_k: int = 3):
        self.linker = IndicatorLinker(threshold=threshold, top_k=top_k)
        r = rules()
        self.share_before = _rx(r["share_cues_before"])
        self.ratio_after = _rx(r["ratio_cues_after"])
        self.reporting_verbs = set(r["reporting_verbs"])
        self.target_cues = set(r["target_cues"])
        self.forecast_cues = set(r["forecast_cues"])
        self.clause_breaks = re.compile(r["clause_breaks"], re.I)
        self.yoy = re.compile(r["basis_yoy"], re.I)
        self.mom = re.compile(r["basis_mom"], re.I)
        self.deficit_words = _rx(r["deficit_words"])
        self.price_words = _rx(r["price_words"])
        self.partner_preps = set(r["partner_prepositions"])
        self.anaphora = {k: v for k, v in r["place_anaphora"].items()}
        self.unnamed_sources = _rx(r["unnamed_sources"])
        self.skip_before = re.compile(r["not_a_claim_before"], re.I)

    # ------------------------------------------------------------------------------------------

    def build(self, doc: Doc, qkey: str = "quantities", dkey: str = "dates") -> list[tuple[Span, dict]]:
        qs = [(s, s._.quantity) for s in doc.spans.get(qkey, []) if s._.quantity is not None]
        ds = [(s, s._.timex) for s in doc.spans.get(dkey, []) if s._.timex is not None]
        ctx = Ctx(doc, qs, ds, Anchor.from_iso(doc._.published))
        ctx.article_geo = self._article_geo(doc)
        pairs = self._pair_changes(doc, qs)
        attached = set(pairs.values())
        out = []
        prev_claim: dict | None = None
        credits: dict[int, tuple[str, int]] = {}
        for i, (span, q) in enumerate(qs):
            if i in attached or not self._is_claim(doc, span, q):
                self._remember_places(ctx, doc, span.start_char)
                continue
            change = qs[pairs[i]][1] if i in pairs else None
            claim = self._claim(ctx, span, q, change, prev_claim, credits)
            if claim is None:
                continue
            out.append((span, claim))
            prev_claim = claim
        return out

    # -- which quantities are claims --------------------------------------------------------------

    def _is_claim(self, doc: Doc, span: Span, q: dict) -> bool:
        if q.get("conversion_of") is not None or q["value"] is None:
            return False
        unit = q["unit"] or ""
        if unit in ("fraction", "year", "month", "week", "day", "hour", "minute", "second", "decade", "quarter"):
            return False
        before = doc.text[max(0, q["start"] - 25):q["start"]]
        if self.skip_before.search(before):
            return False
        if unit == "count":
            if not re.search(r"\d", q["text"]):
                return False  # "three tasks": a count in words is a description, not a statistic
        return True

    # -- pairing a rate with the level it qualifies ------------------------------------------------

    def _pair_changes(self, doc: Doc, qs: list[tuple[Span, dict]]) -> dict[int, int]:
        """level index -> change index, for a change rate in the same clause as a level."""
        text = doc.text
        pairs: dict[int, int] = {}
        used: set[int] = set()
        for ci, (cs, c) in enumerate(qs):
            if not c["direction"] or c["unit"] not in ("percent", "percentage_point", "basis_point", "times"):
                continue
            csent = cs.sent
            cands = []
            for li, (ls, lv) in enumerate(qs):
                if li == ci or li in pairs or lv["direction"] or lv.get("conversion_of") is not None:
                    continue
                if lv["unit"] in ("percent", "percentage_point", "basis_point", None, "fraction", "times"):
                    continue
                if ls.sent.start != csent.start:
                    continue
                a, b = (lv["end"], c["start"]) if li < ci else (c["end"], lv["start"])
                between = text[a:b]
                others = [k for k, (_, o) in enumerate(qs) if a <= o["start"] < b and k not in (li, ci)
                          and o.get("conversion_of") is None]
                if others or self.clause_breaks.search(between):
                    continue
                cands.append((li, li > ci))
            if not cands:
                continue
            after = text[c["end"]:c["end"] + 30]
            forward = re.match(r"^\s*(?:year-on-year|yoy|y/y|from a year (?:earlier|ago)|month-on-month)?\s*,?\s*(?:to|to reach|reaching|at)\b", after, re.I)
            following = [li for li, fwd in cands if fwd]
            preceding = [li for li, fwd in cands if not fwd]
            if forward and following:
                li = following[0]
            elif preceding:
                li = preceding[-1]
            else:
                li = following[0]
            pairs[li] = ci
            used.add(ci)
        return pairs

    # -- one claim -----------------------------------------------------------------------------------

    def _claim(self, ctx: Ctx, span: Span, q: dict, change: dict | None, prev: dict | None,
               credits: dict[int, tuple[str, int]]) -> dict | None:
        doc = ctx.doc
        text = doc.text
        sent = span.sent
        unit = q["unit"]
        value = q["value"]
        phrase_span, whole_span = self._measured_phrase(doc, span, q)
        phrase = phrase_span.text if phrase_span is not None else ""
        measure = self._measure(doc, span, q, change, phrase)
        # what it measures
        link_text = self._link_text(phrase_span)
        candidates = self.linker.link(link_text) if link_text else []
        if (not candidates or measure == "share") and whole_span is not None:
            whole_text = self._link_text(whole_span)
            whole_cands = self.linker.link(whole_text) if whole_text else []
            if whole_cands and (not candidates or measure == "share" and self._is_place_phrase(phrase_span)):
                candidates = whole_cands
        if measure == "ratio" and candidates:
            candidates = self._ratio_indicator(candidates)
        indicator, score = candidates[0] if candidates else (None, 0.0)
        if self.deficit_words.search(phrase) or self.deficit_words.search(text[max(0, q["end"]):q["end"] + 12]):
            if value is not None and value > 0 and re.search(r"deficit", phrase + text[q["end"]:q["end"] + 12], re.I):
                value = -value
            if indicator and indicator.endswith((".total", ".trade")) and re.search(r"deficit|surplus|balance", phrase, re.I):
                base = indicator.split(".")[0]
                bal = f"{base}.balance"
                if any(i == bal for i in self.linker._ids):
                    indicator = bal
        if measure == "growth" and q["direction"] == "down" and value is not None:
            value = -abs(value)

        geo, partner, geo_how = self._geo(ctx, span, q, phrase_span, whole_span, measure, prev)
        period, period_start, period_end, period_how = self._period(ctx, span, q, change, prev)
        source, source_how = self._source(ctx, span, q, credits)
        modality = self._modality(doc, span)
        change_obj = self._change(doc, change) if change else None
        qstart = min([q["start"]] + ([phrase_span.start_char] if phrase_span is not None and phrase_span.start_char >= sent.start_char
                                     and phrase_span.start_char < q["start"] else []) + ([change["start"]] if change else []))
        qend = max([q["end"]] + ([change["end"]] if change else []))
        if q.get("approx_start") is not None and q["approx_start"] < qstart:
            qstart = q["approx_start"]
        confidence = self._confidence(score if indicator else 0.0, geo_how, period_how, source_how)
        return {
            "start": q["start"],
            "end": q["end"],
            "text": q["text"],
            "quote_start": qstart,
            "quote_end": qend,
            "quote": text[qstart:qend],
            "value": value,
            "unit": unit,
            "measure": measure,
            "indicator": indicator,
            "indicator_score": score,
            "indicator_candidates": candidates,
            "phrase": phrase,
            "phrase_start": phrase_span.start_char if phrase_span is not None else None,
            "phrase_end": phrase_span.end_char if phrase_span is not None else None,
            "geo": geo,
            "geo_how": geo_how,
            "partner": partner,
            "period": period,
            "period_start": period_start,
            "period_end": period_end,
            "period_how": period_how,
            "change": change_obj,
            "approx": q["approx"],
            "modality": modality,
            "source": source,
            "source_how": source_how,
            "confidence": confidence,
            "label": q["label"],
        }

    # -- measure ---------------------------------------------------------------------------------------

    def _measure(self, doc: Doc, span: Span, q: dict, change: dict | None, phrase: str) -> str:
        unit = q["unit"] or ""
        text = doc.text
        if unit in ("percent", "percentage_point", "basis_point"):
            before = text[max(0, span.sent.start_char, q["start"] - 60):q["start"]]
            after = text[q["end"]:q["end"] + 40]
            if self.ratio_after.search(after[:25]):
                return "ratio"
            if q["direction"] or (unit == "percentage_point" and re.match(r"^\s*(?:higher|lower|more|less|faster|slower)\b", after)):
                return "growth"
            if self.share_before.search(before[-40:]) or re.match(r"^\s*of\s+(?:the\s+)?(?:\w+'s\s+|\w+’s\s+)?(?:total|overall|all|national|global|world)", after):
                return "share"
            return "level"
        if unit == "times":
            return "ratio"
        if unit == "count":
            return "count"
        if " per " in unit or self.price_words.search(phrase):
            return "price"
        return "level"

    # -- what is measured ----------------------------------------------------------------------------

    def _measured_phrase(self, doc: Doc, span: Span, q: dict) -> tuple[Span | None, Span | None]:
        """(the phrase the figure measures, the whole it is a share of) from the dependency parse."""
        root = span.root
        whole = None
        # "... 23.1 percent of the country's total": the whole after "of"
        for child in root.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if objs:
                    whole = doc[objs[0].left_edge.i: objs[0].right_edge.i + 1]
        tok = root
        for _ in range(8):
            head = tok.head
            if head is tok:
                break
            # "a trade surplus of 148.08 billion yuan", "a deficit of about US$20 billion"
            if tok.dep_ == "pobj" and head.lower_ in ("of",) and head.head.pos_ in ("NOUN", "PROPN") and not self._is_change_noun(head.head):
                noun = head.head
                return self._np(doc, noun, exclude=head), whole
            # "the $10 billion deficit in the industry"
            if tok.dep_ in ("compound", "nmod", "amod", "nummod", "quantmod") and head.pos_ == "NOUN" and head.i > span.end - 1 \
                    and not self._is_change_noun(head):
                return self._np(doc, head, exclude=None, skip=span), whole
            if head.pos_ in ("VERB", "AUX"):
                subj = self._subject(head)
                if subj is not None:
                    return self._np(doc, subj, exclude=None), whole
            tok = head
        return self._window_phrase(doc, span), whole

    @staticmethod
    def _is_change_noun(tok: Token) -> bool:
        return tok.lemma_.lower() in ("increase", "rise", "decrease", "decline", "drop", "fall", "growth", "gain", "jump")

    def _subject(self, verb: Token) -> Token | None:
        v = verb
        for _ in range(4):
            for c in v.children:
                if c.dep_ in ("nsubj", "nsubjpass", "csubj"):
                    if c.lower_ in ("it", "they", "this", "which", "that") :
                        # "now it has exceeded ...": the subject of the previous clause
                        break
                    return c
            if v.dep_ in ("advcl", "conj", "xcomp", "ccomp", "acl", "relcl", "prep", "pcomp", "pobj") and v.head is not v:
                v = v.head
                while v.pos_ not in ("VERB", "AUX") and v.head is not v:
                    v = v.head
                continue
            break
        return None

    @staticmethod
    def _np(doc: Doc, head: Token, exclude: Token | None, skip: Span | None = None) -> Span:
        toks = [t for t in head.subtree if not (exclude is not None and exclude.i <= t.i <= exclude.right_edge.i)]
        if skip is not None:
            toks = [t for t in toks if not (skip.start <= t.i < skip.end)]
        # stop at a relative clause or a comma-separated apposition after the head
        out = []
        for t in sorted(toks, key=lambda t: t.i):
            if t.i > head.i and (t.dep_ in ("relcl", "acl", "advcl") or t.text in (",", ";", "(", "—")):
                break
            out.append(t)
        if not out:
            return doc[head.i: head.i + 1]
        return doc[out[0].i: out[-1].i + 1]

    @staticmethod
    def _window_phrase(doc: Doc, span: Span) -> Span | None:
        sent = span.sent
        i = span.start - 1
        while i > sent.start and doc[i].text not in (",", ";", ":") and span.start - i < 10:
            i -= 1
        seg = doc[i + 1 if doc[i].text in (",", ";", ":") else i: span.start]
        return seg if len(seg) else None

    @staticmethod
    def _link_text(phrase: Span | None) -> str:
        if phrase is None:
            return ""
        words = []
        for t in phrase:
            if t.ent_type_ in ("GPE", "DATE", "MONEY", "PERCENT", "CARDINAL", "PERSON", "ORG", "TIME") and not t.ent_type_ == "ORG":
                continue
            if t.like_num or t.is_punct or t.tag_ == "POS":
                continue
            words.append(t.text)
        return " ".join(words)

    @staticmethod
    def _is_place_phrase(phrase: Span | None) -> bool:
        if phrase is None:
            return True
        content = [t for t in phrase if not (t.is_punct or t.is_stop)]
        return bool(content) and sum(1 for t in content if t.ent_type_ == "GPE" or t.lower_ in ("province", "provinces", "coastal", "together", "city", "cities")) >= len(content) * 0.6

    def _ratio_indicator(self, candidates: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """A share of GDP has its own indicator where the catalog has one (R&D -> rd.intensity)."""
        ids = set(self.linker._ids)
        out = []
        for iid, s in candidates:
            if iid == "rd.expenditure" and "rd.intensity" in ids:
                iid = "rd.intensity"
            out.append((iid, s))
        return out

    # -- where -----------------------------------------------------------------------------------------

    def _article_geo(self, doc: Doc) -> str | None:
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for e in doc.ents:
            if e.label_ == "GPE" and e.kb_id_:
                counts[e.kb_id_] += 1
                first.setdefault(e.kb_id_, e.start)
        if not counts:
            return None
        return sorted(counts, key=lambda c: (-counts[c], first[c]))[0]

    def _remember_places(self, ctx: Ctx, doc: Doc, upto: int) -> None:
        for e in doc.ents:
            if e.end_char > upto:
                break
            if e.label_ == "GPE" and e.kb_id_:
                kind = "province" if re.match(r"^[A-Z]{2}-", e.kb_id_) else "country"
                ctx.last_geo[kind] = e.kb_id_
                if kind == "province":
                    ctx.last_geo["country"] = e.kb_id_[:2]

    def _places_in(self, span: Span | None) -> list[tuple[str, Token | None]]:
        if span is None:
            return []
        out = []
        for e in span.ents:
            if e.label_ in ("GPE", "ORG") and e.kb_id_ and (e.label_ == "GPE" or e.kb_id_ in ("EU", "ASEAN", "BRI")):
                prev = span.doc[e.start - 1] if e.start > 0 else None
                out.append((e.kb_id_, prev))
        return out

    def _geo(self, ctx: Ctx, span: Span, q: dict, phrase: Span | None, whole: Span | None, measure: str,
             prev: dict | None) -> tuple[Any, str | None, str]:
        doc = ctx.doc
        self._remember_places(ctx, doc, span.start_char)
        partner = None
        geos: list[str] = []
        for code, prev_tok in self._places_in(phrase):
            if prev_tok is not None and prev_tok.lower_ in self.partner_preps:
                partner = partner or code
            else:
                geos.append(code)
        how = "phrase"
        if not geos and phrase is not None:
            # "the province", "the country", "the southern province"
            for t in phrase:
                kind = self.anaphora.get(t.lower_)
                if kind and ctx.last_geo.get(kind):
                    geos.append(ctx.last_geo[kind])
                    break
        if not geos:
            # the subject of the sentence is a place: "Guangdong invested ..."
            sent = span.sent
            for e in sent.ents:
                if e.end_char > q["start"]:
                    break
                if e.label_ == "GPE" and e.kb_id_ and e.root.dep_ in ("nsubj", "nsubjpass", "poss") and \
                        not (e.start > 0 and doc[e.start - 1].lower_ in self.partner_preps):
                    geos.append(e.kb_id_)
                    how = "sentence"
                    break
        if not geos:
            para_start, _ = _para_bounds(doc.text, q["start"])
            if prev is not None and prev.get("geo") and _para_bounds(doc.text, prev["start"])[0] == para_start:
                g = prev["geo"]
                return g, partner, "paragraph"
            if ctx.article_geo:
                return ctx.article_geo, partner, "article"
            return None, partner, "none"
        uniq = sorted(set(geos))
        return (uniq[0] if len(uniq) == 1 else uniq), partner, how

    # -- when -------------------------------------------------------------------------------------------

    def _period(self, ctx: Ctx, span: Span, q: dict, change: dict | None, prev: dict | None):
        doc = ctx.doc
        sent = span.sent
        cands = []
        for ds, d in ctx.dates:
            if ds.sent.start != sent.start or not d["period"]:
                continue
            if self._attached_to_reporting(ds):
                continue
            dist = ds.start - span.end if ds.start >= span.end else span.start - ds.end
            # a date closer to another figure of the sentence belongs to that figure
            owner = min(
                (abs(((ds.start - os.end) if ds.start >= os.end else (os.start - ds.end))), k)
                for k, (os, o) in enumerate(ctx.quantities) if os.sent.start == sent.start and o.get("conversion_of") is None
            )
            mine = abs(dist)
            cands.append((mine > owner[0] + 3, mine, d))
        if cands:
            cands.sort(key=lambda c: (c[0], c[1]))
            d = cands[0][2]
            return d["period"], d["period_start"], d["period_end"], "sentence"
        # "now it has exceeded ...": the publication date
        if any(t.lower_ in ("now", "currently") for t in sent) and ctx.anchor is not None:
            a = ctx.anchor
            iso = f"{a.year:04d}" + (f"-{a.month:02d}" if a.month else "")
            return iso, None, None, "now"
        # the last period stated before, in the paragraph or the few sentences before it
        text = doc.text
        para_start, _ = _para_bounds(text, q["start"])
        before = [(ds, d) for ds, d in ctx.dates if ds.end_char <= sent.start_char and d["period"]
                  and not self._attached_to_reporting(ds)]
        if before:
            ds, d = before[-1]
            sents_between = sum(1 for s in doc[ds.end: sent.start].sents) if ds.end < sent.start else 0
            if ds.start_char >= para_start:
                return d["period"], d["period_start"], d["period_end"], "paragraph"
            if sents_between <= 2 and re.match(r"^\s*(?:of them|of these|of which|among them|among these|in particular|meanwhile|also)\b", text[sent.start_char:sent.start_char + 20], re.I):
                return d["period"], d["period_start"], d["period_end"], "paragraph"
        return None, None, None, "none"

    def _attached_to_reporting(self, ds: Span) -> bool:
        """"said on Thursday", "reported by Xinhua in June": the date of the statement, not the figure."""
        tok = ds.root
        for _ in range(3):
            head = tok.head
            if head is tok:
                return False
            if head.pos_ in ("VERB", "AUX"):
                return head.lemma_.lower() in self.reporting_verbs
            tok = head
        return False

    # -- who says so ------------------------------------------------------------------------------------

    def _source(self, ctx: Ctx, span: Span, q: dict, credits: dict[int, tuple[str, int]]) -> tuple[str | None, str]:
        doc = ctx.doc
        text = doc.text
        sent = span.sent
        name = self._credit_in(doc, sent, q["start"])
        para_start, _ = _para_bounds(text, q["start"])
        if name:
            credits[para_start] = (name, sent.start)
            return name, "sentence"
        # a quotation: the speaker after the closing quote, or before the opening one
        quote = self._quote_speaker(doc, q["start"])
        if quote:
            return quote, "quote"
        # a credit earlier in the paragraph covers the run of figure sentences that follows it
        if para_start in credits:
            cname, csent = credits[para_start]
            if self._run_of_figures(ctx, csent, sent.start):
                credits[para_start] = (cname, sent.start)
                return cname, "paragraph"
        return None, "none"

    def _credit_in(self, doc: Doc, sent: Span, pos: int) -> str | None:
        s = sent.text
        base = sent.start_char
        pats = rules()["credit_patterns"]
        for p in pats:
            for m in re.finditer(p, s):
                name = self._entity_at(doc, base + m.start("who"), base + m.end("who"))
                if name:
                    return name
        # "X said" / "said X" through the parse
        for t in sent:
            if t.lemma_.lower() in self.reporting_verbs and t.pos_ == "VERB":
                for c in t.children:
                    if c.dep_ in ("nsubj", "nsubjpass") or (c.dep_ == "agent"):
                        who = c if c.dep_ != "agent" else next((g for g in c.children if g.dep_ == "pobj"), None)
                        if who is None:
                            continue
                        name = self._name_for(doc, who)
                        if name:
                            return name
        return None

    def _entity_at(self, doc: Doc, s: int, e: int) -> str | None:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None:
            return None
        for ent in span.ents:
            if ent.label_ in ("ORG", "PERSON", "GPE", "NORP"):
                if ent.label_ == "GPE":
                    # "Guangdong customs": the place names the body
                    tail = doc[ent.end: span.end]
                    if len(tail) and tail[0].lower_ in ("customs", "government", "authorities", "statistics"):
                        return doc[ent.start: ent.end + 1].text
                    continue
                return self._full_name(doc, ent)
        txt = span.text.strip()
        if self.unnamed_sources.search(txt):
            return None
        return None

    def _name_for(self, doc: Doc, tok: Token) -> str | None:
        if tok.ent_type_ in ("PERSON", "ORG"):
            for ent in doc.ents:
                if ent.start <= tok.i < ent.end:
                    return self._full_name(doc, ent)
        if tok.lower_ in ("he", "she"):
            persons = [e for e in doc.ents if e.label_ == "PERSON" and e.end <= tok.i]
            return self._full_name(doc, persons[-1]) if persons else None
        if tok.ent_type_ == "GPE":
            return None
        # "a trade official said": unnamed, unless the next sentence names him with a title
        return None

    @staticmethod
    def _full_name(doc: Doc, ent: Span) -> str:
        if ent.label_ != "PERSON" or len(ent) > 1:
            return ent.text
        for e in doc.ents:
            if e.label_ == "PERSON" and len(e) > 1 and (e[0].text == ent.text or e[-1].text == ent.text):
                return e.text
        return ent.text

    def _quote_speaker(self, doc: Doc, pos: int) -> str | None:
        text = doc.text
        para_start, para_end = _para_bounds(text, pos)
        seg = text[para_start:para_end]
        rel = pos - para_start
        opens = [m.start() for m in re.finditer(r"[“\"]", seg)]
        closes = [m.start() for m in re.finditer(r"[”\"]", seg)]
        o = max([x for x in opens if x < rel], default=None)
        c = min([x for x in closes if x > rel], default=None)
        if o is None or c is None:
            return None
        after = seg[c + 1:c + 80]
        m = re.match(r"^[,.]?\s*(?P<who>[^,.;“”]{2,60}?)\s+(?:said|says|told|added|noted|stressed|pointed out)\b", after)
        if m:
            name = self._entity_at(doc, para_start + c + 1 + m.start("who"), para_start + c + 1 + m.end("who"))
            if name:
                return name
            who = m.group("who").strip()
            if who.lower() in ("he", "she"):
                persons = [e for e in doc.ents if e.label_ == "PERSON" and e.end_char <= para_start + c]
                return self._full_name(doc, persons[-1]) if persons else None
        m = re.search(r"(?P<who>[A-Z][\w .'-]{1,60}?)\s+(?:said|says|told [^:“]*)\s*[:,]\s*$", seg[max(0, o - 120):o])
        if m:
            return self._entity_at(doc, para_start + max(0, o - 120) + m.start("who"), para_start + max(0, o - 120) + m.end("who"))
        return None

    def _run_of_figures(self, ctx: Ctx, from_sent: int, to_sent: int) -> bool:
        """Every sentence from the credited one to this one states a figure."""
        doc = ctx.doc
        starts = {s.sent.start for s, _ in ctx.quantities}
        for s in doc[from_sent: to_sent].sents:
            if s.start not in starts:
                return False
        return True

    # -- modality, change, confidence ------------------------------------------------------------

    def _modality(self, doc: Doc, span: Span) -> str:
        tok = span.root
        verb = None
        for _ in range(4):
            if tok.pos_ in ("VERB", "AUX"):
                verb = tok
                break
            if tok.head is tok:
                break
            tok = tok.head
        if verb is None:
            return "reported"
        chain = [verb]
        if verb.dep_ in ("xcomp", "ccomp") and verb.head is not verb:
            chain.append(verb.head)
        for v in chain:
            auxes = [c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")]
            lemma = v.lemma_.lower()
            if lemma in self.target_cues or any(a in ("should", "must") for a in auxes):
                return "target"
            if lemma in self.forecast_cues or any(a in ("will", "would", "could", "may", "might", "shall") for a in auxes):
                return "forecast"
        # "a target of 5 percent", "is expected to reach"
        window = doc.text[max(span.sent.start_char, span.start_char - 40):span.start_char].lower()
        if re.search(r"\b(?:target|goal|aim|aims|aimed|targets)\b(?: of| to| at)?", window):
            return "target"
        if re.search(r"\b(?:forecast|projected|expected|estimated to|predicts?|sees)\b", window):
            return "forecast"
        return "reported"

    def _change(self, doc: Doc, c: dict) -> dict:
        text = doc.text
        sent = _sent(doc, c["start"])
        end = sent.end_char if sent is not None else len(text)
        window = text[c["end"]: min(end, c["end"] + 45)]
        before = text[max(0, c["start"] - 30):c["start"]]
        basis = None
        if self.yoy.search(window) or self.yoy.search(before):
            basis = "yoy"
        elif self.mom.search(window) or self.mom.search(before):
            basis = "mom"
        else:
            m = re.search(r"\b(?:from|compared with|over|than|against)\s+(?:in\s+)?(?:the\s+)?(1[89]\d\d|20\d\d)\b", window)
            if m:
                basis = m.group(1)
        return {"value": abs(c["value"]) if c["value"] is not None else None, "unit": c["unit"],
                "direction": c["direction"], "basis": basis}

    @staticmethod
    def _confidence(link: float, geo_how: str, period_how: str, source_how: str) -> float:
        g = {"phrase": 1.0, "sentence": 0.9, "paragraph": 0.75, "article": 0.55, "none": 0.3}[geo_how]
        p = {"clause": 1.0, "sentence": 0.95, "now": 0.8, "paragraph": 0.75, "none": 0.4}[period_how]
        s = {"sentence": 1.0, "quote": 0.95, "paragraph": 0.85, "none": 0.7}[source_how]
        link_part = link if link else 0.3
        return round(0.45 * link_part + 0.25 * g + 0.2 * p + 0.1 * s, 3)


class ClaimComponent:
    def __init__(self, name: str, spans_key: str, quantities_key: str, dates_key: str, threshold: float, top_k: int):
        self.name = name
        self.spans_key = spans_key
        self.quantities_key = quantities_key
        self.dates_key = dates_key
        self.builder = ClaimBuilder(threshold=threshold, top_k=top_k)

    def __call__(self, doc: Doc) -> Doc:
        group = SpanGroup(doc, name=self.spans_key)
        for span, claim in self.builder.build(doc, self.quantities_key, self.dates_key):
            claim["indicator_candidates"] = [list(c) for c in claim["indicator_candidates"]]
            span2 = Span(doc, span.start, span.end, label="CLAIM")
            span2._.claim = claim
            group.append(span2)
        doc.spans[self.spans_key] = group
        return doc

    def to_disk(self, path, exclude=()):
        pass

    def from_disk(self, path, exclude=()):
        return self


@Language.factory(
    "claim_builder",
    requires=["doc.ents", "doc.sents", "token.dep"],
    assigns=["doc.spans", "span._.claim"],
    default_config={"spans_key": SPANS_KEY, "quantities_key": "quantities", "dates_key": "dates",
                    "threshold": 0.72, "top_k": 3},
)
def make_claim_builder(nlp: Language, name: str, spans_key: str, quantities_key: str, dates_key: str,
                       threshold: float, top_k: int) -> ClaimComponent:
    """Build claims from quantities, dates and entities.

    spans_key: the ``doc.spans`` key the claims are written to (one span per value).
    quantities_key, dates_key: where the quantity and date spans are read from.
    threshold: the indicator link score below which a claim's indicator is null.
    top_k: how many indicator candidates each claim keeps.
    """
    return ClaimComponent(name, spans_key, quantities_key, dates_key, threshold, top_k)


def claims(doc: Doc, key: str = SPANS_KEY) -> list[dict]:
    return [s._.claim for s in doc.spans.get(key, []) if s._.claim is not None]
