"""What a figure measures, as the text says it: the measured phrase, read off the dependency parse.

``measured_phrase`` tries the rules of ``FIGURE_RULES`` on the figure, then climbs from the figure
up its heads, trying the tree shapes of ``SHAPES`` at each one (the first shape that answers
wins), and falls back to the words before the figure. The shapes that are plain tree patterns
("N of <figure>", "N worth <figure>", "<verb> <object> to <figure>") are dependency patterns in
``claims/patterns.jsonl``; what they require beyond the tree (positions, word lists) is here.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc, Span, Token

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.tree import is_change_noun, noun_phrase, subject
from extractor.nlp.entities.gazetteer import GROUPS
from extractor.nlp.rule_table import RuleTable

_TIME_NOUNS = frozenset({"year", "month", "quarter", "week", "day", "decade"})
#: quarters, halves and fiscal years written as codes ("Q3", "H1", "FY25", "2023-24")
_PERIOD_CODE = re.compile(r"(?:Q[1-4]|H[12]|FY[\d'-]*|\d{4}(?:-\d{2,4})?)(?::\S*)?", re.I)
#: how far up its heads a figure's phrase is looked for
CLIMB = 8


def _whole(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """The whole a figure is "of" ("30% of national exports")."""
    doc, whole = ctx.doc, None
    for child in span.root.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs:
                whole = doc[objs[0].left_edge.i: objs[0].right_edge.i + 1]
    if whole is None:
        m = re.match(r"^\s*of\s+([^,;.]{3,80})", ctx.text[q["end"]:q["end"] + 90])
        if m:
            whole = doc.char_span(q["end"] + m.start(1), q["end"] + m.end(1), alignment_mode="expand")
    return whole


# -- rules on the figure itself ---------------------------------------------------------------------

def _worth(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"contracts worth $2.1 billion": what is worth the figure."""
    doc, root = ctx.doc, span.root
    for m in ctx.matched("phrase.worth", root.i):
        if m["noun"] < span.start:
            return noun_phrase(doc, doc[m["noun"]], exclude=doc[m["worth"]])
    if root.head.lower_ != "worth" and span.start > 0 and doc[span.start - 1].lower_ == "worth":
        worth = doc[span.start - 1]  # "worth" just before a figure the parser hung elsewhere
        if worth.head.pos_ == "NOUN" and worth.head.i < span.start:
            return noun_phrase(doc, worth.head, exclude=worth)
    return None


def _times_subject(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"the number of such contracts has doubled": what a multiple is of is the verb's subject."""
    root = span.root
    if root.pos_ == "VERB" and q["unit"] == "times":
        subj = subject(root)
        if subj is not None and subj.i < span.start:
            return noun_phrase(ctx.doc, subj, exclude=None)
    return None


def _label(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"Unemployment rate: 5.5 per cent", "Exports: $12.3 billion": a list line's label."""
    start = q.get("approx_start") or q["start"]
    line_start = ctx.text.rfind("\n", 0, start) + 1
    seg = ctx.text[line_start:start]
    m = re.fullmatch(r"(?<!\s)\s*+([A-Za-z][^:\n]{1,60}?):\s*+", seg)
    if m is None:
        # "5.5 per cent (5.4) Employment rate: 62.1 per cent": a list run together on one line
        m = re.search(r"\)\s+([A-Z][^:\n]{1,60}?):\s*$", seg)
    if m is None or len(m.group(1).split()) > 8:
        return None
    return ctx.doc.char_span(line_start + m.start(1), line_start + m.end(1), alignment_mode="expand")


def _gapped(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"Kenya ran a trade deficit of $1.05 billion in April and $4.1 billion in the first four
    months": a figure coordinated with a verb whose own figure came before it (the verb and its
    object left out) measures what that figure measures."""
    root = span.root
    verb = root.head
    if root.dep_ != "conj" or verb.pos_ not in ("VERB", "AUX") or verb.i > span.start \
            or any(c.dep_ in ("nsubj", "nsubjpass") for c in root.children):
        return None
    earlier = [(s, x) for s, x in ctx.qs if verb.i < s.start and s.end <= span.start and x.get("conversion_of") is None
               and s.root.head.i != root.i and verb.is_ancestor(s.root)]
    if not earlier:
        return None
    s, x = earlier[-1]
    phrase, _, rule = measured_phrase(ctx, s, x)
    return phrase if rule != "phrase.window" else None


def _copied_line_start(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"Employment rate: 62.1 per cent (62.2)" then a line that starts "62.1 per cent (62.2) ...": a
    page scraped with each list item's figure copied to the start of the next line; the copy
    measures what the figure it copies measures."""
    start = q.get("approx_start") or q["start"]
    line_start = ctx.text.rfind("\n", 0, start) + 1
    if ctx.text[line_start:start].strip():
        return None
    prev_end = len(ctx.text[:line_start].rstrip())
    prev_start = ctx.text.rfind("\n", 0, prev_end) + 1
    surface = ctx.text[q["start"]:q["end"]]
    earlier = [(s, x) for s, x in ctx.qs if prev_start <= x["start"] and x["end"] <= prev_end]
    if not earlier or ctx.text[earlier[-1][1]["start"]:earlier[-1][1]["end"]] != surface:
        return None
    copied, x = earlier[-1]
    gap = ctx.text[x["end"]:prev_end].strip()
    bracketed = gap.startswith("(") and gap.find(")") == len(gap) - 1 and "\n" not in gap
    if gap and not bracketed:
        return None  # the line goes on after the figure: no list item
    phrase, _, rule = measured_phrase(ctx, copied, x)
    return phrase if rule != "phrase.window" else None


FIGURE_RULES: RuleTable[Span] = RuleTable("phrase.figure", [
    ("phrase.copied_line_start", _copied_line_start),
    ("phrase.label", _label),
    ("phrase.worth", _worth),
    ("phrase.times_subject", _times_subject),
    ("phrase.gapped", _gapped),
])


# -- shapes tried at each head above the figure --------------------------------------------------------

def _of_noun(ctx: DocContext, span: Span, tok: Token) -> Span | None:
    """"a trade surplus of 152.6 billion yuan", "a deficit of about US$20 billion" (but "export growth
    of 6-7%" only with a modifier: "a rise of 5%" says nothing of what rose)."""
    doc = ctx.doc
    for m in ctx.matched("phrase.of_noun", tok.i):
        noun = doc[m["noun"]]
        beside = noun.dep_ == "appos" or (noun.dep_ == "conj" and noun.i > 0 and doc[noun.i - 1].text == "," and not any(
            c.dep_ == "cc" and c.i < noun.i for c in noun.head.children))  # (the parser's apposition)
        if is_change_noun(noun) and beside and noun.head.pos_ in ("NOUN", "PROPN") and noun.head.i < noun.i < span.start:
            # "full-year exports of $610 billion to $617 billion, growth of 3% to 4%": the growth of
            # the phrase it stands beside
            of = next((c for c in noun.head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            return noun_phrase(doc, noun.head, exclude=of)
        if (not is_change_noun(noun) or any(c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "PROPN")
                                             for c in noun.children)) \
                and noun.i < span.start and noun.lemma_.lower() not in ctx.lex.level_nouns:  # "to the tune of"
            return noun_phrase(doc, noun, exclude=doc[m["of"]])
    return None


def _at_with_noun(ctx: DocContext, span: Span, tok: Token) -> Span | None:
    """"followed by phones and components at US$36.7 billion", "Japan with $5.3 billion": the noun
    the figure is stated for."""
    doc = ctx.doc
    for m in ctx.matched("phrase.at_with_noun", tok.i):
        noun = doc[m["noun"]]
        if noun.i < span.start and noun.lemma_.lower() not in ctx.lex.level_nouns and noun.dep_ != "attr" \
                and not is_change_noun(noun) and noun.ent_type_ not in ("MONEY", "PERCENT", "DATE", "CARDINAL") \
                and not _PERIOD_CODE.fullmatch(noun.text):  # "with Q2 at 6.4 per cent": a period, not a thing
            return noun_phrase(doc, noun, exclude=doc[m["prep"]])
    return None


def _set_to(ctx: DocContext, span: Span, tok: Token) -> Span | None:
    """"cut its forecast for economic growth to 1.7%", "keeping foreign trade above 4 trillion yuan",
    "lift farm exports to ¥2 trillion": the object the verb sets to the figure."""
    doc = ctx.doc
    objects = sorted({(m["object"], m["prep"], m["verb"])
                      for m in [*ctx.matched("phrase.set_to", tok.i), *ctx.matched("phrase.set_by", tok.i)]})
    for o, p, v in objects:
        obj, prep, verb = doc[o], doc[p], doc[v]
        if not (obj.i < prep.i and not (obj.left_edge.i <= span.start <= obj.right_edge.i)):
            continue  # (an object holding the figure: "climbing 1.1 per cent to")
        np_ = noun_phrase(doc, obj, exclude=None)
        nxt = doc[np_.end] if np_.end < span.start else None
        if nxt is not None and nxt.dep_ == "prep" and nxt.lower_ in ("for", "of") and nxt.head.i == verb.i:
            # "cut its forecast for economic growth this year to 2.3%": the parser hung "for ..." on
            # the verb; it says what the forecast is of
            np_ = doc[np_.start: min(nxt.right_edge.i + 1, span.start)]
        return np_
    return None


def _change_of(ctx: DocContext, span: Span, tok: Token) -> Span | None:
    """"a 3 percent rise in exports", "a 5% fall of imports": what the change noun the figure
    modifies is a change in."""
    head = tok.head
    if tok.dep_ not in ("compound", "nmod", "amod", "nummod", "quantmod") or head.i < span.end or not is_change_noun(head):
        return None
    prep = next((c for c in head.children if c.dep_ == "prep" and c.lower_ in ("in", "of")), None)
    obj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
    return noun_phrase(ctx.doc, obj, exclude=None) if obj is not None else None


def _modifier_head(ctx: DocContext, span: Span, tok: Token) -> Span | None:
    """"the $10 billion deficit in the industry" (but "surpassed the 2-trillion yuan mark": a level;
    "down 5.7 per cent year-on-year" is no year)."""
    head = tok.head
    if tok.dep_ in ("compound", "nmod", "amod", "nummod", "quantmod") and head.pos_ == "NOUN" \
            and head.i >= span.end and not is_change_noun(head) and head.lemma_.lower() not in ctx.lex.level_nouns \
            and head.lemma_.lower() not in _TIME_NOUNS:
        return noun_phrase(ctx.doc, head, exclude=None, skip=span)
    return None


def _clause_subject(ctx: DocContext, span: Span, tok: Token) -> Span | None:
    """The subject of the clause the figure hangs on ("Exports rose 8 percent")."""
    head = tok.head
    if head.pos_ not in ("VERB", "AUX"):
        return None
    subj = subject(head)
    if subj is not None and subj.i > span.end and head.lemma_.lower() in ctx.lex.reporting_verbs:
        # "..., while imports fell faster, by 11.8%, ..., the GSO announced": the parser hung the
        # figure on the trailing credit; the clause before it has the subject
        near = clause_subject_before(ctx, span)
        if near is not None:
            subj = near
    return noun_phrase(ctx.doc, subj, exclude=None) if subj is not None else None


SHAPES: RuleTable[Span] = RuleTable("phrase.shape", [
    ("phrase.of_noun", _of_noun),
    ("phrase.at_with_noun", _at_with_noun),
    ("phrase.set_to", _set_to),
    ("phrase.change_of", _change_of),
    ("phrase.modifier_head", _modifier_head),
    ("phrase.clause_subject", _clause_subject),
])


def measured_phrase(ctx: DocContext, span: Span, q: dict) -> tuple[Span | None, Span | None, str]:
    """(the phrase the figure measures, the whole it is a share of, the rule that found the phrase)."""
    whole = _whole(ctx, span, q)
    found = FIGURE_RULES.first(ctx, span, q)
    if found is not None:
        return found.value, whole, found.rule
    tok = span.root
    for _ in range(CLIMB):
        if tok.head.i == tok.i:
            break
        found = SHAPES.first(ctx, span, tok)
        if found is not None:
            return found.value, whole, found.rule
        tok = tok.head
    return window_phrase(ctx, span), whole, "phrase.window"


#: the rule ids this module records as a claim's ``how``
RECORDS: tuple[str, ...] = (*FIGURE_RULES.ids, *SHAPES.ids, "phrase.window")


def clause_subject_before(ctx: DocContext, span: Span) -> Token | None:
    """The subject of the nearest clause before the figure whose verb is no reporting verb."""
    sent = ctx.sent_of(span)
    for k in range(span.start - 1, sent.start - 1, -1):
        t = ctx.doc[k]
        if t.dep_ in ("nsubj", "nsubjpass") and t.head.pos_ in ("VERB", "AUX") \
                and t.head.lemma_.lower() not in ctx.lex.reporting_verbs and t.tag_ not in ("WDT", "WP", "PRP"):
            return t
    return None


def window_phrase(ctx: DocContext, span: Span) -> Span | None:
    """The words before the figure back to a comma, semicolon or colon (at most ten tokens)."""
    doc, sent = ctx.doc, ctx.sent_of(span)
    i = span.start - 1
    while i > sent.start and doc[i].text not in (",", ";", ":") and span.start - i < 10:
        i -= 1
    seg = doc[i + 1 if doc[i].text in (",", ";", ":") else i: span.start]
    return seg if len(seg) else None


# -- a place listed with its figure ---------------------------------------------------------------------

def parenthesised_after_name(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"Sweden (4.17 per cent)": the name just before the bracket the figure stands in."""
    start_char = q.get("approx_start") or q["start"]
    if not re.search(r"\(\s*$", ctx.text[max(0, start_char - 3):start_char]):
        return None
    if not re.match(r"^\s*\)", ctx.text[q["end"]:q["end"] + 3]):
        return None
    k = span.start - 1
    while k >= 0 and ctx.doc[k].text in ("(", " "):
        k -= 1
    for e in ctx.ents:
        if e.end == k + 1 and e.label_ in ("GPE", "ORG", "NORP", "LOC", "PERSON"):
            return e
    return None


def place_at_figure(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """"followed by Japan with $5.3 billion", "Belgium, at 2.71 per cent": a place, then "at" or
    "with", then the figure."""
    start_char = q.get("approx_start") or q["start"]
    m = re.search(r"(?:,\s*+|(?<!\s)\s++)(?:at|with)\s++$", ctx.text[max(0, start_char - 8):start_char])
    if m is None:
        return None
    end_char = max(0, start_char - 8) + m.start()
    for e in ctx.ents:
        if e.end_char == end_char and e.label_ in ("GPE", "NORP", "LOC") or (
                e.end_char == end_char and e.label_ == "ORG" and e.kb_id_ in GROUPS):
            return e
    return None


def listed_place(ctx: DocContext, span: Span, q: dict) -> Span | None:
    """The place a figure is listed for, if it is one (see the two rules above)."""
    return parenthesised_after_name(ctx, span, q) or place_at_figure(ctx, span, q)


def local_phrase(ctx: DocContext, span: Span, q: dict, phrase: Span | None) -> Span | None:
    """The noun phrase between the last clause break and the figure, when the parser's phrase
    lies before that break: an elided verb ("..., and imports at 1.58 trillion yuan", "exports
    rose 4.3 per cent and imports 3.5 per cent", "putting the monthly surplus at 480 billion")."""
    doc = ctx.doc
    sent = ctx.sent_of(span)
    start_char = q.get("approx_start") or q["start"]
    before = ctx.text[sent.start_char:start_char]
    cut = max((m.end() for m in re.finditer(r",\s+|;\s+|(?<!\s)\s+(?:and|while|whereas|but)\s+", before)), default=None)
    if cut is None:
        return None
    frag = doc.char_span(sent.start_char + cut, start_char, alignment_mode="expand")
    if frag is None or not 1 <= len(frag) <= 6:
        return None
    if phrase is not None and phrase.start >= frag.start:
        return None  # the parser's phrase is in the fragment already
    if any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") and not flow_only(doc[t.i: t.i + 1]) for t in frag):
        return None  # a clause with its own verb ("and imports ¥81 trillion": "imports" is a noun)
    if any(t.dep_ == "conj" and frag.start - 3 <= t.head.i < frag.start and t.head.pos_ in ("NOUN", "PROPN")
           and t.head.ent_type_ not in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL") for t in frag):
        return None  # "imports and exports reaching 5.07 trillion yuan": one phrase, not two
    words = [t for t in frag if (t.pos_ in ("NOUN", "PROPN", "ADJ") or flow_only(doc[t.i: t.i + 1]))
             and not t.like_num and t.ent_type_ not in ("MONEY", "PERCENT", "DATE", "CARDINAL")]
    end = frag.end
    while end > frag.start and (doc[end - 1].ent_type_ in ("PERCENT", "MONEY") or doc[end - 1].like_num
                                or doc[end - 1].lower_ in ("to", "at", "by", "per", "cent", "percent", "%")):
        end -= 1  # "and imports 12.9 percent to": the rate and "to" before the level
    if not words or words[-1].i < end - 3:
        return None
    return doc[words[0].i: words[-1].i + 1]


def verb_phrase(ctx: DocContext, span: Span, of_whole: bool = False) -> tuple[Span, list[str]] | None:
    """"Germany spent 121.4 billion euros on research and development", "Jiangsu exported 1.2
    trillion yuan of high-tech products": the verb with its object or "on"/"of" complement, as the
    span from the verb to what it read and the words to link. ``of_whole``: the figure is a share,
    so "of ..." names the whole, not what it measures ("Re-exports made up 99 per cent of total
    exports")."""
    doc = ctx.doc
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
                    ctx.text[span.end_char:span.end_char + 120])
    comp_span = (doc.char_span(span.end_char + comp.start(1), span.end_char + comp.end(1), alignment_mode="expand")
                 or span) if comp else None
    if verb is None:
        return (comp_span, [comp.group(1)]) if comp else None
    parts = [verb.lemma_] + ([comp.group(1)] if comp else [])
    lo, hi = verb.i, max(verb.i + 1, comp_span.end if comp_span is not None else 0)
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ in ("on", "for") and not comp:
            parts.append(link_text(doc[c.i + 1: c.right_edge.i + 1]))
            hi = max(hi, c.right_edge.i + 1)
        elif c.dep_ == "dobj" and not (c.left_edge.i <= span.start and span.end - 1 <= c.right_edge.i):
            parts.append(link_text(doc[c.left_edge.i: c.right_edge.i + 1]))
            lo, hi = min(lo, c.left_edge.i), max(hi, c.right_edge.i + 1)
    words = [p for p in parts if p]
    return doc[lo:hi], words


def link_text(phrase: Span | None, keep_numbers: bool = False) -> str:
    """The phrase without places, dates, people, figures: what remains says what is measured."""
    return " ".join(link_words(phrase, keep_numbers))


#: owners whose name says nothing of what is measured ("the economy's benchmark interest rate"); a
#: part ("Private enterprises' imports") or a place keeps its words
_OWNER_WORDS = frozenset({"economy", "country", "nation", "government", "state"})


#: answers about the phrases of the document the claim builder is reading, by question and
#: (start, end, argument): resolvers ask the same of one phrase several times per figure
_memo_doc: Doc | None = None
_memo: dict[str, dict[tuple, Any]] = {}


def _memo_for(doc: Doc, question: str) -> dict[tuple, Any]:
    global _memo_doc, _memo
    if _memo_doc is not doc:
        _memo_doc, _memo = doc, {}
    return _memo.setdefault(question, {})


def forget_link_words() -> None:
    """Drop the memo (the claim builder does before and after each document: a Doc read again may
    have changed, and the memo holds the Doc)."""
    global _memo_doc, _memo
    _memo_doc, _memo = None, {}


def link_words(phrase: Span | None, keep_numbers: bool = False) -> list[str]:
    if phrase is None:
        return []
    memo = _memo_for(phrase.doc, "link_words")
    key = (phrase.start, phrase.end, keep_numbers)
    words = memo.get(key)
    if words is None:
        words = memo[key] = _link_words(phrase, keep_numbers)
    return list(words)


def _link_words(phrase: Span, keep_numbers: bool) -> list[str]:
    # "the economy's benchmark interest rate": whose it is says nothing of what is measured, when
    # the phrase names a thing of its own after it
    owner = {i for c in phrase.root.children if c.dep_ == "poss" and phrase.start <= c.i < phrase.root.i
             and (c.lemma_.lower() in _OWNER_WORDS or c.ent_type_ == "ORG")
             for i in range(c.left_edge.i, c.right_edge.i + 1)}
    words = []
    for t in phrase:
        if t.i in owner:
            continue
        if t.ent_type_ in ("GPE", "DATE", "MONEY", "PERCENT", "PERSON", "TIME", "NORP", "LOC") or (
                t.ent_type_ == "CARDINAL" and not keep_numbers):
            continue
        if t.ent_type_ == "ORG" and t.ent_kb_id_ in GROUPS:
            continue
        if (t.like_num and not keep_numbers) or t.is_punct or t.tag_ == "POS":
            continue
        words.append(t.text)
    return words


def is_place_phrase(phrase: Span | None) -> bool:
    """The phrase names only a place (or nothing)."""
    if phrase is None:
        return True
    content = [t for t in phrase if not (t.is_punct or t.is_stop)]
    if not content:
        return True
    placey = sum(1 for t in content if t.ent_type_ in ("GPE", "LOC") or t.lower_ in ("province", "provinces", "coastal",
                                                                                  "together", "city", "cities", "country"))
    return placey >= len(content) * 0.6


def flow_only(phrase: Span | None, ignore: frozenset[str] = frozenset()) -> str | None:
    """"exports" or "imports" when the phrase is that flow word and nothing else (no place, no
    product) but words in ``ignore``."""
    if phrase is None:
        return None
    memo = _memo_for(phrase.doc, "flow_only")
    key = (phrase.start, phrase.end, ignore)
    if key not in memo:
        memo[key] = _flow_only(phrase, ignore)
    return memo[key]


def _flow_only(phrase: Span, ignore: frozenset[str]) -> str | None:
    words = [t.lower_ for t in phrase if not (t.is_punct or t.is_stop) and t.lower_ not in ignore]
    if words in (["exports"], ["export"]):
        return "exports"
    if words in (["imports"], ["import"]):
        return "imports"
    return None


def flow_word_in(ctx: DocContext, phrase: Span) -> bool:
    text = phrase.text  # (Span.text joins its tokens on every access)
    return bool(ctx.lex.import_words.search(text) or ctx.lex.export_words.search(text)
                or re.search(r"\btrade\b", text, re.I))


_CHANGE_NOUNS = frozenset({"increase", "rise", "decrease", "decline", "drop", "fall", "growth", "gain", "jump", "contraction"})


def anaphoric(ctx: DocContext, phrase: Span) -> bool:
    """"it", "the figure", "its 5.4 percent increase": no words of its own about what is measured."""
    neutral = ctx.linker.generator.words.neutral
    words = [t.lower_ for t in phrase if not (t.is_punct or t.like_num or t.ent_type_ in ("PERCENT", "MONEY"))]
    if not words:
        return False
    if " ".join(words) in ctx.lex.anaphoric_subjects:
        return True
    if words[0] in ("those", "these"):
        # "those to ASEAN and the European Union": the pronoun, then only places
        rest = [t for t in phrase[1:] if not (t.is_punct or t.is_stop or t.ent_type_ in ("GPE", "LOC", "NORP")
                                              or (t.ent_type_ == "ORG" and t.ent_kb_id_ in GROUPS))]
        return not rest
    content = [w for w in words if w not in neutral and w not in ("its", "their", "the", "a", "an", "this", "that")
               and w not in _CHANGE_NOUNS]
    return words[0] in ("its", "their", "it", "this", "that") and not content


def participle_share(ctx: DocContext, span: Span) -> bool:
    """"..., accounting for 67.6 percent of the province's total": a share of the figure before."""
    pre = ctx.text[max(ctx.sent_of(span).start_char, span.start_char - 45):span.start_char].lower()
    return bool(re.search(r",\s*(?:accounting for|representing|making up|or|equal to|equivalent to|which (?:accounted|made up|represented))\s+(?:about |around |nearly |over |more than )?$", pre))


def names_who(ctx: DocContext, phrase: Span) -> bool:
    """"Economists polled by Reuters had expected a rise of 0.5 per cent": the phrase names who
    expects or says, not what is measured."""
    root = phrase.root
    if not (root.ent_type_ in ("PERSON", "ORG", "NORP") or root.lemma_.lower() in ctx.lex.unnamed):
        return False
    verb = root.head
    return verb.lemma_.lower() in ctx.lex.reporting_verbs or verb.lemma_.lower() in ctx.lex.forecast_cues
