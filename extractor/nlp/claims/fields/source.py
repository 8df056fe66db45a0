"""Who says so: the person or body the text attributes a figure to.

Each sentence's credit is read once per document (``sentence_credits``): "according to X",
"statistics released by X" (``document``), "X said that ..." by a person (``speech``), a body's
"X said" (``other``), an unnamed official (``unnamed``), a named poll's forecast (``forecaster``).
A figure takes its sentence's credit or its quotation's speaker (``SENTENCE``); a credit given
once for several figures is spread by ``credit_runs``.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from spacy.tokens import Span, Token

from extractor.nlp.claims.context import DocContext, para_bounds
from extractor.nlp.claims.draft import Draft
from extractor.nlp.rule_table import RuleTable

# -- names --------------------------------------------------------------------------------------------------


def full_name(ctx: DocContext, ent: Span) -> str:
    """A surname alone ("Han") as the article names the person in full ("Han Jie")."""
    if ent.label_ != "PERSON" or len(ent) > 1:
        return ent.text
    for e in ctx.ents:
        if e.label_ == "PERSON" and len(e) > 1 and (e[0].text == ent.text or e[-1].text == ent.text):
            return e.text
    return ent.text


def last_speaker(ctx: DocContext, pos: int) -> str | None:
    """"he said": the last person quoted before, else the last person named."""
    speakers = [n for p, n in ctx.speakers if p < pos]
    if speakers:
        return speakers[-1]
    persons = [e for e in ctx.ents if e.label_ == "PERSON" and e.end_char <= pos]
    return full_name(ctx, persons[-1]) if persons else None


def org_name(ctx: DocContext, ent: Span) -> str:
    """The whole name of a body: "Ministry of Trade, Industry and Energy" when the model split it."""
    doc = ctx.doc
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


def name_in(ctx: DocContext, s: int, e: int) -> str | None:
    """The name in characters ``s``-``e``: a person first, then a body, else the words themselves
    unless they name nobody ("an official", "data")."""
    doc = ctx.doc
    span = doc.char_span(s, e, alignment_mode="expand")
    if span is None:
        return None
    ents = [x for x in ctx.ents if x.start < span.end and span.start < x.end]  # names may run past the match
    persons = [x for x in ents if x.label_ == "PERSON"]
    if persons:
        return full_name(ctx, persons[0])
    for ent in ents:
        if ent.label_ in ("ORG", "NORP", "FAC"):
            return org_name(ctx, ent)
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
    if head.lemma_.lower() in ctx.lex.unnamed or head.lower_ in ctx.lex.unnamed:
        return None  # "an official", "data", "analysts": nobody named
    return doc[words[0].i: words[-1].i + 1].text


def name_for(ctx: DocContext, tok: Token) -> str | None:
    """The name a reporting verb's subject gives: a person within it first, then a body, then
    a common-noun body ("the central bank"); pronouns resolve to the last person."""
    if tok.lower_ in ("he", "she"):
        return last_speaker(ctx, tok.idx)
    if tok.pos_ == "PRON":
        return None
    sub = ctx.doc[tok.left_edge.i: tok.right_edge.i + 1]
    return name_in(ctx, sub.start_char, sub.end_char)


_SOURCE_TAIL = re.compile(
    r"(?<!\s)\s+(?:on|in|last|this|earlier|late|early)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|week|month|year|"
    r"\d{4}|\w+ \d{1,2}\b).*$", re.I)


def clean_source(ctx: DocContext, name: str | None) -> str | None:
    """The name alone: no trailing time ("Eurostat on Friday"), a surname given alone in full
    ("Han" -> "Han Jie") when the article names that person in full."""
    if not name:
        return name
    name = _SOURCE_TAIL.sub("", name).strip() or name
    if re.fullmatch(r"[A-Z][\w'-]+", name):
        for e in ctx.ents:
            if e.label_ == "PERSON" and len(e) > 1 and name in (e[0].text, e[-1].text):
                return e.text
    return name


# -- what each sentence credits ---------------------------------------------------------------------------

def _verb_subjects(ctx: DocContext, verb: Token) -> list[Token]:
    """Who a reporting verb credits, in the order of its children: its subject, or the object of
    its agent ("released by the bureau") -- dependency patterns ``source.subject``/``source.agent``."""
    found: dict[int, Token] = {}
    for m in ctx.matched("source.subject", verb.i):
        found[m["who"]] = ctx.doc[m["who"]]
    agents: dict[int, int] = {}
    for m in ctx.matched("source.agent", verb.i):
        agents[m["agent"]] = min(m["who"], agents.get(m["agent"], m["who"]))
    for agent, who in agents.items():
        found[agent] = ctx.doc[who]
    return [found[k] for k in sorted(found)]


def _credit(ctx: DocContext, sent: Span) -> tuple[str | None, str] | None:
    lex, doc = ctx.lex, ctx.doc
    base = sent.start_char
    if not lex.credit_hint.search(ctx.text, base, sent.end_char):
        return None  # no reporting word: nothing to parse
    sent_text = ctx.text[base:sent.end_char]
    for rx in lex.credit_patterns:
        for m in rx.finditer(sent_text):
            name = name_in(ctx, base + m.start("who"), base + m.end("who"))
            if name:
                return name, "document"
    lo = bisect_left(ctx.reporting_tokens, sent.start)
    hi = bisect_left(ctx.reporting_tokens, sent.end)
    for t in (doc[i] for i in ctx.reporting_tokens[lo:hi]):
        # (a reporting verb the tagger took for a noun still heads its clause: "The IMF forecast that")
        verb_like = t.pos_ == "VERB" or (t.dep_ == "ROOT" and any(c.dep_ == "nsubj" for c in t.children))
        if t.lemma_.lower() not in lex.reporting_verbs or not verb_like:
            continue
        for who in _verb_subjects(ctx, t):
            who_span = doc[who.left_edge.i: who.right_edge.i + 1]
            if who.lemma_.lower() in lex.unnamed:
                if who.i > who.left_edge.i or not any(e.label_ in ("ORG", "PERSON") for e in ctx.ents_in(who_span)):
                    return None, "unnamed"  # "an official at the statistics bureau told reporters"
                # "Economists polled by Reuters": a poll the text names (its forecast only)
                return who_span.text, "forecaster"
            if t.lemma_.lower() in lex.forecast_cues and not any(e.label_ in ("ORG", "PERSON") for e in ctx.ents_in(who_span)):
                continue  # "exports are expected to fall": no forecaster named
            name = name_for(ctx, who)
            if name:
                person = who.ent_type_ == "PERSON" or who.lower_ in ("he", "she") or any(
                    e.label_ == "PERSON" for e in ctx.ents_in(who_span))
                kind = "speech" if person and t.lemma_.lower() in lex.speech_verbs else "other"
                return name, kind
    return None


def sentence_credits(ctx: DocContext) -> dict[int, tuple[str | None, str]]:
    """Per sentence start: (name, kind) of what it credits; speakers are remembered for "he said"."""
    out: dict[int, tuple[str | None, str]] = {}
    for sent in ctx.sents:
        credit = _credit(ctx, sent)
        if credit is not None:
            out[sent.start] = credit
            if credit[1] == "speech" and credit[0]:
                ctx.speakers.append((sent.start_char, credit[0]))
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


# -- a figure's own sentence --------------------------------------------------------------------------------

def _sentence_credit(ctx: DocContext, span: Span, q: dict) -> str | None:
    credit = ctx.sent_credits.get(ctx.sent_of(span).start)
    return credit[0] if credit and credit[0] else None


def quote_speaker(ctx: DocContext, span: Span, q: dict) -> str | None:
    """The speaker of the quotation the figure stands in ("...," he said; X said: "...")."""
    text, pos = ctx.text, q["start"]
    para_start, para_end = para_bounds(text, pos)
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
            return last_speaker(ctx, para_start + c)
        return name_in(ctx, para_start + c + 1 + m.start("who"), para_start + c + 1 + m.end("who"))
    lead = seg[max(0, o - 120):o]
    m = re.search(r"(?P<who>[A-Z][\w .'-]{1,60}?)\s+(?:said|says|told [^:“]{0,120})\s*[:,]\s*$", lead)
    if m:
        off = para_start + max(0, o - 120)
        return name_in(ctx, off + m.start("who"), off + m.end("who"))
    return None


SENTENCE_HOW = {"source.sentence": "sentence", "source.quote": "quote"}
SENTENCE: RuleTable[str] = RuleTable("source.sentence", [
    ("source.sentence", _sentence_credit),
    ("source.quote", quote_speaker),
])


def sentence_source(ctx: DocContext, span: Span, q: dict) -> tuple[str | None, str, str]:
    """(the source, its ``source_how``, the rule) from the figure's sentence."""
    found = SENTENCE.first(ctx, span, q)
    if found is None:
        return None, "none", "source.none"
    return found.value, SENTENCE_HOW[found.rule], found.rule


# -- credits given once for several figures ---------------------------------------------------------------

def credit_runs(ctx: DocContext, drafts: list[Draft]) -> None:
    """A credit covers the run of consecutive figure sentences of its paragraph it stands in; a
    speaker's "X said that ..." covers the rest of the paragraph (reported speech)."""
    text = ctx.text
    figure_sents = {d.sent_start for d in drafts}
    # (a forecaster's credit is for its forecast, not for the figures around it)
    credits = {st: c for st, c in ctx.sent_credits.items() if c[0] and c[1] != "forecaster"}
    runs: list[list[int]] = []
    cur: list[int] = []
    last_para = None
    for s in ctx.sents:
        para = para_bounds(text, s.start_char)[0]
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
                d.source_how, d.how["source"] = "run", "source.figure_run"
    for d in drafts:
        if d.source:
            continue
        speech = [(st, c[0]) for st, c in credits.items() if c[1] == "speech" and st < d.sent_start
                  and para_bounds(text, ctx.doc[st].idx)[0] == d.para]
        if speech:
            d.source = max(speech)[1]
            d.source_how, d.how["source"] = "run", "source.speech_paragraph"


#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = (*SENTENCE.ids, "source.figure_run", "source.speech_paragraph")
