"""The first pass: what a figure's own sentence says of it, field by field."""

from __future__ import annotations

import re

from spacy.tokens import Span

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.draft import Draft
from extractor.nlp.claims.fields import geo as geos
from extractor.nlp.claims.fields import indicator as indicators
from extractor.nlp.claims.fields.measure import measure
from extractor.nlp.claims.fields.modality import modality
from extractor.nlp.claims.fields.period import sentence_period
from extractor.nlp.claims.fields.phrase import (
    anaphoric,
    listed_place,
    measured_phrase,
    participle_share,
)
from extractor.nlp.claims.fields.source import sentence_source
from extractor.nlp.rule_table import Answer

#: refinements that replace the measured phrase (the others replace only the candidates)
_PHRASE_RULES = ("phrase.listed_place", "phrase.multiple_subject", "indicator.elided_verb")


def _last(trace: tuple[str, ...], pick) -> str | None:
    return next((r for r in reversed(trace) if pick(r)), None)


def read_figure(ctx: DocContext, index: int, span: Span, q: dict, change: dict | None) -> Draft:
    """A draft claim for the figure ``span`` (quantity ``q``, its paired ``change``)."""
    sent = ctx.sent_of(span)
    phrase, whole, phrase_rule = measured_phrase(ctx, span, q)
    meas, meas_rule = measure(ctx, span, q, phrase.text if phrase is not None else "")
    listed = listed_place(ctx, span, q)
    figure = indicators.Figure(ctx, span, q, meas, whole, listed)
    reading = indicators.READING.apply(Answer(indicators.Reading(phrase, []), phrase_rule), figure)

    places = geos.phrase_places(ctx, span, reading.value.phrase, reading.value.candidates)
    geo, partner, geo_rule, partner_rule = places.geo, places.partner, "geo.phrase", "partner.phrase"
    if not partner and listed is None:
        # (a place listed after the counterpart is its own: "followed by the UAE ($3.2 billion)")
        partner, partner_rule = geos.counterpart_before(ctx, span, q), "partner.counterpart_subject"
        if partner and partner in geo:
            geo = [g for g in geo if g != partner]
        reading = indicators.COUNTERPART.apply(reading, indicators.Counterpart(figure, partner))
    geo_how = "phrase" if geo else "none"
    if not geo:
        subj_geo = geos.subject_place(ctx, span, q)
        if subj_geo:
            geo, geo_how, geo_rule = [subj_geo], "sentence", "geo.subject_place"
    period, period_how, period_rule = sentence_period(ctx, span, q, change)
    source, source_how, source_rule = sentence_source(ctx, span, q)
    mod, mod_rule = modality(ctx, span, q)

    phrase, candidates = reading.value.phrase, reading.value.candidates
    how = {
        "phrase": _last(reading.trace, lambda r: r in _PHRASE_RULES) or phrase_rule,
        "measure": meas_rule,
        "indicator": _last(reading.trace, lambda r: r.startswith("indicator.")) or "indicator.none",
        "modality": mod_rule,
    }
    if geo:
        how["geo"] = geo_rule
    if partner:
        how["partner"] = partner_rule
    if period is not None:
        how["period"] = period_rule
    if source:
        how["source"] = source_rule
    d = Draft(
        index=index, span=span, q=q, change=change, measure=meas, phrase=phrase, candidates=candidates,
        geo=geo, partner=partner, geo_how=geo_how, period=period, period_how=period_how, source=source,
        source_how=source_how, modality=mod, sent_start=sent.start, para=ctx.para_start(q["start"]), how=how,
    )
    d.anaphoric = phrase is not None and (anaphoric(ctx, phrase) or (
        meas == "share" and phrase[0].lower_ in ("its", "their")
        and phrase.root.lemma_.lower() in ("share", "proportion", "portion", "percentage")))  # "Their share of total exports"
    d.share_of_previous = meas == "share" and participle_share(ctx, span)
    d.listed_place = listed is not None
    d.partners = list(places.partners)
    start = q.get("approx_start") or q["start"]
    pre_long = ctx.text[max(sent.start_char, start - 40):start].lower()
    d.basis_of_previous = bool(ctx.lex.earlier_value_before.search(pre_long))
    # "3.8 times the 612.4 billion yuan spent in 2009": the value compared with; its period is
    # no period for the figures after it
    d.compared_with = bool(re.search(r"\btimes\s++(?:(?:the|its|their|that of)\s*+)?$", pre_long))
    return d


#: the rule ids this module records as a claim's ``how`` (the others come from the field modules)
RECORDS: tuple[str, ...] = ("geo.phrase", "geo.subject_place", "partner.phrase", "partner.counterpart_subject")
