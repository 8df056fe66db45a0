"""Readings of the dependency parse that several field resolvers share."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

CHANGE_NOUNS = frozenset({"increase", "rise", "decrease", "decline", "drop", "fall", "growth", "gain", "jump"})


def is_change_noun(tok: Token) -> bool:
    return tok.lemma_.lower() in CHANGE_NOUNS


def subject(verb: Token) -> Token | None:
    """The subject of a verb, looking up through the clauses it hangs on; "which" stands for its
    antecedent."""
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


def noun_phrase(doc: Doc, head: Token, exclude: Token | None, skip: Span | None = None) -> Span:
    """The phrase a noun heads, without ``exclude``'s subtree and the tokens of ``skip``, cut where
    its subtree leaves the noun's clause (a relative clause, an apposition, a bracket)."""
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


def governors(span: Span) -> set[int]:
    """The figure's head and the heads above it (the verbs its clause hangs on)."""
    out, t = set(), span.root
    for _ in range(6):
        out.add(t.i)
        if t.head.i == t.i:
            break
        t = t.head
    return out


def first_verb_above(span: Span, pos: tuple[str, ...] = ("VERB", "AUX"), steps: int = 4) -> Token | None:
    """The figure's root if it is a verb, else the first verb above it within ``steps`` heads."""
    tok = span.root
    for _ in range(steps):
        if tok.pos_ in pos:
            return tok
        if tok.head.i == tok.i:
            break
        tok = tok.head
    return None


def reports(t: Token) -> bool:
    """A reporting verb that reports: not one whose object holds a figure ("Employers added 250,000
    jobs", "the GVA showed a growth of 7.1 per cent", "the country reported a $4.2 billion surplus", "is
    projected at 6.5 per cent")."""
    for c in t.children:
        # ("inflation is projected at 5.4 per cent for 2023-24": the projection's figure and period)
        if (c.dep_ == "dobj" or c.dep_ == "prep" and c.lower_ in ("at", "to", "around")) and any(x.like_num or x.ent_type_ in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")
                                    for x in c.subtree):
            return False
    return True
