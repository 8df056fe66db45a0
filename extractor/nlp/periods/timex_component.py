"""Time expressions as TimeML's TIMEX3: every DATE, TIME, DURATION and SET with its value.

The ``timex_tagger`` component tries the grammar of ``timex.yaml`` (see
:mod:`extractor.nlp.periods.timex_grammar`) near the words an expression must hold, keeps the
first, longest expression at each place, and resolves each in text order against the
publication date (``doc._.published``), the tense of its clause and the last date the text
stated ("a year earlier", "that day"). Results go to ``doc.spans["timexes"]`` (label: the
TIMEX3 type) with ``span._.timex3``: ``start``/``end``/``text``, ``type``, ``value`` (None when
the publication date it needs is unknown) and ``rule`` (the id of the rule that found it).

TIMEX3 extents follow TimeML: "since 1990" is the expression "1990" (the ``period`` of
``doc.spans["dates"]`` keeps ``1990/..``), "the third quarter" keeps its article, "the
third-quarter loss" gives "third-quarter".
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

import numpy
from spacy.attrs import IDX, LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example

from extractor.nlp.periods.tense import clause_tense
from extractor.nlp.periods.timex_grammar import Found, TimexGrammar, grammar
from extractor.nlp.periods.timex_values import Point, Resolve, parse_value
from extractor.nlp.text import doc_text
from extractor.rules import load_data

SPANS_KEY = "timexes"

if not Span.has_extension("timex3"):
    Span.set_extension("timex3", default=None)
if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)

_TRIGGER, _STARTER, _INNER = 3, 2, 1
#: modifiers a duration keeps ("about three years"); other prefixes belong to dates only
_DURATION_PREFIXES = ("about", "around")


class TimexTagger:
    def __init__(self, name: str, spans_key: str, quantities_key: str, max_ref_chars: int):
        self.name = name
        self.spans_key = spans_key
        self.quantities_key = quantities_key
        self.max_ref_chars = max_ref_chars
        self.initialize()

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Load the grammar and its word lists (``timex.yaml``, ``dates.yaml``) and compile every
        rule (once, before worker processes fork; and so that every rule's expression is one the
        regex-safety check of issue 14 sees)."""
        self.grammar: TimexGrammar = grammar()
        self.grammar.compile_all()
        data = load_data("timex.yaml")
        words = self.grammar.words
        triggers = set(map(str, data["triggers"]))
        for table in ("months", "weekdays", "units", "seasons", "parts_of_day"):
            triggers.update(words[table])
        starters = set(map(str, data["starters"])) | set(words["ordinals"]) | set(words["relative"])
        triggers.update(w for h in words["holidays"] for w in h.split() if w not in starters and w != "of")
        triggers.update(f"{m}." for m in words["months"] if len(m) <= 4)
        self.triggers = frozenset(w.lower() for w in triggers)
        starters.update(w.split()[0] for w in words["vague_numbers"])
        self.starters = frozenset(w.lower() for w in starters)
        self.inner = frozenset(str(w).lower() for w in data["inner"])
        self.lookback = int(data["lookback"])
        self._kind: dict[int, int] = {}  # lowercase hash -> _TRIGGER, _STARTER, _INNER or 0

    def _kind_of(self, h: int, strings: Any) -> int:
        k = self._kind.get(h)
        if k is None:
            w = strings[h]
            if w in self.triggers or _year_or_clock(w) or (
                    "-" in w and any(p in self.triggers or _year_or_clock(p) for p in w.split("-"))):
                k = _TRIGGER  # ("mid-1996" is one token)
            elif w in self.starters or w[:1].isdigit():
                k = _STARTER
            elif w in self.inner:
                k = _INNER
            else:
                k = 0
            if len(self._kind) < 500_000:
                self._kind[h] = k
        return k

    def candidates(self, doc: Doc) -> list[int]:
        """Character offsets where an expression may start: a trigger, or a starter followed,
        through starters and inner words ("of", "-"), by a trigger at most ``lookback`` tokens on."""
        n = len(doc)
        if not n:
            return []
        arr = doc.to_array([LOWER, IDX])
        uniq, inverse = numpy.unique(arr[:, 0], return_inverse=True)
        strings = doc.vocab.strings
        kinds = numpy.array([self._kind_of(int(h), strings) for h in uniq], dtype=numpy.int8)[inverse].tolist()
        idx = arr[:, 1].tolist()
        out = []
        next_trigger = n + self.lookback + 1  # the nearest trigger ahead through a chain of time words
        for i in range(n - 1, -1, -1):
            k = kinds[i]
            if k == _TRIGGER:
                next_trigger = i
            elif k == 0:
                next_trigger = n + self.lookback + 1
                continue
            if k >= _STARTER and next_trigger - i <= self.lookback:
                out.append(idx[i])
        out.reverse()
        return out

    def find(self, doc: Doc, text: str) -> list[Found]:
        out: list[Found] = []
        last_end = -1
        for pos in self.candidates(doc):
            if pos < last_end:
                continue
            f = self.grammar.match_at(text, pos)
            if f is None:
                continue
            if f.prefix and f.rule.type in ("DURATION", "SET") and f.prefix.lower() not in _DURATION_PREFIXES:
                # "the end of three years": the prefix is no part of a duration
                start = pos + len(f.prefix)
                while start < f.end and text[start].isspace():
                    start += 1
                f = Found(start, f.end, f.rule, f.groups, None)
            out.append(f)
            last_end = f.end
        return out

    @staticmethod
    def _modifier_start(doc: Doc, f: Found, text: str) -> int:
        """A determiner before an expression that modifies a noun after it belongs to the noun:
        "the [third-quarter] loss", "a [five-year] plan", "the [August 1988] cease-fire"."""
        low = text[f.start:f.start + 4].lower()
        if not (low.startswith("the ") or low.startswith("a ") or low.startswith("an ")):
            return f.start
        span = doc.char_span(f.start, f.end, alignment_mode="expand")
        if span is None or len(span) < 2 or span.end >= len(doc):
            return f.start
        det = doc[span.start]
        root = doc[span.start + 1:span.end].root
        head = root.head
        if (det.dep_ == "det" and det.head.i == head.i and head.i >= span.end and head.pos_ in ("NOUN", "PROPN")
                and root.dep_ in ("compound", "amod", "nmod", "nummod")):
            return doc[span.start + 1].idx
        return f.start

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        dct, dct_gran = _anchor(doc._.published)
        money = [(s.start_char, s.end_char) for s in doc.spans.get(self.quantities_key, []) if s.label_ in ("MONEY", "PERCENT")]
        group = SpanGroup(doc, name=self.spans_key)
        ref: Point | None = None
        ref_end = -1
        future_verbs = self.grammar.future_verbs
        for f in self.find(doc, text):
            if f.rule.type == "NONE" or any(a <= f.start and f.end <= b for a, b in money):
                continue
            start = self._modifier_start(doc, f, text) if doc.has_annotation("DEP") else f.start
            if start != f.start:
                f = Found(start, f.end, f.rule, f.groups, f.prefix)
            span = doc.char_span(f.start, f.end, label=f.rule.type, alignment_mode="expand")
            if span is None or not len(span):
                continue
            if f.rule.pos and doc.has_annotation("POS") and span[0].pos_ not in f.rule.pos:
                continue  # "daily flights": an adjective, no set
            tense_cache: list[str | None] = []

            def tense(span: Span = span, cache: list = tense_cache) -> str | None:
                if not cache:
                    cache.append(clause_tense(span, future_verbs))
                return cache[0]

            usable_ref = ref if ref is not None and f.start - ref_end <= self.max_ref_chars else None
            value = self.grammar.value(f, Resolve(dct, self.grammar.tables, usable_ref, tense, dct_gran))
            span._.timex3 = {"start": f.start, "end": f.end, "text": text[f.start:f.end], "type": f.rule.type,
                             "value": value, "rule": f.rule.id}
            group.append(span)
            if f.rule.type in ("DATE", "TIME") and value is not None and not f.rule.anaphoric:
                p = parse_value(value)
                if p is not None:
                    ref, ref_end = p, f.end
        doc.spans[self.spans_key] = group
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Exact-extent precision, recall and F1 of the expressions, overall and per type
        (spaCy's span scorer on ``doc.spans[spans_key]``, labels being the TIMEX3 types)."""
        from spacy.scorer import Scorer

        return Scorer.score_spans(examples, "spans", getter=lambda doc, attr: doc.spans.get(self.spans_key, []),
                                  has_annotation=lambda doc: self.spans_key in doc.spans, labeled=True, **kwargs)

    def to_disk(self, path: Any, exclude: Iterable[str] = ()) -> None:
        pass  # the grammar is a packaged data file; nothing to save

    def from_disk(self, path: Any, exclude: Iterable[str] = ()) -> "TimexTagger":
        return self


@Language.factory(
    "timex_tagger",
    requires=["doc.sents", "token.tag", "token.dep"],
    assigns=["doc.spans", "span._.timex3"],
    default_config={"spans_key": SPANS_KEY, "quantities_key": "quantities", "max_ref_chars": 2000},
    default_score_weights={"spans_f": 1.0, "spans_p": 0.0, "spans_r": 0.0},
)
def make_timex_tagger(nlp: Language, name: str, spans_key: str, quantities_key: str, max_ref_chars: int) -> TimexTagger:
    """Find time expressions (TIMEX3 DATE, TIME, DURATION, SET) and resolve their values.

    spans_key: the ``doc.spans`` key the expressions are written to (label: the TIMEX3 type).
    quantities_key: the key of the quantity spans; an expression inside an amount of money or a
        percentage is not a time expression.
    max_ref_chars: an expression anchored on the last date the text stated ("a year earlier",
        "that day") uses it only when it ended at most this many characters before; further
        away the publication date is the anchor.
    """
    return TimexTagger(name, spans_key, quantities_key, max_ref_chars)


def _year_or_clock(w: str) -> bool:
    """A year (1989, 1990s, '89, '80s) or a clock time (7:15): the token is a trigger."""
    n = len(w)
    if n == 4 and w.isdigit():
        return w[:2] in ("16", "17", "18", "19", "20")
    if n in (5, 6) and w[:4].isdigit() and w.endswith("s"):
        return True
    if n in (3, 4) and w[0] in "'’" and w[1:3].isdigit():
        return True
    if 4 <= n <= 5 and ":" in w:
        h, _, m = w.partition(":")
        return h.isdigit() and m.isdigit() and len(m) == 2
    if n >= 8 and w[:4].isdigit() and w[4] in "-/":
        return True
    if 6 <= n <= 10 and w.count("/") == 2 and w.replace("/", "").isdigit():
        return True
    return False


def _anchor(published: str | None) -> tuple[date | None, str]:
    """The publication date and how precisely it is known."""
    if not published:
        return None, "day"
    parts = published[:10].split("-")
    try:
        if len(parts) >= 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2])), "day"
        if len(parts) == 2:
            return date(int(parts[0]), int(parts[1]), 1), "month"
        return date(int(parts[0]), 1, 1), "year"
    except ValueError:
        return None, "day"


def timexes3(doc: Doc, key: str = SPANS_KEY) -> list[dict]:
    """The TIMEX3 dicts of a processed doc, in text order."""
    return [s._.timex3 for s in doc.spans.get(key, []) if s._.timex3 is not None]
