"""Currency surfaces: ``currencies.yaml`` (news forms, context rules, historic and crypto
currencies) over the ISO 4217 codes, English names and symbols of Babel's CLDR data.

The table of ``currencies.yaml`` wins where both name a surface: it holds the forms that news uses
and CLDR does not ("RMB", "US$", "$US", "yuan" for CNY) and the ambiguous ones settled by context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractor.rules import load_data

_YEARS = re.compile(r" ?\([^()]{0,40}\)$")


@dataclass(frozen=True)
class CurrencyTable:
    #: surface before the number -> code ("US$", "€", "RMB", "CA$")
    prefix: dict[str, str]
    #: ISO codes after the number ("5 million USD"), matched case-sensitively
    suffix_codes: dict[str, str]
    #: names after the number, lower case ("euros", "dutch guilders"), matched in any case
    suffix_names: dict[str, str]
    #: surface -> {"default": code, code: [context words]}
    ambiguous: dict[str, dict]
    #: minor units -> (code, factor): "pence" -> ("GBP", 0.01)
    minor: dict[str, tuple[str, float]]
    #: minor-unit surfaces that are no currency with one of these words in the text ("1080p video")
    minor_anti_cues: dict[str, tuple[str, ...]]
    #: names read as a currency only after a scale word or digits ("won", "dong", "rand", "marks")
    word_guarded: frozenset[str]
    #: letter prefixes read only glued to the number, with the words one of which the text must hold
    glued_prefixes: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def currency_table() -> CurrencyTable:
    data = load_data("currencies.yaml")
    excluded = set(data.get("code_exclude") or [])
    codes, names, symbols = _cldr(excluded, tuple(data.get("cldr_name_exclude") or ()))
    prefix = dict(symbols)
    prefix.update({c: c for c in codes})
    prefix.update(data["prefix"])
    suffix_codes = {c: c for c in codes}
    suffix_names = dict(names)
    for surface, code in data["suffix"].items():
        if re.fullmatch(r"[A-Z]{3}", surface):
            suffix_codes[surface] = code
        else:
            suffix_names[surface.lower()] = code
    minor = {k: (v["currency"], float(v["factor"])) for k, v in (data.get("minor") or {}).items()}
    cues = {k: tuple(v.get("anti_cues") or ()) for k, v in (data.get("minor") or {}).items()}
    ambiguous = {k: v for k, v in (data.get("ambiguous") or {}).items()}
    glued = {k: tuple(v or ()) for k, v in (data.get("glued_prefixes") or {}).items()}
    for k in glued:
        prefix.setdefault(k, data["glued_prefix_codes"][k])
    return CurrencyTable(prefix, suffix_codes, suffix_names, ambiguous, minor, cues,
                         frozenset(w.lower() for w in data.get("word_guarded") or ()), glued)


def _cldr(excluded: set[str], name_exclude: tuple[str, ...]) -> tuple[set[str], dict[str, str], dict[str, str]]:
    """ISO codes, English names (singular and plural) and distinctive symbols from CLDR."""
    from babel import Locale
    from babel.numbers import get_currency_name

    en = Locale("en")
    codes: set[str] = set()
    names: dict[str, str] = {}
    historic: dict[str, str] = {}
    for code, display in sorted(en.currencies.items()):
        if not re.fullmatch(r"[A-Z]{3}", code) or code in excluded or code.startswith("X") and code not in ("XAF", "XOF"):
            continue
        codes.add(code)
        for form in (display, get_currency_name(code, count=1, locale=en), get_currency_name(code, count=2, locale=en)):
            if not form or form == code:
                continue
            # "Zimbabwean Dollar (1980–2008)": a former issue of a name a current currency keeps
            target = historic if _YEARS.search(form) else names
            key = _YEARS.sub("", form).lower()
            if any(key == x for x in name_exclude):
                continue
            target.setdefault(key, code)
    for key, code in historic.items():
        names.setdefault(key, code)
    symbols = {}
    for code, sym in en.currency_symbols.items():
        if code in codes and sym != code and len(sym) > 1 and not sym.isalpha():
            symbols[sym] = code  # "A$", "CA$", "MX$", "CN¥"; "$", "¥", "£" are settled in currencies.yaml
    return codes, names, symbols


def currency_code(surface: str, text: str, *, prefix: bool) -> str | None:
    """The code of a currency surface, with the ambiguous ones ("¥", "$", "pesos") settled by
    the first candidate whose context words occur in ``text``."""
    t = currency_table()
    if prefix:
        code = t.prefix.get(surface)
    else:
        code = t.suffix_codes.get(surface) or t.suffix_names.get(surface.lower())
    amb = t.ambiguous.get(surface) or (None if prefix else t.ambiguous.get(surface.lower()))
    if amb:
        for cand, cues in amb.items():
            if cand != "default" and any(c in text for c in cues):
                return cand
        return amb["default"]
    return code
