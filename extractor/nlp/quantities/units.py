"""Physical and technical unit surfaces from quantulum3's unit and entity tables.

quantulum3 (a dependency) knows each unit's name, entity (length, mass, power, ...), surfaces
("inch", "inches", "kilowatt hour") and symbols ("in", "kWh"). Here they become one table of
surfaces read after a number ("a 5.8-inch display", "250 Hz", "180lbs"); ``units.yaml`` says
which entities count, which short symbols are safe, which surfaces mean another unit in news
("calories" are food kilocalories), and adds the few units quantulum3 lacks ("bhp").
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

from extractor.rules import load_data


@dataclass(frozen=True)
class UnitTable:
    #: surface in lower case -> unit name ("inches" -> "inch", "kilowatt hours" -> "kilowatt hour")
    words: dict[str, str]
    #: case-sensitive symbol -> unit name ("Hz" -> "hertz", "kWh" -> "kilowatt hour")
    symbols: dict[str, str]
    #: symbols read only when glued to the number ("400m", "5g", "816t")
    glued_only: frozenset[str]
    #: unit name -> entity name ("inch" -> "length"), for the dimension of a range or a per-unit
    entity: dict[str, str]


@lru_cache(maxsize=1)
def unit_table() -> UnitTable:
    cfg = load_data("units.yaml")["surfaces"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quantulum3 import load as qload

        table = qload.units("en_US")
    skip_entities = set(cfg["skip_entities"])
    keep = set(cfg.get("keep_units") or ())
    reject = {s.lower() for s in cfg.get("reject") or ()}
    short_ok = set(cfg["short_symbols"])
    glued = set(cfg.get("glued_only") or ())
    rename = dict(load_data("units.yaml").get("rename") or {})

    words: dict[str, str] = {}
    symbols: dict[str, str] = {}
    entity: dict[str, str] = {}
    for name, unit in sorted(table.names.items()):
        ent = unit.entity.name
        if (ent in skip_entities and name not in keep) or unit.currency_code:
            continue
        out = rename.get(name, name)
        entity[out] = ent
        for surface in unit.surfaces:
            for form in _plurals(surface):
                if form.lower() not in reject:
                    words.setdefault(form.lower(), out)
        for sym in unit.symbols:
            if sym in reject or (len(sym) <= 2 and sym not in short_ok) or not re.search(r"[A-Za-z°µ]", sym):
                continue
            symbols.setdefault(sym, out)
    # the table's surfaces resolve several ambiguous forms ("pounds", "tons") and add missing units
    for surface, name in (cfg.get("words") or {}).items():
        words[surface.lower()] = name
        entity.setdefault(name, cfg.get("entities", {}).get(name, "other"))
    for sym, name in (cfg.get("symbols") or {}).items():
        symbols[sym] = name
        entity.setdefault(name, cfg.get("entities", {}).get(name, "other"))
    return UnitTable(words, symbols, frozenset(glued), entity)


def _plurals(surface: str) -> list[str]:
    """quantulum3 lists singular surfaces; news writes "inches", "kilowatt hours", "feet"."""
    forms = [surface]
    last = surface.rsplit(" ", 1)[-1]
    head = surface[: len(surface) - len(last)]
    if re.search(r"(?:s|x|z|ch|sh)$", last):
        forms.append(head + last + "es")
    elif re.search(r"[^aeiou]y$", last):
        forms.append(head + last[:-1] + "ies")
    elif last.endswith("foot"):
        forms.append(head + last[:-4] + "feet")
    else:
        forms.append(head + last + "s")
    # "kilometre per hour" -> "kilometres per hour"
    m = re.match(r"^(\S+)( per .*)$", surface)
    if m:
        forms.append(m.group(1) + ("es" if m.group(1).endswith("s") else "s") + m.group(2))
    return forms
