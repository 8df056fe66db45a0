"""What a figure measures, linked to the indicator catalog: candidates ``(id, score, alias)``.

The reading of a figure's own sentence is a chain of refinements (``READING``): the measured
phrase is linked first, and each later rule may replace the phrase or the candidates with a more
specific reading ("High-tech products ... were exported": the verb names the flow; "On the import
side, technology ...": the lead names it; "... made up 24.7 percent of total exports": the whole
names the part's flow). ``COUNTERPART`` runs after the place is read, because it needs the partner.
The second pass (topic, anaphora, families) is :mod:`extractor.nlp.claims.discourse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from spacy.tokens import Span

from extractor.nlp.claims.context import DocContext, unit_kind
from extractor.nlp.claims.fields.phrase import (
    flow_only,
    flow_word_in,
    is_place_phrase,
    link_text,
    link_words,
    local_phrase,
    verb_phrase,
)
from extractor.nlp.claims.tree import first_verb_above, noun_phrase, subject
from extractor.nlp.indicators.candidates import Candidate
from extractor.nlp.rule_table import Refinements

_FLOW_OF_VERB = {"export": "exports", "import": "imports"}


def link(ctx: DocContext, phrase: Span | None, units: str | None, keep_numbers: bool = False) -> list[Candidate]:
    """Candidates of a phrase read without places, dates, people and figures."""
    words = link_words(phrase, keep_numbers)
    found = ctx.link(phrase, units, words) if words and phrase is not None else []
    if not found and not keep_numbers and phrase is not None and any(
            t.ent_type_ == "CARDINAL" and t.is_alpha for t in phrase):
        # a number word that is part of a name: "exports of the "new three" products"
        return link(ctx, phrase, units, keep_numbers=True)
    return found


def link_units(unit: str | None) -> str | None:
    """The kind of value the catalog's ``units`` name for a figure's unit (a price is money)."""
    kind = unit_kind(unit)
    return "currency" if kind in ("currency", "price") else kind


def made(iid: str, score: float, rule: str) -> Candidate:
    """A candidate a rule made rather than found (its alias is the rule's id)."""
    return Candidate(iid, score, rule)


def family(iid: str) -> str:
    return iid.rsplit(".", 1)[0]


def flow(ctx: DocContext, phrase: str, candidates: list[Candidate]) -> str:
    """The direction a phrase or its indicator names: import, export, or trade (both or neither)."""
    iid = candidates[0].id if candidates else ""
    imp, exp = ctx.lex.import_words.search(phrase), ctx.lex.export_words.search(phrase)
    if iid.endswith(".imports") or (imp and not exp):
        return "import"
    if iid.endswith(".exports") or (exp and not imp):
        return "export"
    return "trade"


def lead_flow(ctx: DocContext, span: Span, phrase: Span | None) -> str | None:
    """The flow a sentence's lead sets for a phrase without a flow word ("On the import side,
    technology from the European Union amounted to $11.9 billion")."""
    if phrase is None or flow_word_in(ctx, phrase):
        return None
    sent = ctx.sent_of(span)
    lead = ctx.text[sent.start_char:phrase.start_char]
    if not lead.rstrip().endswith(","):
        return None
    imp, exp = bool(ctx.lex.import_words.search(lead)), bool(ctx.lex.export_words.search(lead))
    return "imports" if imp and not exp else "exports" if exp and not imp else None


def ratio_candidates(ctx: DocContext, span: Span, whole: Span | None) -> list[Candidate]:
    """A share of GDP: what is spent (R&D) decides the indicator (``ratio_of_gdp`` in words.yaml)."""
    sent = ctx.sent_of(span)
    words = [t for t in sent if not (whole is not None and whole.start <= t.i < whole.end)
             and not (span.start <= t.i < span.end)]
    text = link_text(ctx.doc[sent.start: sent.end]) if not words else " ".join(
        t.text for t in words if not (t.ent_type_ in ("GPE", "DATE", "MONEY", "PERCENT", "CARDINAL") or t.like_num or t.is_punct))
    text = re.sub(r"\b(?:gdp|gross domestic product|economic output)\b", " ", text, flags=re.I)
    for iid, rx in ctx.lex.ratio_map.items():
        if re.search(rx, text, re.I):
            return [made(iid, 0.9, "indicator.ratio_of_gdp")]
    return []


# -- the reading of the figure's sentence ---------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What the figure measures: the phrase and its candidates."""

    phrase: Span | None
    candidates: list[Candidate]


@dataclass
class Figure:
    """What the refinements read besides the current reading."""

    ctx: DocContext
    span: Span
    q: dict
    measure: str
    whole: Span | None  # the whole of a share ("of total exports")
    listed: Span | None  # the place a figure is listed for ("Sweden (4.17 per cent)")

    @property
    def units(self) -> str | None:
        return link_units(self.q["unit"])


def _phrase(r: Reading, f: Figure) -> Reading | None:
    found = link(f.ctx, r.phrase, f.units)
    return replace(r, candidates=found) if found else None


def _counted_noun(r: Reading, f: Figure) -> Reading | None:
    """"12,202 technology contracts": the count's own noun says what it counts; "China granted
    907,000 invention patents": with the verb."""
    if f.q["unit"] != "count" or r.candidates:
        return None
    found = link(f.ctx, f.span, f.units)
    verb = f.span.root.head
    if not found and verb.pos_ == "VERB" and f.span.root.dep_ in ("dobj", "nsubjpass", "attr"):
        lo, hi = min(verb.i, f.span.start), max(verb.i + 1, f.span.end)
        found = f.ctx.link(f.ctx.doc[lo:hi], f.units, [verb.text, link_text(f.span)])
    return replace(r, candidates=found) if found else None


def _jobs(r: Reading, f: Figure) -> Reading | None:
    """"Cisco will cut 4,000 jobs": a company's; "Employers added 130,000 jobs", "the economy lost
    2,200 jobs": the economy's net jobs (``job_nouns``, ``job_indicators``)."""
    if f.q["unit"] != "count" or (f.q.get("noun") or "") not in f.ctx.lex.job_nouns:
        return None
    if r.candidates and r.candidates[0].id not in f.ctx.lex.job_indicators.values():
        return None
    verb = first_verb_above(f.span, ("VERB",))
    subj = subject(verb) if verb is not None else None
    ents = [e for e in f.ctx.ents if subj is not None and e.start <= subj.i < e.end]
    # (a name the tagger calls a place but no place code links: "Cisco" read as a GPE)
    company = bool(ents) and ents[0].label_ in ("ORG", "GPE") and not ents[0].kb_id_ or subj is not None and (
        subj.lemma_.lower() in ("company", "firm", "group", "carmaker", "retailer", "bank", "lender")
        or (not ents and subj.pos_ == "PROPN"))  # "Cisco will cut 4,000 jobs": a name the tagger left untyped
    want = f.ctx.lex.job_indicators["company" if company else "economy"]
    if r.candidates and r.candidates[0].id == want:
        return None
    return replace(r, candidates=[made(want, 0.8, "indicator.jobs")]) if f.ctx.has_unit(want) else None


def _verb_phrase(r: Reading, f: Figure) -> Reading | None:
    """"Germany spent 121.4 billion euros on research and development": the verb and what it takes,
    for a phrase that names nothing the catalog has (or names only a place). A part noun
    ("Foreign-invested enterprises traded ...") takes no verb's indicator."""
    part = r.phrase is not None and r.phrase.root.lemma_.lower() in f.ctx.lex.part_nouns
    if not ((not r.candidates and not part) or is_place_phrase(r.phrase)):
        return None
    alt = verb_phrase(f.ctx, f.span, of_whole=f.measure == "share")
    if alt is None or not alt[1]:
        return None
    found = f.ctx.link(alt[0], f.units, alt[1])
    return replace(r, candidates=found) if found else None


def _subject_above_flow(r: Reading, f: Figure) -> Reading | None:
    """"the "new three" items saw exports jump 52.7 percent": the subject of the verb above names
    the product whose flow the phrase is; "High-tech imports amounted to $40 billion, and exports
    totaled $36 billion": a subject above that names a flow of its own gives its product group."""
    only = flow_only(r.phrase)
    if r.phrase is None or not r.candidates or not only:
        return None
    upper = r.phrase.root.head
    while upper.head.i != upper.i and upper.dep_ in ("ccomp", "xcomp", "dep", "conj") and upper.pos_ in ("VERB", "AUX"):
        upper = upper.head
        subj = subject(upper)
        if subj is not None and not (r.phrase.start <= subj.i < r.phrase.end):
            np_ = noun_phrase(f.ctx.doc, subj, exclude=None)
            if flow_word_in(f.ctx, np_):
                group = link(f.ctx, np_, f.units)
                want = f"{family(group[0].id)}.{only}" if group else ""
                if group and not want.startswith("trade.") and f.ctx.has_unit(want) and want != r.candidates[0].id:
                    return replace(r, candidates=[made(want, group[0].score, "indicator.subject_above_flow")])
                return None
            prod = f.ctx.link(np_, f.units, [link_text(np_, keep_numbers=True), only])
            if prod and prod[0].id != r.candidates[0].id and not prod[0].id.startswith("trade."):
                return replace(r, candidates=prod)
            return None
    return None


def _verb_flow(r: Reading, f: Figure) -> Reading | None:
    """"High-tech products ... were exported to the tune of 512.6 billion yuan": the verb names the
    flow of a family's total."""
    if not r.candidates or not r.candidates[0].id.endswith((".trade", ".total")):
        return None
    verb = next((t for t in f.span.root.ancestors if t.pos_ == "VERB"), None)
    flow_ = _FLOW_OF_VERB.get(verb.lemma_.lower() if verb is not None else "")
    want = f"{family(r.candidates[0].id)}.{flow_}"
    if flow_ and f.ctx.has_unit(want):
        return replace(r, candidates=[made(want, r.candidates[0].score, "indicator.verb_flow")])
    return None


def _listed_place(r: Reading, f: Figure) -> Reading | None:
    """"Sweden (4.17 per cent)", "followed by Japan with $5.3 billion": the figure of the place just
    before it; the place is its phrase."""
    return replace(r, phrase=f.listed) if f.listed is not None else None


def _elided_verb(r: Reading, f: Figure) -> Reading | None:
    """"Exports came in at 2.38 trillion yuan and imports at 1.58 trillion yuan": the noun phrase
    after the last clause break, for a verb the second clause leaves out."""
    if f.listed is not None:
        return None
    local = local_phrase(f.ctx, f.span, f.q, r.phrase)
    if local is None:
        return None
    found = link(f.ctx, local, f.units)
    return Reading(local, found) if found else None


def _lead_flow(r: Reading, f: Figure) -> Reading | None:
    """"On the import side, technology ... amounted to": technology imports."""
    lead = lead_flow(f.ctx, f.span, r.phrase)
    if not lead or r.phrase is None or is_place_phrase(r.phrase):
        return None
    flowed = f.ctx.link(r.phrase, f.units, [link_text(r.phrase), lead])
    if flowed and (not r.candidates or flowed[0].id != r.candidates[0].id):
        return replace(r, candidates=flowed)
    return None


def _lead_topic(r: Reading, f: Figure) -> Reading | None:
    """"As for unemployment rate, the Fed lowered its estimate to 4.2%": the lead names what a
    figure whose own phrase names nothing measures (``lead_topic`` in words.yaml)."""
    if r.candidates:
        return None
    sent = f.ctx.sent_of(f.span)
    m = f.ctx.lex.lead_topic.match(f.ctx.text, sent.start_char, f.span.start_char)
    if m is None:
        return None
    what = f.ctx.doc.char_span(m.start("what"), m.end("what"), alignment_mode="expand")
    found = link(f.ctx, what, f.units) if what is not None else []
    return replace(r, candidates=found) if found else None


def _central_bank_target(r: Reading, f: Figure) -> Reading | None:
    """"the Bank of England's 2% target", "the Fed's 2 percent goal": a central bank's percentage
    target is its inflation target (``central_bank`` and ``policy_target_nouns`` in words.yaml)."""
    if r.candidates or r.phrase is None or unit_kind(f.q["unit"]) != "percent":
        return None
    if r.phrase.root.lemma_.lower() not in f.ctx.lex.policy_target_nouns or not f.ctx.lex.central_bank.search(r.phrase.text):
        return None
    if not f.ctx.has_unit("cpi.inflation"):
        return None
    return replace(r, candidates=[made("cpi.inflation", 0.8, "indicator.central_bank_target")])


def _measured_after(r: Reading, f: Figure) -> Reading | None:
    """"a target of $1 trillion in merchandise exports", "$5 billion worth of exports": what the
    figure measures follows it (not for a share: its "of ..." is its whole)."""
    if r.candidates or f.measure == "share":
        return None
    after = f.ctx.lex.measured_after.match(f.ctx.text, f.q["end"], f.ctx.sent_of(f.span).end_char)
    if not after:
        return None
    what = f.ctx.doc.char_span(after.start("what"), after.end("what"), alignment_mode="expand")
    found = f.ctx.link(what, f.units, [after.group("what")]) if what is not None else []
    return replace(r, candidates=found) if found else None


def _share_whole(r: Reading, f: Figure) -> Reading | None:
    """"Guangdong accounted for 23.1 percent of national trade": a place's share is of its whole."""
    if f.measure != "share" or f.whole is None or not is_place_phrase(r.phrase):
        return None
    found = link(f.ctx, f.whole, f.units if unit_kind(f.q["unit"]) != "percent" else None)
    return replace(r, candidates=found) if found else None


def _share_whole_flow(r: Reading, f: Figure) -> Reading | None:
    """"High-tech products made up 24.7 percent of total exports": the part is of the whole's flow."""
    if f.measure != "share" or f.whole is None or not r.candidates \
            or not r.candidates[0].id.endswith((".trade", ".total")):
        return None
    flow_ = flow(f.ctx, f.whole.text, [])
    want = f"{family(r.candidates[0].id)}.{flow_}s"
    if flow_ != "trade" and f.ctx.has_unit(want):
        return replace(r, candidates=[made(want, r.candidates[0].score, "indicator.share_whole_flow")]
                       + [c for c in r.candidates[1:] if c.id != want])
    return None


def _multiple_subject(r: Reading, f: Figure) -> Reading | None:
    """"The figure is 3.8 times the 612.4 billion yuan": what is compared is the subject, not the
    figure after "times"."""
    if f.q["unit"] != "times" or r.phrase is None \
            or r.phrase.root.ent_type_ not in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"):
        return None
    verb = next((t for t in f.span.root.ancestors if t.pos_ in ("VERB", "AUX")), None)
    subj = subject(verb) if verb is not None else None
    if subj is not None and subj.i < f.span.start:
        return replace(r, phrase=noun_phrase(f.ctx.doc, subj, exclude=None))
    return None


def _ratio(r: Reading, f: Figure) -> Reading | None:
    """A ratio takes the indicator of what is spent ("R&D spending at 2.4% of GDP"), or a multiple
    the indicator of what it multiplies ("exports in 2023 were 2.2 times their 2015 level"); a
    ratio of nothing the catalog has is null."""
    if f.measure != "ratio":
        return None
    found = ratio_candidates(f.ctx, f.span, f.whole)
    if not found and f.q["unit"] == "times" and r.phrase is not None:
        found = link(f.ctx, r.phrase, None)
    return replace(r, candidates=found)


READING: Refinements[Reading] = Refinements("indicator", [
    ("indicator.phrase", _phrase),
    ("indicator.counted_noun", _counted_noun),
    ("indicator.jobs", _jobs),
    ("indicator.verb_phrase", _verb_phrase),
    ("indicator.subject_above_flow", _subject_above_flow),
    ("indicator.verb_flow", _verb_flow),
    ("phrase.listed_place", _listed_place),
    ("indicator.elided_verb", _elided_verb),
    ("indicator.lead_flow", _lead_flow),
    ("indicator.lead_topic", _lead_topic),
    ("indicator.central_bank_target", _central_bank_target),
    ("indicator.measured_after", _measured_after),
    ("indicator.share_whole", _share_whole),
    ("indicator.share_whole_flow", _share_whole_flow),
    ("phrase.multiple_subject", _multiple_subject),
    ("indicator.ratio", _ratio),
])


# -- after the place: a counterpart subject -----------------------------------------------------------

@dataclass
class Counterpart:
    """The figure of a sentence whose subject is a counterpart ("China was the largest source of
    imports at US$79.4 billion"): what the predicate names is what the figure measures."""

    figure: Figure
    partner: str | None  # the counterpart the sentence names


def _counterpart_predicate(r: Reading, c: Counterpart) -> Reading | None:
    f = c.figure
    ctx, doc, phrase = f.ctx, f.ctx.doc, r.phrase
    if not c.partner or phrase is None or not is_place_phrase(phrase) or phrase.root.dep_ != "nsubj":
        return None
    attr = next((x for x in phrase.root.head.children if x.dep_ in ("attr", "oprd")), None)
    if attr is None:
        return None
    # the predicate without the counterpart noun and its adjectives: "the largest source of
    # imports" -> "imports", "Vietnam's largest export market" -> "export"
    skip = set(ctx.lex.counterpart_nouns) | {"source", "supplier", "origin"}
    words = [t.text for t in doc[attr.left_edge.i: min(attr.right_edge.i + 1, f.span.start)]
             if t.pos_ != "ADJ" and t.lemma_.lower() not in skip and t.ent_type_ not in ("GPE", "NORP", "MONEY")]
    pred = doc[attr.left_edge.i: max(attr.left_edge.i + 1, min(attr.right_edge.i + 1, f.span.start))]
    found = ctx.link(pred, f.units, [" ".join(words)]) if words else []
    side = ctx.lex.counterpart_nouns.get(attr.lemma_.lower())
    joined = " ".join(words)
    if not found and side and not ctx.lex.import_words.search(joined) and not ctx.lex.export_words.search(joined):
        # "The United States remained the largest destination, taking $7.3 billion of Indian goods":
        # a destination takes exports, a supplier gives imports
        found = ctx.link(doc[attr.i: attr.i + 1], f.units, [side])
    return replace(r, candidates=found) if found else None


COUNTERPART: Refinements[Reading] = Refinements("indicator.counterpart", [
    ("indicator.counterpart_predicate", _counterpart_predicate),
])


#: the rule ids this module records as a claim's ``how`` (the refinements that replace a phrase
#: are recorded as the phrase's rule)
RECORDS: tuple[str, ...] = (*READING.ids, *COUNTERPART.ids, "indicator.none")
