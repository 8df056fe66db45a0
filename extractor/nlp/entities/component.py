"""The domain's named entities: the ``entity_gazetteer`` (names the general NER misses, with their
ids) and the ``entity_normalizer`` (entity boundaries trimmed to the name, places and bodies linked
to canonical ids).

The gazetteer's names (:mod:`extractor.nlp.entities.gazetteer`: ministries and their
abbreviations, statistics offices, central banks, provincial customs, provinces, blocs) become
phrase patterns placed after ``ner``, overwriting it where they match. The normalizer trims no
leading "the" and no possessive "'s", and sets ``kb_id`` on every entity it can link: ISO 3166-1
alpha-2 for countries (through pycountry), ISO 3166-2 for subdivisions (Guangdong -> ``CN-GD``),
``EU``, ``ASEAN`` and ``BRI`` for blocs, and the gazetteer id for bodies. Both keep their data,
loaded at ``initialize()``, and save it with ``to_disk``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import ensure_path, filter_spans, registry

from extractor.nlp.entities.gazetteer import (
    GROUPS,
    PLACE_CODE,
    EntityData,
    packaged_data,
)

#: names the model finds that may contain a gazetteer name and are longer names themselves
#: ("Guangdong Provincial Department of ...", "Ministry of Commerce and Industry")
_CONTAINERS = {"ORG", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "LOC"}


def _save(component: Any, path: str | Path) -> None:
    path = ensure_path(path)
    path.mkdir(parents=True, exist_ok=True)
    if component.entities is None:
        component.initialize()
    srsly.write_json(path / "data.json", component.entities.data)


@registry.scorers("extractor.ents_scorer.v1")
def make_ents_scorer() -> Callable:
    """Entity P/R/F1 per label (spaCy's ``get_ner_prf``)."""
    return get_ner_prf


class Gazetteer:
    """The entity ruler for the domain: gazetteer names (``entities.yaml``) as entities with their id.

    Unlike spaCy's ``entity_ruler`` with ``overwrite_ents``, a longer name the model found keeps
    precedence over a gazetteer name inside it ("Ministry of Commerce and Industry" is not cut to
    "Ministry of Commerce"); elsewhere the gazetteer wins.
    """

    def __init__(self, nlp: Language, name: str, scorer: Callable | None):
        self.name = name
        self.nlp = nlp
        self.scorer = scorer
        self.entities: EntityData | None = None
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   data: dict[str, Any] | None = None) -> None:
        """Load the gazetteer: ``data`` (``entities``, ``demonyms``, ``titles``), else the packaged
        rule files."""
        self._load(data if data is not None else packaged_data())

    def _load(self, data: dict[str, Any]) -> None:
        self.entities = EntityData.from_data(data)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        by_key: dict[tuple[str, str], list[str]] = {}
        for p in self.entities.ruler_patterns():
            by_key.setdefault((p["label"], p["id"]), []).append(p["pattern"])
        for (label, eid), surfaces in by_key.items():
            self.matcher.add(f"{label}|{eid}", list(self.nlp.tokenizer.pipe(surfaces)))

    def __call__(self, doc: Doc) -> Doc:
        if self.entities is None:
            self.initialize()
        titles = self.entities.titles
        matches = []
        for key, s, e in self.matcher(doc):
            label, eid = doc.vocab.strings[key].split("|", 1)
            matches.append(Span(doc, s, e, label=label, kb_id=eid))
        if not matches:
            return doc
        matches = filter_spans(matches)
        ents = list(doc.ents)
        keep: list[Span] = []
        for m in matches:
            over = [x for x in ents if x.start < m.end and m.start < x.end]
            if any(x.label_ in _CONTAINERS and x.start <= m.start and m.end <= x.end and (x.start, x.end) != (m.start, m.end)
                   and not any(t.tag_ in ("VBD", "VBZ", "VBP") or "\n" in t.text for t in x)
                   for x in over):
                continue  # a longer name found by the model (not a title-case headline it misread)
            for x in over:
                ents.remove(x)
                if x.label_ == "PERSON" and x.end > m.end:
                    rest = x.end
                    start = m.end
                    while start < rest and doc[start].lower_ in titles:
                        start += 1
                    if start < rest:
                        ents.append(Span(doc, start, rest, label="PERSON"))
            keep.append(m)
        doc.ents = filter_spans(ents + keep)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        _save(self, path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "Gazetteer":
        self._load(srsly.read_json(ensure_path(path) / "data.json"))
        return self

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return self.scorer(examples) if self.scorer else {}


@Language.factory("entity_gazetteer", requires=["doc.ents"], assigns=["doc.ents"],
                  default_config={"scorer": {"@scorers": "extractor.ents_scorer.v1"}},
                  default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None})
def make_gazetteer(nlp: Language, name: str, scorer: Callable | None) -> Gazetteer:
    """Add the gazetteer's names (ministries, statistics offices, central banks, customs, provinces,
    blocs) as entities with ids.

    scorer: the scoring function (entity P/R/F1 per label).
    """
    return Gazetteer(nlp, name, scorer)


class EntityNormalizer:
    """Trims entity spans and links them (kb_id)."""

    def __init__(self, name: str, scorer: Callable | None):
        self.name = name
        self.scorer = scorer
        self.entities: EntityData | None = None

    def initialize(self, get_examples: Callable | None = None, *, nlp: Language | None = None,
                   data: dict[str, Any] | None = None) -> None:
        """Load the linking tables: ``data`` (``entities``, ``demonyms``, ``titles``), else the
        packaged rule files."""
        self.entities = EntityData.from_data(data if data is not None else packaged_data())

    def __call__(self, doc: Doc) -> Doc:
        if self.entities is None:
            self.initialize()
        ed = self.entities
        ents = []
        for ent in doc.ents:
            start, end = ent.start, ent.end
            for k in range(start, end):  # a name never runs over a line break
                if "\n" in doc[k].text:
                    end = k
                    break
            while start < end and doc[start].lower_ in ("the",) and ent.label_ in ("ORG", "GPE", "NORP", "FAC", "LOC"):
                start += 1
            while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("'s", "’s", "'", "’")):
                end -= 1
            while end > start and doc[end - 1].is_punct and doc[end - 1].text not in (".",):
                end -= 1
            while start < end and doc[start].is_punct:
                start += 1
            if ent.label_ == "ORG" and not ent.kb_id_:
                # "the foreign trade association BGA": a name does not begin with common nouns
                while start < end - 1 and doc[start].is_lower and doc[start].is_alpha and any(
                        t.is_upper or t.is_title for t in doc[start + 1:end]):
                    start += 1
            if start >= end:
                continue
            label = ent.label_
            if label in ("ORG", "PERSON"):
                named = ed.titled_name_start(doc, start, end)
                if named is not None:
                    start, label = named, "PERSON"  # the title is not part of the name
            if label == "GPE" and end < len(doc) and doc[end].lower_ in ("dollar", "dollars", "$"):
                continue  # "US dollars", "Hong Kong dollars": a currency, not a place
            kb = (ent.kb_id_ or ent.ent_id_ or "") if label == ent.label_ else ""
            text = doc[start:end].text
            if label == "NORP" and text in ed.demonyms:
                kb = ed.demonyms[text]  # "German exports": Germany's
            elif label in ("GPE", "LOC", "NORP", "ORG"):
                code = ed.link_place(text)
                if code and label in ("GPE", "LOC"):
                    kb = code
                    label = "GPE"
                elif code and label == "ORG" and code in GROUPS:
                    kb = code
            if label == "ORG" and not kb:
                entry = ed.org_entry(text)
                if entry is not None and entry.id:
                    kb = entry.id
            if label in ("GPE", "LOC", "NORP") and kb and not PLACE_CODE.match(kb):
                kb = ""  # a place without an ISO 3166 code (Shenzhen, Hangzhou): no id, never its name
            ents.append(Span(doc, start, end, label=label, kb_id=kb or 0))
        doc.ents = filter_spans(ents)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        _save(self, path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "EntityNormalizer":
        self.entities = EntityData.from_data(srsly.read_json(ensure_path(path) / "data.json"))
        return self

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return self.scorer(examples) if self.scorer else {}


@Language.factory("entity_normalizer", requires=["doc.ents"], assigns=["doc.ents"],
                  default_config={"scorer": {"@scorers": "extractor.ents_scorer.v1"}},
                  default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None})
def make_entity_normalizer(nlp: Language, name: str, scorer: Callable | None) -> EntityNormalizer:
    """Trim entity spans to the name and link places and bodies to canonical ids (``kb_id``).

    scorer: the scoring function (entity P/R/F1 per label).
    """
    return EntityNormalizer(name, scorer)
