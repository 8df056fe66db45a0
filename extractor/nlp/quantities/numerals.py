"""Parsing number surfaces: digits with separators, number words, scales; exact with Decimal."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from extractor.rules import load_data

_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")


@lru_cache(maxsize=1)
def number_words() -> dict[str, Decimal]:
    data = load_data("number_words.yaml")
    return {k.lower(): Decimal(str(v)) for k, v in data["units"].items()}


@lru_cache(maxsize=1)
def fractions() -> dict[str, float]:
    """Fraction words -> value: the listed ones, and every numerator with every denominator
    ("one fifth", "two-thirds"), a singular denominator only after "a", "an" or "one"."""
    data = load_data("number_words.yaml")
    out = {k.lower(): float(v) for k, v in data["fractions"].items()}
    for num, a in (data.get("numerators") or {}).items():
        for den, b in (data.get("denominators") or {}).items():
            if (a == 1) != (not den.endswith("s")):
                continue
            for sep in (" ", "-"):
                out.setdefault(f"{num}{sep}{den}".lower(), a / b)
    return out


@lru_cache(maxsize=1)
def multiples() -> dict[str, float]:
    return {k.lower(): float(v) for k, v in load_data("number_words.yaml")["multiples"].items()}


@lru_cache(maxsize=1)
def time_units() -> dict[str, str]:
    return {k.lower(): v for k, v in load_data("number_words.yaml")["time_units"].items()}


@lru_cache(maxsize=1)
def scales() -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    data = load_data("scales.yaml")
    words = {k.lower(): Decimal(str(v)) for k, v in data["words"].items()}
    attached = {k: Decimal(str(v)) for k, v in data["attached_only"].items()}
    return words, attached


def parse_number(surface: str, *, decimal_comma: bool = False, european_thousands: bool = False) -> Decimal | None:
    """``"12,202"`` -> 12202; ``"7,04"`` with decimal_comma -> 7.04; ``"486.000"`` with
    european_thousands -> 486000; ``"816 000"`` -> 816000; ``"twenty-five"`` -> 25."""
    s = surface.strip()
    if not s:
        return None
    low = s.lower()
    if low[0].isalpha():
        return parse_number_words(low)
    s = _SPACES.sub("", s).replace("'", "").replace("’", "")
    if re.fullmatch(r"(?<![\d.])\d{1,3}(?:\.\d{3})+,\d+", s):  # 1.234,5
        decimal_comma = True
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    elif european_thousands:
        s = s.replace(".", "")
    else:
        s = s.replace(",", "")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def parse_number_words(phrase: str) -> Decimal | None:
    """``"eight hundred"`` -> 800, ``"twenty-five"`` -> 25, ``"a hundred"`` -> 100,
    ``"half a million"`` -> 500000; None when a word is not a number word."""
    words = number_words()
    low = " ".join(phrase.lower().replace("-", " ").split())
    if low in words:
        return words[low]
    total = Decimal(0)
    current = Decimal(0)
    seen = False
    for w in low.split():
        if w == "and" and seen:
            continue
        if w in ("a", "an") and current == Decimal("0.5"):
            continue  # "half a million"
        if w in ("a", "an") and not seen:
            current = Decimal(1)
            seen = True
            continue
        if w == "half" and not seen:
            current = Decimal("0.5")
            seen = True
            continue
        if w == "hundred":
            current = (current or Decimal(1)) * 100
        elif w in ("thousand", "million", "billion", "trillion"):
            total += (current or Decimal(1)) * scales()[0][w]
            current = Decimal(0)
        elif w in words and words[w] < 100:
            current += words[w]
        else:
            return None
        seen = True
    return total + current if seen else None


def scale_value(surface: str | None) -> Decimal:
    if not surface:
        return Decimal(1)
    s = surface.strip().lstrip("-").strip()
    words, attached = scales()
    if " " in s:  # "lakh crore"
        out = Decimal(1)
        for part in s.split():
            out *= scale_value(part)
        return out
    if s.lower() in words:
        return words[s.lower()]
    if s in attached:
        return attached[s]
    raise ValueError(f"unknown scale {surface!r}")


def to_number(value: Decimal) -> float | int:
    """An exact Decimal as an int when integral, else a float (JSON- and SQLite-friendly)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
