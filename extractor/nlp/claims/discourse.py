"""The second pass: what the context supplies to a figure its own sentence leaves open.

``STEPS`` are named rules run in order on each figure, in text order, with the figures before it
in reach (``Scope``): a reference to an earlier figure (a share "accounting for" the figure
before, an earlier value "down from", "it"/"the figure"), a place listed after a partner, "such"
contracts, the value of what was counted, the product group a bare flow continues, the
paragraph's topic, the family a partial phrase completes, the paragraph's or article's place, and
the period of the figures before. Each rule that sets a field records its id in the draft's
``how``. ``FINAL`` rules then run over the whole document: "respectively" lists, fiscal years,
periods the story supplies, and credits given once for several figures.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from extractor.nlp.claims.context import DocContext, unit_kind
from extractor.nlp.claims.draft import Draft
from extractor.nlp.claims.fields import period as periods
from extractor.nlp.claims.fields.geo import article_geo
from extractor.nlp.claims.fields.indicator import family, link, made
from extractor.nlp.claims.fields.phrase import (
    flow_only,
    flow_word_in,
    is_place_phrase,
    link_text,
    names_who,
)
from extractor.nlp.claims.fields.source import carried_credits
from extractor.nlp.indicators.candidates import Candidate


@dataclass
class Scope:
    """A figure in its context: the figures before it in its sentence and paragraph, and the
    earlier figure it refers to, once a rule has found it."""

    drafts: list[Draft]
    same_sent: list[Draft]  # earlier figures of its sentence
    prev: Draft | None  # the figure before it
    same_para_prev: Draft | None  # the figure before it, if in its paragraph
    ref: Draft | None = None
    topic: Draft | None = None


def opens_paragraph(ctx: DocContext, d: Draft) -> bool:
    """The figure's sentence is the first of its paragraph."""
    return ctx.sent_of(d.span).start_char <= d.para + 1


def bare_flow(ctx: DocContext, d: Draft) -> str | None:
    """"Exports", "imports", "export value": a flow word with nothing else but neutral words."""
    return flow_only(d.phrase, ctx.linker.generator.words.neutral)


def topicless(ctx: DocContext, d: Draft) -> bool:
    """The phrase holds no word of any indicator alias, and its head stands for a place or a
    part of the topic, not a thing of its own ("the three largest economies", "the figure";
    not "Deals", "the higher education sector", "petrochemicals": those have no id)."""
    gen = ctx.linker.generator
    words = [w for w in gen.words.phrase_words(link_text(d.phrase)) if len(w) > 2 and w not in gen.words.neutral]
    if not words and d.phrase.root.lemma_.lower() in _CONTINUING_HEADS:
        return True  # "2017 growth", "expansion of 0.7 percent", "the national average": nothing of its own
    if any(gen.aliases_near([w]) for w in words):
        return False
    head = d.phrase.root
    return head.lemma_.lower() in ctx.lex.topic_heads or head.like_num or head.ent_type_ in (
        "GPE", "LOC", "NORP", "ORG", "PERSON", "MONEY", "PERCENT", "CARDINAL")  # a place, who says, a figure


#: heads of a phrase that says nothing of its own when its other words are neutral: a change, a pace,
#: an average of what the paragraph is about
_CONTINUING_HEADS = frozenset({"growth", "expansion", "contraction", "increase", "rise", "decrease", "decline", "drop",
                               "fall", "gain", "jump", "average", "pace", "rate", "reading", "estimate", "figure"})


def names_no_id(ctx: DocContext, d: Draft) -> bool:
    """The phrase names an aggregate or a part the catalog has no id for ("the employment rate",
    "Youth (15-24 years) unemployment rate"): nothing around it completes it."""
    if d.phrase is None:
        return False
    low = link_text(d.phrase).lower()
    return any(p.search(low) for p in ctx.linker.generator.words.unlinked)


def topic_before(ctx: DocContext, d: Draft, drafts: list[Draft]) -> Draft | None:
    """The figure before ``d`` in its paragraph (else the previous paragraph's last) that names
    what it measures in the same kind of unit: the topic a list of places goes on with
    ("exceeded the 3 per cent mark: Sweden (4.17 per cent), Austria (3.86 per cent)")."""
    kind = unit_kind(d.q["unit"])
    earlier = [x for x in drafts if x.index < d.index]
    same_para = [x for x in earlier if x.para == d.para]

    def same_kind(x: Draft) -> bool:
        # "Exports increased by 1.4 per cent to €131.8 billion" states a rate too
        return unit_kind(x.q["unit"]) == kind or (kind == "percent" and d.measure == "growth" and x.change is not None)

    for x in reversed(same_para):
        if same_kind(x) and x.sent_start == d.sent_start and not x.candidates \
                and x.phrase is not None and not is_place_phrase(x.phrase) and not topicless(ctx, x):
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


# -- the rules, in order ---------------------------------------------------------------------------------------

def _reference(ctx: DocContext, d: Draft, s: Scope) -> None:
    """The earlier figure this one refers to: the figure before it for a share "accounting for" it
    or an earlier value "down from" it; for "it", "the figure", "its share", the last figure of its
    kind in the paragraph (or the one before when "The figure ..." opens a paragraph)."""
    lex = ctx.lex
    if d.share_of_previous and s.same_sent:
        s.ref = s.same_sent[-1]
    elif d.basis_of_previous and s.same_sent:
        s.ref = ref = s.same_sent[-1]
        if ref.measure in ("growth", "level", "share", "ratio", "price") and d.measure != ref.measure:
            d.measure, d.how["measure"] = ref.measure, "measure.earlier_value_of"
        if ref.phrase is not None and ref.phrase.root.lemma_.lower() in lex.target_cues | lex.forecast_cues \
                | {"projection", "estimate", "outlook"}:
            # "cut its forecast ... to 1.9%, from 2.3%": the earlier forecast
            d.modality, d.how["modality"] = ref.modality, "modality.earlier_value_of"
    elif d.anaphoric and (s.same_sent or s.same_para_prev or (s.prev is not None and opens_paragraph(ctx, d))):
        kind = unit_kind(d.q["unit"])
        para_of = d.para if s.same_para_prev is not None or s.same_sent else s.prev.para
        para_before = [x for x in s.drafts if x.index < d.index and x.para == para_of and not x.basis_of_previous]
        kinds = {kind} if kind in ("currency", "count", "price") else {"currency", "count"} if kind == "times" else set()
        s.ref = next((x for x in reversed(para_before) if unit_kind(x.q["unit"]) in kinds), None)
        if s.ref is None:
            s.ref = s.same_sent[-1] if s.same_sent else s.same_para_prev or s.prev


def _listed_after_partner(ctx: DocContext, d: Draft, s: Scope) -> None:
    """"technology from the EU amounted to $11.9 billion, followed by Japan with $5.3 billion": a
    place listed after a partner is a partner too."""
    same = s.same_sent
    if d.listed_place and same and same[-1].partner and not d.partner and d.geo and len(d.geo) == 1 \
            and d.geo != same[-1].geo:
        d.partner, d.geo = d.geo[0], list(same[-1].geo)
        d.geo_how = same[-1].geo_how
        d.how["partner"] = d.how["geo"] = "discourse.listed_after_partner"


def _such(ctx: DocContext, d: Draft, s: Scope) -> None:
    """"the number of such contracts has doubled": the contracts just named, with their partner."""
    if s.ref is None and s.same_sent and d.phrase is not None and any(t.lower_ == "such" for t in d.phrase):
        if not d.partner and s.same_sent[-1].partner:
            d.partner, d.how["partner"] = s.same_sent[-1].partner, "discourse.such"
        if not d.geo and s.same_sent[-1].geo:
            d.geo, d.geo_how, d.how["geo"] = s.same_sent[-1].geo, "previous", "discourse.such"


def _value_of_counted(ctx: DocContext, d: Draft, s: Scope) -> None:
    """"1,836 contracts ..., with a combined value of $6.9 billion": the value of what was counted."""
    if s.ref is not None or d.candidates or not s.same_sent or unit_kind(d.q["unit"]) != "currency":
        return
    if not ctx.lex.value_of_before.search(ctx.text[ctx.sent_of(d.span).start_char:d.q.get("approx_start") or d.q["start"]]):
        return
    counted = next((x for x in reversed(s.same_sent) if x.measure == "count"), None)
    if counted is None:
        return
    cands: list[Candidate] = []
    if counted.phrase is not None:
        head = counted.phrase.root  # the counted noun with its left modifiers
        if head.pos_ not in ("NOUN", "PROPN"):  # "contracts ... numbered 1,836"
            head = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), head)
        cands = link(ctx, ctx.doc[max(head.left_edge.i, counted.phrase.start): head.i + 1], "currency")
    found = cands or link(ctx, counted.span, "currency")
    if found:
        d.candidates, d.how["indicator"] = found, "discourse.value_of_counted"
    if not d.geo:
        d.geo, d.geo_how, d.how["geo"] = counted.geo, "previous", "discourse.value_of_counted"


def _inherit_reference(ctx: DocContext, d: Draft, s: Scope) -> None:
    """What a referring figure takes from the figure it refers to: its indicator, measure (a
    price's), place and partner."""
    ref = s.ref
    if ref is None:
        return
    if ref.candidates and (not d.candidates or d.share_of_previous or d.anaphoric or d.basis_of_previous):
        d.candidates, d.how["indicator"] = ref.candidates, "discourse.reference"
    elif not ref.candidates and d.anaphoric and d.measure == "share" and ref.phrase is not None \
            and not is_place_phrase(ref.phrase):
        # "basic research reached ..., and its share of total R&D": the part has no id
        d.candidates, d.how["indicator"] = [], "discourse.reference"
    if d.anaphoric and d.measure == "level" and ref.measure == "price":
        d.measure, d.how["measure"] = "price", "discourse.reference"
    if not d.geo:
        d.geo, d.geo_how, d.how["geo"] = ref.geo, "previous", "discourse.reference"
    if not d.partner and ref.partner:
        d.partner, d.how["partner"] = ref.partner, "discourse.reference"


def _product_group_flow(ctx: DocContext, d: Draft, s: Scope) -> None:
    """"Exports totaled $123.4 billion" after a figure on a product group: that group's exports."""
    prev = s.same_para_prev
    flow = bare_flow(ctx, d)
    if s.ref is not None or prev is None or d.geo or not flow:
        return
    fam = prev.candidates[0].id.split(".")[0] if prev.candidates else None
    if fam and fam != "trade" and ctx.has_unit(f"{fam}.{flow}") and prev.sent_start != d.sent_start:
        d.candidates = [made(f"{fam}.{flow}", 0.75, "discourse.product_group_flow")]
        d.how["indicator"] = "discourse.product_group_flow"


def _coordinated_scope(ctx: DocContext, d: Draft, s: Scope) -> None:
    """"High-tech imports amounted to $40 billion, and exports totaled $36 billion": a bare flow
    coordinated with a figure on a product group is that group's flow (not a total: "total exports"
    keeps its own)."""
    flow = bare_flow(ctx, d)
    if s.ref is not None or not flow or not s.same_sent or (d.candidates and not d.candidates[0].id.startswith("trade.")):
        return
    if any(t.lower_ in ("total", "overall", "all", "whole", "combined", "aggregate") for t in d.phrase):
        return
    fam = next((family(x.candidates[0].id) for x in reversed(s.same_sent) if x.candidates), None)
    if fam and fam != "trade" and ctx.has_unit(f"{fam}.{flow}"):
        d.candidates = [made(f"{fam}.{flow}", 0.75, "discourse.coordinated_scope")]
        d.how["indicator"] = "discourse.coordinated_scope"


def _topic(ctx: DocContext, d: Draft, s: Scope) -> None:
    """"Sweden (4.17 per cent), Austria (3.86 per cent)", "Germany alone spent 110 billion euros": a
    figure whose phrase names only a place (or nothing, or who says it) goes on with the
    paragraph's topic; a count of its own noun does not."""
    if s.ref is not None or d.candidates or names_no_id(ctx, d):
        return
    counts_own = d.q["unit"] == "count" and bool(d.q.get("noun")) and not link(ctx, d.span, "count")
    if counts_own or not (d.phrase is None or is_place_phrase(d.phrase) or not link_text(d.phrase).strip()
                          or topicless(ctx, d) or names_who(ctx, d.phrase)):
        return
    s.topic = topic = topic_before(ctx, d, s.drafts)
    if topic is None:
        return
    d.candidates = [Candidate(c.id, round(c.score * 0.9, 3), c.alias) for c in topic.candidates]
    d.how["indicator"] = "discourse.topic"
    if d.measure == "level" and topic.measure in ("ratio", "share", "price"):
        d.measure, d.how["measure"] = topic.measure, "discourse.topic"


def _family(ctx: DocContext, d: Draft, s: Scope) -> None:
    """What the paragraph is about completes a phrase that names only part of an indicator:
    "Applications from China" after patent applications, "Their export value" and "The business"
    after a sentence on a product group, "Mechanical and electrical products, at ..." in a
    paragraph on exports."""
    if s.ref is not None or s.topic is not None or d.phrase is None or names_no_id(ctx, d):
        return
    found = _family_candidates(ctx, d, s)
    if found is not None:
        d.candidates, d.how["indicator"] = found, "discourse.family"


def _family_candidates(ctx: DocContext, d: Draft, s: Scope) -> list[Candidate] | None:
    doc, gen = ctx.doc, ctx.linker.generator
    top = d.candidates[0].id if d.candidates else None
    if top is None or top.startswith("trade."):
        flow = bare_flow(ctx, d)
        if top is not None and not (flow and d.phrase[0].lower_ in ("their", "its")):
            return None  # a general figure that names its own flow: nothing to complete
        # the whole subtree: "Applications filed under the PCT" is a kind of its own
        whole = doc[d.phrase.root.left_edge.i: d.phrase.root.right_edge.i + 1]
        if whole.start <= d.span.start < whole.end:
            whole = d.phrase  # the subtree holds the figure: the parser's phrase is all there is
        words = [w for w in gen.words.phrase_words(link_text(whole)) if w not in gen.words.neutral]
        generic = d.phrase.root.lemma_.lower() in ctx.lex.generic_topic_nouns and d.phrase[0].lower_ in (
            "the", "this", "such", "that")
        # the families of the figure before it in the paragraph, else of the sentence before
        fams: list[str] = []
        topic = topic_before(ctx, d, s.drafts)
        if topic is not None and topic.para == d.para:
            fams.append(family(topic.candidates[0].id))
        prev_sent = ctx.previous_sentence(d.span)
        if prev_sent is not None and (d.phrase[0].lower_ in ("their", "its", "the", "such", "this", "these")):
            fams += [family(i) for i, _ in ctx.mentioned_indicators(prev_sent.text)]
        fams = [f for f in dict.fromkeys(fams) if f != "trade"]
        for fam in fams:
            ids = [i for i in ctx.linker.units if i.startswith(fam + ".")]
            if flow and top is not None:  # "Their export value" after "Mechanical and electrical products ..."
                want = f"{fam}.{flow}"
                if want in ids and d.phrase[0].lower_ in ("their", "its"):
                    return [made(want, 0.8, "discourse.family")]
            if top is None and words and not generic:  # "Applications" in a paragraph on patent applications
                fits = [iid for iid, aw, _ in (gen.aliases[k] for k in gen.aliases_near(words))
                        if iid in ids and all(any(w == a or (len(w) > 4 and a.startswith(w[:5])) for a in aw) for w in words)]
                if fits:
                    return [made(Counter(fits).most_common(1)[0][0], 0.8, "discourse.family")]
            if top is None and generic:  # "The business made up 7.6 percent" after cross-border e-commerce
                for suffix in ("trade", "total"):
                    if f"{fam}.{suffix}" in ids:
                        return [made(f"{fam}.{suffix}", 0.75, "discourse.family")]
        return None
    if top.endswith((".trade", ".total")) and not flow_word_in(ctx, d.phrase):
        # "Mechanical and electrical products, at 1.31 trillion yuan, made up 42.9 percent" after
        # figures on exports: the flow of the figure before it (in this sentence, the same group's)
        for x in reversed([x for x in s.drafts if x.index < d.index and x.para == d.para and x.candidates]):
            prev_id = x.candidates[0].id
            if x.sent_start == d.sent_start and family(prev_id) != family(top):
                continue
            flow = prev_id.rsplit(".", 1)[1]
            want = f"{family(top)}.{flow}"
            if flow in ("exports", "imports") and want in ctx.linker.units:
                return [Candidate(want, d.candidates[0].score, "discourse.family")] + d.candidates[1:]
            break
    return None


def _place(ctx: DocContext, d: Draft, s: Scope) -> None:
    """Where, when the sentence says not: the paragraph's place, else the article's."""
    if d.geo:
        return
    prev = s.same_para_prev
    if prev is not None and prev.geo and prev.geo != [d.partner]:
        d.geo, d.geo_how, d.how["geo"] = prev.geo, "paragraph", "discourse.paragraph_place"
    elif ctx.article_geo and ctx.article_geo != d.partner:
        d.geo, d.geo_how, d.how["geo"] = [ctx.article_geo], "article", "discourse.article_place"


def _period(ctx: DocContext, d: Draft, s: Scope) -> None:
    """When, when the sentence says not: the last period stated before, in the paragraph (or led
    in by "Of them"); a relative date of the sentence against the figures it is compared with."""
    if d.period is None:
        d.period, d.period_how, rule = periods.inherited(ctx, d, s.drafts)
        if d.period is not None:
            d.how["period"] = rule
        return
    if d.period_how != "sentence":
        return
    earlier = [x for x in reversed([x for x in s.drafts if x.index < d.index]) if not x.relative]
    base_d = s.ref if s.ref is not None and d.basis_of_previous else next(iter(earlier), None)
    if periods.BARE_PERIOD.match(" ".join(((d.period or {}).get("text") or "").lower().split())):
        # "during the year": the period the figures before it are of (not a target's)
        base_d = next((x for x in earlier if x.period is not None and x.modality == "reported"
                       and not x.basis_of_previous and not x.compared_with), None)
    shifted = periods.relative_to(ctx, d, base_d.period if base_d is not None else None)
    if shifted is not None:
        d.period, d.relative, d.how["period"] = shifted, True, "period.relative_to_earlier"


STEPS: list[tuple[str, Callable[[DocContext, Draft, Scope], None]]] = [
    ("discourse.reference", _reference),
    ("discourse.listed_after_partner", _listed_after_partner),
    ("discourse.such", _such),
    ("discourse.value_of_counted", _value_of_counted),
    ("discourse.inherit_reference", _inherit_reference),
    ("discourse.product_group_flow", _product_group_flow),
    ("discourse.coordinated_scope", _coordinated_scope),
    ("discourse.topic", _topic),
    ("discourse.family", _family),
    ("discourse.place", _place),
    ("discourse.period", _period),
]


def _respectively(ctx: DocContext, drafts: list[Draft]) -> None:
    """"those to ASEAN and the European Union rose 16.2 percent and 3.7 percent, respectively":
    the k-th figure of the phrase goes with its k-th partner."""
    groups: dict[tuple[int, int], list[Draft]] = {}
    for d in drafts:
        if d.phrase is not None and len(d.partners) > 1:
            groups.setdefault((d.phrase.start, d.phrase.end), []).append(d)
    for group in groups.values():
        partners = group[0].partners
        sent = ctx.sent_of(group[-1].span)
        tail = ctx.text[group[-1].q["end"]:sent.end_char]
        if len(group) == len(partners) and re.match(r"^[\s,]*respectively\b", tail, re.I):
            for d, p in zip(group, partners):
                d.partner, d.how["partner"] = p, "discourse.respectively"


FINAL: list[tuple[str, Callable[[DocContext, list[Draft]], None]]] = [
    ("discourse.respectively", _respectively),
    ("period.fiscal_year", lambda ctx, drafts: periods.fiscal_periods(ctx, drafts, ctx.article_geo)),
    ("period.story", periods.story_context_periods),
    ("source.carried", carried_credits),
]


def resolve_context(ctx: DocContext, drafts: list[Draft]) -> None:
    """Run ``STEPS`` on each figure in text order, then ``FINAL`` on the document."""
    ctx.article_geo = article_geo(ctx)
    by_sent: dict[int, list[Draft]] = {}
    for d in drafts:
        by_sent.setdefault(d.sent_start, []).append(d)
    prev: Draft | None = None
    for d in drafts:
        scope = Scope(
            drafts=drafts, same_sent=[x for x in by_sent[d.sent_start] if x.index < d.index], prev=prev,
            same_para_prev=prev if prev is not None and prev.para == d.para else None,
        )
        for _, step in STEPS:
            step(ctx, d, scope)
        prev = d
    for _, final in FINAL:
        final(ctx, drafts)


#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = (
    "measure.earlier_value_of", "modality.earlier_value_of", "discourse.listed_after_partner", "discourse.such",
    "discourse.value_of_counted", "discourse.reference", "discourse.product_group_flow", "discourse.coordinated_scope",
    "discourse.topic",
    "discourse.family", "discourse.paragraph_place", "discourse.article_place", "discourse.respectively",
)
