"""The tense of the clause a time expression belongs to, from the parser's tags and auxiliaries.

``past`` ("said on Friday", "has risen since"), ``future`` ("will meet Thursday", "is expected
to close in March", "plans to ... next year", a modal), ``present`` ("the deadline is Jan. 14")
or None (no verb to read: a headline fragment, a dateline).
"""

from __future__ import annotations

from spacy.tokens import Span, Token

_FUTURE_AUX = frozenset({"will", "shall", "'ll", "wo"})
_MODALS = frozenset({"would", "could", "may", "might", "should", "must", "can", "ca"})


def _verb_of(span: Span) -> Token | None:
    tok = span.root
    for _ in range(6):
        if tok.pos_ in ("VERB", "AUX"):
            return tok
        if tok.head.i == tok.i:
            return None
        tok = tok.head
    return None


def clause_tense(span: Span, future_verbs: frozenset[str] = frozenset()) -> str | None:
    """``past``, ``present``, ``future`` or None for the clause of ``span``; ``future_verbs`` are
    lemmas whose infinitive complement points forward ("expect", "plan")."""
    doc = span.doc
    if not doc.has_annotation("TAG") or not doc.has_annotation("DEP"):
        return None
    verb = _verb_of(span)
    if verb is None:
        return None
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    lowers = {c.lower_ for c in aux}
    if lowers & _FUTURE_AUX:
        return "future"
    # "is expected to close", "plans to sell", "is going to": the infinitive points forward
    if "to" in lowers and verb.dep_ in ("xcomp", "ccomp", "advcl", "acl"):
        governor = verb.head
        if governor.lemma_.lower() in future_verbs or governor.lower_ in future_verbs:
            if any(c.lower_ in ("had", "'d") for c in governor.children if c.dep_ in ("aux", "auxpass")):
                return "past"  # "had been scheduled to expire Friday": a plan of the past
            return "future" if governor.tag_ != "VBD" or governor.lemma_.lower() in ("go",) else "past"
    if lowers & _MODALS:
        return "future" if not any(c.lower_ in ("could", "might") and c.tag_ == "MD" for c in aux) else "present"
    tags = {verb.tag_} | {c.tag_ for c in aux}
    if "VBD" in tags:
        return "past"
    if verb.tag_ == "VBN":
        # "has risen": the present perfect tells of the past
        return "past" if any(c.lemma_ == "have" for c in aux) or not aux else "present"
    if tags & {"VBZ", "VBP"}:
        return "present"
    if verb.tag_ == "VBG" and any(c.lower_ in ("is", "are", "'s", "'re", "am") for c in aux):
        return "future"  # "is meeting on Friday"
    if verb.tag_ == "VB" and verb.dep_ in ("xcomp",) and verb.head.tag_ == "VBD":
        return "past"
    return None
