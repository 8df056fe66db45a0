"""Named entities for the domain: a gazetteer for the entity ruler, and linking places to ISO codes.

``entities.yaml`` lists bodies, places and blocs the general NER misses or mislabels (ministries and
their abbreviations, provincial customs, provinces, blocs) with canonical ids. Its entries become
patterns of spaCy's ``entity_ruler`` (placed after ``ner``, overwriting it where they match).

The ``entity_normalizer`` component then trims entity boundaries to the name itself (no leading
"the", no possessive "'s") and sets ``kb_id`` on every entity it can link: ISO 3166-1 alpha-2 for
countries (through pycountry), ISO 3166-2 for subdivisions (Guangdong -> ``CN-GD``), ``EU``,
``ASEAN`` and ``BRI`` for blocs, and the gazetteer id for bodies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pycountry
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractor.rules import RuleFileError, load_data

LABELS = {"ORG", "GPE", "PERSON"}
#: what a place id may be: ISO 3166-1 alpha-2, ISO 3166-2, or a group
PLACE_CODE = re.compile(r"^(?:[A-Z]{2}(?:-[A-Z0-9]{1,3})?|EU|ASEAN|BRI|EZ)$")
# Subdivision types whose names pycountry gives with a generic suffix ("Guangdong Sheng").
_GENERIC_SUFFIX = re.compile(
    r"(?<!\s)\s+(?:Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Uygur Zizhiqu|SAR|Province|State)$"
)
#: countries whose subdivisions are linked by name (others are too ambiguous with place names)
SUBDIVISION_COUNTRIES = ("CN", "US", "IN", "CA", "AU", "DE", "VN")


@dataclass(frozen=True)
class Entry:
    label: str
    name: str
    id: str | None
    country: str | None
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def gazetteer() -> tuple[Entry, ...]:
    """Entries of ``entities.yaml``, validated: known labels, no surface listed twice."""
    raw = load_data("entities.yaml")
    if not isinstance(raw, list):
        raise RuleFileError("entities.yaml: expected a list of entries")
    seen: dict[str, str] = {}
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "name" not in item or "label" not in item:
            raise RuleFileError(f"entities.yaml: entry {i} needs 'label' and 'name'")
        if item["label"] not in LABELS:
            raise RuleFileError(f"entities.yaml: entry {item['name']!r} has unknown label {item['label']!r}")
        surfaces = [item["name"], *(item.get("aliases") or [])]
        for s in surfaces:
            key = str(s).lower()
            if key in seen and seen[key] != item["name"]:
                raise RuleFileError(f"entities.yaml: {s!r} is listed under {seen[key]!r} and {item['name']!r}")
            seen[key] = item["name"]
        out.append(
            Entry(item["label"], item["name"], item.get("id"), item.get("country"), tuple(str(a) for a in item.get("aliases") or []))
        )
    return tuple(out)


def ruler_patterns() -> list[dict[str, Any]]:
    """Phrase patterns for spaCy's entity_ruler, with the gazetteer id as pattern id."""
    patterns = []
    for e in gazetteer():
        for surface in (e.name, *e.aliases):
            forms = {surface, surface.replace("'", "’")}  # news text often has curly apostrophes
            for form in sorted(forms):
                patterns.append({"label": e.label, "pattern": form, "id": e.id or e.name})
    return patterns


@lru_cache(maxsize=1)
def place_index() -> dict[str, str]:
    """Lower-cased place name -> code: gazetteer GPEs, pycountry countries and subdivisions."""
    index: dict[str, str] = {}
    for sub in pycountry.subdivisions:
        if sub.country_code not in SUBDIVISION_COUNTRIES:
            continue
        name = _GENERIC_SUFFIX.sub("", sub.name)
        index.setdefault(name.lower(), sub.code)
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            v = getattr(c, attr, None)
            if v:
                index[v.lower()] = c.alpha_2
    for e in gazetteer():
        if e.id and (e.label == "GPE" or e.id in ("EU", "ASEAN", "BRI")):
            for s in (e.name, *e.aliases):
                index[s.lower()] = e.id
    return index


@lru_cache(maxsize=1)
def org_index() -> dict[str, Entry]:
    index = {}
    for e in gazetteer():
        if e.label == "ORG":
            for s in (e.name, *e.aliases):
                index[s.lower()] = e
    return index


def link_place(text: str) -> str | None:
    """A place name -> its code (``"Guangdong province"`` -> ``CN-GD``), or None."""
    t = _clean(text)
    index = place_index()
    if t.lower() in index:
        return index[t.lower()]
    stripped = re.sub(r"(?<!\s)\s+(?:province|provinces|municipality|region|autonomous region|city|state)$", "", t, flags=re.I)
    if stripped.lower() in index:
        return index[stripped.lower()]
    try:
        return pycountry.countries.lookup(stripped).alpha_2
    except LookupError:
        return None


def _clean(text: str) -> str:
    t = text.strip().replace("’", "'").replace("\u00a0", " ")
    t = re.sub(r"^(?:the|The)\s+", "", t)
    t = re.sub(r"'s?$", "", t)
    return " ".join(t.split())


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    return {k: v for k, v in load_data("demonyms.yaml").items()}


def org_entry(text: str) -> Entry | None:
    return org_index().get(_clean(text).lower())


# --------------------------------------------------------------------------------------------

#: names the model finds that may contain a gazetteer name and are longer names themselves
#: ("Guangdong Provincial Department of ...", "Ministry of Commerce and Industry")
_CONTAINERS = {"ORG", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "LOC"}


def _title_lists() -> dict[str, frozenset[str]]:
    raw = load_data("titles.yaml")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), list) for k in ("titles", "not_name_words")):
        raise RuleFileError("titles.yaml: expected a mapping with lists 'titles' and 'not_name_words'")
    return {k: frozenset(str(t).lower() for t in raw[k]) for k in ("titles", "not_name_words")}


@lru_cache(maxsize=1)
def titles() -> frozenset[str]:
    """Job-title words (``titles.yaml``)."""
    return _title_lists()["titles"]


@lru_cache(maxsize=1)
def not_name_words() -> frozenset[str]:
    """Words that make a title-case phrase a body's name (``titles.yaml``)."""
    return _title_lists()["not_name_words"]


def titled_name_start(doc: Doc, start: int, end: int) -> int | None:
    """Where the person's name begins in a titled name ("Minister of Industry and Trade Nguyen Hong
    Dien", "Commerce Minister Wang Wentao"), or None when the span is not a title then a name.

    The name is the span's last proper noun with the proper nouns compounded onto it just before
    it, two to four of them, none a title word; a title word must come before it."""
    words = titles()
    head = doc[end - 1]
    if head.pos_ != "PROPN" or head.lower_ in words or not head.is_title:
        return None
    k = end - 1
    while (k - 1 >= start and doc[k - 1].pos_ == "PROPN" and doc[k - 1].is_title and doc[k - 1].lower_ not in words
           and doc[k - 1].dep_ == "compound" and k <= doc[k - 1].head.i < end):
        k -= 1
    if not 2 <= end - k <= 4 or k == start:
        return None
    if not any(doc[j].lower_ in words for j in range(start, k)):
        return None
    if any(t.lower_ in not_name_words() or link_place(t.text) for t in doc[k:end]):
        return None  # "General Department of Vietnam Customs": a body
    return k


class Gazetteer:
    """The entity ruler for the domain: gazetteer names (``entities.yaml``) as entities with their id.

    Unlike spaCy's ``entity_ruler`` with ``overwrite_ents``, a longer name the model found keeps
    precedence over a gazetteer name inside it ("Ministry of Commerce and Industry" is not cut to
    "Ministry of Commerce"); elsewhere the gazetteer wins.
    """

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.labels: dict[int, tuple[str, str]] = {}
        self.initialize(nlp)

    def initialize(self, nlp: Language, get_examples=None) -> None:
        by_key: dict[tuple[str, str], list[str]] = {}
        for p in ruler_patterns():
            by_key.setdefault((p["label"], p["id"]), []).append(p["pattern"])
        for (label, eid), surfaces in by_key.items():
            key = f"{label}|{eid}"
            self.matcher.add(key, list(nlp.tokenizer.pipe(surfaces)))

    def __call__(self, doc: Doc) -> Doc:
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
                    while start < rest and doc[start].lower_ in titles():
                        start += 1
                    if start < rest:
                        ents.append(Span(doc, start, rest, label="PERSON"))
            keep.append(m)
        doc.ents = filter_spans(ents + keep)
        return doc

    def to_disk(self, path, exclude=()):  # the gazetteer is a packaged data file
        pass

    def from_disk(self, path, exclude=()):
        return self


@Language.factory("entity_gazetteer", requires=["doc.ents"], assigns=["doc.ents"], default_config={})
def make_gazetteer(nlp: Language, name: str) -> Gazetteer:
    """Add the gazetteer's names (ministries, customs, provinces, blocs) as entities with ids."""
    return Gazetteer(nlp, name)


class EntityNormalizer:
    """Trims entity spans and links them (kb_id)."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
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
                named = titled_name_start(doc, start, end)
                if named is not None:
                    start, label = named, "PERSON"  # the title is not part of the name
            if label == "GPE" and end < len(doc) and doc[end].lower_ in ("dollar", "dollars", "$"):
                continue  # "US dollars", "Hong Kong dollars": a currency, not a place
            kb = (ent.kb_id_ or ent.ent_id_ or "") if label == ent.label_ else ""
            text = doc[start:end].text
            if label == "NORP" and text in demonyms():
                kb = demonyms()[text]  # "German exports": Germany's
            elif label in ("GPE", "LOC", "NORP", "ORG"):
                code = link_place(text)
                if code and label in ("GPE", "LOC"):
                    kb = code
                    label = "GPE"
                elif code and label == "ORG" and code in ("EU", "ASEAN"):
                    kb = code
            if label == "ORG" and not kb:
                entry = org_entry(text)
                if entry is not None and entry.id:
                    kb = entry.id
            if label in ("GPE", "LOC", "NORP") and kb and not PLACE_CODE.match(kb):
                kb = ""  # a place without an ISO 3166 code (Shenzhen, Hangzhou): no id, never its name
            ents.append(Span(doc, start, end, label=label, kb_id=kb or 0))
        doc.ents = filter_spans(ents)
        return doc

    def to_disk(self, path, exclude=()):
        pass

    def from_disk(self, path, exclude=()):
        return self


@Language.factory("entity_normalizer", requires=["doc.ents"], assigns=["doc.ents"], default_config={})
def make_entity_normalizer(nlp: Language, name: str) -> EntityNormalizer:
    """Trim entity spans to the name and link places and bodies to canonical ids (``kb_id``)."""
    return EntityNormalizer(name)
