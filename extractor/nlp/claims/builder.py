"""Claims: who, what, where and when for every figure, linked to the indicator catalog.

The ``claim_builder`` component turns the quantities of a doc into claims (``GOLD_GUIDE.md``
fields) on ``doc.spans["claims"]``, each span (the value) carrying ``span._.claim``:

- ``measure``, ``value`` (signed for growth; negative for a deficit), ``unit``;
- ``phrase`` (what the figure measures, found through the dependency parse) and ``indicator``
  with its ``indicator_score`` and ``indicator_candidates`` (``[(id, score), ...]``, best first);
- ``geo``/``partner`` (ISO codes) with ``geo_how`` (``phrase``, ``sentence``, ``previous``,
  ``paragraph``, ``article``), ``period`` with ``period_how`` (``sentence``, ``now``,
  ``paragraph``), ``source`` with ``source_how`` (``sentence``, ``quote``, ``run``);
- ``change`` (a rate in the same clause: value, unit, direction, basis), ``approx``, ``modality``;
  ``quote`` offsets; ``confidence`` in [0, 1] from how each part was found.

Claims are built in two passes: what each figure's own sentence says, then what the context
supplies (a pronoun subject takes the previous claim's indicator, a share introduced by
"accounting for" is a share of the figure before it, a credit covers the run of figure sentences
around it). Every rule is about the language of economic news, never a particular article; the
word lists live in ``extractor/data/claims.yaml``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from spacy.language import Language
from spacy.attrs import LEMMA
from spacy.tokens import Doc, Span, SpanGroup, Token

from extractor.nlp.indicators.catalog import IndicatorLinker
from extractor.nlp.periods.iso import Anchor, parse_iso_period
from extractor.rules import load_data
from extractor.nlp.text import DATELINE, doc_text, forget, sentences

SPANS_KEY = "claims"

if not Span.has_extension("claim"):
    Span.set_extension("claim", default=None)


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    return load_data("claims.yaml")


def _rx(words: Iterable[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.I)


def _para_bounds(text: str, pos: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, pos) + 1
    e = text.find("\n", pos)
    return s, (len(text) if e < 0 else e)


def _same_months_in(year: str, period: str | None, days: bool) -> str | None:
    """``period``'s months (and days, with ``days``) in ``year``: "the same month of 2019" beside a
    2021-03 figure is 2019-03; "the same period of 2022" beside 2023-01/2023-09 is 2022-01/2022-09.
    None for a period at year precision or spanning years."""
    if not period:
        return None
    if re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?" if days else r"\d{4}-\d{2}", period):
        return year + period[4:]
    if re.fullmatch(r"(\d{4})(-\d{2})/\1(-\d{2})", period):
        return f"{year}{period[4:7]}/{year}{period[-3:]}"
    return None


#: prepositions of a figure a verb sets its object to ("cut its forecast to 1.9%")
_SET_TO = frozenset({"to", "above", "below", "at", "under", "over", "beyond"})
_TIME_NOUNS = frozenset({"year", "month", "quarter", "week", "day", "decade"})


def _unit_kind(unit: str | None) -> str | None:
    if not unit:
        return None
    if re.match(r"^[A-Z]{3}$", unit):
        return "currency"
    if re.match(r"^[A-Z]{3} per ", unit):
        return "price"
    return {"percent": "percent", "percentage_point": "percent", "basis_point": "percent", "count": "count",
            "times": "times"}.get(unit)


@dataclass
class Draft:
    """One claim while it is being built."""

    index: int
    span: Span
    q: dict
    change: dict | None
    measure: str
    phrase: Span | None
    candidates: list[tuple[str, float]]
    geo: list[str]
    partner: str | None
    geo_how: str
    period: dict | None
    period_how: str
    source: str | None
    source_how: str
    modality: str
    anaphoric: bool = False  # the subject is "it", "the figure", "its": the previous claim's
    share_of_previous: bool = False  # "..., accounting for 67.6 percent of ...": a share of the figure before
    basis_of_previous: bool = False  # "down from 7.8 percent": an earlier value of the same measure
    sent_start: int = 0
    para: int = 0
    extra: dict = field(default_factory=dict)


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
        self.growth_words = _rx(r["growth_words"])
        self.anaphora = dict(r["place_anaphora"])
        self.topic_heads = set(r["topic_heads"])
        self.counterpart_nouns = {str(k): str(v) for k, v in r["counterpart_nouns"].items()}
        self.part_nouns = set(r["part_nouns"])
        self.full_year = re.compile(r["full_year"], re.I)
        self.headline_period = re.compile(r["headline_period"], re.I)
        self.generic_topic_nouns = set(r["generic_topic_nouns"])
        self.place_nouns = {str(k).lower(): str(v) for k, v in r["place_nouns"].items()}
        self.unnamed = set(r["unnamed_sources"])
        self.skip_before = re.compile(r["not_a_claim_before"], re.I)
        self.not_claim_nouns = set(r["not_claim_nouns"])
        self.anaphoric_subjects = set(r["anaphoric_subjects"])
        self.basis_before = re.compile(r["basis_before"], re.I)
        self.same_period_of = re.compile(r["same_period_of"], re.I)
        self.value_of_before = re.compile(r["value_of_before"], re.I)
        self.earlier_value_before = re.compile(r["earlier_value_before"])
        self.measured_after = re.compile(r["measured_after"], re.I)
        self.credit_patterns = [re.compile(p) for p in r["credit_patterns"]]
        # a cheap test before parsing a sentence for a credit: a reporting verb in any form, or a
        # word the credit patterns start from
        stems = sorted({v[:-1] if len(v) > 4 else v for v in self.reporting_verbs} | set(r["irregular_reporting_forms"]))
        self.credit_hint = re.compile(
            r"\b(?:" + "|".join(map(re.escape, stems)) + r")\w*|\b(?:according|data|statistics|figures)\b", re.I
        )
        self.level_nouns = set(r["level_nouns"])
        self.speech_verbs = set(r["speech_verbs"])
        self.ratio_map = dict(r["ratio_of_gdp"])  # indicator id -> what the sentence must mention
        self.flat_cues = _rx(load_data("changes.yaml")["flat_cues"])
        self.import_words = _rx(r["import_flow_words"])
        self.export_words = _rx(r["export_flow_words"])

    # ------------------------------------------------------------------------------------------

    def build(self, doc: Doc, qkey: str = "quantities", dkey: str = "dates") -> list[tuple[Span, dict]]:
        # Doc.text, Doc.ents and Span.sent are recomputed on every access: index them once per document
        self._text = doc_text(doc)
        self._ents = list(doc.ents)
        self._sents = sentences(doc)
        self._sent_at = [0] * len(doc)
        for k, sent in enumerate(self._sents):
            for t in range(sent.start, sent.end):
                self._sent_at[t] = k
        qs = [(s, self._range_midpoint(s._.quantity)) for s in doc.spans.get(qkey, []) if s._.quantity is not None]
        self._q_starts = [q["start"] for _, q in qs if q.get("conversion_of") is None]
        self._all_dates = [(s, s._.timex) for s in doc.spans.get(dkey, []) if s._.timex is not None]
        self._dates = dates = [(s, t) for s, t in self._all_dates if t["period"]]
        self._mentioned_cache: dict[str, list[tuple[str, float]]] = {}
        anchor = Anchor.from_iso(doc._.published)
        self._speakers: list[tuple[int, str]] = []
        # the tokens whose lemma is a reporting verb, found once per document (a Token object per
        # token of every sentence was most of the cost of looking for credits)
        lemmas = doc.to_array(LEMMA) if len(doc) else []
        reporting = self._reporting_hashes(doc)
        self._reporting_tokens = [i for i, h in enumerate(lemmas) if int(h) in reporting]
        self._sent_credits = self._sentence_credits(doc)
        pairs = self._pair_changes(doc, qs)
        attached = set(pairs.values())
        drafts: list[Draft] = []
        for i, (span, q) in enumerate(qs):
            if i in attached or not self._is_claim(doc, span, q):
                continue
            change = qs[pairs[i]][1] if i in pairs else None
            drafts.append(self._draft(doc, i, span, q, change, qs, dates, anchor))
        self._resolve_context(doc, drafts)
        return [(d.span, self._finish(doc, d)) for d in drafts]

    @staticmethod
    def _range_midpoint(q: dict) -> dict:
        """A range ("shrink 20-25%", "4-5 per cent") states one claim: its value is the midpoint
        (gold/README.md); the bounds stay on the mention."""
        if q.get("value") is None and q.get("low") is not None and q.get("high") is not None and q.get("unit"):
            mid = (q["low"] + q["high"]) / 2
            return dict(q, value=int(mid) if float(mid).is_integer() else mid, is_range=True)
        return q

    def _reporting_hashes(self, doc: Doc) -> set[int]:
        if getattr(self, "_rh_vocab", None) is not doc.vocab:
            self._rh = {doc.vocab.strings.add(f) for v in self.reporting_verbs for f in (v, v.capitalize(), v.upper())}
            self._rh_vocab = doc.vocab
        return self._rh

    def _sent_of(self, x: Span | Token) -> Span:
        """The sentence of a span or token (from the per-document index)."""
        return self._sents[self._sent_at[x.start if isinstance(x, Span) else x.i]]

    def _ents_in(self, span: Span) -> list[Span]:
        return [e for e in self._ents if span.start <= e.start and e.end <= span.end]

    # -- which quantities are claims --------------------------------------------------------------

    def _is_claim(self, doc: Doc, span: Span, q: dict) -> bool:
        if q.get("conversion_of") is not None or q["value"] is None:
            return False
        unit = q["unit"] or ""
        if unit in ("fraction", "year", "month", "week", "day", "hour", "minute", "second", "decade", "quarter"):
            return False
        if self.skip_before.search(self._text[max(0, q["start"] - 25):q["start"]]):
            return False
        if unit == "count":
            if not re.search(r"\d", q["text"]):
                return False  # "three tasks": a count in words describes, it is not a statistic
            if (q.get("noun") or "") in self.not_claim_nouns:
                return False  # "23 comments": page furniture
        return True

    # -- pairing a rate with the level it qualifies ------------------------------------------------

    def _pair_changes(self, doc: Doc, qs: list[tuple[Span, dict]]) -> dict[int, int]:
        """level index -> change index, for a change rate in the same clause as a level."""
        text = self._text
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
                      and self._sent_of(ps).start == self._sent_of(cs).start]
            if before:
                qs[k] = (cs, dict(c, direction=before[-1][1]["direction"]))
        for ci, (cs, c) in enumerate(qs):
            if c["direction"] and _unit_kind(c["unit"]) == "currency" and ci + 1 < len(qs):
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
                if self._sent_of(ls).start != self._sent_of(cs).start:
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

    # -- pass 1: what the sentence says ------------------------------------------------------------

    def _draft(self, doc: Doc, i: int, span: Span, q: dict, change: dict | None, qs, dates, anchor) -> Draft:
        sent = self._sent_of(span)
        phrase, whole = self._measured_phrase(doc, span, q)
        measure = self._measure(doc, span, q, change, phrase.text if phrase is not None else "")
        kind = _unit_kind(q["unit"])
        link_units = "currency" if kind in ("currency", "price") else kind
        candidates = self._link(phrase, link_units)
        if q["unit"] == "count" and not candidates:
            # "12,202 technology contracts": the count's own noun says what it counts
            candidates = self._link(span, link_units, keep_numbers=False)
            verb = span.root.head
            if not candidates and verb.pos_ == "VERB" and span.root.dep_ in ("dobj", "nsubjpass", "attr"):
                # "China granted 907,000 invention patents": the verb says which count
                candidates = self.linker.link(f"{verb.text} {self._link_text(span)}", link_units)
        if (not candidates and not (phrase is not None and phrase.root.lemma_.lower() in self.part_nouns)) \
                or self._is_place_phrase(phrase):
            alt = self._verb_phrase(doc, span, of_whole=measure == "share")
            if alt:
                alt_c = self.linker.link(alt, link_units)
                if alt_c:
                    candidates = alt_c
        if phrase is not None and candidates and self._flow_only(phrase):
            # "the "new three" items saw exports jump 52.7 percent": the subject of the verb above
            # names the product whose flow it is
            upper = phrase.root.head
            while upper.head.i != upper.i and upper.dep_ in ("ccomp", "xcomp", "dep", "conj") and upper.pos_ in ("VERB", "AUX"):
                upper = upper.head
                subj = self._subject(upper)
                if subj is not None and not (phrase.start <= subj.i < phrase.end):
                    np = self._np(doc, subj, exclude=None)
                    prod = self.linker.link(self._link_text(np, keep_numbers=True) + " " + self._flow_only(phrase), link_units)
                    if prod and prod[0][0] != candidates[0][0] and not prod[0][0].startswith("trade."):
                        candidates = prod
                    break
        if candidates and candidates[0][0].endswith((".trade", ".total")):
            # "High-tech products ... were exported to the tune of 512.6 billion yuan": the verb says the flow
            verb = next((t for t in span.root.ancestors if t.pos_ == "VERB"), None)
            flow = {"export": "exports", "import": "imports"}.get(verb.lemma_.lower() if verb is not None else "")
            fam = candidates[0][0].rsplit(".", 1)[0]
            if flow and f"{fam}.{flow}" in self.linker.units:
                candidates = [(f"{fam}.{flow}", candidates[0][1])]
        named = self._parenthesised_after_name(doc, span, q) or self._place_at_figure(doc, span, q)
        if named is not None:
            # "Sweden (4.17 per cent), Austria (3.86 per cent)", "followed by Japan with $5.3 billion",
            # "Belgium, at 2.71 per cent": the figure of the place just before it
            phrase = named
        local = self._local_phrase(doc, span, q, phrase) if named is None else None
        if local is not None:
            local_c = self._link(local, link_units)
            if local_c:  # "Exports came in at 2.38 trillion yuan and imports at 1.58 trillion yuan"
                phrase, candidates = local, local_c
        lead_flow = self._lead_flow(span, phrase)
        if lead_flow and phrase is not None and not self._is_place_phrase(phrase):
            flowed = self.linker.link(f"{self._link_text(phrase)} {lead_flow}", link_units)
            if flowed and (not candidates or flowed[0][0] != candidates[0][0]):
                candidates = flowed  # "On the import side, technology ... amounted to": technology imports
        if not candidates and measure != "share":  # a share's "of ..." is its whole
            after = self.measured_after.match(self._text, q["end"], self._sent_of(span).end_char)
            if after:  # "a target of $1 trillion in merchandise exports"
                candidates = self.linker.link(after.group("what"), link_units)
        if measure == "share" and whole is not None and self._is_place_phrase(phrase):
            whole_c = self._link(whole, link_units if kind != "percent" else None)
            if whole_c:
                candidates = whole_c
        if measure == "share" and whole is not None and candidates and candidates[0][0].endswith((".trade", ".total")):
            # "High-tech products made up 24.7 percent of total exports": the part is of the whole's flow
            flow = self._flow(whole.text, [])
            fam = candidates[0][0].rsplit(".", 1)[0]
            if flow != "trade" and f"{fam}.{flow}s" in self.linker.units:
                candidates = [(f"{fam}.{flow}s", candidates[0][1])] + [c for c in candidates[1:] if c[0] != f"{fam}.{flow}s"]
        if q["unit"] == "times" and phrase is not None and phrase.root.ent_type_ in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"):
            # "The figure is 3.8 times the 612.4 billion yuan": what is compared is the subject
            verb = next((t for t in span.root.ancestors if t.pos_ in ("VERB", "AUX")), None)
            subj = self._subject(verb) if verb is not None else None
            if subj is not None and subj.i < span.start:
                phrase = self._np(doc, subj, exclude=None)
        if measure == "ratio":
            ratio = self._ratio_candidates(doc, span, whole)
            if not ratio and q["unit"] == "times" and phrase is not None:
                ratio = self._link(phrase, None)  # "exports in 2023 were 2.2 times their 2015 level"
            candidates = ratio
        self._last_partners = []
        geo, partner = self._geo_local(doc, span, q, phrase, candidates)
        partners_in_order = list(self._last_partners)
        if not partner and named is None:  # (a place listed after the counterpart is its own: "followed by the UAE ($3.2 billion)")
            partner = self._counterpart_before(doc, span, q)
            if partner and partner in geo:
                geo = [g for g in geo if g != partner]
            if partner and phrase is not None and self._is_place_phrase(phrase) and phrase.root.dep_ == "nsubj":
                attr = next((c for c in phrase.root.head.children if c.dep_ in ("attr", "oprd")), None)
                # the predicate without the counterpart noun and its adjectives: "the largest source
                # of imports" -> "imports", "Vietnam's largest export market" -> "export"
                words = [t.text for t in doc[attr.left_edge.i: min(attr.right_edge.i + 1, span.start)]
                         if t.pos_ != "ADJ" and t.lemma_.lower() not in set(self.counterpart_nouns) | {"source", "supplier", "origin"}
                         and t.ent_type_ not in ("GPE", "NORP", "MONEY")] if attr is not None else []
                attr_c = self.linker.link(" ".join(words), link_units) if words else []
                side = self.counterpart_nouns.get(attr.lemma_.lower()) if attr is not None else None
                if not attr_c and side and not self.import_words.search(" ".join(words)) \
                        and not self.export_words.search(" ".join(words)):
                    # "The United States remained the largest destination, taking $7.3 billion of
                    # Indian goods": a destination takes exports, a supplier gives imports
                    attr_c = self.linker.link(side, link_units)
                if attr_c:  # "China was the largest source of imports at US$79.4 billion"
                    candidates = attr_c
        geo_how = "phrase" if geo else "none"
        if not geo:
            subj_geo = self._subject_place(doc, span, q)
            if subj_geo:
                geo, geo_how = [subj_geo], "sentence"
        period, period_how = self._period_local(doc, span, q, qs, dates, anchor, change)
        credit = self._sent_credits.get(sent.start)
        source, source_how = (credit[0], "sentence") if credit and credit[0] else (None, "none")
        if not source:
            source = self._quote_speaker(doc, q["start"])
            source_how = "quote" if source else "none"
        d = Draft(
            index=i, span=span, q=q, change=change, measure=measure, phrase=phrase, candidates=candidates,
            geo=geo, partner=partner, geo_how=geo_how, period=period, period_how=period_how, source=source,
            source_how=source_how, modality=self._modality(doc, span, q), sent_start=sent.start,
            para=_para_bounds(self._text, q["start"])[0],
        )
        d.anaphoric = phrase is not None and (self._anaphoric(phrase) or (
            measure == "share" and phrase[0].lower_ in ("its", "their")
            and phrase.root.lemma_.lower() in ("share", "proportion", "portion", "percentage")))  # "Their share of total exports"
        d.share_of_previous = measure == "share" and self._participle_share(doc, span)
        d.extra["listed_place"] = named is not None
        d.extra["partners"] = partners_in_order
        pre_long = self._text[max(sent.start_char, (q.get("approx_start") or q["start"]) - 40):q.get("approx_start") or q["start"]].lower()
        d.basis_of_previous = bool(self.earlier_value_before.search(pre_long))
        # "3.8 times the 612.4 billion yuan spent in 2009": the value compared with; its period is
        # no period for the figures after it
        d.extra["compared_with"] = bool(re.search(r"\btimes\s++(?:(?:the|its|their|that of)\s*+)?$", pre_long))
        return d

    # -- measure ---------------------------------------------------------------------------------------

    def _measure(self, doc: Doc, span: Span, q: dict, change: dict | None, phrase: str) -> str:
        unit = q["unit"] or ""
        text = self._text
        if unit in ("percent", "percentage_point", "basis_point"):
            before = text[max(self._sent_of(span).start_char, q["start"] - 60):q.get("approx_start") or q["start"]]
            after = text[q["end"]:q["end"] + 40]
            if self.ratio_after.search(after[:30]):
                return "ratio"
            if q["direction"]:
                return "growth"
            if self.share_before.search(before[-40:]) or re.match(r"^\s*of\s+(?:the|its|their|\w+['’]s)\b", after):
                return "share"  # "30% of national exports", "57 percent of the municipality's foreign trade"
            if re.match(r"^(?:its|their|the|a)\s+(?:\w+\s+)?(?:share|proportion)\b", phrase, re.I):
                return "share"  # "its share of total R&D expenditure edged up to 6.41 percent"
            if self.growth_words.search(phrase) or unit == "percentage_point":
                return "growth"
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
        for child in root.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if objs:
                    whole = doc[objs[0].left_edge.i: objs[0].right_edge.i + 1]
        if whole is None:
            m = re.match(r"^\s*of\s+([^,;.]{3,80})", self._text[q["end"]:q["end"] + 90])
            if m:
                whole = doc.char_span(q["end"] + m.start(1), q["end"] + m.end(1), alignment_mode="expand")
        # "contracts worth $2.1 billion": what is worth it
        worth = next((t for t in (root.head, doc[span.start - 1] if span.start > 0 else root) if t.lower_ == "worth"), None)
        if worth is not None and worth.head.pos_ == "NOUN" and worth.head.i < span.start:
            return self._np(doc, worth.head, exclude=worth), whole
        if root.pos_ == "VERB" and q["unit"] == "times":
            subj = self._subject(root)  # "the number of such contracts has doubled"
            if subj is not None and subj.i < span.start:
                return self._np(doc, subj, exclude=None), whole
        tok = root
        for _ in range(8):
            head = tok.head
            if head.i == tok.i:
                break
            # "a trade surplus of 152.6 billion yuan", "a deficit of about US$20 billion"
            if tok.dep_ == "pobj" and head.lower_ == "of" and head.head.pos_ in ("NOUN", "PROPN") \
                    and (not self._is_change_noun(head.head) or any(  # "export growth of 6-7%", not "a rise of 5%"
                        c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "PROPN") for c in head.head.children)) \
                    and head.head.i < span.start \
                    and head.head.lemma_.lower() not in self.level_nouns:  # "to the tune of", "the mark of"
                noun = head.head
                return self._np(doc, noun, exclude=head), whole
            # "followed by phones and components at US$36.7 billion", "Japan with $5.3 billion": the
            # noun the figure is stated for
            if tok.dep_ == "pobj" and head.lower_ in ("at", "with") and head.head.pos_ in ("NOUN", "PROPN") \
                    and head.head.i < span.start and head.head.lemma_.lower() not in self.level_nouns \
                    and head.head.dep_ != "attr" \
                    and not self._is_change_noun(head.head) and head.head.ent_type_ not in ("MONEY", "PERCENT", "DATE", "CARDINAL"):
                return self._np(doc, head.head, exclude=head), whole
            # "cut its forecast for economic growth to 1.7%", "keeping foreign trade above 4 trillion
            # yuan", "lift farm exports to ¥2 trillion": the object the verb sets to the figure
            if tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ in _SET_TO and head.head.pos_ == "VERB":
                obj = next((c for c in head.head.children if c.dep_ == "dobj" and c.i < head.i
                            and not (c.left_edge.i <= span.start <= c.right_edge.i)
                            and c.ent_type_ not in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")), None)  # "climbing 1.1 per cent to"
                if obj is not None:
                    np_ = self._np(doc, obj, exclude=None)
                    nxt = doc[np_.end] if np_.end < span.start else None
                    if nxt is not None and nxt.dep_ == "prep" and nxt.lower_ in ("for", "of") and nxt.head.i == head.head.i:
                        # "cut its forecast for economic growth this year to 2.3%": the parser hung
                        # "for ..." on the verb; it says what the forecast is of
                        np_ = doc[np_.start: min(nxt.right_edge.i + 1, span.start)]
                    return np_, whole
            # "the $10 billion deficit in the industry" (but "surpassed the 2-trillion yuan mark": a level)
            if tok.dep_ in ("compound", "nmod", "amod", "nummod", "quantmod") and head.pos_ == "NOUN" \
                    and head.i >= span.end and not self._is_change_noun(head) and head.lemma_.lower() not in self.level_nouns \
                    and head.lemma_.lower() not in _TIME_NOUNS:  # "down 5.7 per cent year-on-year" is no year
                return self._np(doc, head, exclude=None, skip=span), whole
            if head.pos_ in ("VERB", "AUX"):
                subj = self._subject(head)
                if subj is not None and subj.i > span.end and head.lemma_.lower() in self.reporting_verbs:
                    # "..., while imports fell faster, by 11.8%, ..., the GSO announced": the parser
                    # hung the figure on the trailing credit; the clause before it has the subject
                    near = self._clause_subject_before(doc, span)
                    if near is not None:
                        subj = near
                if subj is not None:
                    return self._np(doc, subj, exclude=None), whole
            tok = head
        return self._window_phrase(doc, span), whole

    def _clause_subject_before(self, doc: Doc, span: Span) -> Token | None:
        """The subject of the nearest clause before the figure whose verb is no reporting verb."""
        sent = self._sent_of(span)
        for k in range(span.start - 1, sent.start - 1, -1):
            t = doc[k]
            if t.dep_ in ("nsubj", "nsubjpass") and t.head.pos_ in ("VERB", "AUX") \
                    and t.head.lemma_.lower() not in self.reporting_verbs and t.tag_ not in ("WDT", "WP", "PRP"):
                return t
        return None

    def _parenthesised_after_name(self, doc: Doc, span: Span, q: dict) -> Span | None:
        """"Sweden (4.17 per cent)": the name just before the bracket the figure stands in."""
        start_char = q.get("approx_start") or q["start"]
        if not re.search(r"\(\s*$", self._text[max(0, start_char - 3):start_char]):
            return None
        if not re.match(r"^\s*\)", self._text[q["end"]:q["end"] + 3]):
            return None
        k = span.start - 1
        while k >= 0 and doc[k].text in ("(", " "):
            k -= 1
        for e in self._ents:
            if e.end == k + 1 and e.label_ in ("GPE", "ORG", "NORP", "LOC", "PERSON"):
                return e
        return None

    def _place_at_figure(self, doc: Doc, span: Span, q: dict) -> Span | None:
        """"followed by Japan with $5.3 billion", "Belgium, at 2.71 per cent": a place, then "at" or
        "with", then the figure."""
        start_char = q.get("approx_start") or q["start"]
        m = re.search(r"(?:,\s*+|(?<!\s)\s++)(?:at|with)\s++$", self._text[max(0, start_char - 8):start_char])
        if m is None:
            return None
        end_char = max(0, start_char - 8) + m.start()
        for e in self._ents:
            if e.end_char == end_char and e.label_ in ("GPE", "NORP", "LOC") or (
                    e.end_char == end_char and e.label_ == "ORG" and e.kb_id_ in ("EU", "ASEAN", "BRI")):
                return e
        return None

    def _local_phrase(self, doc: Doc, span: Span, q: dict, phrase: Span | None) -> Span | None:
        """The noun phrase between the last clause break and the figure, when the parser's phrase
        lies before that break: an elided verb ("..., and imports at 1.58 trillion yuan", "exports
        rose 4.3 per cent and imports 3.5 per cent", "putting the monthly surplus at 480 billion")."""
        sent = self._sent_of(span)
        start_char = q.get("approx_start") or q["start"]
        before = self._text[sent.start_char:start_char]
        cut = max((m.end() for m in re.finditer(r",\s+|;\s+|(?<!\s)\s+(?:and|while|whereas|but)\s+", before)), default=None)
        if cut is None:
            return None
        frag = doc.char_span(sent.start_char + cut, start_char, alignment_mode="expand")
        if frag is None or not 1 <= len(frag) <= 6:
            return None
        if phrase is not None and phrase.start >= frag.start:
            return None  # the parser's phrase is in the fragment already
        if any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") and not self._flow_only(doc[t.i: t.i + 1]) for t in frag):
            return None  # a clause with its own verb ("and imports ¥81 trillion": "imports" is a noun)
        if any(t.dep_ == "conj" and frag.start - 3 <= t.head.i < frag.start and t.head.pos_ in ("NOUN", "PROPN")
               and t.head.ent_type_ not in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL") for t in frag):
            return None  # "imports and exports reaching 5.07 trillion yuan": one phrase, not two
        words = [t for t in frag if (t.pos_ in ("NOUN", "PROPN", "ADJ") or self._flow_only(doc[t.i: t.i + 1]))
                 and not t.like_num and t.ent_type_ not in ("MONEY", "PERCENT", "DATE", "CARDINAL")]
        end = frag.end
        while end > frag.start and (doc[end - 1].ent_type_ in ("PERCENT", "MONEY") or doc[end - 1].like_num
                                    or doc[end - 1].lower_ in ("to", "at", "by", "per", "cent", "percent", "%")):
            end -= 1  # "and imports 12.9 percent to": the rate and "to" before the level
        if not words or words[-1].i < end - 3:
            return None
        return doc[words[0].i: words[-1].i + 1]

    @staticmethod
    def _is_change_noun(tok: Token) -> bool:
        return tok.lemma_.lower() in ("increase", "rise", "decrease", "decline", "drop", "fall", "growth", "gain", "jump")

    @staticmethod
    def _subject(verb: Token) -> Token | None:
        v = verb
        for _ in range(4):
            for c in v.children:
                if c.dep_ in ("nsubj", "nsubjpass", "csubj"):
                    if c.tag_ in ("WDT", "WP") and v.dep_ == "relcl" and v.head.pos_ in ("NOUN", "PROPN"):
                        # "exports to the mainland, which took 57 per cent": what "which" stands for;
                        # a place the clause hangs on is the partner of the noun before it
                        ante = v.head
                        if (ante.ent_type_ in ("GPE", "LOC") or ante.lower_ in ("mainland", "bloc")) and ante.dep_ == "pobj" \
                                and ante.head.head.pos_ in ("NOUN", "PROPN"):
                            ante = ante.head.head
                        return ante
                    return c
            if v.dep_ in ("advcl", "conj", "xcomp", "ccomp", "acl", "relcl", "prep", "pcomp", "pobj") and v.head.i != v.i:
                v = v.head
                while v.pos_ not in ("VERB", "AUX") and v.head.i != v.i:
                    v = v.head
                continue
            break
        return None

    @staticmethod
    def _np(doc: Doc, head: Token, exclude: Token | None, skip: Span | None = None) -> Span:
        toks = [t for t in head.subtree if not (exclude is not None and exclude.i <= t.i <= exclude.right_edge.i)]
        if skip is not None:
            toks = [t for t in toks if not (skip.start <= t.i < skip.end)]
        out: list[Token] = []
        ordered = sorted(toks, key=lambda t: t.i)
        for k, t in enumerate(ordered):
            if out and t.i != out[-1].i + 1 and t.i > head.i:
                break  # the subtree jumps over the verb: an apposition or a misparse
            if t.i > head.i and t.text == "," and k + 1 < len(ordered) and (
                ordered[k + 1].dep_ == "conj" or doc[t.i + 1: t.i + 3].text.lower() in ("together with", "along with", "as well")
                or (out and out[-1].i + 1 == t.i and doc[out[0].i: t.i].text.lower().find("together with") >= 0)
            ):
                out.append(t)  # "exports of Jiangsu, Zhejiang and Shanghai", "Shanghai, together with ...,"
                continue
            if t.i > head.i and (t.dep_ in ("relcl", "acl", "advcl", "appos") or t.text in (",", ";", "(", "—", "–")):
                break
            out.append(t)
        if not out:
            return doc[head.i: head.i + 1]
        start = out[0].i
        # never begin inside a hyphenated word the parser split ("Cross-border e-commerce")
        if start >= 1 and doc[start].text in ("-", "‐") and not doc[start - 1].whitespace_ and doc[start - 1].is_alpha:
            start -= 1
        while start >= 2 and doc[start - 1].text in ("-", "‐") and not doc[start - 2].whitespace_ \
                and not doc[start - 1].whitespace_ and doc[start - 2].is_alpha:
            start -= 2
        end = out[-1].i + 1
        # nor end inside one ("Re-exports" read as three subjects)
        while end + 1 < len(doc) and doc[end].text in ("-", "‐") and not doc[end - 1].whitespace_ \
                and not doc[end].whitespace_ and doc[end + 1].is_alpha:
            end += 2
        return doc[start: end]

    def _window_phrase(self, doc: Doc, span: Span) -> Span | None:
        sent = self._sent_of(span)
        i = span.start - 1
        while i > sent.start and doc[i].text not in (",", ";", ":") and span.start - i < 10:
            i -= 1
        seg = doc[i + 1 if doc[i].text in (",", ";", ":") else i: span.start]
        return seg if len(seg) else None

    def _link(self, phrase: Span | None, units: str | None, keep_numbers: bool = False) -> list[tuple[str, float]]:
        text = self._link_text(phrase, keep_numbers)
        found = self.linker.link(text, units) if text else []
        if not found and not keep_numbers and phrase is not None and any(
                t.ent_type_ == "CARDINAL" and t.is_alpha for t in phrase):
            # a number word that is part of a name: "exports of the "new three" products"
            return self._link(phrase, units, keep_numbers=True)
        return found

    @staticmethod
    def _link_text(phrase: Span | None, keep_numbers: bool = False) -> str:
        """The phrase without places, dates, people, figures: what remains says what is measured."""
        if phrase is None:
            return ""
        words = []
        for t in phrase:
            if t.ent_type_ in ("GPE", "DATE", "MONEY", "PERCENT", "PERSON", "TIME", "NORP", "LOC") or (
                    t.ent_type_ == "CARDINAL" and not keep_numbers):
                continue
            if t.ent_type_ == "ORG" and t.ent_kb_id_ in ("EU", "ASEAN", "BRI"):
                continue
            if (t.like_num and not keep_numbers) or t.is_punct or t.tag_ == "POS":
                continue
            words.append(t.text)
        return " ".join(words)

    def _verb_phrase(self, doc: Doc, span: Span, of_whole: bool = False) -> str:
        """"Germany spent 121.4 billion euros on research and development", "Jiangsu exported 1.2
        trillion yuan of high-tech products": the verb with its object or "on"/"of" complement.
        ``of_whole``: the figure is a share, so "of ..." names the whole, not what it measures
        ("Re-exports made up 99 per cent of total exports")."""
        tok = span.root
        verb = None
        for _ in range(3):
            if tok.head.i == tok.i:
                break
            tok = tok.head
            if tok.pos_ == "VERB":
                verb = tok
                break
        comp = re.match(r"^\s*(?:\([^)]*\)\s*)?(?:worth\s+)?(?:on|in" + ("" if of_whole else "|of") + r")\s+([^,;.()]{3,80}?)(?=,|;|\.|\(| in \d| from | to | last | this |$)",
                        self._text[span.end_char:span.end_char + 120])
        if verb is None:
            return comp.group(1) if comp else ""
        parts = [verb.lemma_] + ([comp.group(1)] if comp else [])
        for c in verb.children:
            if c.dep_ == "prep" and c.lower_ in ("on", "for") and not comp:
                parts.append(self._link_text(doc[c.i + 1: c.right_edge.i + 1]))
            elif c.dep_ == "dobj" and not (c.left_edge.i <= span.start and span.end - 1 <= c.right_edge.i):
                parts.append(self._link_text(doc[c.left_edge.i: c.right_edge.i + 1]))
        return " ".join(p for p in parts if p)

    @staticmethod
    def _is_place_phrase(phrase: Span | None) -> bool:
        if phrase is None:
            return True
        content = [t for t in phrase if not (t.is_punct or t.is_stop)]
        if not content:
            return True
        placey = sum(1 for t in content if t.ent_type_ in ("GPE", "LOC") or t.lower_ in ("province", "provinces", "coastal",
                                                                                      "together", "city", "cities", "country"))
        return placey >= len(content) * 0.6

    def _anaphoric(self, phrase: Span) -> bool:
        """"it", "the figure", "its 5.4 percent increase": no words of its own about what is measured."""
        from extractor.nlp.indicators.catalog import NEUTRAL

        words = [t.lower_ for t in phrase if not (t.is_punct or t.like_num or t.ent_type_ in ("PERCENT", "MONEY"))]
        if not words:
            return False
        if " ".join(words) in self.anaphoric_subjects:
            return True
        if words[0] in ("those", "these"):
            # "those to ASEAN and the European Union": the pronoun, then only places
            rest = [t for t in phrase[1:] if not (t.is_punct or t.is_stop or t.ent_type_ in ("GPE", "LOC", "NORP")
                                                  or (t.ent_type_ == "ORG" and t.ent_kb_id_ in ("EU", "ASEAN", "BRI")))]
            return not rest
        content = [w for w in words if w not in NEUTRAL and w not in ("its", "their", "the", "a", "an", "this", "that")
                   and w not in self._change_nouns]
        return words[0] in ("its", "their", "it", "this", "that") and not content

    _change_nouns = {"increase", "rise", "decrease", "decline", "drop", "fall", "growth", "gain", "jump", "contraction"}

    def _ratio_candidates(self, doc: Doc, span: Span, whole: Span | None) -> list[tuple[str, float]]:
        """A share of GDP: what is spent (R&D) decides the indicator (``ratio_of_gdp`` in claims.yaml)."""
        sent = self._sent_of(span)
        words = []
        for t in sent:
            if whole is not None and whole.start <= t.i < whole.end:
                continue
            if span.start <= t.i < span.end:
                continue
            words.append(t)
        text = self._link_text(doc[sent.start: sent.end]) if not words else " ".join(
            t.text for t in words if not (t.ent_type_ in ("GPE", "DATE", "MONEY", "PERCENT", "CARDINAL") or t.like_num or t.is_punct))
        text = re.sub(r"\b(?:gdp|gross domestic product|economic output)\b", " ", text, flags=re.I)
        for iid, rx in self.ratio_map.items():
            if re.search(rx, text, re.I):
                return [(iid, 0.9)]
        return []

    def _mentioned_indicators(self, text: str) -> list[tuple[str, float]]:
        """Indicators whose alias occurs in a longer text (every alias word present)."""
        cached = self._mentioned_cache.get(text)
        if cached is None:
            cached = self._mentioned_cache[text] = self._mentioned_indicators_uncached(text)
        return cached

    def _mentioned_indicators_uncached(self, text: str) -> list[tuple[str, float]]:
        from extractor.nlp.indicators.catalog import phrase_words, word_hits

        words = phrase_words(text)
        out: dict[str, float] = {}
        found = word_hits(words)
        for k in self.linker.aliases_near(words):
            iid, aw = self.linker._aliases[k]
            if all(found(a) for a in aw):
                out[iid] = max(out.get(iid, 0.0), min(1.0, 0.6 + 0.1 * len(aw)))
        return sorted(out.items(), key=lambda kv: -kv[1])

    def _participle_share(self, doc: Doc, span: Span) -> bool:
        """"..., accounting for 67.6 percent of the province's total": a share of the figure before."""
        pre = self._text[max(self._sent_of(span).start_char, span.start_char - 45):span.start_char].lower()
        return bool(re.search(r",\s*(?:accounting for|representing|making up|or|equal to|equivalent to|which (?:accounted|made up|represented))\s+(?:about |around |nearly |over |more than )?$", pre))

    # -- where -----------------------------------------------------------------------------------------

    def _lead_flow(self, span: Span, phrase: Span | None) -> str | None:
        """The flow a sentence's lead sets for a phrase without a flow word ("On the import side,
        technology from the European Union amounted to $11.9 billion")."""
        if phrase is None or self._flow_word_in(phrase):
            return None
        sent = self._sent_of(span)
        lead = self._text[sent.start_char:phrase.start_char]
        if not lead.rstrip().endswith(","):
            return None
        imp, exp = bool(self.import_words.search(lead)), bool(self.export_words.search(lead))
        return "imports" if imp and not exp else "exports" if exp and not imp else None

    def _flow(self, phrase: str, candidates: list[tuple[str, float]]) -> str:
        iid = candidates[0][0] if candidates else ""
        if iid.endswith(".imports") or (self.import_words.search(phrase) and not self.export_words.search(phrase)):
            return "import"
        if iid.endswith(".exports") or (self.export_words.search(phrase) and not self.import_words.search(phrase)):
            return "export"
        return "trade"

    def _geo_local(self, doc: Doc, span: Span, q: dict, phrase: Span | None, candidates) -> tuple[list[str], str | None]:
        """Places in the measured phrase, by their role: "exports to X" (partner), "imports from X"
        (partner), "exports from X" (geo), "imports into X" (geo), "trade with X" (partner),
        "trade between A and B" (geo A, partner B), possessives and modifiers (geo)."""
        if phrase is None:
            return [], None
        flow = self._flow(phrase.text, candidates)
        lead_flow = self._lead_flow(span, phrase)
        if flow == "trade" and lead_flow:
            flow = lead_flow[:-1]  # "On the import side, technology from the EU": from a partner
        geos: list[str] = []
        partners: list[str] = []
        last_role = None
        between_seen = 0
        for e in self._ents_in(phrase):
            code = e.kb_id_
            if not code or not (e.label_ in ("GPE", "NORP") or code in ("EU", "ASEAN", "BRI")):
                continue
            j = e.start - 1
            # "to other EU member states", "to all ASEAN members": the preposition before the modifiers
            while j >= phrase.start and (doc[j].lower_ in ("the", "a", "an") or doc[j].pos_ in ("ADJ", "DET")):
                j -= 1
            prep = doc[j].lower_ if j >= phrase.start else ""
            if prep == "and" or prep == ",":
                role = last_role or "geo"
                if role == "between":
                    role = "partner"
            elif prep == "with" and j >= 1 and doc[j - 1].lower_ in ("together", "along"):
                role = "geo"  # "Shanghai, together with the coastal Jiangsu and Zhejiang provinces"
            elif prep == "with":
                role = "partner"
            elif prep == "between":
                role = "between"
            elif prep in ("to", "toward", "towards"):
                role = "geo" if flow == "import" else "partner"
            elif prep == "from":
                role = "partner" if flow == "import" else "geo"
            elif prep == "into":
                role = "geo"
            else:
                role = "geo"
            if role == "between":
                between_seen += 1
                geos.append(code)
            elif role == "partner":
                partners.append(code)
            else:
                geos.append(code)
            last_role = role
        if not partners:
            for t in phrase:  # "exports to the mainland": a place named by a common noun
                code = self.place_nouns.get(t.lower_)
                if code and t.i >= 2 and doc[t.i - 1].lower_ == "the" and doc[t.i - 2].lower_ in ("to", "from", "with"):
                    if flow == "import" and doc[t.i - 2].lower_ == "to":
                        geos.append(code)
                    else:
                        partners.append(code)
        if not geos:
            for t in phrase:
                kind = self.anaphora.get(t.lower_)
                if kind:
                    self_code = self._last_place(doc, span.start, kind)
                    if self_code:
                        geos.append(self_code)
                        break
        self._last_partners = partners
        return sorted(set(geos)), (partners[0] if partners else None)

    def _subject_place(self, doc: Doc, span: Span, q: dict) -> str | None:
        """"Guangdong invested more than 4 billion yuan": the clause's subject is a place."""
        for e in self._ents_in(self._sent_of(span)):
            if e.end_char > q["start"]:
                break
            if e.label_ == "GPE" and e.kb_id_ and e.root.dep_ in ("nsubj", "nsubjpass", "poss"):
                prev = doc[e.start - 1].lower_ if e.start > 0 else ""
                if prev not in ("with", "to", "from", "between", "into", "and") and not self._counterpart_subject(e):
                    return e.kb_id_
        return None

    def _counterpart_subject(self, e: Span) -> bool:
        """"The United States remained the most important single customer", "China was the largest
        source of imports": the subject is the counterpart the predicate names."""
        verb = e.root.head
        if e.root.dep_ != "nsubj" or verb.lemma_.lower() not in ("be", "remain", "become", "stay"):
            return False
        attr = next((c for c in verb.children if c.dep_ in ("attr", "acomp", "oprd")), None)
        if attr is None:
            return False
        if attr.lemma_.lower() in ("source", "origin"):
            # "the largest source of imports" (a counterpart), not "Europe's leading source" of applications
            return bool(self.import_words.search(self._text[attr.left_edge.idx: attr.right_edge.idx + len(attr.right_edge)]))
        return attr.lemma_.lower() in self.counterpart_nouns

    def _counterpart_before(self, doc: Doc, span: Span, q: dict) -> str | None:
        """The partner a sentence names as its subject before the figure ("China was the largest
        source of imports at US$79.4 billion")."""
        for e in self._ents_in(self._sent_of(span)):
            if e.end_char > q["start"]:
                break
            if e.label_ == "GPE" and e.kb_id_ and self._counterpart_subject(e):
                return e.kb_id_
        return None

    def _last_place(self, doc: Doc, before_token: int, kind: str) -> str | None:
        """The last place of a kind ("province": an ISO 3166-2 code; "country") before a token."""
        for e in reversed(self._ents):
            if e.start >= before_token or e.label_ != "GPE" or not e.kb_id_:
                continue
            sub = bool(re.match(r"^[A-Z]{2}-", e.kb_id_))
            if kind == "province" and sub:
                return e.kb_id_
            if kind == "country":
                return e.kb_id_[:2] if sub else e.kb_id_
        return None

    def article_geo(self, doc: Doc) -> str | None:
        """The place the article is about: its places weighed by role. A possessor or subject
        ("Vietnam's exports", "Japan posts", "German exports") and a dateline city's country count
        most, a counterpart ("exports to the US", "trade with China") least; the headline and the
        first paragraph count double. A place without a code can win (a Shenzhen story): then None."""
        scores: Counter[str] = Counter()
        first: dict[str, int] = {}
        text = self._text
        lead_end = text.find("\n", text.find("\n") + 1) if "\n" in text else len(text)
        lead_end = max(lead_end, self._sents[1].end_char if len(self._sents) > 1 else 0)
        for e in self._ents:
            if e.label_ not in ("GPE", "NORP") and not (e.label_ == "ORG" and e.kb_id_ in ("EU", "ASEAN")):
                continue
            code = e.kb_id_ or (f"?{e.text}" if e.label_ == "GPE" else "")
            if not code:
                continue
            prev = doc[e.start - 1].lower_ if e.start > 0 else ""
            line_start = text.rfind("\n", 0, e.start_char) + 1
            if re.match(r"^[A-Z][A-Z .'-]+,\s+(?:\w+\.? \d{1,2}|\d{1,2} \w+)", text[line_start:line_start + 40]) \
                    and e.start_char == line_start:
                w = 4.0  # a dateline "HANOI, October 6 (VNA) -": the story's country
                code = code[:2] if re.match(r"^[A-Z]{2}-", code) else code
            elif prev in ("with", "to", "from", "between", "into", "and", "against", "versus", "than", "by"):
                w = 0.25  # a counterpart or a comparison
            elif e.root.dep_ in ("poss", "nsubj", "nsubjpass") or (e.label_ == "NORP" and e.root.dep_ in ("amod", "compound")):
                w = 3.0
            else:
                w = 1.0
            if e.start_char < lead_end:
                w *= 2
            scores[code] += w
            first.setdefault(code, e.start)
        if not scores:
            return None
        best = sorted(scores, key=lambda c: (-scores[c], first[c]))[0]
        if scores[best] < 1.0:
            return None  # only counterparts ("Applications from China"): no place the story is about
        return None if best.startswith("?") else best

    # -- when -------------------------------------------------------------------------------------------

    def _is_basis_date(self, doc: Doc, ds: Span) -> bool:
        """"from a year earlier", "over the same period last year", "than in 2022": a comparison."""
        pre = self._text[max(self._sent_of(ds).start_char, ds.start_char - 40):ds.start_char]
        m = self.basis_before.search(pre)
        if not m:
            return False
        if m.group(0).strip().lower().startswith("from") and (
            re.search(r"\bto\b|-|–", ds.text) or not self._text[self._sent_of(ds).start_char:ds.start_char - len(m.group(0))].strip()
        ):
            return False  # "From January to May 2025, ...": the period itself
        return True

    def _period_local(self, doc: Doc, span: Span, q: dict, qs, dates, anchor,
                      change: dict | None = None) -> tuple[dict | None, str]:
        sent = self._sent_of(span)
        clause = self._text[sent.start_char:q["start"]]
        clause = re.split(r";|,\s+(?:and|but|while|whereas)\s+", clause)[-1]
        if anchor is not None and re.search(r"\b(?:now|currently)\b", clause, re.I):
            return self._now(anchor), "now"
        cands = []
        in_sent = [(ds, d) for ds, d in dates if self._sent_of(ds).start == sent.start and not self._in_dateline(ds)]
        # "In the April-December period, the first nine months of fiscal 2023, the deficit ...": a
        # date in apposition restates the one before it (the first is the one the text gives)
        appositive: set[int] = set()
        for (a, _), (b, _) in zip(in_sent, in_sent[1:]):
            gap = self._text[a.end_char:b.start_char]
            if re.fullmatch(r",\s*", gap) or (a.start in appositive and re.fullmatch(r"(?<!\s)\s+of\s+(?:fiscal\s+|financial\s+)?", gap, re.I)):
                appositive.add(b.start)
        in_sent = [(ds, d) for ds, d in in_sent if ds.start not in appositive]
        for ds, d in in_sent:
            if self._attached_to_reporting(ds) or self._is_basis_date(doc, ds) or self._date_of_other_clause(ds, span):
                continue
            if self._text[max(0, ds.start_char - 1):ds.start_char] == "(" and len(in_sent) > 1:
                continue  # "By 2025, the final year of the plan (2021-25)": an aside on the date before
            dist = ds.start - span.end if ds.start >= span.end else span.start - ds.end
            owner = min(
                (abs(ds.start - os.end if ds.start >= os.end else os.start - ds.end), k, os)
                for k, (os, o) in enumerate(qs) if self._sent_of(os).start == sent.start and o.get("conversion_of") is None
            )
            own = owner[2].start == span.start or (change is not None and owner[2].start_char == change["start"])
            if q["unit"] == "times" and not own and ds.start >= span.end:
                continue  # "3.8 times the 612.4 billion yuan spent in 2009": the date of the value compared with
            if q["unit"] == "times" and (ds[0].lower_ == "since" or re.search(
                    r"\bsince\s+$", self._text[max(0, ds.start_char - 7):ds.start_char], re.I)):
                continue  # "has doubled since 2016": the base of the multiple; the figure is of the story's time
            gap = self._text[owner[2].end_char:ds.start_char]
            if not own and ds.start >= owner[2].end and dist > 1 and (
                    ds.start - owner[2].end <= 1 or re.fullmatch(r"(?<!\s)\s*+(?:in|during|over|for)?\s*+the same (?:period|month|quarter) (?:of|in)\s*", gap)):
                continue  # "up from 7.9 percent a year earlier": the date of the figure just before it
            cands.append((abs(dist) > owner[0] + 3, abs(dist), d))
        if cands:
            cands.sort(key=lambda c: (c[0], c[1]))
            return cands[0][2], "sentence"
        if anchor is not None and any(t.lower_ in ("now", "currently") and t.head.i in self._governors(span) for t in sent):
            return self._now(anchor), "now"
        return None, "none"

    @staticmethod
    def _governors(span: Span) -> set[int]:
        """The figure's head and the heads above it (the verbs its clause hangs on)."""
        out, t = set(), span.root
        for _ in range(6):
            out.add(t.i)
            if t.head.i == t.i:
                break
            t = t.head
        return out

    @staticmethod
    def _now(anchor: Anchor) -> dict:
        """"now": the publication date, at the precision it is known."""
        iso = f"{anchor.year:04d}" + (f"-{anchor.month:02d}" if anchor.month else "") + (
            f"-{anchor.day:02d}" if anchor.month and anchor.day else "")
        return {"period": iso, "period_start": None, "period_end": None}

    def _date_of_other_clause(self, ds: Span, span: Span) -> bool:
        """A date in a subordinate clause that does not hold the figure ("fell 6.5 percent to
        6.31 trillion yuan, as tariffs imposed since 2018 continued to weigh")."""
        t = ds.root
        while t.head.i != t.i:
            if t.dep_ in ("advcl", "relcl"):
                # a clause after the figure ("..., as tariffs imposed since 2018 continued") is about
                # something else; one before it ("Comparing the third quarter with ...,") sets its frame
                return t.left_edge.i >= span.end and not (t.left_edge.i <= span.start and span.end - 1 <= t.right_edge.i)
            if t.dep_ == "conj" and t.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
                # "..., covering 3,980 contracts, and the number of such contracts has doubled since
                # 2016": a coordinated clause with a subject of its own
                subj_start = min(c.left_edge.i for c in t.children if c.dep_ in ("nsubj", "nsubjpass"))
                if subj_start >= span.end:
                    return True
            t = t.head
        return False

    def _in_dateline(self, ds: Span) -> bool:
        """"HANOI, October 6 (VNA) –": the date of the story, not of its figures."""
        line_start = self._text.rfind("\n", 0, ds.start_char) + 1
        m = DATELINE.match(self._text, line_start)
        return m is not None and ds.end_char <= m.end()

    def _attached_to_reporting(self, ds: Span) -> bool:
        """"said on Thursday", "reported by Xinhua in June": the date of the statement, not the figure."""
        tok = ds.root
        for _ in range(3):
            head = tok.head
            if head.i == tok.i:
                return False
            if head.pos_ in ("VERB", "AUX"):
                # "turnover ... was estimated at US$248.19 billion": the estimate's figure, not a statement
                return head.lemma_.lower() in self.reporting_verbs and head.lemma_.lower() not in ("estimate", "calculate", "put")
            if head.pos_ in ("NOUN", "PROPN"):
                return False  # "turnover in the first nine months": the date of a noun, not of the saying
            tok = head
        return False

    # -- who says so ------------------------------------------------------------------------------------

    def _sentence_credits(self, doc: Doc) -> dict[int, tuple[str | None, str]]:
        """Per sentence start: (name, kind) of what it credits. kind is ``document`` ("according to
        X", "statistics released by X"), ``speech`` ("X said that", "X told"), ``other`` (a body
        said), or ``unnamed`` ("a trade official said"). Speakers are remembered for "he said"."""
        out: dict[int, tuple[str | None, str]] = {}
        for sent in self._sents:
            credit = self._credit(doc, sent)
            if credit is not None:
                out[sent.start] = credit
                if credit[1] == "speech" and credit[0]:
                    self._speakers.append((sent.start_char, credit[0]))
        # "a trade official said ..." then "X, director-general of ..., told ...": the lede's official is X
        starts = sorted(out)
        for k, st in enumerate(starts):
            name, kind = out[st]
            if kind == "unnamed":
                for st2 in starts[k + 1:k + 3]:
                    n2, k2 = out[st2]
                    if k2 == "speech" and n2:
                        out[st] = (n2, "speech")
                        break
        return out

    def _credit(self, doc: Doc, sent: Span) -> tuple[str | None, str] | None:
        base = sent.start_char
        if not self.credit_hint.search(self._text, base, sent.end_char):
            return None  # no reporting word: nothing to parse
        sent_text = self._text[base:sent.end_char]
        for rx in self.credit_patterns:
            for m in rx.finditer(sent_text):
                name = self._name_in(doc, base + m.start("who"), base + m.end("who"))
                if name:
                    return name, "document"
        lo = bisect_left(self._reporting_tokens, sent.start)
        hi = bisect_left(self._reporting_tokens, sent.end)
        for t in (doc[i] for i in self._reporting_tokens[lo:hi]):
            # (a reporting verb the tagger took for a noun still heads its clause: "The IMF forecast that")
            verb_like = t.pos_ == "VERB" or (t.dep_ == "ROOT" and any(c.dep_ == "nsubj" for c in t.children))
            if t.lemma_.lower() in self.reporting_verbs and verb_like:
                for c in t.children:
                    who = c if c.dep_ in ("nsubj", "nsubjpass") else (
                        next((g for g in c.children if g.dep_ == "pobj"), None) if c.dep_ == "agent" else None)
                    if who is None:
                        continue
                    if who.lemma_.lower() in self.unnamed:
                        sub_span = doc[who.left_edge.i: who.right_edge.i + 1]
                        if who.i > who.left_edge.i or not any(e.label_ in ("ORG", "PERSON") for e in self._ents_in(sub_span)):
                            return None, "unnamed"  # "an official at the statistics bureau told reporters"
                        # "Economists polled by Reuters": a poll the text names (its forecast only)
                        return sub_span.text, "forecaster"
                    if t.lemma_.lower() in self.forecast_cues and not any(
                            e.label_ in ("ORG", "PERSON") for e in self._ents_in(doc[who.left_edge.i: who.right_edge.i + 1])):
                        continue  # "exports are expected to fall": no forecaster named
                    name = self._name_for(doc, who)
                    if name:
                        person = who.ent_type_ == "PERSON" or who.lower_ in ("he", "she") or any(
                            e.label_ == "PERSON" for e in self._ents_in(doc[who.left_edge.i: who.right_edge.i + 1]))
                        kind = "speech" if person and t.lemma_.lower() in self.speech_verbs else "other"
                        return name, kind
        return None

    def _name_in(self, doc: Doc, s: int, e: int) -> str | None:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None:
            return None
        ents = [x for x in self._ents if x.start < span.end and span.start < x.end]  # names may run past the match
        persons = [x for x in ents if x.label_ == "PERSON"]
        if persons:
            return self._full_name(doc, persons[0])
        for ent in ents:
            if ent.label_ in ("ORG", "NORP", "FAC"):
                return self._org_name(doc, ent)
            if ent.label_ == "GPE":
                tail = doc[ent.end: span.end]
                if len(tail) and tail[0].lower_ in ("customs", "government", "authorities", "statistics", "bureau"):
                    return doc[ent.start: ent.end + 1].text  # "Guangdong customs"
        words = [t for t in span if not t.is_punct]
        while words and words[0].lower_ in ("the", "a", "an"):
            words = words[1:]
        if not words or words[0].pos_ == "PRON":
            return None
        head = max(words, key=lambda t: (t.head.i < words[0].i or t.head.i > words[-1].i or t.head.i == t.i, t.i))
        if head.lemma_.lower() in self.unnamed or head.lower_ in self.unnamed:
            return None  # "an official", "data", "analysts": nobody named
        return doc[words[0].i: words[-1].i + 1].text

    def _org_name(self, doc: Doc, ent: Span) -> str:
        """The whole name of a body: "Ministry of Trade, Industry and Energy" when the model split it."""
        end = ent.end
        while end + 1 < len(doc) and doc[end].text in (",", "and") and (doc[end + 1].is_title or doc[end + 1].is_upper):
            nxt = end + 1
            while nxt < len(doc) and (doc[nxt].is_title or doc[nxt].is_upper or doc[nxt].lower_ in ("and", "of")) \
                    and doc[nxt].ent_type_ in ("ORG", "") and not doc[nxt].is_punct:
                nxt += 1
            if nxt == end + 1 or doc[nxt - 1].lower_ in ("and", "of"):
                break
            end = nxt
        # "Kiel Institute for the World Economy": a name the model cut at "for"/"of"
        if end + 1 < len(doc) and doc[end].lower_ in ("for", "of", "on") and doc[end].i + 1 < len(doc):
            k = end + 1
            if doc[k].lower_ == "the":
                k += 1
            j = k
            while j < len(doc) and (doc[j].is_title or doc[j].is_upper) and not doc[j].is_punct:
                j += 1
            if j > k:
                end = j
        return doc[ent.start:end].text

    def _name_for(self, doc: Doc, tok: Token) -> str | None:
        """The name a reporting verb's subject gives: a person within it first, then a body, then
        a common-noun body ("the central bank"); pronouns resolve to the last person."""
        if tok.lower_ in ("he", "she"):
            return self._last_speaker(doc, tok.idx)
        if tok.pos_ == "PRON":
            return None
        sub = doc[tok.left_edge.i: tok.right_edge.i + 1]
        return self._name_in(doc, sub.start_char, sub.end_char)

    def _last_speaker(self, doc: Doc, pos: int) -> str | None:
        """"he said": the last person quoted before, else the last person named."""
        speakers = [n for p, n in self._speakers if p < pos]
        if speakers:
            return speakers[-1]
        persons = [e for e in self._ents if e.label_ == "PERSON" and e.end_char <= pos]
        return self._full_name(doc, persons[-1]) if persons else None

    def _full_name(self, doc: Doc, ent: Span) -> str:
        if ent.label_ != "PERSON" or len(ent) > 1:
            return ent.text
        for e in self._ents:
            if e.label_ == "PERSON" and len(e) > 1 and (e[0].text == ent.text or e[-1].text == ent.text):
                return e.text
        return ent.text

    def _quote_speaker(self, doc: Doc, pos: int) -> str | None:
        text = self._text
        para_start, para_end = _para_bounds(text, pos)
        seg = text[para_start:para_end]
        rel = pos - para_start
        o = max([m.start() for m in re.finditer(r"[“\"]", seg) if m.start() < rel], default=None)
        c = min([m.start() for m in re.finditer(r"[”\"]", seg) if m.start() > rel], default=None)
        if o is None or c is None:
            return None
        after = seg[c + 1:c + 80]
        m = re.match(r"^[,.]?\s*+(?P<who>[^,.;“”]{2,60}?)\s+(?:said|says|told|added|noted|stressed|pointed out)\b", after)
        if m:
            who = m.group("who").strip()
            if who.lower() in ("he", "she"):
                return self._last_speaker(doc, para_start + c)
            return self._name_in(doc, para_start + c + 1 + m.start("who"), para_start + c + 1 + m.end("who"))
        lead = seg[max(0, o - 120):o]
        m = re.search(r"(?P<who>[A-Z][\w .'-]{1,60}?)\s+(?:said|says|told [^:“]{0,120})\s*[:,]\s*$", lead)
        if m:
            off = para_start + max(0, o - 120)
            return self._name_in(doc, off + m.start("who"), off + m.end("who"))
        return None

    # -- modality, change --------------------------------------------------------------------------------

    def _modality(self, doc: Doc, span: Span, q: dict) -> str:
        pre = self._text[max(self._sent_of(span).start_char, q["start"] - 14):q.get("approx_start") or q["start"]].lower()
        if re.search(r"\bfrom\s*$", pre):
            return "reported"  # "down from 7.8 percent": the earlier, measured value
        tok = span.root
        verb = None
        for _ in range(4):
            if tok.pos_ in ("VERB", "AUX"):
                verb = tok
                break
            if tok.head.i == tok.i:
                break
            tok = tok.head
        if verb is None:
            return self._modality_window(span)
        chain = [verb]
        if verb.dep_ in ("xcomp", "ccomp") and verb.head.i != verb.i:
            chain.append(verb.head)
        for v in chain:
            auxes = [c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")]
            lemma = v.lemma_.lower()
            if lemma in self.target_cues or any(a in ("should", "must") for a in auxes):
                return "target"
            if "to" in auxes and v.head.i != v.i and v.head.lemma_ == "be" and v.dep_ == "xcomp":
                return "target"  # "firms are to open at least 100 warehouses": a plan
            if lemma in self.forecast_cues and v.tag_ == "VBD" and lemma == "see":
                continue  # "saw exports jump": what happened
            if lemma in ("estimate", "put", "calculate") and v.tag_ == "VBN" and not any(
                    a in ("will", "would", "could", "may", "might", "shall") for a in auxes):
                continue  # "turnover was estimated at US$248.19 billion": a statistics office's estimate
            if lemma in self.forecast_cues or any(a in ("will", "would", "could", "may", "might", "shall", "'ll") for a in auxes):
                return "forecast"
        return self._modality_window(span)

    def _modality_window(self, span: Span) -> str:
        """The words just before the figure: "a target of", "eyes", "its forecast for ... to"."""
        window = self._text[max(self._sent_of(span).start_char, span.start_char - 50):span.start_char].lower()
        # "rose more strongly than forecast", "as expected": a comparison with a forecast, not one
        window = re.sub(r"\b(?:than|as|had been|was|were)\s+(?:had\s+been\s+)?(?:forecast|expected|projected|estimated|predicted)\b", " ", window)
        if re.search(r"\b(?:target|goal|aims?|aimed|targets|eyes|eyeing)\b(?: of| to| at)?", window):
            return "target"
        if re.search(r"\b(?:forecasts?|projected|projections?|expected|estimated to|predicts?|sees|outlook)\b", window):
            return "forecast"
        return "reported"

    def _change(self, doc: Doc, c: dict, level: dict, dates, period: str | None = None) -> dict:
        text = self._text
        c_sent = self._sent_of(doc.char_span(c["start"], c["end"], alignment_mode="expand"))
        sent_end = c_sent.end_char
        end = max(c["end"], level["end"])
        m = re.search(r"[;,]\s+(?!year|from|compared|over|than|against|a year|month)|\.\s", text[end:sent_end])
        clause_end = end + m.start() if m else sent_end
        # nor past the next figure: "fell 2.3 per cent to €98.1 billion and were down 4.6 per cent
        # year-on-year" says "year-on-year" of the second rate only
        clause_end = min([clause_end] + [st for st in self._q_starts if end < st < clause_end])
        window = text[c["end"]:clause_end] + " " + text[level["end"]:clause_end]
        sent_start = c_sent.start_char
        before = text[max(sent_start, c["start"] - 30):c["start"]]
        basis = None
        if self.yoy.search(window) or self.yoy.search(before):
            basis = "yoy"
        elif self.mom.search(window) or self.mom.search(before):
            basis = "mom"
        else:
            for ds, d in dates:
                if not c["end"] <= ds.start_char < clause_end:
                    continue
                if self._is_basis_date(doc, ds):
                    basis = d["period"]
                    break
                same = self.same_period_of.search(text[max(c["end"], ds.start_char - 40):ds.start_char])
                if same and re.fullmatch(r"\d{4}", d["period"] or ""):
                    # "up 16 percent from the same month of 2019": the claim's month in that year
                    basis = _same_months_in(d["period"], period, days=True) or d["period"]
                    break
        return {"value": abs(c["value"]) if c["value"] is not None else None, "unit": c["unit"],
                "direction": c["direction"], "basis": basis}

    def _flat_change(self, doc: Doc, d: Draft, dates) -> dict | None:
        """A level said to be unchanged ("held steady at 1.5 trillion yen", "..., unchanged from a
        year earlier"): change 0, direction flat. Only the level's own clause counts."""
        text = self._text
        q = d.q
        sent = self._sent_of(d.span)
        before = text[sent.start_char:q.get("approx_start") or q["start"]]
        cut = None
        for m in self.clause_breaks.finditer(before):
            cut = m.end()
        if cut is not None:
            before = before[cut:]
        after = text[q["end"]:sent.end_char]
        m = self.clause_breaks.search(after)
        if m:
            after = after[:m.start()]
        window = before + " " + after
        cue = self.flat_cues.search(before)
        if cue is None:
            cue = self.flat_cues.search(after)
            if cue is None or re.search(r"\d", after[:cue.start()]):
                return None  # no cue, or another figure comes first and the cue is its
        basis = "yoy" if self.yoy.search(window) else "mom" if self.mom.search(window) else None
        if basis is None:
            lo, hi = q["end"], q["end"] + len(after)
            basis = next((t["period"] for ds, t in dates if lo <= ds.start_char < hi and self._is_basis_date(doc, ds)), None)
        return {"value": 0, "unit": "percent", "direction": "flat", "basis": basis}

    # -- pass 2: context ---------------------------------------------------------------------------------

    def _resolve_context(self, doc: Doc, drafts: list[Draft]) -> None:
        text = self._text
        article_geo = self.article_geo(doc)
        by_sent: dict[int, list[Draft]] = {}
        for d in drafts:
            by_sent.setdefault(d.sent_start, []).append(d)
        prev: Draft | None = None
        for d in drafts:
            same_sent = [x for x in by_sent[d.sent_start] if x.index < d.index]
            same_para_prev = prev if prev is not None and prev.para == d.para else None
            ref = None
            if d.share_of_previous and same_sent:
                ref = same_sent[-1]
            elif d.basis_of_previous and same_sent:
                ref = same_sent[-1]
                d.measure = ref.measure if ref.measure in ("growth", "level", "share", "ratio", "price") else d.measure
                if ref.phrase is not None and ref.phrase.root.lemma_.lower() in self.target_cues | self.forecast_cues \
                        | {"projection", "estimate", "outlook"}:
                    d.modality = ref.modality  # "cut its forecast ... to 1.9%, from 2.3%": the earlier forecast
            elif d.anaphoric and (same_sent or same_para_prev or (prev is not None and self._opens_paragraph(d))):
                # "The figure is 3.8 times the 612.4 billion yuan": the last figure of its kind (in the
                # paragraph, or the one before when "The figure ..." opens a paragraph)
                kind = _unit_kind(d.q["unit"])
                para_of = d.para if same_para_prev is not None or same_sent else prev.para
                para_before = [x for x in drafts if x.index < d.index and x.para == para_of and not x.basis_of_previous]
                kinds = {kind} if kind in ("currency", "count", "price") else {"currency", "count"} if kind == "times" else set()
                ref = next((x for x in reversed(para_before) if _unit_kind(x.q["unit"]) in kinds), None)
                if ref is None:
                    ref = same_sent[-1] if same_sent else same_para_prev or prev
            if d.extra.get("listed_place") and same_sent and same_sent[-1].partner and not d.partner \
                    and d.geo and len(d.geo) == 1 and d.geo != same_sent[-1].geo:
                # "technology from the EU amounted to $11.9 billion, followed by Japan with $5.3
                # billion": a place listed after a partner is a partner too
                d.partner, d.geo = d.geo[0], list(same_sent[-1].geo)
                d.geo_how = same_sent[-1].geo_how
            if ref is None and same_sent and d.phrase is not None and any(t.lower_ == "such" for t in d.phrase):
                # "the number of such contracts has doubled": the contracts just named, with their partner
                d.partner = d.partner or same_sent[-1].partner
                if not d.geo and same_sent[-1].geo:
                    d.geo, d.geo_how = same_sent[-1].geo, "previous"
            if ref is None and not d.candidates and same_sent and _unit_kind(d.q["unit"]) == "currency" \
                    and self.value_of_before.search(text[self._sent_of(d.span).start_char:d.q.get("approx_start") or d.q["start"]]):
                # "1,836 contracts ..., with a combined value of $6.9 billion": the value of what was counted
                counted = next((x for x in reversed(same_sent) if x.measure == "count"), None)
                if counted is not None:
                    cands = []
                    if counted.phrase is not None:
                        head = counted.phrase.root  # the counted noun with its left modifiers
                        if head.pos_ not in ("NOUN", "PROPN"):  # "contracts ... numbered 1,836"
                            head = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), head)
                        cands = self._link(doc[max(head.left_edge.i, counted.phrase.start): head.i + 1], "currency")
                    d.candidates = cands or self._link(counted.span, "currency") or d.candidates
                    if not d.geo:
                        d.geo, d.geo_how = counted.geo, "previous"
            if ref is not None:
                if ref.candidates and (not d.candidates or d.share_of_previous or d.anaphoric or d.basis_of_previous):
                    d.candidates = ref.candidates
                elif not ref.candidates and d.anaphoric and d.measure == "share" and ref.phrase is not None \
                        and not self._is_place_phrase(ref.phrase):
                    d.candidates = []  # "basic research reached ..., and its share of total R&D": the part has no id
                if d.anaphoric and d.measure == "level" and ref.measure == "price":
                    d.measure = "price"
                if not d.geo:
                    d.geo, d.geo_how = ref.geo, "previous"
                d.partner = d.partner or ref.partner
            # "Exports totaled $123.4 billion" after a figure on a product group: that group's exports
            if ref is None and same_para_prev is not None and not d.geo and self._bare_flow(d):
                fam = same_para_prev.candidates[0][0].split(".")[0] if same_para_prev.candidates else None
                flow = self._bare_flow(d)
                if fam and fam != "trade" and f"{fam}.{flow}" in self.linker.units \
                        and same_para_prev.sent_start != d.sent_start:
                    d.candidates = [(f"{fam}.{flow}", 0.75)]
            # "Sweden (4.17 per cent), Austria (3.86 per cent)", "Germany alone spent 110 billion euros":
            # a figure whose phrase names only a place (or nothing) goes on with the paragraph's topic
            counts_own = d.q["unit"] == "count" and bool(d.q.get("noun")) and not self._link(d.span, "count")
            topic = self._topic_before(d, drafts) if ref is None and not d.candidates and not counts_own and (
                d.phrase is None or self._is_place_phrase(d.phrase) or not self._link_text(d.phrase).strip()
                or self._topicless(d) or self._names_who(d.phrase)) else None
            if topic is not None:
                d.candidates = [(i, round(sc * 0.9, 3)) for i, sc in topic.candidates]
                if d.measure in ("level",) and topic.measure in ("ratio", "share", "price"):
                    d.measure = topic.measure
                d.extra["topic_from_previous"] = True
            if ref is None and topic is None:
                self._family_context(doc, d, drafts, same_para_prev)
            # where: the paragraph's subject place, else the article's
            if not d.geo:
                if same_para_prev is not None and same_para_prev.geo and same_para_prev.geo != [d.partner]:
                    d.geo, d.geo_how = same_para_prev.geo, "paragraph"
                elif article_geo and article_geo != d.partner:
                    d.geo, d.geo_how = [article_geo], "article"
            # when: the last period stated before, in the paragraph (or led in by "Of them")
            if d.period is None:
                d.period, d.period_how = self._inherited_period(doc, d, drafts)
            elif d.period_how == "sentence":
                earlier = [x for x in reversed([x for x in drafts if x.index < d.index]) if not x.extra.get("relative")]
                base_d = ref if ref is not None and d.basis_of_previous else next(iter(earlier), None)
                if self._BARE_PERIOD.match(" ".join(((d.period or {}).get("text") or "").lower().split())):
                    # "during the year": the period the figures before it are of (not a target's)
                    base_d = next((x for x in earlier if x.period is not None and x.modality == "reported"
                                   and not x.basis_of_previous and not x.extra.get("compared_with")), None)
                shifted = self._relative_to(d, base_d.period if base_d is not None else None)
                if shifted is not None:
                    d.period = shifted
                    d.extra["relative"] = True
            prev = d
        self._respectively(drafts)
        self._fiscal_periods(doc, drafts, article_geo)
        self._story_context_periods(doc, drafts)
        self._credit_runs(doc, drafts)

    _ANAPHORIC_DATE = re.compile(
        r"^(?:(?:a|one) (?P<u1>year|month|quarter) (?:earlier|ago|before)|the (?:previous|prior|preceding) (?P<u2>year|month|quarter)"
        r"|the same (?:period|month|quarter) (?:of )?(?:last|a|the previous) year|(?:a|the) year-ago (?:period|month|quarter)"
        r"|(?P<same>the same (?:period|month|quarter|year|time)))$")

    #: a period named only by its unit: it is the period in context ("received 6.58 million
    #: applications during the year" after figures for last year)
    _BARE_PERIOD = re.compile(r"^(?:during |in |over |for )?the (?P<unit>year|period|month|quarter)$")

    def _relative_to(self, d: Draft, base: dict | None) -> dict | None:
        """"20.3% a year earlier" in a sentence that states no period of its own: a year before the
        period of the figures it is compared with (the previous claim's), not before publication."""
        if not base or not base.get("period") or not d.period:
            return None
        own_text = d.period.get("text") or ""
        if re.fullmatch(r"\d{4}", own_text.strip()):
            start = d.period.get("start")
            lead = self._text[max(0, start - 30):start] if isinstance(start, int) else ""
            if re.search(r"\bthe same (?:period|months?|quarter|time) (?:of|in)\s+$", lead, re.I):
                # "US$12.4 billion in the same period of 2022": the figures' months in that year
                iso = _same_months_in(own_text.strip(), base["period"], days=False)
                return dict(parse_iso_period(iso).fields(), text=own_text) if iso else None
        bare = self._BARE_PERIOD.match(" ".join(own_text.lower().split()))
        if bare is not None:
            try:
                p = parse_iso_period(base["period"])
            except (ValueError, TypeError):
                return None
            if bare.group("unit") == "year" and p.start and p.end and p.start[:1] == p.end[:1] and len(p.start) > 1:
                return dict(parse_iso_period(f"{p.start[0]:04d}").fields(), text=own_text)  # the year of those figures
            if bare.group("unit") == "year" and not (p.start and len(p.start) == 1 and p.start == p.end):
                return None
            return dict(base, text=own_text)
        m = self._ANAPHORIC_DATE.match(" ".join(own_text.lower().split()))
        if m is None:
            return None
        sent = self._sent_of(d.span)
        if any(self._sent_of(ds).start == sent.start and t.get("text") != d.period.get("text")
               for ds, t in self._all_dates if t.get("period")):
            return None  # the resolver had the sentence's own period to go by
        if m.group("same"):
            return dict(base, text=d.period.get("text"))  # "in the same month": the figures' own period
        unit = m.group("u1") or m.group("u2") or "year"
        try:
            p = parse_iso_period(base["period"])
        except (ValueError, TypeError):
            return None
        if p.start is None or p.end is None:
            return None
        if unit == "year":
            p = p.shift(years=-1)
        elif len(p.start) >= 2:
            p = p.shift(months=-1 if unit == "month" else -3)
        else:
            return None
        return dict(p.fields(), text=d.period.get("text"))

    def _topic_before(self, d: Draft, drafts: list[Draft]) -> Draft | None:
        """The figure before ``d`` in its paragraph (else the previous paragraph's last) that names
        what it measures in the same kind of unit: the topic a list of places goes on with
        ("exceeded the 3 per cent mark: Sweden (4.17 per cent), Austria (3.86 per cent)")."""
        kind = _unit_kind(d.q["unit"])
        earlier = [x for x in drafts if x.index < d.index]
        same_para = [x for x in earlier if x.para == d.para]
        def same_kind(x: Draft) -> bool:
            # "Exports increased by 1.4 per cent to €131.8 billion" states a rate too
            return _unit_kind(x.q["unit"]) == kind or (kind == "percent" and d.measure == "growth" and x.change is not None)

        for x in reversed(same_para):
            if same_kind(x) and x.sent_start == d.sent_start and not x.candidates \
                    and x.phrase is not None and not self._is_place_phrase(x.phrase) and not self._topicless(x):
                return None  # "patents per 10,000 people reached 10.8, ... the target of 12": that figure has no id
            if x.candidates and same_kind(x):
                return x
        # else the paragraphs before (up to three: a paragraph on parts without ids may come between)
        paras = sorted({x.para for x in earlier if x.para < d.para}, reverse=True)[:3]
        for p in paras:
            for x in reversed([x for x in earlier if x.para == p]):
                if x.candidates and same_kind(x):
                    return x
        return None

    def _family_context(self, doc: Doc, d: Draft, drafts: list[Draft], same_para_prev: Draft | None) -> None:
        """What the paragraph is about completes a phrase that names only part of an indicator:
        "Applications from China" after patent applications, "Their export value" and "The business"
        after a sentence on a product group, "Mechanical and electrical products, at ..." in a
        paragraph on exports."""
        from extractor.nlp.indicators.catalog import NEUTRAL, phrase_words

        if d.phrase is None:
            return
        top = d.candidates[0][0] if d.candidates else None
        fam_of = lambda iid: iid.rsplit(".", 1)[0]  # noqa: E731
        if top is None or top.startswith("trade."):
            # the whole subtree: "Applications filed under the PCT" is a kind of its own
            whole = doc[d.phrase.root.left_edge.i: d.phrase.root.right_edge.i + 1]
            if whole.start <= d.span.start < whole.end:
                whole = d.phrase  # the subtree holds the figure: the parser's phrase is all there is
            words = [w for w in phrase_words(self._link_text(whole)) if w not in NEUTRAL]
            flow = self._bare_flow(d)
            generic = d.phrase.root.lemma_.lower() in self.generic_topic_nouns and d.phrase[0].lower_ in (
                "the", "this", "such", "that")
            if top is not None and not (flow and d.phrase[0].lower_ in ("their", "its")):
                return  # a general figure that names its own flow: nothing to complete
            # the families of the figure before it in the paragraph, else of the sentence before
            fams: list[str] = []
            topic = self._topic_before(d, drafts)
            if topic is not None and topic.para == d.para:
                fams.append(fam_of(topic.candidates[0][0]))
            prev_sent = self._previous_sentence(d)
            if prev_sent is not None and (d.phrase[0].lower_ in ("their", "its", "the", "such", "this", "these")):
                fams += [fam_of(i) for i, _ in self._mentioned_indicators(prev_sent.text)]
            fams = [f for f in dict.fromkeys(fams) if f != "trade"]
            for fam in fams:
                ids = [i for i in self.linker.units if i.startswith(fam + ".")]
                if flow and top is not None:  # "Their export value" after "Mechanical and electrical products ..."
                    want = f"{fam}.{flow}"
                    if want in ids and d.phrase[0].lower_ in ("their", "its"):
                        d.candidates = [(want, 0.8)]
                        return
                if top is None and words and not generic:  # "Applications" in a paragraph on patent applications
                    fits = [iid for iid, aw in (self.linker._aliases[k] for k in self.linker.aliases_near(words))
                            if iid in ids and all(any(w == a or (len(w) > 4 and a.startswith(w[:5])) for a in aw) for w in words)]
                    if fits:
                        d.candidates = [(Counter(fits).most_common(1)[0][0], 0.8)]
                        return
                if top is None and generic:  # "The business made up 7.6 percent" after cross-border e-commerce
                    for suffix in ("trade", "total"):
                        if f"{fam}.{suffix}" in ids:
                            d.candidates = [(f"{fam}.{suffix}", 0.75)]
                            return
        elif top.endswith((".trade", ".total")) and not self._flow_word_in(d.phrase):
            # "Mechanical and electrical products, at 1.31 trillion yuan, made up 42.9 percent" after
            # figures on exports: the flow of the figure before it (in this sentence, the same group's)
            for x in reversed([x for x in drafts if x.index < d.index and x.para == d.para and x.candidates]):
                prev_id = x.candidates[0][0]
                if x.sent_start == d.sent_start and fam_of(prev_id) != fam_of(top):
                    continue
                flow = prev_id.rsplit(".", 1)[1]
                want = f"{fam_of(top)}.{flow}"
                if flow in ("exports", "imports") and want in self.linker.units:
                    d.candidates = [(want, d.candidates[0][1])] + d.candidates[1:]
                break

    def _flow_word_in(self, phrase: Span) -> bool:
        return bool(self.import_words.search(phrase.text) or self.export_words.search(phrase.text)
                    or re.search(r"\btrade\b", phrase.text, re.I))

    def _opens_paragraph(self, d: Draft) -> bool:
        """The figure's sentence is the first of its paragraph."""
        return self._sent_of(d.span).start_char <= d.para + 1

    def _previous_sentence(self, d: Draft) -> Span | None:
        k = self._sent_at[d.span.start]
        return self._sents[k - 1] if k > 0 else None

    def _names_who(self, phrase: Span) -> bool:
        """"Economists polled by Reuters had expected a rise of 0.5 per cent": the phrase names who
        expects or says, not what is measured."""
        root = phrase.root
        if not (root.ent_type_ in ("PERSON", "ORG", "NORP") or root.lemma_.lower() in self.unnamed):
            return False
        verb = root.head
        return verb.lemma_.lower() in self.reporting_verbs or verb.lemma_.lower() in self.forecast_cues

    def _topicless(self, d: Draft) -> bool:
        """The phrase holds no word of any indicator alias, and its head stands for a place or a
        part of the topic, not a thing of its own ("the three largest economies", "the figure";
        not "Deals", "the higher education sector", "petrochemicals": those have no id)."""
        from extractor.nlp.indicators.catalog import NEUTRAL, phrase_words

        words = [w for w in phrase_words(self._link_text(d.phrase)) if len(w) > 2 and w not in NEUTRAL]
        if any(self.linker.aliases_near([w]) for w in words):
            return False
        head = d.phrase.root
        return head.lemma_.lower() in self.topic_heads or head.like_num or head.ent_type_ in (
            "GPE", "LOC", "NORP", "ORG", "PERSON", "MONEY", "PERCENT", "CARDINAL")  # a place, who says, a figure

    @staticmethod
    def _flow_only(phrase: Span | None, ignore: frozenset[str] = frozenset()) -> str | None:
        """"exports" or "imports" when the phrase is that flow word and nothing else (no place, no
        product) but words in ``ignore``."""
        if phrase is None:
            return None
        words = [t.lower_ for t in phrase if not (t.is_punct or t.is_stop) and t.lower_ not in ignore]
        if words in (["exports"], ["export"]):
            return "exports"
        if words in (["imports"], ["import"]):
            return "imports"
        return None

    def _bare_flow(self, d: Draft) -> str | None:
        """"Exports", "imports", "export value": a flow word with nothing else but neutral words."""
        from extractor.nlp.indicators.catalog import NEUTRAL

        return self._flow_only(d.phrase, NEUTRAL)

    def _inherited_period(self, doc: Doc, d: Draft, drafts: list[Draft]) -> tuple[dict | None, str]:
        text = self._text
        sent = self._sent_of(d.span)
        before = [x for x in drafts if x.index < d.index and x.period is not None and x.period_how != "now"
                  and not x.basis_of_previous and not x.extra.get("compared_with") and x.modality == "reported"
                  and not self._headline(doc, x)]  # a headline sets no period for the body
        if not before:
            # no figure before it: the time a sentence before it states ("German exports rebounded
            # in March, data showed." then "Exports increased by 1.1 per cent on the month ...")
            stated = [(ds, t) for ds, t in self._all_dates if t.get("period") and ds.start_char < d.q["start"]
                      and not self._in_dateline(ds)
                      and self._sent_of(ds).start != sent.start and not self._attached_to_reporting(ds)
                      and not self._is_basis_date(doc, ds)]
            if stated:
                # the last sentence that states a time, and its first date (the main clause's: "...
                # widened in April as shipments bounced back from disruptions in March")
                last_sent = self._sent_of(stated[-1][0]).start
                ds, t = next((ds, t) for ds, t in stated if self._sent_of(ds).start == last_sent)
                return t, ("paragraph" if ds.start_char >= d.para else "carried")
            return None, "none"
        last = before[-1]
        if last.para == d.para:
            return last.period, "paragraph"
        lead = text[sent.start_char:sent.start_char + 24].lower()
        if re.match(r"^\s*(?:of them|of these|of which|among them|among these|of the total|in particular)\b", lead):
            return last.period, "paragraph"
        # a paragraph that names no time of its own goes on with the period of the figures before
        # it (a lede's "in the first seven months" governs the breakdown that follows)
        if last.period_how in ("sentence", "paragraph", "carried") and not self._headline(doc, last) and not any(
                d.para <= ds.start_char < d.q["start"] and not self._attached_to_reporting(ds)
                and not (self._is_basis_date(doc, ds) or not _.get("period")) for ds, _ in self._all_dates):
            # the period the article has stated most often so far (the story's reference period,
            # not a comparison year mentioned once in the paragraph before)
            story = self._story_period(doc, before)
            return (story or last.period), "carried"
        return None, "none"

    def _respectively(self, drafts: list[Draft]) -> None:
        """"those to ASEAN and the European Union rose 16.2 percent and 3.7 percent, respectively":
        the k-th figure of the phrase goes with its k-th partner."""
        groups: dict[tuple[int, int], list[Draft]] = {}
        for d in drafts:
            if d.phrase is not None and len(d.extra.get("partners") or []) > 1:
                groups.setdefault((d.phrase.start, d.phrase.end), []).append(d)
        for group in groups.values():
            partners = group[0].extra["partners"]
            sent = self._sent_of(group[-1].span)
            tail = self._text[group[-1].q["end"]:sent.end_char]
            if len(group) == len(partners) and re.match(r"^[\s,]*respectively\b", tail, re.I):
                for d, p in zip(group, partners):
                    d.partner = p

    def _fiscal_periods(self, doc: Doc, drafts: list[Draft], article_geo: str | None) -> None:
        """A fiscal year of the claim's country ("FY25", "2023-24", "this fiscal", "the financial
        year to date", a "full-year" figure): ``fiscal_years.yaml`` and :mod:`extractor.nlp.periods.fiscal`."""
        from extractor.nlp.periods import fiscal

        table = fiscal.fiscal_years()
        pub = None
        if doc._.published and re.match(r"^\d{4}-\d{2}", doc._.published):
            pub = (int(doc._.published[:4]), int(doc._.published[5:7]))
        story = self._story_period(doc, drafts)
        story_end = None
        if story is not None:
            try:
                p = parse_iso_period(story["period"])
                if p.end and len(p.end) >= 2:
                    story_end = (p.end[0], p.end[1])
            except (ValueError, TypeError):
                pass
        text = self._text
        for d in drafts:
            country = d.geo[0] if d.geo and len(d.geo) == 1 else article_geo
            if not country or country[:2] not in table:
                continue
            found = None
            per = d.period or {}
            start = per.get("start")
            if per.get("text") and isinstance(start, int):
                # the date with a split-year tail the date finder may cut ("the first ten months of 2023-24")
                date_text = text[start:start + len(per["text"])]
                tail = re.match(r"^\s*[-–/]\s*\d{2}\b", text[start + len(per["text"]):start + len(per["text"]) + 6])
                found = fiscal.resolve(date_text + (tail.group(0) if tail else ""), country, pub, story_end)
            if found is None and d.period_how in ("carried", "paragraph", "none", "story", "now"):
                # "... to cross $470 billion this fiscal": a fiscal expression that is no date mention
                sent = self._sent_of(d.span)
                window = text[max(sent.start_char, d.q["start"] - 60):min(sent.end_char, d.q["end"] + 40)]
                if re.search(r"\b(?:fiscal|financial)\b|\bFY\s*'?\d", window, re.I):
                    found = fiscal.resolve(window, country, pub, story_end)
            if found is None and d.phrase is not None and self.full_year.search(d.phrase.text) and fiscal.TALKS_FISCAL.search(text):
                # a "full-year" figure is of the fiscal year only in a story that counts in fiscal years
                found = fiscal.resolve(d.phrase.text, country, pub, story_end, full_year=True)
            if found is not None:
                d.period = dict(found.fields(), text=per.get("text") or "fiscal", start=start)
                d.extra["fiscal"] = True

    def _story_period(self, doc: Doc, before: list[Draft]) -> dict | None:
        """The period the article has stated most often in ``before`` (reported figures with a
        period of their sentence or paragraph); a tie goes to the one stated first (the lede's)."""
        stated = [x.period for x in before if x.period is not None and x.period_how in ("sentence", "paragraph")
                  and x.modality == "reported" and not x.basis_of_previous and not x.extra.get("compared_with")
                  and not self._headline(doc, x)]
        if not stated:
            return None
        counts = Counter(p["period"] for p in stated)
        top = max(counts.values())
        return next(p for p in stated if counts[p["period"]] == top)

    def _story_context_periods(self, doc: Doc, drafts: list[Draft]) -> None:
        """Periods the story itself supplies: a headline figure that names a span of time but no
        year is of the story's period ("Nine-month exports slip 7.6%"), and a "full-year" figure is of the story's
        year ("a full-year export decline of around 7 per cent", "keeping full-year foreign trade
        above 4 trillion yuan")."""
        body = [x for x in drafts if not self._headline(doc, x)]
        for d in drafts:
            if d.period is None and self._headline(doc, d) and self.headline_period.search(self._sent_of(d.span).text):
                story = self._story_period(doc, body)
                if story is not None:
                    d.period, d.period_how = dict(story), "story"
            phrase = d.phrase.text if d.phrase is not None else ""
            if d.extra.get("fiscal"):
                continue  # a fiscal year of its country (_fiscal_periods)
            if self.full_year.search(phrase) and (d.period is None or d.period_how in ("now", "carried", "paragraph", "sentence")):
                if d.period is not None and re.fullmatch(r"\d{4}", d.period.get("period") or ""):
                    continue  # "full-year 2023": its own year
                story = self._story_period(doc, [x for x in drafts if x.index != d.index]) or (
                    {"period": (doc._.published or "")[:4]} if doc._.published else None)
                if story is not None and story.get("period"):
                    try:
                        p = parse_iso_period(story["period"])
                    except (ValueError, TypeError):
                        continue
                    if p.start:
                        d.period = dict(parse_iso_period(f"{p.start[0]:04d}").fields(), text=phrase)
                        d.period_how = "story"

    def _headline(self, doc: Doc, d: Draft) -> bool:
        """A claim in a line without a final stop (a headline): it sets no period for the body."""
        known = d.extra.get("headline")
        if known is None:
            known = d.extra["headline"] = self._headline_uncached(d)
        return known

    def _headline_uncached(self, d: Draft) -> bool:
        sent = self._sent_of(d.span)
        line_end = self._text.find("\n", sent.start_char)
        line = self._text[sent.start_char: line_end if line_end >= 0 else len(self._text)].rstrip()
        return not re.search(r"[.!?”\"]$", line)

    def _credit_runs(self, doc: Doc, drafts: list[Draft]) -> None:
        """Credits given once for several figures: a credit covers the run of consecutive figure
        sentences of its paragraph it stands in; a speaker's "X said that ..." covers the rest of
        the paragraph (reported speech)."""
        text = self._text
        sents = self._sents
        figure_sents = {d.sent_start for d in drafts}
        # (a forecaster's credit is for its forecast, not for the figures around it)
        credits = {st: c for st, c in self._sent_credits.items() if c[0] and c[1] != "forecaster"}
        runs: list[list[int]] = []
        cur: list[int] = []
        last_para = None
        for s in sents:
            para = _para_bounds(text, s.start_char)[0]
            if s.start in figure_sents and cur and last_para == para:
                cur.append(s.start)
            else:
                if cur:
                    runs.append(cur)
                cur = [s.start] if s.start in figure_sents else []
            last_para = para
        if cur:
            runs.append(cur)
        for run in runs:
            named = [st for st in run if st in credits]
            if not named:
                continue
            for d in drafts:
                if d.sent_start in run and not d.source:
                    before = [credits[st][0] for st in named if st <= d.sent_start]
                    d.source = before[-1] if before else credits[named[0]][0]
                    d.source_how = "run"
        for d in drafts:
            if d.source:
                continue
            speech = [(st, c[0]) for st, c in credits.items() if c[1] == "speech" and st < d.sent_start
                      and _para_bounds(text, doc[st].idx)[0] == d.para]
            if speech:
                d.source = max(speech)[1]
                d.source_how = "run"

    # -- output --------------------------------------------------------------------------------------------

    def _finish(self, doc: Doc, d: Draft) -> dict:
        text = self._text
        q = d.q
        value = q["value"]
        phrase_text = d.phrase.text if d.phrase is not None else ""
        candidates = d.candidates
        indicator, score = candidates[0] if candidates else (None, 0.0)
        context = phrase_text + " " + text[q["end"]:q["end"] + 14]
        lead = text[max(self._sent_of(d.span).start_char, (q.get("approx_start") or q["start"]) - 16):q.get("approx_start") or q["start"]]
        if re.search(r"\b(?:deficit|surplus)\s+of\s+$", lead, re.I):
            context += " " + lead  # "That compared with a deficit of HK$32.9 billion"
        if indicator is None and re.search(r"\b(?:deficit|surplus|balance)\b", context, re.I):
            # "a total deficit of about US$20 billion" in a sentence about technology exports and
            # imports: the balance of what the sentence is about
            sent = self._sent_of(d.span)
            fams = Counter(i.split(".")[0] for i, _ in self._mentioned_indicators(sent.text) if not i.startswith("trade."))
            for fam, _ in fams.most_common():
                if f"{fam}.balance" in self.linker.units:
                    indicator, score = f"{fam}.balance", 0.75
                    break
        if self.deficit_words.search(context):
            if value is not None and value > 0 and re.search(r"\bdeficits?\b", context, re.I):
                value = -value
            if indicator and indicator.endswith((".total", ".trade", ".exports", ".imports")) and re.search(r"deficit|surplus|balance", context, re.I):
                bal = indicator.split(".")[0] + ".balance"
                if bal in self.linker.units:
                    indicator = bal
        measures = self.linker.measures.get(indicator or "", set())
        if indicator and measures and d.measure == "level" and "level" not in measures and "ratio" in measures:
            d.measure = "ratio"  # "R&D intensity reached 7.34 per cent": a ratio to GDP
        if d.measure == "growth" and q["direction"] == "down" and value is not None:
            value = -abs(value)
        dates = self._dates
        change = self._change(doc, d.change, q, dates, (d.period or {}).get("period")) if d.change else None
        if change is None and d.measure == "level":
            change = self._flat_change(doc, d, dates)
        qstart = q["start"]
        if d.phrase is not None and self._sent_of(d.span).start_char <= d.phrase.start_char < q["start"]:
            qstart = d.phrase.start_char
        if d.change and d.change["start"] < qstart:
            qstart = d.change["start"]
        if q.get("approx_start") is not None and q["approx_start"] < qstart:
            qstart = q["approx_start"]
        qend = max(q["end"], d.change["end"] if d.change else 0)
        geo: Any = None
        if d.geo:
            geo = d.geo[0] if len(d.geo) == 1 else sorted(d.geo)
        period = d.period or {}
        return {
            "start": q["start"], "end": q["end"], "text": q["text"],
            "quote_start": qstart, "quote_end": qend, "quote": text[qstart:qend],
            "value": value, "unit": q["unit"], "measure": d.measure,
            "indicator": indicator, "indicator_score": score, "indicator_candidates": [list(c) for c in candidates],
            "phrase": phrase_text,
            "phrase_start": d.phrase.start_char if d.phrase is not None else None,
            "phrase_end": d.phrase.end_char if d.phrase is not None else None,
            "geo": geo, "geo_how": d.geo_how if geo else "none", "partner": d.partner,
            "period": period.get("period"), "period_start": period.get("period_start"), "period_end": period.get("period_end"),
            "period_how": d.period_how if period else "none",
            "change": change, "approx": q["approx"], "modality": d.modality,
            "source": self._clean_source(d.source), "source_how": d.source_how if d.source else "none",
            "confidence": self._confidence(score if indicator else 0.0, d.geo_how if geo else "none",
                                           d.period_how if period else "none", d.source_how if d.source else "none"),
            "label": q["label"],
        }

    _SOURCE_TAIL = re.compile(
        r"(?<!\s)\s+(?:on|in|last|this|earlier|late|early)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
        r"january|february|march|april|may|june|july|august|september|october|november|december|week|month|year|"
        r"\d{4}|\w+ \d{1,2}\b).*$", re.I)

    def _clean_source(self, name: str | None) -> str | None:
        """The name alone: no trailing time ("Eurostat on Friday"), a surname given alone in full
        ("Han" -> "Han Jie") when the article names that person in full."""
        if not name:
            return name
        name = self._SOURCE_TAIL.sub("", name).strip() or name
        if re.fullmatch(r"[A-Z][\w'-]+", name):
            for e in self._ents:
                if e.label_ == "PERSON" and len(e) > 1 and name in (e[0].text, e[-1].text):
                    return e.text
        return name

    @staticmethod
    def _confidence(link: float, geo_how: str, period_how: str, source_how: str) -> float:
        g = {"phrase": 1.0, "sentence": 0.9, "previous": 0.85, "paragraph": 0.75, "article": 0.55, "none": 0.3}[geo_how]
        p = {"sentence": 1.0, "now": 0.8, "paragraph": 0.75, "carried": 0.6, "story": 0.6, "none": 0.4}[period_how]
        s = {"sentence": 1.0, "quote": 0.95, "run": 0.85, "none": 0.7}[source_how]
        return round(0.45 * (link if link else 0.3) + 0.25 * g + 0.2 * p + 0.1 * s, 3)


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
            out = Span(doc, span.start, span.end, label="CLAIM")
            out._.claim = claim
            group.append(out)
        doc.spans[self.spans_key] = group
        forget(doc)  # the last component: the cached text need not travel with the doc
        return doc

    def to_disk(self, path, exclude=()):  # word lists and the catalog are packaged data files
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
