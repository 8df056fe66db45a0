"""Finding and normalizing quantities: money, percentages, multiples, fractions, counts, units.

The ``quantity_finder`` component puts each quantity on ``doc.spans["quantities"]`` (label
``MONEY``, ``PERCENT`` or ``QUANTITY``) with its normalized form in ``span._.quantity``, a dict:

``start``/``end``/``text`` (exact characters), ``value`` (scale applied; None for a range),
``unit`` (ISO 4217, ``percent``, ``percentage_point``, ``basis_point``, ``count``, ``times``,
``fraction``, a time unit, or quantulum3's unit name), ``low``/``high`` (ranges), ``approx``
(hedge class) with ``approx_start``, ``direction`` (``up``/``down`` when the number is a change)
with ``cue_start``, ``noun`` (lemma of a counted noun), ``currency_inherited`` and
``conversion_of`` (index of the amount a bracketed conversion restates).

Rule tables: ``currencies.yaml``, ``scales.yaml``, ``number_words.yaml``, ``hedges.yaml``,
``changes.yaml`` and ``quantity_filters.yaml`` in ``extractor/data``.
"""

from __future__ import annotations

from typing import Any, Iterable

from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.vocab import Vocab

from extractor.nlp.quantities.grammar import QuantityFinder, _quantulum_parse

SPANS_KEY = "quantities"

if not Span.has_extension("quantity"):
    Span.set_extension("quantity", default=None)


# --------------------------------------------------------------------------------------------
# The spaCy component


@Language.factory(
    "quantity_finder",
    requires=["token.pos", "token.dep", "token.lemma", "doc.ents", "doc.sents"],
    assigns=["doc.spans", "span._.quantity"],
    default_config={"spans_key": SPANS_KEY, "use_quantulum": True},
)
def make_quantity_finder(nlp: Language, name: str, spans_key: str, use_quantulum: bool) -> "QuantityComponent":
    """Find money, percentages, multiples, fractions, counts and units.

    spans_key: the ``doc.spans`` key the quantities are written to.
    use_quantulum: read physical units ("816 000 t", "3 million barrels") with quantulum3, on
        candidate spans only.
    """
    return QuantityComponent(name, spans_key=spans_key, use_quantulum=use_quantulum)


class QuantityComponent:
    def __init__(self, name: str, *, spans_key: str, use_quantulum: bool):
        self.name = name
        self.spans_key = spans_key
        self.finder = QuantityFinder(use_quantulum=use_quantulum)
        if use_quantulum:
            _quantulum_parse("1 tonne")  # import quantulum3 once, before worker processes fork

    def __call__(self, doc: Doc) -> Doc:
        group = SpanGroup(doc, name=self.spans_key)
        for q in self.finder.find(doc):
            span = doc.char_span(q["start"], q["end"], label=q["label"], alignment_mode="expand")
            if span is None:
                continue
            q.pop("has_scale", None)
            span._.quantity = q
            group.append(span)
        doc.spans[self.spans_key] = group
        return doc

    def initialize(self, get_examples: Any = None, nlp: Language | None = None) -> None:
        """Compile the grammar now (its rule files are read and checked here, so a broken rule
        file fails ``nlp.initialize()``, not the first article)."""
        self.finder.find(Doc(Vocab(), words=["1", "percent"]))

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Exact-extent precision, recall and F1 of the quantities, overall and per label (MONEY,
        PERCENT, QUANTITY), with spaCy's span scorer on ``doc.spans[spans_key]``."""
        return Scorer.score_spans(examples, "spans", getter=lambda doc, attr: doc.spans.get(self.spans_key, []),
                                  has_annotation=lambda doc: self.spans_key in doc.spans, labeled=True, **kwargs)

    def to_disk(self, path, exclude=()):  # the grammar's rules are packaged data files (not saved)
        pass

    def from_disk(self, path, exclude=()):
        return self


def quantities(doc: Doc, key: str = SPANS_KEY) -> list[dict]:
    """The quantity dicts of a processed doc, in text order."""
    return [s._.quantity for s in doc.spans.get(key, []) if s._.quantity is not None]
