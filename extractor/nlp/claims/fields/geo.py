"""Where: the place a figure is about (``geo``) and the counterpart of a bilateral flow (``partner``).

Places in the measured phrase take a role from the word before them and the phrase's flow
("exports to X": partner; "exports from X": geo; "imports from X": partner; "trade between A and
B": geo A, partner B); a subject that is a place gives the sentence's place; a subject the
predicate names as a counterpart ("China was the largest source of imports") is the partner. The
context rules (the previous figure's place, the paragraph's, the article's) are in
:mod:`extractor.nlp.claims.discourse`; ``article_geo`` weighs the article's places by role.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Span

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.fields.indicator import flow, lead_flow
from extractor.nlp.entities.gazetteer import GROUPS
from extractor.nlp.indicators.candidates import Candidate

_BLOCS = GROUPS


@dataclass
class PhrasePlaces:
    """The places of a measured phrase by role."""

    geo: list[str] = field(default_factory=list)  # sorted, distinct
    partners: list[str] = field(default_factory=list)  # in text order

    @property
    def partner(self) -> str | None:
        return self.partners[0] if self.partners else None


def phrase_places(ctx: DocContext, span: Span, phrase: Span | None, candidates: list[Candidate]) -> PhrasePlaces:
    """Places in the measured phrase, by their role."""
    if phrase is None:
        return PhrasePlaces()
    doc = ctx.doc
    flow_ = flow(ctx, phrase.text, candidates)
    lead = lead_flow(ctx, span, phrase)
    if flow_ == "trade" and lead:
        flow_ = lead[:-1]  # "On the import side, technology from the EU": from a partner
    geos: list[str] = []
    partners: list[str] = []
    last_role = None
    for e in ctx.ents_in(phrase):
        code = e.kb_id_
        if not code or not (e.label_ in ("GPE", "NORP") or code in _BLOCS):
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
            role = "geo" if flow_ == "import" else "partner"
        elif prep == "from":
            role = "partner" if flow_ == "import" else "geo"
        elif prep == "into":
            role = "geo"
        else:
            role = "geo"
        if role == "partner":
            partners.append(code)
        else:
            geos.append(code)
        last_role = role
    if not partners:
        for t in phrase:  # "exports to the mainland": a place named by a common noun
            code = ctx.lex.place_nouns.get(t.lower_)
            if code and t.i >= 2 and doc[t.i - 1].lower_ == "the" and doc[t.i - 2].lower_ in ("to", "from", "with"):
                if flow_ == "import" and doc[t.i - 2].lower_ == "to":
                    geos.append(code)
                else:
                    partners.append(code)
    if not geos:
        for t in phrase:
            kind = ctx.lex.anaphora.get(t.lower_)
            if kind:
                self_code = last_place(ctx, span.start, kind)
                if self_code:
                    geos.append(self_code)
                    break
    geos = sorted(set(geos))
    subs = [g for g in geos if "-" in g]
    if subs and any(g.split("-")[0] in geos for g in subs):
        # "the foreign trade value of east China's economic powerhouse province of Jiangsu": the
        # province, unless the country owns what is measured ("China's exports", the city a dateline)
        owner = next((e.kb_id_ for e in ctx.ents_in(phrase) if e.root.dep_ == "poss" and e.root.head.i == phrase.root.i), None)
        geos = [owner] if owner in geos and "-" not in owner else [g for g in geos if g not in {s.split("-")[0] for s in subs}]
    return PhrasePlaces(geos, partners)


def counterpart_subject(ctx: DocContext, e: Span) -> bool:
    """"The United States remained the most important single customer", "China was the largest
    source of imports": the subject is the counterpart the predicate names."""
    preds = [m["predicate"] for m in ctx.matched("geo.counterpart_subject", e.root.i)]
    if not preds:
        return False
    attr = ctx.doc[min(preds)]
    if attr.lemma_.lower() in ("source", "origin"):
        # "the largest source of imports" (a counterpart), not "Europe's leading source" of applications
        return bool(ctx.lex.import_words.search(ctx.text[attr.left_edge.idx: attr.right_edge.idx + len(attr.right_edge)]))
    return attr.lemma_.lower() in ctx.lex.counterpart_nouns


def subject_place(ctx: DocContext, span: Span, q: dict) -> str | None:
    """"Guangdong invested more than 4 billion yuan": the clause's subject is a place."""
    doc = ctx.doc
    for e in ctx.ents_in(ctx.sent_of(span)):
        if e.end_char > q["start"]:
            break
        if e.label_ == "GPE" and e.kb_id_ and e.root.dep_ in ("nsubj", "nsubjpass", "poss"):
            prev = doc[e.start - 1].lower_ if e.start > 0 else ""
            if prev not in ("with", "to", "from", "between", "into", "and") and not counterpart_subject(ctx, e):
                return e.kb_id_
    return None


def counterpart_before(ctx: DocContext, span: Span, q: dict) -> str | None:
    """The partner a sentence names as its subject before the figure ("China was the largest
    source of imports at US$79.4 billion")."""
    for e in ctx.ents_in(ctx.sent_of(span)):
        if e.end_char > q["start"]:
            break
        if e.label_ == "GPE" and e.kb_id_ and counterpart_subject(ctx, e):
            return e.kb_id_
    return None


def last_place(ctx: DocContext, before_token: int, kind: str) -> str | None:
    """The last place of a kind ("province": an ISO 3166-2 code; "country") before a token."""
    for e in reversed(ctx.ents):
        if e.start >= before_token or e.label_ != "GPE" or not e.kb_id_:
            continue
        sub = bool(re.match(r"^[A-Z]{2}-", e.kb_id_))
        if kind == "province" and sub:
            return e.kb_id_
        if kind == "country":
            return e.kb_id_[:2] if sub else e.kb_id_
    return None


def article_geo(ctx: DocContext) -> str | None:
    """The place the article is about: its places weighed by role. A possessor or subject
    ("Vietnam's exports", "Japan posts", "German exports") and a dateline city's country count
    most, a counterpart ("exports to the US", "trade with China") least, a country's statistics
    office or central bank in between; the headline and the first paragraph count double. A place
    without a code can win (a Shenzhen story): then None."""
    doc, text = ctx.doc, ctx.text
    scores: Counter[str] = Counter()
    first: dict[str, int] = {}
    lead_end = text.find("\n", text.find("\n") + 1) if "\n" in text else len(text)
    lead_end = max(lead_end, ctx.sents[1].end_char if len(ctx.sents) > 1 else 0)
    for e in ctx.ents:
        if e.label_ == "ORG" and ctx.bodies.get(e.kb_id_):
            # "the RBI held the repo rate", "the Census Bureau said": a country's body names its country
            code = ctx.bodies[e.kb_id_]
            scores[code] += 2.0 if e.start_char < lead_end else 1.0
            first.setdefault(code, e.start)
            continue
        if e.label_ not in ("GPE", "NORP") and not (e.label_ == "ORG" and e.kb_id_ in GROUPS):
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
