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
from extractor.nlp.claims.tree import first_verb_above, reports, subject
from extractor.nlp.entities.gazetteer import GROUPS
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
    name = doc[ent.start:end].text
    if name.count("(") > name.count(")"):
        name = name[:name.rfind("(")].rstrip()  # "Ministry of Commerce (MOFCOM": the name before the bracket
    return name


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
    for ent in sorted(ents, key=lambda x: ("ORG", "FAC", "NORP").index(x.label_) if x.label_ in ("ORG", "FAC", "NORP") else 3):
        if ent.label_ in ("ORG", "NORP", "FAC"):
            unit = re.search(r"(?:^|\bthe\s+)((?:[A-Z][\w.&'-]*\s+){1,4}(?:branch|office|bureau|department|unit|arm)\s+of\s+(?:the\s+)?)$",
                             ctx.text[span.start_char:ent.start_char])
            if unit:  # "the Guangdong branch of the General Administration of Customs"
                return ctx.text[span.start_char + unit.start(1):ent.start_char] + org_name(ctx, ent)
            return org_name(ctx, ent)
        if ent.label_ == "GPE":
            tail = doc[ent.end: span.end]
            if len(tail) and tail[0].lower_ in ("customs", "government", "authorities", "statistics", "bureau"):
                return doc[ent.start: ent.end + 1].text  # "Guangdong customs"
    words = [t for t in span if not t.is_punct]
    if re.fullmatch(r"(?:Q[1-4]|H[12]|FY[\d-]*|\d[\w-]*)", span.text.strip()):
        return None  # a quarter or a year read as a name ("with Q3 projected at ...")
    definite = bool(words) and (words[0].lower_ in ("the", "its", "this", "that") or words[0].lower_ in _BODY_MODIFIERS)
    while words and words[0].lower_ in ("the", "a", "an"):
        words = words[1:]
    if not words or words[0].pos_ == "PRON":
        return None
    head = max(words, key=lambda t: (t.head.i < words[0].i or t.head.i > words[-1].i or t.head.i == t.i, t.i))
    if {head.lemma_.lower(), head.lower_} & (ctx.lex.unnamed | ctx.lex.unnamed_documents):
        return None  # "an official", "data", "the numbers", "analysts": nobody named
    owner = next((k for k, t in enumerate(words) if t.tag_ == "POS" or t.lower_ in ("'s", "’s")), None)
    if owner is not None and 0 < owner and words[-1].lower_ not in ctx.lex.actor_nouns \
            and words[-1].lower_ not in ctx.lex.anaphoric_credits:
        # "the bank's own staff projections", "the Fed's preferred gauge": the possessor
        named = antecedent(ctx, [t.lower_ for t in words[:owner]], s) if definite else None
        return named or (doc[words[0].i: words[owner - 1].i + 1].text if words[owner - 1].pos_ == "PROPN" else None)
    if definite:
        named = antecedent(ctx, [t.lower_ for t in words], s)
        if named:
            return named  # "the ministry said": the ministry named before
    return doc[words[0].i: words[-1].i + 1].text


def antecedent(ctx: DocContext, words: list[str], before: int) -> str | None:
    """The body a definite common noun refers back to ("the ministry" -> "Ministry of Trade, Industry
    and Energy", "the central bank" -> "Reserve Bank of India", "the national statistics agency" ->
    "Statistics South Africa"): the last organisation named before character ``before`` whose name
    holds one of the noun's words (``anaphoric_credits`` in words.yaml; a company noun takes the last
    organisation that is no public body)."""
    words = [w for w in words if w not in _BODY_MODIFIERS]
    if not words or len(words) > 3:
        return None  # "the ministry of finance of ...": a name of its own
    phrase = " ".join(words)
    key = next((a for a in sorted(ctx.lex.anaphoric_credits, key=len, reverse=True)
                if phrase == a or phrase.endswith(" " + a)), None)
    if key is None:
        return None
    marks = ctx.lex.anaphoric_credits[key]

    def fits(e: Span) -> bool:
        if not (e.label_ == "ORG" or (marks == ("",) and e.label_ == "GPE" and not e.kb_id_)):
            return False  # (a company the tagger calls a place that no place code links: "Cisco")
        name = e.text.lower()
        return not any(w in name for w in _PUBLIC_BODIES) if marks == ("",) else any(m in name for m in marks)

    earlier = [e for e in ctx.ents if e.end_char <= before and fits(e)]
    if earlier:
        return org_name(ctx, earlier[-1])
    # "the national statistics agency said ..." before "Statistics South Africa" is named: the body
    # the article names next
    later = [e for e in ctx.ents if e.start_char > before and fits(e)]
    return org_name(ctx, later[0]) if later else None


#: words before a body's noun that do not change which body it is ("the local customs", "the
#: national statistics agency")
_BODY_MODIFIERS = frozenset({"local", "national", "provincial", "state", "federal", "central", "country's",
                             "nation's", "official", "own", "municipal", "regional", "top"}) - {"central"}
_PUBLIC_BODIES = ("ministry", "bureau", "bank", "office", "department", "agency", "committee", "statistic",
                  "customs", "government", "council", "commission", "fund")


def name_for(ctx: DocContext, tok: Token) -> str | None:
    """The name a reporting verb's subject gives: a person within it first, then a body, then
    a common-noun body ("the central bank"); pronouns resolve to the last person."""
    if tok.lower_ in ("he", "she"):
        return last_speaker(ctx, tok.idx)
    if tok.pos_ == "PRON":
        return None
    sub = ctx.doc[tok.left_edge.i: tok.right_edge.i + 1]
    return name_in(ctx, sub.start_char, sub.end_char)


#: words before a surname that are no part of the name ("Governor Shaktikanta Das")
_TITLE_WORDS = frozenset({"governor", "minister", "president", "chairman", "chairwoman", "chair", "secretary", "director",
                          "chief", "head", "spokesman", "spokeswoman", "deputy", "mr", "ms", "mrs", "dr", "premier",
                          "commissioner", "economist", "analyst", "professor", "the", "said", "says", "told"})

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
        # "Das" after "RBI Governor Shaktikanta Das", a name the tagger did not call a person
        for m in re.finditer(r"((?:[A-Z][a-z]+\s){1,2})" + re.escape(name) + r"\b", ctx.text):
            words = m.group(1).split()
            while words and words[0].lower() in _TITLE_WORDS:
                words = words[1:]
            if words:
                return " ".join(words + [name])
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
        if t.lemma_.lower() not in lex.reporting_verbs or not verb_like or not reports(t):
            continue
        for who in _verb_subjects(ctx, t):
            who_span = doc[who.left_edge.i: who.right_edge.i + 1]
            if who.lemma_.lower() in lex.unnamed_documents and not any(
                    e.label_ in ("ORG", "PERSON") for e in ctx.ents_in(who_span)):
                continue  # "the data showed", "the report says": no one credited
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


def actor(ctx: DocContext, span: Span, q: dict) -> str | None:
    """"the company earned $2.41 billion", "the committee cut the rate to 4.5%", "the Fed lowered its
    estimate to 4.2%", "Economists polled by Reuters expected 3.1%": who acts on the figure (the
    subject of a verb that takes an object: a named organisation, one of ``actor_nouns``, the body
    of its "members", or a named poll) is its source. A subject that changes by itself ("the IPCA
    closed at 8%") is what is measured, not who says so."""
    verb = first_verb_above(span)
    subj = subject(verb) if verb is not None else None
    if subj is None or subj.i >= span.start or span.start <= subj.i < span.end:
        return None
    if verb.lemma_.lower() not in ctx.lex.actor_verbs or any(c.dep_ == "nummod" or c.like_num for c in subj.children):
        return None  # "the IPCA closed at 8%", "Thirty-one product groups each earned ...": what is measured
    doc = ctx.doc
    if subj.lemma_.lower() in ("member", "head", "chief", "governor", "chairman", "president", "board"):
        of = next((c for c in subj.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if obj is not None:
            subj = obj  # "the members of the Central Bank's Monetary Policy Committee"
    if subj.lemma_.lower() in ctx.lex.unnamed:
        return None  # (a poll: see ``poll``)
    ents = [e for e in ctx.ents if e.start <= subj.i < e.end]
    if ents and ents[0].label_ == "ORG" and ents[0].kb_id_ not in GROUPS:
        return org_name(ctx, ents[0])
    if ents or subj.lemma_.lower() not in ctx.lex.actor_nouns:
        return None
    sub = doc[subj.left_edge.i: subj.i + 1]
    return name_in(ctx, sub.start_char, sub.end_char)


def poll(ctx: DocContext, span: Span, q: dict) -> str | None:
    """"Economists polled by Reuters had expected 3.1%": a poll the text names is the source of its
    own figure (and of no other)."""
    verb = first_verb_above(span)
    subj = subject(verb) if verb is not None else None
    if subj is None or subj.i >= span.start or subj.lemma_.lower() not in ctx.lex.unnamed:
        return None
    who = ctx.doc[subj.left_edge.i: subj.right_edge.i + 1]
    return who.text if any(e.label_ in ("ORG", "PERSON") for e in ctx.ents_in(who)) else None


SENTENCE_HOW = {"source.sentence": "sentence", "source.quote": "quote", "source.actor": "sentence",
                "source.poll": "sentence"}
SENTENCE: RuleTable[str] = RuleTable("source.sentence", [
    ("source.sentence", _sentence_credit),
    ("source.quote", quote_speaker),
    ("source.poll", poll),
    ("source.actor", actor),
])


def sentence_source(ctx: DocContext, span: Span, q: dict) -> tuple[str | None, str, str]:
    """(the source, its ``source_how``, the rule) from the figure's sentence."""
    found = SENTENCE.first(ctx, span, q)
    if found is None:
        return None, "none", "source.none"
    return found.value, SENTENCE_HOW[found.rule], found.rule


# -- credits given once for several figures ---------------------------------------------------------------

def carried_credits(ctx: DocContext, drafts: list[Draft]) -> None:
    """GOLD_GUIDE.md's source rule for a figure its own sentence credits to no one: (2) the nearest
    earlier credit, carried over later sentences and paragraphs until another credit; (3) else a
    credit later in the same paragraph; (4) else the article's first credit (a release credited once,
    anywhere). A sentence that credits an unnamed official keeps its figures unsourced; a poll's
    forecast credit covers its own sentence only."""
    # (a credit of a sentence whose figures are all forecasts, "economists had expected 100,000,
    # according to Thomson Reuters Eikon", is for them only)
    forecasts = {st for st in ctx.sent_credits if any(d.sent_start == st for d in drafts)
                 and all(d.modality == "forecast" for d in drafts if d.sent_start == st)}
    credits = sorted((ctx.doc[st].idx, c[0]) for st, c in ctx.sent_credits.items()
                     if c[0] and c[1] not in ("forecaster", "unnamed") and st not in forecasts)
    events = sorted(credits + [(d.q["start"], d.source) for d in drafts
                               if d.source and d.source_how != "run" and d.how.get("source") != "source.poll"
                               and d.sent_start not in forecasts])
    for d in drafts:
        if d.source:
            continue
        own = ctx.sent_credits.get(d.sent_start)
        if own is not None and own[1] in ("unnamed", "forecaster"):
            continue  # "a trade official said": nobody named; a poll's credit is its forecast's only
        start = ctx.doc[d.sent_start].idx
        earlier = [name for pos, name in events if pos < start]
        if earlier:
            d.source, d.source_how, d.how["source"] = earlier[-1], "run", "source.carried"
            continue
        para_end = para_bounds(ctx.text, d.q["start"])[1]
        later = [name for pos, name in credits if start < pos < para_end]
        if later:
            d.source, d.source_how, d.how["source"] = later[0], "run", "source.later_in_paragraph"
        elif credits:
            d.source, d.source_how, d.how["source"] = credits[0][1], "run", "source.release"


#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = (*SENTENCE.ids, "source.carried", "source.later_in_paragraph", "source.release")
