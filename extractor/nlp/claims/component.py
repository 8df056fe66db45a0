"""The ``claim_builder`` component: who, what, where and when for every figure, linked to the
indicator catalog.

It turns the quantities of a doc into claims (``GOLD_GUIDE.md`` fields, :class:`extractor.schema.Claim`)
on ``doc.spans["claims"]``, one span per value with ``span._.claim``. Claims are built in two passes:
what each figure's own sentence says (:mod:`.sentence`, through the field resolvers of
:mod:`.fields`), then what the context supplies (:mod:`.discourse`); :mod:`.finish` makes the
claim. Every field records the id of the rule that decided it (``Claim.how``).

The component's data (word lists, dependency patterns, the indicator catalog and the linker's
word lists) is loaded at ``initialize()`` and saved by ``to_disk``, so a saved pipeline does not
depend on the installed rule files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.util import ensure_path, registry

from extractor.nlp.claims.context import DocContext
from extractor.nlp.claims.discourse import resolve_context
from extractor.nlp.claims.fields.phrase import forget_link_words
from extractor.nlp.claims.finish import ConfidenceWeights, finish
from extractor.nlp.claims.lexicon import (
    ClaimLexicon,
    dependency_patterns,
    packaged_data,
)
from extractor.nlp.claims.select import is_claim, pair_changes
from extractor.nlp.claims.sentence import read_figure
from extractor.nlp.indicators.catalog import load_catalog
from extractor.nlp.indicators.linker import IndicatorLinker
from extractor.nlp.indicators.words import LinkerWords
from extractor.nlp.text import forget
from extractor.rules import load_data
from extractor.schema import SCORED_FIELDS, Claim

SPANS_KEY = "claims"
DEFAULT_WEIGHTS = {"link": 0.45, "geo": 0.25, "period": 0.2, "source": 0.1}

if not Span.has_extension("claim"):
    Span.set_extension("claim", default=None)


def component_data() -> dict[str, Any]:
    """Everything the component reads, as packaged: its word lists and patterns, the indicator
    catalog and the linker's word lists."""
    bodies = {e["id"]: e["country"] for e in load_data("entities.yaml")
              if e.get("label") == "ORG" and e.get("id") and e.get("country")}
    return {**packaged_data(), "indicators": load_data("indicators.yaml"), "linker": load_data("linker.yaml"),
            "bodies": bodies}


class ClaimBuilder:
    """See the module docstring; the factory's docstring says what each setting does."""

    def __init__(self, nlp: Language, name: str, *, spans_key: str, quantities_key: str, dates_key: str,
                 threshold: float, top_k: int, weights: dict[str, float], scorer: Callable | None):
        self.name = name
        self.vocab = nlp.vocab
        self.spans_key = spans_key
        self.quantities_key = quantities_key
        self.dates_key = dates_key
        self.threshold = threshold
        self.top_k = top_k
        self.weights = ConfidenceWeights(**weights)
        self.scorer = scorer
        self.data: dict[str, Any] | None = None

    # -- data ----------------------------------------------------------------------------------------

    def initialize(self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp: Language | None = None,
                   data: dict[str, Any] | None = None) -> None:
        """Load the component's data: ``data`` (as ``component_data()`` returns it), else the
        packaged rule files."""
        self._load(data if data is not None else component_data())

    def _load(self, data: dict[str, Any]) -> None:
        self.data = data
        self.lex = ClaimLexicon.from_data(data)
        self.linker = IndicatorLinker(self.threshold, self.top_k, load_catalog(data["indicators"]),
                                      LinkerWords.from_data(data["linker"]))
        self.patterns = dependency_patterns(self.lex, self.vocab)
        forms = {f for v in self.lex.reporting_verbs for f in (v, v.capitalize(), v.upper())}
        self.reporting_hashes = {self.vocab.strings.add(f) for f in forms}

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.data is None:
            self.initialize()
        srsly.write_json(path / "data.json", self.data)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "ClaimBuilder":
        self._load(srsly.read_json(ensure_path(path) / "data.json"))
        return self

    # -- running ---------------------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        if self.data is None:
            self.initialize()
        group = SpanGroup(doc, name=self.spans_key)
        for span, claim in self.build(doc):
            out = Span(doc, span.start, span.end, label="CLAIM")
            out._.claim = claim.as_dict()  # plain data: docs travel between processes as msgpack
            group.append(out)
        doc.spans[self.spans_key] = group
        forget(doc)  # the last component: the cached text need not travel with the doc
        return doc

    def build(self, doc: Doc) -> list[tuple[Span, Claim]]:
        forget_link_words()
        try:
            return self._build(doc)
        finally:
            forget_link_words()  # (the memo holds the Doc)

    def _build(self, doc: Doc) -> list[tuple[Span, Claim]]:
        ctx = DocContext.build(doc, self.lex, self.linker, self.patterns, self.reporting_hashes,
                               self.quantities_key, self.dates_key)
        ctx.bodies = self.data.get("bodies") or {}
        from extractor.nlp.claims.fields.source import sentence_credits

        ctx.sent_credits = sentence_credits(ctx)
        pairs = pair_changes(ctx)
        attached = set(pairs.values())
        drafts = []
        for i, (span, q) in enumerate(ctx.qs):
            if i in attached or not is_claim(ctx, span, q):
                continue
            change = ctx.qs[pairs[i]][1] if i in pairs else None
            drafts.append(read_figure(ctx, i, span, q, change))
        resolve_context(ctx, drafts)
        return [(d.span, finish(ctx, d, self.weights)) for d in drafts]

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return self.scorer(examples, spans_key=self.spans_key) if self.scorer else {}


def score_claims(examples: Iterable[Example], *, spans_key: str = SPANS_KEY, **kwargs: Any) -> dict[str, Any]:
    """Claims P/R/F1 (a claim matches a reference claim on the same value span) and, on matched
    claims, the accuracy of each field ``eval`` scores (``claims_acc_<field>``)."""
    tp = n_pred = n_gold = 0
    right = dict.fromkeys(SCORED_FIELDS, 0)
    for eg in examples:
        pred = {(s.start_char, s.end_char): s._.claim for s in eg.predicted.spans.get(spans_key, [])}
        gold = {(s.start_char, s.end_char): s._.claim for s in eg.reference.spans.get(spans_key, [])}
        n_pred, n_gold = n_pred + len(pred), n_gold + len(gold)
        for key in pred.keys() & gold.keys():
            tp += 1
            p, g = _as_dict(pred[key]), _as_dict(gold[key])
            for f in SCORED_FIELDS:
                right[f] += json.dumps(p.get(f), sort_keys=True) == json.dumps(g.get(f), sort_keys=True)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    out: dict[str, Any] = {"claims_p": prec, "claims_r": rec,
                           "claims_f": 2 * prec * rec / (prec + rec) if prec + rec else 0.0}
    out.update({f"claims_acc_{f}": (right[f] / tp if tp else None) for f in SCORED_FIELDS})
    return out


def _as_dict(claim: Claim | dict | None) -> dict:
    return claim.as_dict() if isinstance(claim, Claim) else dict(claim or {})


@registry.scorers("extractor.claim_scorer.v1")
def make_claim_scorer() -> Callable:
    return score_claims


@Language.factory(
    "claim_builder",
    requires=["doc.ents", "doc.sents", "token.dep"],
    assigns=["doc.spans", "span._.claim"],
    default_config={"spans_key": SPANS_KEY, "quantities_key": "quantities", "dates_key": "dates",
                    "threshold": 0.72, "top_k": 3, "weights": DEFAULT_WEIGHTS,
                    "scorer": {"@scorers": "extractor.claim_scorer.v1"}},
    default_score_weights={"claims_f": 1.0, "claims_p": 0.0, "claims_r": 0.0},
)
def make_claim_builder(nlp: Language, name: str, spans_key: str, quantities_key: str, dates_key: str,
                       threshold: float, top_k: int, weights: dict[str, float], scorer: Callable | None) -> ClaimBuilder:
    """Build claims from quantities, dates and entities.

    spans_key: the ``doc.spans`` key the claims are written to (one span per value).
    quantities_key, dates_key: where the quantity and date spans are read from.
    threshold: the indicator link score below which a claim's indicator is null.
    top_k: how many indicator candidates each claim keeps.
    weights: how much the indicator link, the place, the period and the source weigh in a claim's
        confidence (``link``, ``geo``, ``period``, ``source``; they sum to 1).
    scorer: the scoring function (claims P/R/F1 and field accuracy on matched claims).
    """
    return ClaimBuilder(nlp, name, spans_key=spans_key, quantities_key=quantities_key, dates_key=dates_key,
                        threshold=threshold, top_k=top_k, weights=weights, scorer=scorer)


def claim_dicts(doc: Doc, key: str = SPANS_KEY) -> list[dict]:
    """The claims of a processed doc, in text order, as plain dicts (the Claim's fields)."""
    return [dict(s._.claim) for s in doc.spans.get(key, []) if s._.claim is not None]


def claims(doc: Doc, key: str = SPANS_KEY) -> list[Claim]:
    """The claims of a processed doc, in text order."""
    return [Claim(**c) for c in claim_dicts(doc, key)]
