"""The quantity grammar: money, percentages, multiples, fractions, counts and units found in a
parsed doc and normalized (see :mod:`extractor.nlp.quantities.component` for the fields).

Rule tables: ``currencies.yaml``, ``scales.yaml``, ``number_words.yaml``, ``hedges.yaml``,
``changes.yaml`` and ``quantity_filters.yaml`` in ``extractor/data``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Iterable

from spacy.tokens import Doc, Span

from extractor.nlp.quantities.currencies import currency_code, currency_table
from extractor.nlp.quantities.numerals import (
    fractions,
    multiples,
    number_words,
    parse_number,
    scale_value,
    scales,
    time_units,
    to_number,
)
from extractor.nlp.quantities.units import unit_table
from extractor.nlp.text import doc_text, sentence_of
from extractor.rules import load_data

# --------------------------------------------------------------------------------------------
# Lexicon and the grammar built from it


@dataclass(frozen=True)
class Lexicon:
    prefix: dict[str, str]
    suffix: dict[str, str]
    suffix_lower: dict[str, str]
    ambiguous: dict[str, dict]
    hedges: dict[str, str]
    change_verbs: dict[str, str]
    change_nouns: dict[str, str]
    change_adverbs: dict[str, str]
    transitive: frozenset[str]
    level_hedges: frozenset[str]
    up_particle_verbs: frozenset[str]
    level_cues: frozenset[str]
    name_words: frozenset[str]
    fixed_phrases: tuple[str, ...]
    fixed: re.Pattern
    year_nouns: frozenset[str]
    address_nouns: frozenset[str]
    count_nouns_before: frozenset[str]
    noun_lemmas: dict[str, str]
    unit_nouns: dict[str, str]
    unit_rename: dict[str, str]
    unit_reject: frozenset[str]
    fold: dict[str, float]
    score_nouns: frozenset[str]
    score_verbs: frozenset[str]
    weight_cues: re.Pattern
    sterling_cues: re.Pattern
    money_cues: re.Pattern
    vague: dict[str, float]
    calendar_units: frozenset[str]
    bare_word_reject: frozenset[str]
    multiple_after: frozenset[str]
    compound_reject: frozenset[str]
    period_nouns_after: frozenset[str]
    tenor_nouns: frozenset[str]
    temperature: dict[str, re.Pattern]
    per_symbols: dict[str, str]
    difference_words: dict[str, str]
    particle_change_verbs: frozenset[str]
    one_reject_nouns: frozenset[str]
    occasions: dict[str, int]
    index_names: re.Pattern
    after_change_followers: frozenset[str]
    poll_words: re.Pattern
    occasion_after: frozenset[str]
    regex: re.Pattern
    mask: re.Pattern


def _alt(items: Iterable[str]) -> str:
    # longest first, then in a fixed order: the pattern is the same in every process
    return "|".join(re.escape(x) for x in sorted(set(items), key=lambda x: (-len(x), x)))


def _trie(items: Iterable[str]) -> str:
    """The alternation of ``items`` as a prefix tree ("kilo(?:gram|metre)"): the same matches as
    :func:`_alt` (longest first at each branch), tried in a time that does not grow with the
    number of words sharing a first letter (a thousand unit surfaces after every number)."""
    tree: dict = {}
    for word in set(items):
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = []
        for ch in sorted(k for k in node if k):
            branches.append(re.escape(ch) + build(node[ch]))
        if not branches:
            return ""
        # a longer word before the word that ends here: "(?:s|)" tries "inches" before "inch"
        body = "|".join(branches) + ("|" if "" in node else "")
        return body if len(branches) == 1 and "" not in node else f"(?:{body})"

    out = build(tree)
    return out or "(?!)"


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    cur = currency_table()
    units_tbl = unit_table()
    changes = load_data("changes.yaml")
    filters = load_data("quantity_filters.yaml")
    units = load_data("units.yaml")
    nw = load_data("number_words.yaml")
    hedges = {k.lower(): v for k, v in load_data("hedges.yaml").items()}
    words, attached = scales()
    verbs = {lemma: d for d, lemmas in changes["verbs"].items() for lemma in lemmas}
    nouns = {lemma: d for d, lemmas in changes["nouns"].items() for lemma in lemmas}
    advs = {w: d for d, ws in changes["adverbs"].items() for w in ws}

    small = [w for w in number_words() if " " not in w and w not in ("hundred", "dozen")]
    fold = {k.lower(): float(v) for k, v in (nw.get("fold") or {}).items()}
    cp = _trie(cur.prefix)
    cs = rf"(?:{_trie(cur.suffix_codes)}|(?i:{_trie(cur.suffix_names)}))"
    minor_glued = [k for k in cur.minor if len(k) == 1 and k.isalpha()]
    minor_spaced = [k for k in cur.minor if k not in minor_glued]
    unit_spaced = rf"(?i:{_trie(units_tbl.words)})|{_trie(s for s in units_tbl.symbols if s not in units_tbl.glued_only)}"
    unit_glued = _trie(s for s in units_tbl.symbols if s in units_tbl.glued_only)
    vague = {k.lower(): float(v) for k, v in nw["vague"].items()}
    scale_words = _trie(words)
    scale_att = _trie(attached)
    # (atomic: the first reading of a number is final; backtracking into one to try the others
    # took time quadratic in a long run of grouped digits, issue 14)
    num = (
        r"(?>\d{1,3}(?:\.\d{3})+,\d+"  # 1.234,5 (European thousands and decimal comma)
        r"|(?<![\d,])\d{1,2}(?:,\d{2}(?=,))++,\d{3}(?!\d|,\d)"  # 3,42,15,653 (Indian grouping)
        r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 12,202.5
        r"|\d{1,3}(?:'\d{3})+(?![\d])"  # 1'250'000 (Swiss)
        r"|\d{1,3}(?:\.\d{3}){2,}(?![\d])"  # 1.234.567 (European thousands)
        r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d|[.,]\d)"  # 816 000
        rf"|\d+,\d{{1,2}}(?=\s?(?:%|percent\b|per cent\b|(?:{scale_words})\b))"  # 1,97 % / 22,4 billion
        r"|(?<![\d,])\d+,\d{1,2}(?!\d|,\d)"  # 2,20 guilders, €0,45, 7842,1 (a decimal comma: thousands have three digits)
        r"|\d+(?:\.\d+)?|\.\d+)"
    )
    unit_word = _trie(small)
    word = (
        rf"(?:(?:half\s)?an?(?=\s(?:dozen|hundred|thousand|million|billion|trillion)\b)"
        rf"|(?:{unit_word})(?:[- ](?:{unit_word}))?(?:\s(?:hundred|dozen))?(?:\s(?:and\s)?(?:{unit_word}))?"
        rf"|dozen)"
        rf"(?:\s(?:hundred|dozen))?"
    )
    scale = (
        rf"(?:[ \u00a0-]?(?:{scale_words})(?![A-Za-z])(?:\s(?:crore)(?![A-Za-z]))?"
        rf"|(?:{scale_att})(?![A-Za-z0-9]))"
    )
    pct = (
        r"%|percentage[ -]points?|per[ -]?cent(?:age)?(?![A-Za-z])|pct(?![A-Za-z])|"
        r"basis[ -]points?|bps(?![A-Za-z])|pp(?![A-Za-z])"
    )
    pct_attached = r"pc(?![A-Za-z])|bp(?![A-Za-z])"
    pattern = rf"""
        (?P<between>\bbetween\s)?
        (?P<neg>(?<![\w.,%)])[-−+](?=\s?(?:{cp})?\s?\d)|(?i:\b(?:minus|negative))[ -](?=(?:{cp})?\s?\d))?
        (?:(?P<cpre>{cp})\s?)?
        (?P<num>{num}|(?i:\b{word}\b))
        (?P<scale>{scale})?
        (?:[ \u00a0](?:and\s)?(?P<num2>{num})(?P<scale2>{scale}))?
        (?P<range>
            \s?(?P<sep>(?(between)and|(?:to\s?[-–—]|[-–—]\s?to|-|–|—|to)))\s?
            (?:(?P<cpre3>{cp})\s?)?
            (?P<neg3>[-−]|(?i:minus)\s)?(?P<num3>{num})(?P<scale3>{scale})?
        )?
        (?:
            [\s-]?(?P<pct>{pct})
          | (?P<pcta>{pct_attached})
          | [ \u00a0](?P<csuf>{cs})(?![A-Za-z])
          | (?:\s|-)?(?P<times>times|fold)(?![A-Za-z])
          | (?P<x>x)(?![A-Za-z0-9])
          | [ \u00a0]?(?P<deg>(?i:degrees?))(?:[ \u00a0](?P<degs>(?i:celsius|fahrenheit|centigrade)|[CF]))?(?![A-Za-z0-9])
          | [ \u00a0]?(?P<temp>°[ \u00a0]?[CF]|°|[CF])(?![A-Za-z0-9])
          | [ \u00a0]?(?P<minor>{_trie(minor_spaced)})(?![A-Za-z])
          | (?P<minorg>{_trie(minor_glued)})(?![A-Za-z0-9])
          | (?:[ \u00a0-]|(?=[^\s\d]))(?P<unit>{unit_spaced})(?![A-Za-z0-9])
          | (?P<unitg>{unit_glued})(?![A-Za-z0-9])
        )?
    """
    counts = rf"(?:{_trie(w for w in number_words() if ' ' not in w)}|\d{{1,3}}(?:,\d{{3}})*)"
    frac = (
        rf"(?P<frac>(?i:\b(?:{_trie(fractions())})\b(?!\s{{1,3}}an?\s(?:dozen|hundred|thousand|million|billion|trillion)\b))"
        rf"|(?i:\b(?P<fa>one|two|three|four|five|\d{{1,2}})\s(?:in|out\sof)\s(?:(?:every|a)\s)?(?P<fb>{counts})\b))"
    )
    vague_re = rf"(?P<vague>(?i:\b(?:(?:tens|hundreds)\s{{1,3}}of\s{{1,3}})?(?:{_trie(vague)})\b))"
    mult = rf"(?P<mult>(?i:\b(?:{_trie(list(multiples()) + list(fold))})\b))"
    occ = rf"(?P<occ>(?i:\b(?:{_trie(nw['occasions'])})\b))"
    # (a quantity never starts at a space: the look-ahead skips them at once, issue 14)
    regex = re.compile(rf"(?=\S)(?:{frac}|{mult}|{occ}|{vague_re}|{pattern})", re.X)
    # Spans that hold digits but no quantity: phone numbers, ISO dates, clock times, versions.
    mask = re.compile(
        r"(?=[\d(+vVGgUu])(?:"
        r"\+?\(?\d{2,5}\)?[-\s]\d{2,5}-\d{3,}"  # 0086-10-88177889, (010) 8817-7889
        r"|\(?\+\d{1,3}\)?[\s-]?\d{1,4}(?:[\s-]\d{2,5}){2,}"  # (+84) 24 3936 6404
        r"|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"  # 2025-07-11, 11/23/2025
        r"|\b\d{1,2}[:.]\d{2}\s?(?:[ap]\.?m\.?)(?![A-Za-z])|\b\d{1,2}:\d{2}(?::\d{2})?\b"  # 2.15pm, 08:32
        r"|\b[vV](?:ersion\s?)?\d+(?:\.\d+)+\b|\b(?<![\d.])(?!\d{1,3}(?:\.\d{3})+\b)\d+\.\d+\.\d+\b"  # v2.0, 3.2.1
        r"|(?-i:(?<![\d.,$€£¥])\b\d[A-Z]\b)"  # 5G, 3D, 4K (not "$67.4M")
        r"|\b(?:GMT|UTC)\s?[+−-]\s?\d{1,2}(?::\d{2})?"  # GMT+9
        r"|\b\d{1,2}\s?(?:[ap]\.m\.|[ap]m\b))",  # 5 pm, 12 am
        re.I,
    )
    return Lexicon(
        prefix=dict(cur.prefix),
        suffix=dict(cur.suffix_codes),
        suffix_lower=dict(cur.suffix_names),
        ambiguous=dict(cur.ambiguous),
        hedges=hedges,
        change_verbs=verbs,
        change_nouns=nouns,
        change_adverbs=advs,
        transitive=frozenset(changes["transitive"]),
        level_hedges=frozenset(changes["level_hedges"]),
        up_particle_verbs=frozenset(changes["up_particle_verbs"]),
        level_cues=frozenset(changes["level_cues"]),
        name_words=frozenset(w.lower().rstrip(".") for w in filters["name_words"]),
        fixed_phrases=tuple(p.lower() for p in filters["fixed_phrases"]),
        fixed=re.compile(r"(?<![A-Za-z])(?:" + _alt(filters["fixed_phrases"]) + r")(?![A-Za-z])"
                         + "".join(f"|(?:{p})" for p in filters.get("page_furniture") or []), re.I),
        year_nouns=frozenset(filters["year_nouns"]),
        address_nouns=frozenset(filters["address_nouns"]),
        count_nouns_before=frozenset(filters["count_nouns_before"]),
        noun_lemmas=dict(filters["noun_lemmas"]),
        unit_nouns={k.lower(): v for k, v in units["nouns"].items()},
        unit_rename=dict(units["rename"]),
        unit_reject=frozenset(units["reject"]),
        fold=fold,
        score_nouns=frozenset(filters["score_nouns"]),
        score_verbs=frozenset(filters["score_verbs"]),
        weight_cues=re.compile(r"\b(?:" + _alt(filters["weight_cues"]) + r")\b", re.I),
        sterling_cues=re.compile(r"£|\b(?:" + _alt(filters["sterling_cues"]) + r")\b"),
        money_cues=re.compile(r"\b(?:" + _alt(filters["money_cues"]) + r")\b", re.I),
        vague=vague,
        calendar_units=frozenset(nw["calendar_units"]),
        bare_word_reject=frozenset(filters["bare_word_reject"]),
        multiple_after=frozenset(nw["multiple_after"]),
        compound_reject=frozenset(filters["compound_reject"]),
        period_nouns_after=frozenset(filters["period_nouns_after"]),
        tenor_nouns=frozenset(filters["tenor_nouns"]),
        temperature={k: re.compile(r"\b(?:" + _alt(v) + r")(?![A-Za-z])", re.I if k == "cues" else 0)
                     for k, v in units["temperature"].items()},
        per_symbols=dict(units["per_symbols"]),
        difference_words={w: d for d, ws in changes["difference_words"].items() for w in ws},
        particle_change_verbs=frozenset(changes["particle_change_verbs"]),
        one_reject_nouns=frozenset(filters["one_reject_nouns"]),
        occasions={k.lower(): int(v) for k, v in nw["occasions"].items()},
        index_names=re.compile(r"(?<![A-Za-z])(?:" + _alt(filters["index_names"]) + r")(?![A-Za-z])"),
        after_change_followers=frozenset(changes["after_change_followers"]),
        poll_words=re.compile(r"\b(?:" + _alt(filters["poll_words"]) + r")\b", re.I),
        occasion_after=frozenset(nw["occasion_after"]),
        regex=regex,
        mask=mask,
    )


# --------------------------------------------------------------------------------------------
# Context helpers

_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.'’]*)\W*$")
_ACRONYM_BEFORE = re.compile(r"\b([A-Z]{2,6})\s$")
_YEARISH = re.compile(r"^(1[89]\d{2}|20\d{2}|2100)$")
_CONVERSION = re.compile(
    r"^\s*\(\s*+(?:(?:about|around|roughly|approximately|some|nearly|or|equivalent to|equal to|worth)\s*+)?$", re.I
)
_PERIOD_BEFORE = re.compile(
    r"\b(?:the\s+)?(?:first|last|past|next|previous|coming|recent|following|same|initial|final|latest|"
    r"preceding|remaining|subsequent|further|other)\s*$",
    re.I,
)
_PERIOD_AFTER = re.compile(r"^\s*(?:ago|earlier|later|before|after|ending|ended|from now|to come|prior)\b", re.I)
_DETERMINER = re.compile(r"\b(?:the|a|an)\s*$", re.I)
_LEVEL_BEFORE = re.compile(
    r"\b(?:to|at|close at|totaled|totalled|totaling|totalling|numbered|reached|hit|stood at|came to|amounted to)\s+"
    r"(?:(?:more than|over|about|around|nearly|almost|some|roughly|approximately|at least|less than|up to|a record)\s+)?$",
    re.I,
)
_PER_TAIL = re.compile(r"(?:\s?/\s?|\s(?:per|a|an|each)\s)([A-Za-z]+)(?![A-Za-z])")
_RANGE_CUE = re.compile(r"\b(?:rang(?:e|es|ed|ing)|anywhere|var(?:y|ies|ied|ying))\s+(?:from\s+|between\s+)?$", re.I)
_AGE_BEFORE = re.compile(r"\b(?:aged|ages?|age\s+of|ages\s+\d{1,3}\s+and)\s+$", re.I)
_BELOW_ZERO = re.compile(r"\s{1,3}below\s{1,3}zero\b", re.I)
_COMPOUND = re.compile(r"-([A-Za-z]+)(?:-(long|old|plus))?(?![A-Za-z-])")
_OF_COUNT = re.compile(r"-of-(\d{1,4})\b")
_CLOCK = re.compile(r"(?<![\d:.])(\d{1,2}):([0-5]\d):([0-5]\d)(?![\d:])")
_CLOCK_OF_DAY = re.compile(r"\s?(?:[ap]\.?m\b|GMT|UTC|BST|CET|EST|EDT|PST|PDT|ET\b|local|hrs|h\b)", re.I)
_OF_PLURAL = re.compile(r"\s{1,3}of\s{1,3}(?:(?:the|its|their|his|her|our|these|those|all)\s{1,3})?[a-z]")
_PER_UNIT = re.compile(r"^(?:\s(?:a|an|per)\s|\s?/\s?)([A-Za-z][A-Za-z ]{0,30})")


def _hedge(text: str, start: int, lex: Lexicon) -> tuple[str | None, int | None]:
    """The hedge just before ``start``: (class, offset of the hedge) or (None, None)."""
    base = max(0, start - 40)
    stripped = text[base:start].lower().rstrip()
    for allow_det in (False, True):
        cand = stripped
        if allow_det:
            m = _DETERMINER.search(cand)
            if not m:
                break
            cand = cand[: m.start()].rstrip()
        for phrase in sorted(lex.hedges, key=len, reverse=True):
            if cand.endswith(phrase) and (len(cand) == len(phrase) or not cand[-len(phrase) - 1].isalnum()):
                if allow_det and lex.hedges[phrase] != "more_than":
                    continue
                if phrase == "up to" and cand[: -len(phrase)].rstrip().rsplit(" ", 1)[-1] in lex.up_particle_verbs:
                    continue  # "edged up to 6.41 percent": a particle verb, then the level
                return lex.hedges[phrase], base + len(cand) - len(phrase)
    return None, None


def _tokens(doc: Doc, s: int, e: int) -> Span | None:
    span = doc.char_span(s, e, alignment_mode="expand")
    return span if span is not None and len(span) else None


class _Direction:
    """Whether a value is a change, and which way: "up 15.2 percent", "rose by 7.1 percent",
    "an increase of 6.5 percent", "a 9% increase", "cut rates by 75 basis points"."""

    SKIP = {"by", "a", "an", "of", "year-on-year", "yoy", "y/y", "annual", "annually", "respectively", "cumulative",
            "combined", "further", "additional", "total", "another", "whopping", "modest", "mere", "nearly", "almost",
            "roughly", "some", "-", "on", "year", "month", "quarter", "over", "the", "same", "period", "last"}

    def __init__(self, lex: Lexicon):
        self.lex = lex
        self.hedge_words = {w for h in lex.hedges for w in h.split()}

    def __call__(self, doc: Doc, q: dict) -> tuple[str | None, int | None]:
        span = _tokens(doc, q["start"], q["end"])
        if span is None:
            return None, None
        lex = self.lex
        # "a 9% increase", "a 2.5-fold increase", "its 5.4 percent increase", "a 4.8% annual increase",
        # "a stronger-than-expected 1.1% rise", "another 50bp cut"
        nxt = doc[span.end] if span.end < len(doc) else None
        noun = nxt
        if noun is not None and noun.pos_ == "ADJ" and span.end + 1 < len(doc):
            noun = doc[span.end + 1]
        if noun is not None and noun.pos_ == "NOUN" and noun.lemma_.lower() in lex.change_nouns and span.start > 0 \
                and (doc[span.start - 1].lower_ in ("a", "an", "the", "its", "their", "his", "her", "this", "that", "another")
                     or doc[span.start - 1].pos_ == "ADJ"):
            return lex.change_nouns[noun.lemma_.lower()], noun.idx
        # "10,348 fewer cars", "280 million more trips": a count that is a difference
        for t in span[1:]:
            if t.lower_ in lex.difference_words and t.i > span.start:
                return lex.difference_words[t.lower_], t.idx
        # "closed 29.1 points lower at", "ended 3.1% lower", "1.06%, lower at", "0.38 percent higher"
        k = span.end
        if k < len(doc) and doc[k].text == ",":
            k += 1
        after2 = doc[k + 1] if k + 1 < len(doc) else None
        if k < len(doc) and doc[k].lower_ in lex.change_adverbs \
                and (after2 is None or after2.is_punct or after2.lower_ in lex.after_change_followers):
            # (but "$891.1 billion, up by 8.1 percent" and "2.7 percent, up from 2.5" are a level)
            return lex.change_adverbs[doc[k].lower_], doc[k].idx
        # "4.4 percent lower than in 2022", "0.89 percentage point higher than the national average"
        if nxt is not None and nxt.lower_ in ("higher", "lower", "more", "less", "faster", "slower") \
                and span.end + 1 < len(doc) and doc[span.end + 1].lower_ == "than" and q.get("label") == "PERCENT":
            return ("up" if nxt.lower_ in ("higher", "more", "faster") else "down"), nxt.idx
        j = span.start - 1
        saw_by = False
        saw_level_hedge = False
        steps = 0
        while j >= 0 and steps < 9:
            tok = doc[j]
            low = tok.lower_
            lemma = tok.lemma_.lower()
            if tok.is_sent_start and j < span.start - 1 and tok.is_punct:
                return None, None
            if low == "to" and j > 0 and doc[j - 1].lower_ == "up":
                if j > 1 and doc[j - 2].lower_ in lex.up_particle_verbs:
                    return None, None  # "edged up to 6.41 percent": a particle verb, then the level
                j -= 2  # "up to": a hedge, not a rise nor a level
                steps += 2
                continue
            if low in lex.change_adverbs and tok.pos_ in ("ADV", "ADP", "ADJ", "PART") and (
                    tok.dep_ != "prt" or (j == span.start - 1 and tok.head.lemma_.lower() in lex.particle_change_verbs)):
                return lex.change_adverbs[low], tok.idx  # "up 5%", "closing up 1.83%" (but "made up 16%")
            if low in lex.level_hedges:
                saw_level_hedge = True
            if tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB"):
                if lemma in lex.change_verbs:
                    if saw_level_hedge:
                        return None, None
                    if lemma in lex.transitive and not saw_by and q.get("label") == "MONEY" \
                            and lex.change_verbs[lemma] == "up":
                        return None, None  # "raised $110m": money raised is no rise (but "lost $5bn" is a loss)
                    if lemma in lex.transitive and not saw_by and q.get("unit") == "count" and not q.get("noun"):
                        return None, None  # "won 140, lost 96": a bare tally, not a change
                    return lex.change_verbs[lemma], tok.idx
                if low in lex.level_cues or lemma in lex.level_cues:
                    return None, None
                if lemma in self.hedge_words or low in self.hedge_words:
                    j -= 1
                    steps += 1
                    continue
                return None, None
            if tok.pos_ == "NOUN" and lemma in lex.change_nouns:
                after = doc[j + 1].lower_ if j + 1 < len(doc) else ""
                if after in ("of", "by") or j + 1 == span.start or saw_by:
                    # (with "by", a noun tag is the parser's mistake for the verb: "bank cut rates by")
                    return lex.change_nouns[lemma], tok.idx
                return None, None
            if low in lex.level_cues:
                return None, None
            if low == "by":
                saw_by = True
            if low == "," and saw_by and j + 2 == span.start:
                j -= 1  # "imports fell faster, by 11.8%": the comma before "by"
                steps += 1
                continue
            if saw_by and tok.pos_ in ("NOUN", "PROPN", "DET", "ADJ", "PRON", "PART") and steps < 8:
                j -= 1  # the object between the verb and "by": "cut the Selic by 50 basis points"
                steps += 1
                continue
            if low in self.SKIP or low in self.hedge_words or tok.pos_ in ("ADV", "ADJ"):
                j -= 1
                steps += 1
                continue
            return None, None
        return None, None


def _counted_noun(doc: Doc, end_char: int) -> Span | None:
    """The noun phrase a number counts: "12,202 technology contracts", "573 listed companies",
    "147 countries and regions". The head must be a common plural noun that follows the number."""
    last = doc.char_span(max(0, end_char - 1), end_char, alignment_mode="expand")
    if last is None or not len(last):
        return None
    tok = last[-1]
    head = None
    if tok.head.i > tok.i and tok.dep_ in ("nummod", "compound", "quantmod", "amod", "npadvmod", "nmod", "appos"):
        head = tok.head
        hops = 0
        while head.like_num and head.head.i > head.i and hops < 3:
            head = head.head
            hops += 1
    if head is None or head.pos_ not in ("NOUN", "PROPN") or head.i - tok.i > 5:
        # loose parses: the next plural noun after at most three modifiers
        head = None
        for k in range(tok.i + 1, min(len(doc), tok.i + 5)):
            t = doc[k]
            if t.pos_ == "NOUN" and t.tag_ in ("NNS", "NN"):
                head = t
                if t.tag_ == "NNS" or k + 1 >= len(doc) or doc[k + 1].pos_ != "NOUN":
                    break
                continue
            if t.pos_ in ("ADJ", "NOUN", "PROPN") or t.tag_ in ("VBN", "VBG", "HYPH", "JJ") or t.text == "-":
                continue
            break
    if head is None:
        return None
    between = doc[tok.i + 1: head.i]
    if any(t.is_punct and t.text != "-" for t in between):
        return None
    if any(t.pos_ in ("ADP", "CCONJ", "DET", "PRON", "AUX") for t in between):
        return None
    if any(t.pos_ == "VERB" and t.tag_ not in ("VBN", "VBG") for t in between):
        return None
    end = head.i + 1
    # "147 countries and regions"
    if end + 1 < len(doc) and doc[end].lower_ == "and" and doc[end + 1].tag_ == "NNS" and doc[end + 1].head.i == head.i:
        end += 2
    return doc[tok.i + 1: end]


# --------------------------------------------------------------------------------------------
# The finder


class QuantityFinder:
    """Finds quantities in a parsed Doc; rules from ``extractor/data``."""

    def __init__(self, use_quantulum: bool = True):
        self.use_quantulum = use_quantulum
        self.lex = lexicon()
        self.direction = _Direction(self.lex)

    # -- candidates -------------------------------------------------------------------------

    def find(self, doc: Doc) -> list[dict]:
        # Doc.text joins every token on each access: read it once per document
        self._text = text = doc_text(doc)
        lex = self.lex
        masked = [(m.start(), m.end()) for m in lex.mask.finditer(text)]
        ents = list(doc.ents)  # Doc.ents is rebuilt on every access
        date_ents = [(e.start_char, e.end_char) for e in ents if e.label_ in ("DATE", "TIME")]
        name_ents = [
            (e.start_char, e.end_char)
            for e in ents
            if e.label_ in ("ORG", "WORK_OF_ART", "EVENT", "LAW", "FAC", "PRODUCT", "ORDINAL")
        ]
        fixed = [(m.start(), m.end()) for m in lex.fixed.finditer(text)]

        out: list[dict] = []
        pos = 0
        while pos <= len(text):
            m = lex.regex.search(text, pos)
            if m is None:
                break
            found = self._from_match(m, doc, masked, date_ents, name_ents, fixed)
            if not found and m.group("range"):
                # "fell 3.1 percent in 2023 to 223.6 billion euros": no range; read on from its second number
                pos = m.start("cpre3") if m.group("cpre3") else m.start("num3")
                continue
            out.extend(found)
            pos = m.end() if m.end() > m.start() else m.start() + 1
        out.extend(self._clock_durations(masked))
        if self.use_quantulum:
            units = self._units_from_quantulum(doc, out, masked, date_ents, fixed)
            spans = [(u["start"], u["end"]) for u in units]
            out = [q for q in out if not (q["label"] == "UNIT?" and _overlaps((q["start"], q["end"]), spans))]
            out.extend(units)
        out.sort(key=lambda q: q["start"])
        self._merge_ranges(doc, text, out)
        self._inherit_currency(doc, out)
        self._inherit_unit(doc, out)
        for q in out:
            q["text"] = text[q["start"]:q["end"]]
            if q["approx"] is None:
                q["approx"], q["approx_start"] = _hedge(text, q["start"], lex)
                if q["approx"] == "more_than" and q["unit"] in ("year", "month", "week", "day", "hour", "decade") \
                        and text[q["approx_start"]:q["approx_start"] + 4].lower() in ("over", "abov"):
                    q["approx"], q["approx_start"] = None, None  # "over five years": a span of time
            if q["direction"] is None:
                q["direction"], q["cue_start"] = self.direction(doc, q)
        self._restatements(text, out)
        self._mark_conversions(text, out)
        self._poll_points(doc, out)
        return out

    def _poll_points(self, doc: Doc, qs: list[dict]) -> None:
        """"a lead of 8.5 points" in a poll story are percentage points, not index points."""
        for q in qs:
            if q["unit"] != "point":
                continue
            s, e = _sentence_bounds(doc, q["start"])
            sent = self._text[s:e]
            if self.lex.poll_words.search(sent) and not self.lex.index_names.search(sent):
                q["unit"] = "percentage_point"

    def _from_match(self, m: re.Match, doc: Doc, masked, date_ents, name_ents, fixed) -> list[dict]:
        text = self._text
        lex = self.lex
        g = m.groupdict()
        start, end = m.span()
        if start == end:
            return []
        if g["between"]:
            # "between 5 and 7 percent" is a range here; "between 4.5% and 5%" is two values that
            # _merge_ranges joins
            start = m.start("neg") if g["neg"] else (m.start("cpre") if g["cpre"] else m.start("num"))
        if _overlaps((start, end), masked) or _overlaps((start, end), fixed):
            return []
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        first = text[start]
        if before.isalnum() and not (first in "$€£¥￥₹₩₦₺₱" or (g["cpre"] and not g["cpre"][0].isalpha())):
            return []
        if before == "-" and start >= 2 and text[start - 2].isalnum():  # COVID-19, F-35
            return []
        if after.isalnum() or (after in ":" and end + 1 < len(text) and text[end + 1].isdigit()):
            return []  # 13th, 400m (read by the unit pass), 08:32
        if before in ":" and start >= 2 and text[start - 2].isdigit():
            return []
        if g["frac"]:
            return _listify(self._fraction(m, doc))
        if g["mult"]:
            return _listify(self._multiple(m, doc))
        if g["vague"]:
            return _listify(self._vague(m, doc, date_ents))
        if g["occ"]:
            return _listify(self._occasion(m, doc))
        if after == "-" and end + 1 < len(text) and text[end + 1].isalpha() and not g["neg"]:
            # "a 34-year-old", "a 92-year-long wait", "a 2-match series", "a 17-point deficit"
            return self._compound(m, doc, date_ents, name_ents)
        of = _OF_COUNT.match(text, end) if not (g["range"] or g["scale"] or g["cpre"] or g["neg"]) else None
        if of and re.fullmatch(r"\d{1,4}", g["num"]):
            # "completing 36-of-58 throws": two counts
            return [self._base(start, end, text, "QUANTITY", int(g["num"]), "count"),
                    self._base(of.start(1), of.end(1), text, "QUANTITY", int(of.group(1)), "count")]
        if after == "-" and end + 1 < len(text) and text[end + 1].isalpha():
            # "a 12-month high", "1,200-km pipeline": a modifier; the unit pass reads units
            return []

        num_s = g["num"]
        is_word = num_s[0].isalpha()
        if is_word and g["cpre"] and g["cpre"][0].isalpha():
            return []
        wb = _WORD_BEFORE.search(text[max(0, start - 25):start])
        if wb and wb.group(1).lower().rstrip(".") in lex.name_words and not (g["cpre"] or g["pct"] or g["csuf"]):
            return []  # "Section 427", "No. 6", "iPhone 15"
        if not (g["cpre"] or g["pct"] or g["csuf"] or g["pcta"]) and _ACRONYM_BEFORE.search(text[max(0, start - 8):start]):
            return []  # "ISO 9001", "HS 8542"
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip() == "" and re.match(r"\d{1,2}[.)]\s", text[m.start("num"):]):
            if not (g["pct"] or g["csuf"] or g["cpre"] or g["scale"]):
                return []  # list numbering "1. Name"

        # attached "m"/"b" mean million/billion with a currency or before a counted noun
        scale_s = (g["scale"] or "").strip(" \u00a0-")
        words_tbl, attached_tbl = scales()
        attached_scale = bool(scale_s) and scale_s.lower() not in words_tbl and scale_s in attached_tbl
        if attached_scale and scale_s not in ("k", "K") and not (g["cpre"] or g["csuf"]):
            nxt = next((t for t in doc if t.idx >= end), None)
            if nxt is None or not (nxt.tag_ == "NNS" or _OF_PLURAL.match(text, end)):
                # "400m", "816t": a unit symbol glued to the number, unless a plural noun follows
                # ("20m users", "20m of its speakers")
                sym = unit_table().symbols.get(scale_s)
                if sym is None or g["range"] or g["num2"] or m.start("scale") != m.end("num"):
                    return []
                value = parse_number(num_s)
                if value is None:
                    return []
                if g["neg"]:
                    value = -value
                return [self._base(start, m.end("scale"), text, "QUANTITY", to_number(value), sym)]

        currency = None
        if g["cpre"]:
            currency = currency_code(g["cpre"], text, prefix=True)
            glued = currency_table().glued_prefixes
            if g["cpre"] in glued and (not g["num"] or text[m.start("cpre") + len(g["cpre"])].isspace()):
                return []  # letter prefixes only when glued: "R320 billion", "RM10 billion", "Sh2.1 billion"
            cues = glued.get(g["cpre"]) or ()
            if cues and not any(c in text for c in cues):
                return []  # "N95 masks": "N" is the naira only in a Nigerian story
        elif g["csuf"]:
            csuf = g["csuf"]
            if csuf.lower() in currency_table().word_guarded and is_word:
                return []
            currency = currency_code(csuf, text, prefix=False)
            if csuf.lower() in ("pounds", "pound") and self._pounds_of_weight(doc, start, bool(g["scale"])):
                currency = None
                g = dict(g, times=None, x=None, weight="pound-mass")
        elif g["cpre3"]:
            currency = currency_code(g["cpre3"], text, prefix=True)
        minor_factor = None
        if not currency and (g["minor"] or g["minorg"]):
            surface = (g["minor"] or g["minorg"]).lower()
            code, minor_factor = currency_table().minor[surface]
            anti = currency_table().minor_anti_cues.get(surface) or ()
            if anti and re.search(r"\b(?:" + "|".join(re.escape(c) for c in anti) + r")\b", text, re.I):
                return []
            if is_word and len(surface) == 1:
                return []
            currency = currency_code(code, text, prefix=False) if not re.fullmatch(r"[A-Z]{3}", code) else code
        phys = None
        if g["deg"] or g["temp"]:
            phys = self._temperature(g, doc, start)
            if phys is None:
                return []
        if g["unit"] or g["unitg"]:
            surface = g["unit"] or g["unitg"]
            ut = unit_table()
            phys = ut.symbols.get(surface) or ut.words.get(surface.lower())

        unit: str | None = None
        label = "QUANTITY"
        pct = g["pct"] or g["pcta"]
        if pct:
            p = pct.lower()
            if "basis" in p or p in ("bps", "bp"):
                unit = "basis_point"
            elif "point" in p or p == "pp":
                unit = "percentage_point"
            else:
                unit = "percent"
            label = "PERCENT"
        elif currency:
            unit = currency
            label = "MONEY"
        elif g["times"] or g["x"]:
            unit = "times"
            times_tok = _tokens(doc, m.start("times"), m.end("times")) if g["times"] == "times" else None
            if times_tok is not None and not self._is_multiple(doc, times_tok[0]):
                unit = "count"  # "won 34 times": occasions
        elif g.get("weight"):
            unit = g["weight"]
        elif phys:
            unit = phys

        value = parse_number(
            num_s,
            decimal_comma=bool(re.fullmatch(r"(?<!\d)\d+,\d{1,2}", num_s)),
            european_thousands=bool(re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", num_s)),
        )
        if value is None:
            return []
        try:
            scale = scale_value(g["scale"])
        except ValueError:
            return []
        if minor_factor is not None:
            scale *= Decimal(str(minor_factor))
        total = value * scale
        if g["num2"]:
            v2 = parse_number(g["num2"])
            try:
                s2 = scale_value(g["scale2"])
            except ValueError:
                return []
            if v2 is None or s2 >= scale:
                return []
            total += v2 * s2

        low = high = None
        if g["range"]:
            v3 = parse_number(g["num3"])
            if v3 is None:
                return []
            try:
                s3 = scale_value(g["scale3"]) if g["scale3"] else scale
            except ValueError:
                return []
            lo_scale = scale if g["scale"] else s3
            if minor_factor is not None:
                s3 *= Decimal(str(minor_factor))
                lo_scale = scale
            lo, hi = value * lo_scale, v3 * s3
            if self._is_score(m, doc):
                # "a 7-3 win", "beat Leeds 3-1": two counts, not a range
                return self._score(m)
            before_words = text[max(0, start - 12):start].lower().rstrip()
            spread = _RANGE_CUE.search(text[max(0, start - 30):start])
            if g["sep"] == "to" and re.search(r"\b(from|by)$", before_words) and not spread:
                # "rose from 1,100 to 1,450 euros", "narrowed by A$4.4 billion to A$7.7 billion": two values
                return self._split_to(m, doc, lo, hi, unit, label, masked, date_ents, name_ents, fixed)
            if g["sep"] == "to" and self._after_change_word(doc, start) and (g["cpre"] or g["scale"] or hi > 5 * lo):
                # "Gold rose $12.40 to $1,945.30 an ounce": the change, then the level (but "rose 8
                # to 9 inches" is a range of the change)
                return self._split_to(m, doc, lo, hi, unit, label, masked, date_ents, name_ents, fixed)
            if g["sep"] == "to" and g["cpre"] and g["cpre3"] and g["scale"] and g["scale3"]:
                return self._split_to(m, doc, lo, hi, unit, label, masked, date_ents, name_ents, fixed)
            if _YEARISH.match(num_s) and not (pct or currency):
                return []  # 2012-13, 2016-2020
            if g["neg3"]:
                hi = -hi
                if g["neg"] and g["neg"].strip(" -").lower() in ("", "−", "minus", "negative"):
                    lo = -lo
                lo, hi = min(lo, hi), max(lo, hi)  # "-30 to -40": the low end first
            if lo > hi:
                return []
            low, high = lo, hi
            total = None

        if g["neg"] and g["neg"].strip(" -").lower() in ("", "−", "minus", "negative") and not g["neg3"]:
            if total is not None:
                total = -total
            if low is not None:
                low, high = -high, -low

        if phys and unit == phys:
            per = _PER_TAIL.match(text, end)
            if per:
                den = time_units().get(per.group(1).lower()) or unit_table().words.get(per.group(1).lower()) \
                    or unit_table().symbols.get(per.group(1)) or self.lex.per_symbols.get(per.group(1))
                if den:
                    unit, end = f"{phys} per {den}", per.end()
        below = _BELOW_ZERO.match(text, end) if (phys or unit is None) else None
        if below and self.lex.temperature["cues"].search(text) and not g["neg"]:
            # "25 below zero", "30 degrees below zero"
            end = below.end()
            unit = phys if phys and phys != "degree angle" else self._temperature({"deg": "degrees"}, doc, start)
            label = "QUANTITY"
            if total is not None:
                total = -total
            if low is not None:
                low, high = -high, -low
        q = self._base(start, end, text, label, None if total is None else to_number(total), unit)
        q["low"] = to_number(low) if low is not None else None
        q["high"] = to_number(high) if high is not None else None
        q["has_scale"] = bool(g["scale"])
        if unit == "count" and g["times"]:
            q["noun"] = "time"

        if label == "QUANTITY" and unit is None:
            if not self._plain_number(q, doc, date_ents, name_ents, num_s, is_word, bool(g["scale"])):
                return []
        elif _inside((start, end), date_ents) and not (pct or currency or g["scale"] or phys):
            return []
        if label == "MONEY":
            self._per_unit(q, doc)
        if is_word and label == "QUANTITY" and _inside((start, end), name_ents):
            return []
        return [q]

    def _after_change_word(self, doc: Doc, start: int) -> bool:
        """The word before ``start`` is a change verb or adverb ("rose", "fell", "up", "down")."""
        span = doc.char_span(max(0, start - 25), start, alignment_mode="contract")
        if span is None or not len(span):
            return False
        t = span[-1]
        return (t.lemma_.lower() in self.lex.change_verbs and t.pos_ in ("VERB", "AUX")) or t.lower_ in self.lex.change_adverbs

    def _split_to(self, m, doc, lo, hi, unit, label, masked, date_ents, name_ents, fixed) -> list[dict]:
        """"from 1,100 to 1,450 euros" -> two values; the first takes the second's unit."""
        text = self._text
        g = m.groupdict()
        s1 = m.start("neg") if g["neg"] else (m.start("cpre") if g["cpre"] else m.start("num"))
        e1 = m.end("scale") if g["scale"] else m.end("num")
        s2 = m.start("cpre3") if g["cpre3"] else m.start("num3")
        out = []
        second = self._base(s2, m.end(), text, label, to_number(hi), unit)
        first = self._base(s1, e1, text, label, to_number(lo), unit)
        if unit is None:
            # plain numbers: let the second one find its noun or unit, the first follows it
            if not self._plain_number(second, doc, date_ents, name_ents, g["num3"], False, bool(g["scale3"])):
                return []
            first["unit"], first["label"], first["noun"] = second["unit"], second["label"], second["noun"]
        if label == "MONEY":
            self._per_unit(second, doc)  # "to $1,945.30 an ounce"
            if second["unit"] != unit and self._after_change_word(doc, s1):
                first["unit"] = second["unit"]  # "rose $12.40 to $1,945.30 an ounce": both per ounce
        out.extend([first, second])
        return out

    def _pounds_of_weight(self, doc: Doc, start: int, scaled: bool) -> bool:
        """"600 million pounds" of beef, "weighed 190 pounds", "went from 190 pounds to 176": a
        weight, unless the text says sterling ("£", "pence") or, with no weight word in the text,
        names Britain or has a scale word or a money word near the amount ("paid 50 pounds", "a
        million pounds") (``quantity_filters.yaml``)."""
        t = self._text
        if "£" in t or re.search(r"\b(?:sterling|pence|GBP)\b", t, re.I):
            return False
        if self.lex.weight_cues.search(t):
            return True
        if self.lex.sterling_cues.search(t):
            return False
        return not scaled and not self.lex.money_cues.search(t[max(0, start - 40):start + 60])

    def _temperature(self, g: dict, doc: Doc, start: int) -> str | None:
        """"39.3 degrees Celsius", "32C", "-40 C", "30 degrees" in a weather story: a temperature,
        Celsius unless the scale or the story says Fahrenheit (``units.yaml``: ``temperature``);
        "a 360-degree view" is an angle; a bare "C" or "F" without weather words is nothing."""
        cfg = self.lex.temperature
        scale = (g.get("degs") or g.get("temp") or "").replace("°", "").strip().lower()
        if scale in ("c", "celsius", "centigrade"):
            return "degree Celsius"
        if scale in ("f", "fahrenheit"):
            return "degree fahrenheit"
        if not cfg["cues"].search(self._text):
            return "degree angle" if g.get("deg") else None
        return "degree fahrenheit" if cfg["fahrenheit"].search(self._text) else "degree Celsius"

    def _compound(self, m: re.Match, doc: Doc, date_ents, name_ents) -> list[dict]:
        """A number joined by a hyphen to the noun it measures: a duration ("34-year-old",
        "92-year-long", "30-year mortgage", "seven-minute target") or a count ("2-match series",
        "17-point deficit", "four-cylinder engine"); nothing for other words ("two-way trade")."""
        text = self._text
        g = m.groupdict()
        comp = _COMPOUND.match(text, m.end())
        if comp is None or g["cpre"] or g["pct"] or g["csuf"] or g["unit"] or g["unitg"] or g["minor"] or g["minorg"]:
            return []
        word = comp.group(1).lower()
        if comp.group(1)[0].isupper():
            return []  # "the 14th Five-Year Plan": a name
        if word in ("degree", "degrees") and g["num"][0].isdigit():
            q = self._base(m.start(), comp.end(), text, "QUANTITY", to_number(parse_number(g["num"])),
                           self._temperature({"deg": word}, doc, m.start()))
            return [q] if not g["range"] else []
        start = m.start("neg") if g["neg"] else m.start("num")
        if g["between"]:
            start = m.start("num")
        span = _tokens(doc, m.start(), m.end())
        if word in self.lex.compound_reject or span is None:
            return []
        try:
            scale = scale_value(g["scale"])
            lo = parse_number(g["num"]) * scale
            hi = parse_number(g["num3"]) * (scale_value(g["scale3"]) if g["scale3"] else scale) if g["range"] else None
        except (ValueError, TypeError):
            return []
        if hi is not None and lo > hi:
            return []
        tu = time_units().get(word)
        if tu == "quarter":
            return []
        q = self._base(start, comp.end(), text, "QUANTITY", None if hi is not None else to_number(lo), tu or "count")
        if hi is not None:
            q["low"], q["high"] = to_number(lo), to_number(hi)
        if tu:
            if comp.group(2) is None and tu in self.lex.calendar_units:
                nxt = re.match(r"\s{1,3}(?:[A-Z][A-Za-z.]{0,20}\s{1,3}){0,3}([A-Za-z]{1,30})", text[comp.end():comp.end() + 40])
                nxt_word = nxt.group(1).lower() if nxt else ""
                if nxt_word in self.lex.period_nouns_after:
                    return []  # "nine-month exports": the first nine months, a period
                if nxt_word in self.lex.tenor_nouns:
                    return []  # "the 10-year Treasury yield": a bond's tenor names the bond
            return [q]
        tok = _tokens(doc, comp.start(1), comp.end(1))
        if tok is None or tok[0].pos_ not in ("NOUN", "ADJ", "VERB") or _YEARISH.match(g["num"] or ""):
            return []
        if g["num"][0].isalpha() and _inside((m.start(), comp.end()), name_ents):
            return []
        lemma = tok[0].lemma_.lower() if tok[0].pos_ == "NOUN" else word
        q["noun"] = self.lex.noun_lemmas.get(lemma, lemma)
        q["end"] = comp.start(2) - 1 if comp.group(2) else comp.end()
        q["text"] = text[q["start"]:q["end"]]
        return [q]

    def _clock_durations(self, masked: list[tuple[int, int]]) -> list[dict]:
        """"won in 2:34:23": a race time, hours:minutes:seconds, as seconds; a time of day
        ("23:00:00 GMT", "10:15:00 am") is not."""
        out = []
        for c in _CLOCK.finditer(self._text):
            if _CLOCK_OF_DAY.match(self._text, c.end()):
                continue
            h, mi, se = (int(c.group(k)) for k in (1, 2, 3))
            if h >= 10:
                continue  # "17:05:12": a time of day (race times run under ten hours)
            q = self._base(c.start(), c.end(), self._text, "QUANTITY", h * 3600 + mi * 60 + se, "second")
            out.append(q)
        return out

    def _occasion(self, m: re.Match, doc: Doc) -> dict | None:
        """"twice the size", "twice as many": a multiple; "scored twice", "once every 43 months": a
        count of occasions; "once the ports reopen" is no number."""
        text = self._text
        s, e = m.span("occ")
        word = m.group("occ").lower()
        value = self.lex.occasions[word]
        tok = _tokens(doc, s, e)
        if tok is None:
            return None
        nxt = doc[tok.end] if tok.end < len(doc) else None
        prev = doc[tok.start - 1] if tok.start > 0 else None
        if word != "once" and nxt is not None and nxt.lower_ in self.lex.multiple_after and nxt.lower_ not in self.lex.occasion_after:
            return self._base(s, e, text, "QUANTITY", value, "times")
        counted = (nxt is not None and nxt.lower_ in self.lex.occasion_after) or (
            prev is not None and prev.lower_ in ("just", "only", "than", "least", "most", "exactly"))
        if word != "once" and tok[0].dep_ in ("advmod", "npadvmod") and tok[0].head.pos_ in ("VERB", "AUX"):
            counted = True
        if not counted:
            return None
        q = self._base(s, e, text, "QUANTITY", value, "count")
        q["noun"] = "time"
        return q

    def _is_score(self, m: re.Match, doc: Doc) -> bool:
        """"a 7-3 win", "beat Leeds 3-1", "a 5-4 vote": two small whole numbers joined by a dash,
        with no unit, after a score verb or before a score noun (``quantity_filters.yaml``)."""
        g = m.groupdict()
        if g["sep"] not in ("-", "–", "—") or any(g[k] for k in ("cpre", "scale", "pct", "pcta", "csuf", "times", "x",
                                                               "unit", "unitg", "minor", "minorg", "cpre3", "scale3", "neg")):
            return False
        if not (re.fullmatch(r"\d{1,3}", g["num"]) and re.fullmatch(r"\d{1,3}", g["num3"])):
            return False
        text = self._text
        if int(g["num"]) > int(g["num3"]):
            return True  # "49ers 35-10", "dropped to 5-1": no range runs downwards
        nxt = re.match(r"\s{0,3}(?:[a-z]{1,20}\s{1,3})?([A-Za-z]{1,20})", text[m.end():m.end() + 30])
        if nxt and nxt.group(1).lower() in self.lex.score_nouns:
            return True
        span = doc.char_span(max(0, m.start() - 60), m.start(), alignment_mode="contract")
        if span is None:
            return False
        toks = [t for t in span if not t.is_space][-6:]
        return any(t.lemma_.lower() in self.lex.score_verbs or t.lower_ in self.lex.score_verbs for t in toks)

    def _score(self, m: re.Match) -> list[dict]:
        text = self._text
        a, b = m.span("num"), m.span("num3")
        return [self._base(a[0], a[1], text, "QUANTITY", int(m.group("num")), "count"),
                self._base(b[0], b[1], text, "QUANTITY", int(m.group("num3")), "count")]

    def _vague(self, m: re.Match, doc: Doc, date_ents) -> dict | None:
        """"dozens of homes", "tens of thousands of fans", "millions of dollars": a range from the
        scale to ten times it (see ``number_words.yaml``: ``vague``)."""
        text = self._text
        s, e = m.span("vague")
        words = m.group("vague").lower().split()
        before = text[max(0, s - 12):s].lower()
        if re.search(r"\b(?:the|in|by|of|into)\s+$", before) or _inside((s, e), date_ents):
            return None  # "in the thousands", "by the millions": no amount
        if not re.match(r"\s{1,3}of\b", text[e:e + 5]):
            nxt = _tokens(doc, e, e + 1) if e < len(text) and not text[e].isspace() else _tokens(doc, e + 1, e + 2)
            if words[-1] == "scores" or nxt is None or nxt[0].pos_ not in ("VERB", "AUX"):
                return None  # "Thousands marched" is an amount; "test scores" and "the hundreds" are not
        low = self.lex.vague[words[-1]]
        if len(words) > 1:
            low *= 10.0 if words[0] == "tens" else 100.0
        q = self._base(s, e, text, "QUANTITY", None, "count")
        q["low"], q["high"] = to_number(Decimal(str(low))), to_number(Decimal(str(low)) * 10)
        after = re.match(r"\s{1,3}of\s{1,3}(?:(?:the|their|its|his|her|our)\s{1,3})?([A-Za-z][A-Za-z.$ -]{0,30})", text[e:e + 45])
        if after:
            phrase = after.group(1)
            for k in range(min(3, len(phrase.split())), 0, -1):
                cand = " ".join(phrase.split()[:k])
                code = currency_code(cand, text, prefix=False) if (cand in currency_table().suffix_codes or cand.lower()
                                                                   in currency_table().suffix_names) else None
                if code:
                    q["label"], q["unit"] = "MONEY", code
                    q["end"] = e + after.start(1) + len(cand)
                    return q
                unit = unit_table().words.get(cand.lower())
                if unit:
                    q["unit"] = unit
                    q["end"] = e + after.start(1) + len(cand)
                    return q
            tok = _tokens(doc, e + after.start(1), e + after.start(1) + 1)
            if tok is not None:
                head = tok[0]
                while head.i + 1 < len(doc) and doc[head.i + 1].pos_ in ("NOUN", "PROPN") and head.pos_ in ("ADJ", "NOUN", "PROPN", "VERB") \
                        and head.tag_ not in ("NNS", "NNPS"):
                    head = doc[head.i + 1]
                if head.pos_ in ("NOUN", "PROPN"):
                    lemma = head.lemma_.lower()
                    tu = time_units().get(head.lower_)
                    if tu and tu != "quarter":
                        q["unit"] = tu
                    else:
                        q["noun"] = self.lex.noun_lemmas.get(lemma, lemma)
        return q

    def _per_unit(self, q: dict, doc: Doc) -> None:
        """"$84.20 a barrel", "845 yuan per tonne": a price per unit."""
        text = self._text
        m = _PER_UNIT.match(text[q["end"]:q["end"] + 40])
        if not m:
            return
        words = m.group(1).split()
        for n in (2, 1):
            phrase = " ".join(words[:n])
            if len(words) < n:
                continue
            unit = self._unit_name("1 " + phrase, phrase)
            if unit is None and n == 1 and re.fullmatch(r"[A-Z]{3}", q["unit"] or ""):
                code = currency_code(phrase, text, prefix=False) if phrase.lower() in currency_table().suffix_names else None
                unit = code if code and code != q["unit"] else None  # "Rs 73.37 per dollar": an exchange rate
            if unit:
                end = q["end"] + m.start(1) + len(phrase)
                if end < len(text) and text[end].isalpha():
                    continue
                q["end"] = end
                q["unit"] = f"{q['unit']} per {unit}"
                return

    def _unit_name(self, surface: str, noun: str) -> str | None:
        """The unit a noun names: our table, quantulum3's surfaces, else quantulum3's parser
        (renamed, misreadings rejected)."""
        lex = self.lex
        lemma = noun.lower().strip()
        for cand in (lemma, lemma.rstrip("s"), re.sub(r"ies$", "y", lemma)):
            if cand in lex.unit_nouns:
                return lex.unit_nouns[cand]
        if lemma in unit_table().words:
            return unit_table().words[lemma]
        if noun.strip() in unit_table().symbols:
            return unit_table().symbols[noun.strip()]
        tu = time_units().get(lemma)
        if tu and tu not in lex.unit_reject and tu != "quarter":
            return tu  # "£9.45 a month"
        if not self.use_quantulum or not re.search(r"[/\d]", surface.split(" ", 1)[-1]):
            return None  # quantulum3's table is read above; its parser only for compound units
        parsed = _quantulum_parse(surface)
        if not parsed:
            return None
        qq = parsed[0]
        name = qq.unit.name
        if qq.span[1] < len(surface.rstrip()) - 1:
            return None  # the unit did not cover the noun
        if name in lex.unit_reject or qq.unit.entity.name in ("dimensionless", "currency", "unknown") and name not in (
            "kilowatt hour", "gigawatt hour", "megawatt hour", "terawatt hour"
        ):
            return None
        return lex.unit_rename.get(name, name)

    def _plain_number(self, q, doc, date_ents, name_ents, num_s, is_word, has_scale) -> bool:
        """A number with no currency, percent or multiple: a count, a duration, a unit, or nothing."""
        text = self._text
        start, end = q["start"], q["end"]
        if self._is_age(doc, q, num_s, has_scale):
            q["unit"] = "year"
            return True
        noun = _counted_noun(doc, end)
        if noun is not None:
            head = noun[-3] if len(noun) >= 3 and noun[-2].lower_ == "and" else noun[-1]
            tu = time_units().get(head.lower_)
            if tu and noun[0].lower_ in ("kilowatt", "megawatt", "gigawatt", "terawatt", "watt", "man", "person"):
                tu = None  # "kilowatt hours" is energy, "man days" labour
            if tu:
                # a duration, unless it places a period in the calendar ("the first five months", "two
                # years ago"); hours and minutes, and spans of a hundred years or more, never do
                size = q["value"] if q["value"] is not None else q["high"]
                calendar = tu in self.lex.calendar_units and abs(size) < 100
                if calendar and (_PERIOD_BEFORE.search(text[max(0, start - 30):start]) or _PERIOD_AFTER.match(text[noun.end_char:])):
                    return False
                if tu == "quarter":
                    return False
                q["unit"] = tu
                q["end"] = head.idx + len(head)
                return True
            if head.lower_ in ("times", "fold"):
                q["unit"] = "times" if head.lower_ == "fold" or self._is_multiple(doc, head) else "count"
                if q["unit"] == "count":
                    q["noun"] = "time"
                q["end"] = head.idx + len(head)
                return True
            lemma = head.lemma_.lower()
            if _YEARISH.match(num_s) and not has_scale:
                # "exports of 2021 cars": a year-like number counts a plural noun it modifies
                if not (head.tag_ == "NNS" and noun.start == head.i) or lemma in self.lex.year_nouns:
                    return False
            elif _inside((start, end), date_ents) and not has_scale and not re.fullmatch(r"[\d,]+", num_s):
                return False  # (a tagger's DATE over "1213 US adults" is its mistake: no year is that)
            stem = head.text[:-1] if head.text.endswith("s") else ""
            if head.pos_ == "PROPN" and stem and (head.ent_type_ == "PRODUCT" or stem.isupper() or stem[-1:].isdigit()) \
                    and lemma not in self.lex.address_nouns and not _YEARISH.match(num_s):
                # "48,200 Model Ys", "12 F-35s": a product counted by its plural name
                q["unit"] = "count"
                q["noun"] = text[noun.start_char:head.idx] + stem
                q["end"] = head.idx + len(head)
                return True
            if head.pos_ == "PROPN" or lemma in self.lex.address_nouns or head.text[:1].isupper() and head.i > 0 and not head.is_sent_start and head.pos_ != "NOUN":
                return False  # "350 Fifth Avenue", "1 Horse Guards Road"
            unit = self._unit_name(text[start:head.idx + len(head)] + self._unit_tail(text, head.idx + len(head)), head.text)
            if head.lower_ in ("degree", "degrees") and noun.start == head.i:
                unit = self._temperature({"deg": head.text}, doc, start)  # "31-37 degrees"
            if unit:
                q["unit"] = unit
                tail = self._unit_tail(text, head.idx + len(head)) if "per" in unit else ""
                q["end"] = head.idx + len(head) + len(tail)
                return True
            if head.tag_ != "NNS" and not has_scale and not (
                head.tag_ == "NN" and noun.start == head.i and re.fullmatch(r"[\d,]+|[a-z -]+", num_s.lower())
                and q["value"] not in (0, 1) and doc[noun.start - 1].dep_ == "nummod"
            ) and not (num_s.lower() == "one" and head.tag_ == "NN"):
                return False  # "Industry 4.0 strategy": counts are of plural nouns ("735 aircraft" aside)
            if is_word and _inside((start, noun.end_char), name_ents):
                return False
            if num_s.lower() == "one" and not has_scale and (head.tag_ != "NN" or lemma in self.lex.one_reject_nouns
                                                             or re.match(r"\s{1,3}(?:of|another|or|and)\b", text[end:end + 12])):
                return False  # "one tie", "one new battery electric vehicle" count; "one day", "one side" do not
            value = q["value"]
            if value is not None and not has_scale and re.fullmatch(r"\d{1,3}\.\d{3}", num_s):
                # a count cannot be fractional: "486.000 students" is 486,000
                q["value"] = to_number(parse_number(num_s, european_thousands=True))
            q["unit"] = "count"
            q["noun"] = self.lex.noun_lemmas.get(lemma, lemma)
            q["end"] = noun.end_char
            return True
        # "20m of its speakers", "1.2 million of the country's workers": a count of the noun after "of"
        of = _OF_PLURAL.match(text, end) if has_scale else None
        if of:
            tok = _tokens(doc, of.end() - 1, of.end())
            head = tok[0] if tok is not None else None
            while head is not None and head.tag_ not in ("NNS", "NNPS") and head.i + 1 < len(doc) \
                    and head.pos_ in ("ADJ", "NOUN", "PROPN", "PART") and head.i - tok[0].i < 4:
                head = doc[head.i + 1]
            if head is not None and head.tag_ in ("NNS", "NNPS") and head.lemma_.lower() not in currency_table().suffix_names:
                q["unit"] = "count"
                q["noun"] = self.lex.noun_lemmas.get(head.lemma_.lower(), head.lemma_.lower())
                return True
        # a scale and no noun: money whose currency is stated elsewhere (inherited later)
        if has_scale and not _inside((start, end), date_ents):
            q["unit"] = None
            q["label"] = "MONEY?"
            return True
        # a bare number after "to"/"at"/"totaled": a level in the unit of the sentence's change, or a
        # count of the clause's subject ("patent applications ... to 27,900"), settled later
        if _LEVEL_BEFORE.search(text[max(0, start - 40):start]) and not _YEARISH.match(num_s) and not is_word:
            q["label"] = "UNIT?"
            return True
        return self._bare_count(q, doc, num_s, is_word, date_ents, name_ents)

    def _is_age(self, doc: Doc, q: dict, num_s: str, has_scale: bool) -> bool:
        """"aged 50", "at the age of six", "ages 16 and 15", "Haaland, 24,", "McDonagh (39)": an age
        in years."""
        value = q["value"]
        if has_scale or value is None or not 0 < value < 120 or value != int(value):
            return False
        text = self._text
        start, end = q["start"], q["end"]
        if _AGE_BEFORE.search(text[max(0, start - 20):start]):
            return True
        if re.match(r"\s{1,3}and\s{1,3}(?:over|older|above|under|younger)\b", text[end:end + 20]) and re.search(r"\baged?\s+$", text[max(0, start - 8):start]):
            return True
        bracket = text[start - 1:start] == "(" and text[end:end + 1] == ")"
        commas = text[max(0, start - 2):start] == ", " and text[end:end + 1] == ","
        if not (bracket or commas) or not num_s.isdigit():
            return False
        span = _tokens(doc, max(0, start - 3), start - 2)  # the word before "(" or ", "
        person = span[-1] if span is not None else None
        return person is not None and (person.ent_type_ == "PERSON" or person.pos_ == "PROPN" and person.text[:1].isupper()
                                       and person.ent_type_ not in ("DATE", "ORG", "NORP", "CARDINAL", "MONEY"))

    def _bare_count(self, q, doc, num_s, is_word, date_ents, name_ents) -> bool:
        """A whole number with nothing after it that counts something the sentence names elsewhere:
        "won 157, lost 167", "Nearly 380,000 have been waiting", "193 of the 225 stocks". Years,
        dates, names ("Nikkei 225", "22 Jump Street") and decimals are not."""
        text = self._text
        start, end = q["start"], q["end"]
        value = q["value"]
        signed = (value is not None and value < 0) or (q["low"] is not None and q["low"] < 0)
        if signed and self.lex.temperature["cues"].search(text[max(0, start - 200):end + 100]):
            # "wind chills of -30 to -40", "nearing -40": a temperature the story leaves unsaid
            q["unit"] = self._temperature({"deg": "degrees"}, doc, start)
            return True
        if value is None or value != int(value) or _YEARISH.match(num_s) or _inside((start, end), date_ents):
            return False
        if is_word and (num_s.lower() in self.lex.bare_word_reject or _inside((start, end), name_ents)):
            return False
        span = _tokens(doc, start, end)
        if span is None:
            return False
        prev = doc[span.start - 1] if span.start > 0 else None
        nxt = doc[span.end] if span.end < len(doc) else None
        if prev is not None and (prev.pos_ == "PROPN" or prev.tag_ in ("NNP", "NNPS")) and prev.text[:1].isupper() \
                and not text[prev.idx + len(prev):start].strip():
            return False  # "Nikkei 225", "Lexus 350"
        if nxt is not None and nxt.text[:1].isupper() and nxt.pos_ in ("PROPN", "DET", "NOUN", "ADJ") \
                and not text[end:nxt.idx].strip():
            return False  # "22 Jump Street", "14 The Orchard"
        if re.match(r"\s?(?:st|nd|rd|th)\b|\s?[-/]\s?\d|[.:/][A-Za-z0-9]", text[end:end + 4]):
            return False
        q["unit"] = "count"
        of = re.match(r"\s{1,3}(?:out\s{1,3})?of\s{1,3}(?:(?:the|its|their|these|those)\s{1,3})?(?:[\d,]{1,12}\s{1,3})?([a-z]{1,30})", text[end:end + 40])
        if of:
            tok = _tokens(doc, end + of.start(1), end + of.end(1))
            if tok is not None and tok[0].pos_ == "NOUN":
                q["noun"] = self.lex.noun_lemmas.get(tok[0].lemma_.lower(), tok[0].lemma_.lower())
                return True
        q["noun"] = self._subject_noun(doc, q)
        return True

    def _is_multiple(self, doc: Doc, times: Any) -> bool:
        """"18 times more", "four times the size", "increased seven times": a multiple; "won 34
        times", "six times over the distance": a count of occasions."""
        nxt = doc[times.i + 1] if times.i + 1 < len(doc) else None
        if nxt is not None and (nxt.lower_ in self.lex.multiple_after or nxt.tag_ in ("JJR", "RBR")):
            return True
        if nxt is not None and nxt.pos_ in ("NOUN", "PRON", "DET", "ADJ", "PROPN", "NUM") \
                and nxt.lower_ not in self.lex.occasion_after:
            return True  # "14 times forward earnings", "three times those to Korea"
        j = times.i - 1
        while j >= 0 and (doc[j].like_num or doc[j].lower_ in ("-", "about", "around", "some", "nearly", "almost", "roughly")):
            j -= 1
        return j >= 0 and doc[j].lemma_.lower() in self.lex.change_verbs

    @staticmethod
    def _unit_tail(text: str, pos: int) -> str:
        m = re.match(r"\s(?:per|a|an)\s(?:day|year|month|hour|week|annum|capita)\b", text[pos:pos + 20])
        return m.group(0) if m else ""

    def _fraction(self, m: re.Match, doc: Doc) -> dict | None:
        text = self._text
        s, e = m.span("frac")
        word = m.group("frac").lower()
        if m.group("fa"):
            a, b = parse_number(m.group("fa")), parse_number(m.group("fb"))
            if not a or not b or a >= b:
                return None
            q = self._base(s, e, text, "QUANTITY", float(a / b), "fraction")
            return q
        before = text[max(0, s - 20):s].lower()
        after = text[e:e + 6].lower()
        if re.search(r"(first|second|latter|former|the)\s*$", before) and "half" in word:
            return None
        if "-" not in word and not after.startswith((" of", " the")) and not re.search(r"\bby\s*$", before):
            return None
        if "half" in word and after.startswith((" a ", " an ")):
            return None  # "half a million" is read as a number
        return self._base(s, e, text, "QUANTITY", fractions()[word], "fraction")

    def _multiple(self, m: re.Match, doc: Doc) -> dict | None:
        text = self._text
        s, e = m.span("mult")
        word = m.group("mult").lower()
        tok = _tokens(doc, s, e)
        if tok is None:
            return None
        if word in self.lex.fold:
            q = self._base(s, e, text, "QUANTITY", self.lex.fold[word], "times")
            return q
        if tok[0].pos_ not in ("VERB", "AUX"):
            return None
        value = multiples()[word]
        q = self._base(s, e, text, "QUANTITY", value, "times")
        q["direction"] = "down" if value < 1 else "up"
        q["cue_start"] = s
        return q

    @staticmethod
    def _base(s: int, e: int, text: str, label: str, value: Any, unit: str | None) -> dict:
        return {
            "start": s, "end": e, "text": text[s:e], "label": label, "value": value, "unit": unit,
            "low": None, "high": None, "approx": None, "approx_start": None, "direction": None,
            "cue_start": None, "noun": None, "currency_inherited": False, "conversion_of": None,
            "has_scale": False,
        }

    # -- other units through quantulum3 -----------------------------------------------------

    def _units_from_quantulum(self, doc: Doc, found: list[dict], masked, date_ents, fixed) -> list[dict]:
        """Numbers glued to or followed by a physical unit ("400m", "1,200-km", "350 km/h") that the
        main grammar left alone: quantulum3 names the unit, on the candidate only."""
        text = self._text
        lex = self.lex
        taken = [(q["start"], q["end"]) for q in found if q["label"] != "UNIT?"]
        out = []
        for m in re.finditer(
            r"(?<![\w.,])\d[\d,.\u00a0 ]{0,40}\d?(?:\s?(?:thousand|million|billion))?[\s-]?[A-Za-z°℃/²³]+(?:[ /][A-Za-z²³]+){0,3}", text
        ):
            s = m.start()
            if _overlaps((s, m.end()), taken) or _overlaps((s, m.end()), masked) or _overlaps((s, m.end()), fixed):
                continue
            hyphen_duration = re.match(r"(?<!\d)\d+-(?:hour|minute|day)\b", m.group(0)) is not None
            if _inside((s, s + 1), date_ents) and not hyphen_duration:
                continue
            wb = _WORD_BEFORE.search(text[max(0, s - 25):s])
            if wb and wb.group(1).lower().rstrip(".") in lex.name_words:
                continue
            parsed = _quantulum_parse(m.group(0))
            if not parsed:
                continue
            qq = parsed[0]
            if qq.span[0] != 0:
                continue
            name = qq.unit.name
            if name in lex.unit_reject or qq.unit.entity.name in ("dimensionless", "unknown", "currency"):
                if name not in ("kilowatt hour", "gigawatt hour"):
                    continue
            surface_end = s + qq.span[1]
            unit_text = text[s:surface_end]
            tail = unit_text.lstrip("0123456789,. \u00a0-")
            if not tail or (surface_end < len(text) and text[surface_end].isalpha()):
                continue
            if len(tail.strip(" -")) == 1:
                continue  # "Note 10S", "Kepler-186f": one letter is a unit only in units.yaml's table
            tail_toks = _tokens(doc, surface_end - len(tail), surface_end)
            if tail_toks is not None and all(t.is_stop for t in tail_toks):
                continue  # "15 at", "a mix": a word read as a unit symbol
            if tail_toks is not None and tail_toks[0].pos_ == "PROPN" and tail[0].isupper() and not tail.split()[0].isupper():
                continue  # "20 Ly Thuong Kiet Street": a name read as a unit
            q = self._base(s, surface_end, text, "QUANTITY", to_number(Decimal(str(qq.value))), lex.unit_rename.get(name, name))
            out.append(q)
            taken.append((s, surface_end))
        return out

    # -- context ----------------------------------------------------------------------------

    def _merge_ranges(self, doc: Doc, text: str, qs: list[dict]) -> None:
        """"4.75%-5.5%", "between 4.5% and 5%", "forecast 18.4% to 19.4%", "ranging from 2GHz up to
        3.20GHz": two values of one unit form a range (but "rose 2% to 5%" is a change and a level,
        and "from 4% to 5%" two levels)."""
        i = 0
        while i + 1 < len(qs):
            a, b = qs[i], qs[i + 1]
            between = text[a["end"]:b["start"]]
            before = text[max(0, a["start"] - 30):a.get("approx_start") or a["start"]]
            between_and = re.search(r"\bbetween\s+$", text[max(0, a["start"] - 9):a["start"]]) and re.fullmatch(r"(?<!\s)\s+and\s+", between)
            cued = _RANGE_CUE.search(before.replace("from ", "").rstrip() + " ") or _RANGE_CUE.search(before)
            between_to = re.fullmatch(r"\s{1,3}(?:up\s{1,3})?to\s{1,3}", between) and (cued or not (
                re.search(r"\b(?:from|by|at|and)\s+$", before, re.I) or self._after_change_word(doc, a["start"])
                or (a["value"] and b["value"] and b["value"] > 5 * a["value"] > 0)))
            downwards = a["value"] is not None and b["value"] is not None and b["value"] < a["value"] < 0 \
                and re.fullmatch(r"\s{1,3}to\s{1,3}", between)  # "-40 C to -50 C"
            if (
                a["unit"] == b["unit"] and a["unit"] and a["value"] is not None and b["value"] is not None
                and (re.fullmatch(r"\s?[-–—]\s?", between) or between_and or between_to)
                and (a["value"] <= b["value"] or downwards) and not a["direction"] and not b["direction"]
            ):
                if downwards:
                    a["value"], b["value"] = b["value"], a["value"]
                a["end"] = b["end"]
                a["low"], a["high"], a["value"] = a["value"], b["value"], None
                del qs[i + 1]
                continue
            i += 1

    def _inherit_currency(self, doc: Doc, qs: list[dict]) -> None:
        """"exports reached 123.45 billion, ... imports came to 67.89 billion yuan": a scaled
        amount with no currency takes the currency of the nearest amount in its sentence, else of
        the last amount before it in its paragraph. With none, it is dropped."""
        text = self._text
        for i, q in enumerate(qs):
            if q["label"] != "MONEY?":
                continue
            before = text[max(0, q["start"] - 40):q.get("approx_start") or q["start"]].lower()
            m = re.search(r"(?<![a-z])([a-z]+)\s++(?:(?:of|at|to|reached|hit|totall?ed|exceeded|topped|surpassed|was|were|is|are|stood at)\s*+)?(?:(?:about|around|nearly|almost|over|more than|some|roughly)\s*+)?$", before)
            if m and m.group(1) in self.lex.count_nouns_before:
                q["label"], q["unit"] = "QUANTITY", "count"  # "a population of 1.4 billion"
                q["noun"] = q.get("noun") or m.group(1)
                continue
            s, e = _sentence_bounds(doc, q["start"])
            same = [o for o in qs if o["label"] == "MONEY" and s <= o["start"] < e and o is not q]
            chosen = None
            if same:
                chosen = min(same, key=lambda o: abs(o["start"] - q["start"]))
            else:
                ps = text.rfind("\n", 0, q["start"]) + 1
                earlier = [o for o in qs if o["label"] == "MONEY" and ps <= o["start"] < q["start"]]
                if earlier:
                    chosen = earlier[-1]
            if chosen is None:
                # no amount of money near it: "12 million homes ... (40%)", "an increase of 50 million"
                q["label"], q["unit"] = "QUANTITY", "count"
                continue
            q["label"] = "MONEY"
            q["unit"] = chosen["unit"]
            q["currency_inherited"] = True
        qs[:] = [q for q in qs if q["label"] != "DROP"]

    def _inherit_unit(self, doc: Doc, qs: list[dict]) -> None:
        """"fell by 2 points to 48.7": a bare level after "to"/"at" takes the unit of the change
        before it in the sentence (points, tonnes), never a percent; else it counts the plural
        subject of its clause ("patent applications rose 3.4 percent to 27,900")."""
        for q in qs:
            if q["label"] != "UNIT?":
                continue
            s, _ = _sentence_bounds(doc, q["start"])
            before = [o for o in qs if s <= o["start"] < q["start"] and o["label"] in ("QUANTITY", "MONEY")
                      and o["unit"] not in (None, "count", "times", "fraction") and o["unit"] not in time_units().values()]
            noun = self._subject_noun(doc, q)
            if before and not (noun is not None and before[-1]["label"] == "MONEY"):
                # (but "imports came to $34.1 billion; contracts numbered 7,612": the contracts are counted)
                q["unit"] = before[-1]["unit"]
                q["label"] = before[-1]["label"]
            elif noun is not None:
                q["unit"], q["label"], q["noun"] = "count", "QUANTITY", noun
            elif self.lex.index_names.search(doc_text(doc)[s:_sentence_bounds(doc, q["start"])[1]]):
                q["unit"], q["label"] = "point", "QUANTITY"  # "the Kospi at 1,945.14": an index level
            elif q["value"] is not None and q["value"] == int(q["value"]):
                q["unit"], q["label"] = "count", "QUANTITY"  # "bringing the total to 555"
            else:
                q["label"] = "DROP"
        qs[:] = [q for q in qs if q["label"] != "DROP"]

    @staticmethod
    def _subject_noun(doc: Doc, q: dict) -> str | None:
        span = _tokens(doc, q["start"], q["end"])
        if span is None:
            return None
        tok = span.root
        for _ in range(4):
            if tok.pos_ in ("VERB", "AUX") or tok.head.i == tok.i:
                break
            tok = tok.head
        for c in tok.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.tag_ == "NNS" and c.ent_type_ not in ("GPE", "ORG", "PERSON"):
                return c.lemma_.lower()
        return None

    @staticmethod
    def _restatements(text: str, qs: list[dict]) -> None:
        """"advanced 612 points, or 0.8 percent", "cutting 2,500 jobs, or about 4%", "closed 71.65
        points, or 1.06%, lower": the restated change goes the same way."""
        for a, b in zip(qs, qs[1:]):
            hedged = b.get("approx_start") is not None and b["approx_start"] > a["end"]
            between = text[a["end"]:b["approx_start"] if hedged else b["start"]]
            if not re.fullmatch(r",?\s(?:or|and)\s(?:by\s)?" if not hedged else r",?\sor\s(?:by\s)?", between):
                continue
            if a["direction"] and not b["direction"]:
                b["direction"], b["cue_start"] = a["direction"], a["cue_start"]
            elif b["direction"] and not a["direction"] and b["cue_start"] is not None and b["cue_start"] > b["end"]:
                a["direction"], a["cue_start"] = b["direction"], b["cue_start"]

    @staticmethod
    def _mark_conversions(text: str, qs: list[dict]) -> None:
        for i in range(1, len(qs)):
            prev, cur = qs[i - 1], qs[i]
            if prev["label"] != "MONEY" or cur["label"] != "MONEY":
                continue
            between = text[prev["end"]:cur["start"]]
            if _CONVERSION.match(between) and text[cur["end"]:cur["end"] + 3].lstrip().startswith(")"):
                cur["conversion_of"] = i - 1
                cur["direction"], cur["cue_start"] = None, None
                if cur["approx_start"] is not None and cur["approx_start"] < prev["end"]:
                    cur["approx"], cur["approx_start"] = None, None


def _listify(q: dict | None) -> list[dict]:
    return [] if q is None else [q]


def _sentence_bounds(doc: Doc, pos: int) -> tuple[int, int]:
    if not doc.has_annotation("SENT_START"):
        return 0, _doc_len(doc)
    span = _tokens(doc, pos, pos + 1)
    if span is None:
        return 0, _doc_len(doc)
    sent = sentence_of(doc, span[0].i)
    return sent.start_char, sent.end_char


def _doc_len(doc: Doc) -> int:
    return doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    s, e = span
    return any(s < oe and os_ < e for os_, oe in spans)


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    s, e = span
    return any(os_ <= s and e <= oe for os_, oe in spans)


_QUANTULUM_PARSER: Callable | None = None


_LONG_DIGITS = re.compile(r"\d[\d,. \u00a0]{40,}")


def _quantulum_parse(s: str) -> list:
    if len(s) > 120 or _LONG_DIGITS.search(s):
        return []  # quantulum3's number regex backtracks for minutes on long digit runs
    return list(_quantulum_parse_cached(s))


@lru_cache(maxsize=8192)
def _quantulum_parse_cached(s: str) -> tuple:
    """quantulum3 takes ~2 ms a call; news repeats its unit phrases ("45 minutes", "per barrel")."""
    global _QUANTULUM_PARSER
    if _QUANTULUM_PARSER is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from quantulum3 import parser as qparser
        _QUANTULUM_PARSER = qparser.parse
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return tuple(_QUANTULUM_PARSER(s))
        except Exception:  # quantulum3 raises on odd input; a candidate it cannot read is no unit
            return ()
