"""Draft -> Claim: the sign of deficits and falls, a balance's indicator, the change of the
clause, the quote, and a confidence from how each part was found."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.draft import Draft
from extractor.nlp.claims.fields.change import flat_change, paired_change
from extractor.nlp.claims.fields.source import clean_source
from extractor.schema import Claim


@dataclass(frozen=True)
class ConfidenceWeights:
    """How much each part of a claim weighs in its confidence, and what each way of finding a
    place, period or source is worth (the component's config sets them)."""

    link: float = 0.45
    geo: float = 0.25
    period: float = 0.2
    source: float = 0.1
    unlinked: float = 0.3  # the link score of a claim without an indicator
    geo_how: tuple[tuple[str, float], ...] = (("phrase", 1.0), ("sentence", 0.9), ("previous", 0.85), ("paragraph", 0.75),
                                              ("article", 0.55), ("none", 0.3))
    period_how: tuple[tuple[str, float], ...] = (("sentence", 1.0), ("now", 0.8), ("paragraph", 0.75), ("carried", 0.6),
                                                 ("story", 0.6), ("none", 0.4))
    source_how: tuple[tuple[str, float], ...] = (("sentence", 1.0), ("quote", 0.95), ("run", 0.85), ("none", 0.7))

    def confidence(self, link: float, geo_how: str, period_how: str, source_how: str) -> float:
        g, p, s = dict(self.geo_how)[geo_how], dict(self.period_how)[period_how], dict(self.source_how)[source_how]
        return round(self.link * (link if link else self.unlinked) + self.geo * g + self.period * p + self.source * s, 3)


def _balance(ctx: DocContext, d: Draft, context: str) -> tuple[str, float] | None:
    """"a total deficit of about US$20 billion" in a sentence about technology exports and imports:
    the balance of what the sentence is about."""
    if not re.search(r"\b(?:deficit|surplus|balance)\b", context, re.I):
        return None
    fams = Counter(i.split(".")[0] for i, _ in ctx.mentioned_indicators(ctx.sent_of(d.span).text)
                   if not i.startswith("trade."))
    for fam, _ in fams.most_common():
        if ctx.has_unit(f"{fam}.balance"):
            return f"{fam}.balance", 0.75
    return None


def _cut(ctx: DocContext, d: Draft) -> bool:
    """The count is of what a verb cuts, sheds or loses ("will cut 4,000 jobs")."""
    verb = d.span.root.head
    return verb.pos_ == "VERB" and verb.lemma_.lower() in ctx.lex.cut_verbs and d.span.root.i > verb.i


def finish(ctx: DocContext, d: Draft, weights: ConfidenceWeights) -> Claim:
    text, q = ctx.text, d.q
    value = q["value"]
    phrase_text = d.phrase.text if d.phrase is not None else ""
    indicator, score = (d.candidates[0].id, d.candidates[0].score) if d.candidates else (None, 0.0)
    how = dict(d.how)
    context = phrase_text + " " + text[q["end"]:q["end"] + 14]
    start = q.get("approx_start") or q["start"]
    lead = text[max(ctx.sent_of(d.span).start_char, start - 16):start]
    if re.search(r"\b(?:deficit|surplus)\s+of\s+$", lead, re.I):
        context += " " + lead  # "That compared with a deficit of HK$32.9 billion"
    if indicator is None:
        balance = _balance(ctx, d, context)
        if balance is not None:
            (indicator, score), how["indicator"] = balance, "finish.balance_of_sentence"
    if value is not None and value > 0 and (re.search(r"\bdeficits?\b", context, re.I) or (
            d.measure in ("level", "count") and ctx.lex.negative_words.search(context))):
        value = -value  # a deficit; a loss, a shortfall of a level or count
    elif value is not None and value > 0 and d.measure == "count" and _cut(ctx, d):
        value = -value  # "Cisco will cut 4,000 jobs"
    if ctx.lex.deficit_words.search(context):
        if indicator and indicator.endswith((".total", ".trade", ".exports", ".imports")) \
                and re.search(r"deficit|surplus|balance", context, re.I):
            bal = indicator.split(".")[0] + ".balance"
            if ctx.has_unit(bal):
                indicator, how["indicator"] = bal, "finish.balance_word"
    measures = ctx.linker.measures.get(indicator or "", set())
    if indicator and measures and d.measure == "level" and "level" not in measures and "ratio" in measures:
        d.measure, how["measure"] = "ratio", "finish.indicator_ratio"  # "R&D intensity reached 7.34 per cent"
    if d.measure == "growth" and q["direction"] == "down" and value is not None:
        value = -abs(value)
    change = paired_change(ctx, d.change, q, (d.period or {}).get("period")) if d.change else None
    if d.change:
        how["change"] = "change.paired"
    elif d.measure == "level":
        change = flat_change(ctx, d)
        if change is not None:
            how["change"] = "change.unchanged"
    qstart = q["start"]
    if d.phrase is not None and ctx.sent_of(d.span).start_char <= d.phrase.start_char < q["start"]:
        qstart = d.phrase.start_char
    if d.change and d.change["start"] < qstart:
        qstart = d.change["start"]
    if q.get("approx_start") is not None and q["approx_start"] < qstart:
        qstart = q["approx_start"]
    qend = max(q["end"], d.change["end"] if d.change else 0)
    geo = None
    if d.geo:
        geo = d.geo[0] if len(d.geo) == 1 else sorted(d.geo)
    period = d.period or {}
    geo_how = d.geo_how if geo else "none"
    period_how = d.period_how if period else "none"
    source_how = d.source_how if d.source else "none"
    for name, present in (("geo", geo), ("partner", d.partner), ("period", period), ("source", d.source)):
        if not present:
            how.pop(name, None)
    return Claim(
        quote=text[qstart:qend], value=value, unit=q["unit"], measure=d.measure, indicator=indicator,
        geo=geo, partner=d.partner, period=period.get("period"), change=change, approx=q["approx"],
        modality=d.modality, source=clean_source(ctx, d.source),
        start=q["start"], end=q["end"], text=q["text"], quote_start=qstart, quote_end=qend,
        phrase=phrase_text, phrase_start=d.phrase.start_char if d.phrase is not None else None,
        phrase_end=d.phrase.end_char if d.phrase is not None else None,
        indicator_score=score, indicator_candidates=[[c.id, c.score] for c in d.candidates],
        period_start=period.get("period_start"), period_end=period.get("period_end"),
        geo_how=geo_how, period_how=period_how, source_how=source_how, how=how,
        confidence=weights.confidence(score if indicator else 0.0, geo_how, period_how, source_how),
        label=q["label"],
    )


#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = ("finish.balance_of_sentence", "finish.balance_word", "finish.indicator_ratio")
