"""The domain gazetteer: bodies, places and blocs the general NER misses or mislabels, with
canonical ids, and the tables entity linking reads (place names -> ISO 3166 codes, demonyms, job
titles).

:class:`EntityData` holds the data of ``entities.yaml``, ``demonyms.yaml`` and ``titles.yaml`` (as
one JSON-able dict) and the indexes built from it; the components keep it and save it with
``to_disk``. ``packaged()`` is the data as installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pycountry
from spacy.tokens import Doc

from extractor.rules import RuleFileError, load_data

LABELS = {"ORG", "GPE", "PERSON"}
#: what a place id may be: ISO 3166-1 alpha-2, ISO 3166-2, or a group
PLACE_CODE = re.compile(r"^(?:[A-Z]{2}(?:-[A-Z0-9]{1,3})?|EU|EA|ASEAN|BRI|OECD|G7|G20|WORLD)$")
# Subdivision types whose names pycountry gives with a generic suffix ("Guangdong Sheng").
_GENERIC_SUFFIX = re.compile(
    r"(?<!\s)\s+(?:Sheng|Shi|Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Uygur Zizhiqu|SAR|Province|State)$"
)
#: groups of places the gazetteer names (GOLD_GUIDE.md's geo groups): places, whatever their label
GROUPS = ("EU", "EA", "ASEAN", "BRI", "OECD", "G7", "G20", "WORLD")
#: countries whose subdivisions are linked by name (others are too ambiguous with place names)
SUBDIVISION_COUNTRIES = ("CN", "US", "IN", "CA", "AU", "DE", "VN")


@dataclass(frozen=True)
class Entry:
    label: str
    name: str
    id: str | None
    country: str | None
    aliases: tuple[str, ...]


def _entries(raw: Any) -> tuple[Entry, ...]:
    """Entries of ``entities.yaml``, validated: known labels, no surface listed twice."""
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


def _title_lists(raw: Any) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), list) for k in ("titles", "not_name_words")):
        raise RuleFileError("titles.yaml: expected a mapping with lists 'titles' and 'not_name_words'")
    return {k: frozenset(str(t).lower() for t in raw[k]) for k in ("titles", "not_name_words")}


def _clean(text: str) -> str:
    t = text.strip().replace("’", "'").replace("\u00a0", " ")
    t = re.sub(r"^(?:the|The)\s+", "", t)
    t = re.sub(r"'s?$", "", t)
    return " ".join(t.split())


def packaged_data() -> dict[str, Any]:
    """The gazetteer's data as installed."""
    return {"entities": load_data("entities.yaml"), "demonyms": load_data("demonyms.yaml"),
            "titles": load_data("titles.yaml")}


@dataclass
class EntityData:
    """The gazetteer, demonyms and job titles, and the indexes built from them."""

    data: dict[str, Any]
    entries: tuple[Entry, ...] = ()
    places: dict[str, str] = field(default_factory=dict)  # lower-cased place name -> code
    orgs: dict[str, Entry] = field(default_factory=dict)  # lower-cased body name -> entry
    demonyms: dict[str, str] = field(default_factory=dict)
    titles: frozenset[str] = frozenset()
    not_name_words: frozenset[str] = frozenset()

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> "EntityData":
        entries = _entries(data["entities"])
        lists = _title_lists(data["titles"])
        places: dict[str, str] = {}
        for sub in pycountry.subdivisions:
            if sub.country_code not in SUBDIVISION_COUNTRIES:
                continue
            places.setdefault(_GENERIC_SUFFIX.sub("", sub.name).lower(), sub.code)
        for c in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                v = getattr(c, attr, None)
                if v:
                    places[v.lower()] = c.alpha_2
        for e in entries:
            if e.id and (e.label == "GPE" or e.id in GROUPS):
                for s in (e.name, *e.aliases):
                    places[s.lower()] = e.id
        orgs = {s.lower(): e for e in entries if e.label == "ORG" for s in (e.name, *e.aliases)}
        return cls(data, entries, places, orgs, {k: v for k, v in data["demonyms"].items()},
                   lists["titles"], lists["not_name_words"])

    def ruler_patterns(self) -> list[dict[str, Any]]:
        """Phrase patterns for the gazetteer, with the gazetteer id as pattern id."""
        patterns = []
        for e in self.entries:
            for surface in (e.name, *e.aliases):
                forms = {surface, surface.replace("'", "’")}  # news text often has curly apostrophes
                for form in sorted(forms):
                    patterns.append({"label": e.label, "pattern": form, "id": e.id or e.name})
        return patterns

    def link_place(self, text: str) -> str | None:
        """A place name -> its code (``"Guangdong province"`` -> ``CN-GD``), or None."""
        t = _clean(text)
        if t.lower() in self.places:
            return self.places[t.lower()]
        stripped = re.sub(r"(?<!\s)\s+(?:province|provinces|municipality|region|autonomous region|city|state)$", "", t, flags=re.I)
        if stripped.lower() in self.places:
            return self.places[stripped.lower()]
        try:
            return pycountry.countries.lookup(stripped).alpha_2
        except LookupError:
            return None

    def org_entry(self, text: str) -> Entry | None:
        return self.orgs.get(_clean(text).lower())

    def titled_name_start(self, doc: Doc, start: int, end: int) -> int | None:
        """Where the person's name begins in a titled name ("Minister of Industry and Trade Nguyen
        Hong Dien", "Commerce Minister Wang Wentao"), or None when the span is not a title then a
        name.

        The name is the span's last proper noun with the proper nouns compounded onto it just
        before it, two to four of them, none a title word; a title word must come before it."""
        words = self.titles
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
        if any(t.lower_ in self.not_name_words or self.link_place(t.text) for t in doc[k:end]):
            return None  # "General Department of Vietnam Customs": a body
        return k


@lru_cache(maxsize=1)
def packaged() -> EntityData:
    return EntityData.from_data(packaged_data())


def titles() -> frozenset[str]:
    """Job-title words (``titles.yaml``)."""
    return packaged().titles


def titled_name_start(doc: Doc, start: int, end: int) -> int | None:
    """:meth:`EntityData.titled_name_start` with the installed data."""
    return packaged().titled_name_start(doc, start, end)
