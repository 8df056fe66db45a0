"""Time expressions resolved to ISO 8601 periods against the article's publication date.

The ``period_resolver`` component collects DATE spans (spaCy's entities plus patterns for forms
the model misses: month ranges, quarters, halves, "the first N months", anaphoric "a year
earlier"), trims them to the expression itself and resolves each to a :class:`Period`. Results go
to ``doc.spans["dates"]`` with ``span._.timex``: ``start``/``end``/``text``, ``period`` (ISO 8601:
``2011``, ``2025-03``, ``2025-03-09``, ``2025-01/2025-05``, ``1990/..``), ``period_start`` and
``period_end`` (dates, for querying) and ``how`` (``grammar``, ``anaphora``, ``dateparser``,
``vague``, ``unresolved``).

Relative expressions need the publication date (``doc._.published``, an ISO date at any
precision); without it they stay unresolved, never guessed from the machine's clock. dateparser is
called only on a DATE span the grammar cannot read, with ``RELATIVE_BASE`` set to the publication
date.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example

from extractor.nlp.periods.iso import Anchor, Period, parse_iso_period
from extractor.nlp.periods.resolver import YEAR, Context, Resolver, _dateparser_resolve, _lex, normalise
from extractor.nlp.text import doc_text as cached_text, sentence_of

SPANS_KEY = "dates"

if not Span.has_extension("timex"):
    Span.set_extension("timex", default=None)
if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)


@lru_cache(maxsize=1)
def _extra_patterns() -> re.Pattern:
    M = _lex()["month_rx"]
    N = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    Y = YEAR
    OF_Y = rf"(?: of (?:the |this |last |next )?(?:year|{Y}))?"
    parts = [
        rf"\b(?:the )?{M}(?: ?(?:-|–|to|through) ?|[-–](?:to|through)[-–]){M}(?:,? {Y}| (?:of )?(?:this|last|next) year)?"
        rf"(?: period| quarter| months)?(?: of (?:the )?(?:{Y}(?![-–/]\d)|this year|last year|the previous year))?",
        rf"\b{M} \d{{1,2}} ?(?:-|–|to|through) ?\d{{1,2}}(?:,? {Y})?(?: period)?",
        rf"\b(?:the )?(?:first|opening) {N} months{OF_Y}",
        rf"\b(?:the )?first (?:month|quarter|half){OF_Y}",
        rf"\b(?:the )?first {N} quarters{OF_Y}",
        rf"\b(?:the )?(?:first|second|third|fourth|final|last) (?:quarter|half){OF_Y}",
        rf"\b(?:the )?{N} months (?:that |which )?(?:ending|ended|to|through)(?: in| on)? {M}(?: \d{{1,2}})?(?:,? {Y})?",
        rf"\b(?:the )?(?:same period|corresponding period|same time|same month|same quarter)(?: of| in)? (?:last year|a year (?:earlier|ago)|the previous year|the prior year)",
        rf"\b(?:a|one|{N}) (?:year|years|month|months|quarter) (?:earlier|ago)\b",
        rf"\b(?:[Hh][12]|[Qq][1-4])(?: {Y})?\b",
        rf"\b{Y} ?[Qq][1-4]\b",
        rf"\b(?:the )?(?:past|last|previous) {N} (?:years|months|quarters)\b",
        rf"\b(?:the )?(?:previous|prior|preceding) (?:year|month|quarter)\b",
        rf"\b(?:last|this|next) (?:year|month|quarter)\b",
        rf"\b(?:since|until|till) (?:the )?(?:{M} )?{Y}s?\b",
        rf"\bbetween {Y} and {Y}\b",
        rf"\b{Y} ?(?:-|–|to|through) ?{Y}\b",
        rf"\b(?:the )?(?:last|final) {N} months of (?:the year|{Y})",
        r"\b(?:the )?(?:past|last|previous) (?:\w+ )?decades?\b",
        r"\b(?:" + "|".join(re.escape(v) for v in sorted(_lex()["vague"], key=len, reverse=True) if " " in v) + r")\b",
        rf"\b{Y}\b",
    ]
    # every part starts at a word boundary before a word character: saying so once, in front,
    # spares trying each part inside words (the same matches, half the time)
    return re.compile(r"\b(?=\w)(?:" + "|".join(f"(?:{p})(?![A-Za-z])" for p in parts) + ")", re.I)


_LEADING = re.compile(
    r"^(?:in|on|at|during|from|over|between|by|throughout|for|of|as of|within|around|about|circa|early in|late in)\s+", re.I
)
_KEEP_PREFIX = re.compile(r"(?:\b(since|until|till)\s+)$", re.I)


#: a length of time, no date: dateparser would read "the three months" as three months ago
_DURATION = re.compile(
    r"(?:the |a |an )?(?:(?<!\d)\d++|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|several)"
    r"(?:-| )(?:days?|weeks?|months?|quarters?|years?)", re.I)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Trim a DATE span to the expression: no locating preposition, possessive or punctuation."""
    while True:
        m = _LEADING.match(text[s:e])
        if not m or m.end() >= e - s:
            break
        s += m.end()
    while e > s and text[e - 1] in " ,.;:)(\"'’":
        e -= 1
    for poss in ("'s", "’s"):
        if text[s:e].endswith(poss):
            e -= 2
    while s < e and text[s] in " ,;:(\"'‘“":
        s += 1
    # "since"/"until" just before the span are part of its meaning
    m = _KEEP_PREFIX.search(text[max(0, s - 7):s])
    if m:
        s = max(0, s - 7) + m.start(1)
    return s, e


def find_date_spans(doc: Doc, taken: list[tuple[int, int]], text: str | None = None) -> list[tuple[int, int]]:
    """DATE spans: spaCy's DATE (and dated TIME) entities merged with our patterns, trimmed.
    ``taken``: spans of quantities (durations, counts) that are not dates."""
    text = doc.text if text is None else text
    lx = _lex()
    month_or_day = re.compile(
        rf"\b(?:{lx['month_rx']}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|{YEAR})\b", re.I
    )
    cands: list[tuple[int, int]] = []
    for ent in doc.ents:
        if ent.label_ == "DATE" or (ent.label_ == "TIME" and month_or_day.search(ent.text)):
            cands.append((ent.start_char, ent.end_char))
    ent_spans = list(cands)
    for m in _extra_patterns().finditer(text):
        s, e = m.span()
        # a bare year the model did not tag DATE: only when nothing else claims it
        if re.fullmatch(YEAR, m.group(0)):
            before = text[max(0, s - 12):s].lower()
            if not re.search(r"(?:in|since|by|until|of|from|to|and|year|during|before|after|between|the|early|late|mid-?)\s*$", before):
                continue
            if any(os_ <= s and e <= oe for os_, oe in ent_spans):
                continue
        cands.append((s, e))
    # merge overlapping candidates
    cands.sort()
    merged: list[list[int]] = []
    for s, e in cands:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out = []
    for s, e in merged:
        s, e = _trim(text, s, e)
        if e <= s:
            continue
        surface = normalise(text[s:e])
        if surface in lx["not_periods"] or re.fullmatch(r"(?<!\d)\d+[- ](?:year|month|week|day)s?(?:[- ]old)?", surface):
            continue
        if re.fullmatch(r"(?:the )?(?:(?<!\d)\d+|one|two|three|four|five|six|seven|eight|nine|ten)(?:[- ]year|[- ]month)", surface):
            continue
        # a span that is only a number claimed as a quantity (a duration or a count)
        if any(ts <= s and e <= te for ts, te in taken) or any(s <= ts and te <= e and te - ts >= e - s - 2 for ts, te in taken):
            continue
        if not re.search(r"\d|[a-z]", surface):
            continue
        out.append((s, e))
    return out


_ANAPHORIC = re.compile(
    r"\b(?:earlier|ago|before|previous|prior|preceding|same (?:period|month|quarter|time))\b", re.I
)
_TIME_WORD = re.compile(
    r"\d|\b(?:year|years|month|months|quarter|quarters|half|week|weeks|day|days|decade|decades|century|period|"
    r"season|today|yesterday|tomorrow|future|term|run|q[1-4]|h[12])\b",
    re.I,
)
_JUNK = re.compile(
    r"^(?:its|their|his|her|our|my|your) "
    r"|^an? (?:\w+ )?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)) "
    r"|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)-(?:hour|day|week|month|year)\b"
    r"|\b(?:monthly|weekly|quarterly|yearly|annual)$",
    re.I,
)


def _tense(span: Span, cue_cache: dict[int, bool] | None = None) -> tuple[bool, bool]:
    """(future, nonpast) for the sentence of a DATE span: future cue words, or the tense of the
    verb the expression hangs on. ``cue_cache``: whether each sentence (by its start) has a future
    cue, for the document's other spans."""
    if not span.doc.has_annotation("DEP"):
        return False, False
    sent = sentence_of(span.doc, span.start)
    future = None if cue_cache is None else cue_cache.get(sent.start)
    if future is None:
        cues = _lex()["future_cues"]
        # ("rose more strongly than forecast in March", "than expected": a comparison with a past forecast)
        future = any((t.lower_ in cues and not (t.i > sent.start and t.nbor(-1).lower_ in ("than", "as", "had", "were", "was")))
                     or (t.tag_ == "MD" and t.lower_ in ("will", "shall", "'ll")) for t in sent)
        if cue_cache is not None:
            cue_cache[sent.start] = future
    tok = span.root
    for _ in range(5):
        if tok.pos_ in ("VERB", "AUX") or tok.head.i == tok.i:
            break
        tok = tok.head
    if tok.pos_ not in ("VERB", "AUX"):
        return future, False
    aux = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
    if any(c.lower_ in ("will", "shall", "'ll") for c in aux):
        return True, True
    if tok.tag_ in ("VBD",) or any(c.tag_ == "VBD" for c in aux):
        return future and tok.tag_ != "VBD", False
    if tok.tag_ == "VBN" and not any(c.tag_ in ("VBZ", "VBP") for c in aux):
        return future, False
    if tok.tag_ in ("VBZ", "VBP") and not future and not re.search(r"[.!?:;\"”]\s*$", sent.text):
        # a headline ("Japan posts ¥421.8 billion trade deficit in December") reports the past in
        # the present tense
        return False, False
    return future, tok.tag_ in ("VB", "VBP", "VBZ")


def _junk(surface: str) -> bool:
    """DATE spans from the model that name no period ("a second month", "its launch week")."""
    if _JUNK.search(surface) and not re.search(YEAR + "|" + _lex()["month_rx"], surface):
        return True
    return not _TIME_WORD.search(surface) and not re.search(
        _lex()["month_rx"] + r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|now", surface
    )


class PeriodComponent:
    def __init__(self, name: str, spans_key: str, quantities_key: str, use_dateparser: bool):
        self.name = name
        self.spans_key = spans_key
        self.quantities_key = quantities_key
        self.use_dateparser = use_dateparser
        self.resolver = Resolver()
        if use_dateparser:
            _dateparser_resolve("March 2019", None)  # import dateparser once, before worker processes fork

    def _resolve(self, text: str, ctx: Context, anchor: Anchor | None) -> tuple[Period | None, str]:
        period, how = self.resolver.resolve(text, ctx)
        if period is None and how == "unresolved" and self.use_dateparser and not _DURATION.fullmatch(normalise(text)):
            period = _dateparser_resolve(text, anchor)
            how = "dateparser" if period is not None else how
        return period, how

    def __call__(self, doc: Doc) -> Doc:
        anchor = Anchor.from_iso(doc._.published)
        taken = [(sp.start_char, sp.end_char) for sp in doc.spans.get(self.quantities_key, [])]
        group = SpanGroup(doc, name=self.spans_key)
        previous_in_sent: dict[int, Period] = {}
        doc_text = cached_text(doc)  # Doc.text joins every token on each access: read it once
        todo = list(find_date_spans(doc, taken, doc_text))
        cue_cache: dict[int, bool] = {}
        while todo:
            s, e = todo.pop(0)
            span = doc.char_span(s, e, label="DATE", alignment_mode="expand")
            if span is None or not len(span):
                continue
            text = doc_text[s:e]
            junk = _junk(normalise(text))
            has_sents = doc.has_annotation("SENT_START")
            sent_key = sentence_of(doc, span.start).start if has_sents else 0
            future, nonpast = _tense(span, cue_cache)
            ctx = Context(anchor=anchor, future=future, nonpast=nonpast, previous=previous_in_sent.get(sent_key))
            period, how = (None, "unresolved") if junk else self._resolve(text, ctx, anchor)
            if how == "unresolved":
                # a model span that swallowed a known pattern ("a sixth straight month last month")
                # (only spans shorter than this one, once trimmed: "until this month" holds "this
                # month", which trims back to "until this month"; re-queuing it looped for ever)
                subs = [_trim(doc_text, s + a, s + b) for a, b in (m.span() for m in _extra_patterns().finditer(text))]
                subs = [(a, b) for a, b in subs if s <= a < b <= e and b - a < e - s]
                if subs:
                    todo[:0] = subs
                    continue
            if junk:
                continue
            anaphoric = bool(_ANAPHORIC.search(text))
            if anaphoric and how == "grammar" and ctx.previous is not None:
                how = "anaphora"
            if period is not None and not anaphoric:
                previous_in_sent[sent_key] = period
            span._.timex = {
                "start": s,
                "end": e,
                "text": text,
                **(period.fields() if period else {"period": None, "period_start": None, "period_end": None}),
                "how": how,
            }
            group.append(span)
        doc.spans[self.spans_key] = group
        return doc

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Compile the date patterns and the resolver's rule table now (dates.yaml is read and
        checked here, so a broken rule file fails ``nlp.initialize()``, not the first article)."""
        _extra_patterns()
        self.resolver.resolve("March 2019", Context(anchor=None))

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Exact-extent precision, recall and F1 of the DATE spans (spaCy's span scorer on
        ``doc.spans[spans_key]``), and ``periods_acc``: of the predicted spans with a reference span
        at the same characters carrying ``span._.timex``, the share with the same ``period``."""
        scores = Scorer.score_spans(examples, "spans", getter=lambda doc, attr: doc.spans.get(self.spans_key, []),
                                    has_annotation=lambda doc: self.spans_key in doc.spans, labeled=False, **kwargs)
        right = total = 0
        for eg in examples:
            gold = {(s.start_char, s.end_char): s._.timex for s in eg.reference.spans.get(self.spans_key, [])
                    if s._.timex is not None}
            for s in eg.predicted.spans.get(self.spans_key, []):
                g = gold.get((s.start_char, s.end_char))
                if g is not None and s._.timex is not None:
                    total += 1
                    right += g.get("period") == s._.timex.get("period")
        scores["periods_acc"] = right / total if total else None
        return scores

    def to_disk(self, path, exclude=()):  # the rules are packaged data files (not saved)
        pass

    def from_disk(self, path, exclude=()):
        return self


@Language.factory(
    "period_resolver",
    requires=["doc.ents", "doc.sents", "token.tag"],
    assigns=["doc.spans", "span._.timex"],
    default_config={"spans_key": SPANS_KEY, "quantities_key": "quantities", "use_dateparser": True},
)
def make_period_resolver(nlp: Language, name: str, spans_key: str, quantities_key: str, use_dateparser: bool) -> PeriodComponent:
    """Find time expressions and resolve them to ISO 8601 periods.

    spans_key: the ``doc.spans`` key the DATE spans are written to.
    quantities_key: the key of the quantity spans; a DATE candidate inside a quantity (a duration
        such as "for 30 consecutive months", a count) is not a period.
    use_dateparser: fall back to dateparser for a DATE span the grammar cannot read.
    """
    return PeriodComponent(name, spans_key, quantities_key, use_dateparser)


def timexes(doc: Doc, key: str = SPANS_KEY) -> list[dict]:
    return [s._.timex for s in doc.spans.get(key, []) if s._.timex is not None]


def resolve_text(text: str, published: str | None, future: bool = False, previous: str | None = None) -> str | None:
    """Resolve one expression outside a pipeline (tests, the CLI)."""
    ctx = Context(Anchor.from_iso(published), future, parse_iso_period(previous) if previous else None)
    p, how = Resolver().resolve(text, ctx)
    if p is None and how == "unresolved":
        p = _dateparser_resolve(text, ctx.anchor)
    return p.iso if p else None
