"""Quantity finding and normalization, from tests/cases/quantities.yaml (issue 4)."""

from __future__ import annotations

import math

import pytest

from extractor.nlp.quantities.component import quantities

from .conftest import load_cases

CASES = load_cases("quantities.yaml")


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)


def test_case_file_is_large_enough():
    assert len(CASES) >= 150
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_quantity_case(case, nlp_quantities):
    doc = nlp_quantities(case["text"])
    got = quantities(doc)
    expected = case["expected"]
    assert [g["text"] for g in got] == [e["text"] for e in expected]
    for g, e in zip(got, expected):
        assert _close(g["value"], e.get("value")), (g["text"], g["value"], e.get("value"))
        assert g["unit"] == e["unit"], g["text"]
        assert g["approx"] == e.get("approx"), g["text"]
        assert g["direction"] == e.get("direction"), g["text"]
        if "low" in e:
            assert _close(g["low"], e["low"]) and _close(g["high"], e["high"]), g["text"]
        if "noun" in e:
            assert g["noun"] == e["noun"], g["text"]
        assert case["text"][g["start"]:g["end"]] == g["text"]


# ---------------------------------------------------------------- issue 17: the tables behind the grammar


def test_every_cldr_currency_code_and_name_is_read(nlp_quantities):
    """Currencies come from Babel's CLDR data: a code and an English plural name of each of a
    sample across the alphabet (current and historic) are read as that currency."""
    from babel import Locale

    from extractor.nlp.quantities.currencies import currency_table

    table = currency_table()
    en = Locale("en")
    codes = sorted(c for c in table.suffix_codes if c in en.currencies)
    assert len(codes) > 190
    sample = codes[:: max(1, len(codes) // 25)] + ["NLG", "FRF", "DEM", "ITL", "KES"]
    for code in sample:
        doc = nlp_quantities(f"The deal was worth 4.5 million {code}, the filing showed.")
        got = quantities(doc)
        assert [(q["value"], q["unit"]) for q in got] == [(4500000, table.suffix_codes[code])], code
    for name, code in (("French francs", "FRF"), ("Kenyan shillings", "KES"), ("Thai baht", "THB")):
        got = quantities(nlp_quantities(f"Fines reached 12 million {name} last year."))
        assert [(q["value"], q["unit"]) for q in got] == [(12000000, code)], name


def test_units_come_from_quantulum_tables():
    """Every unit surface reads as a quantulum3 unit name or a name units.yaml adds."""
    import warnings

    from extractor.nlp.quantities.units import unit_table
    from extractor.rules import load_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quantulum3 import load as qload

        names = set(qload.units("en_US").names)
    cfg = load_data("units.yaml")
    extra = set(cfg["surfaces"]["words"].values()) | set(cfg["surfaces"]["symbols"].values()) | set(cfg["rename"].values())
    table = unit_table()
    assert {"inch", "hertz", "kilocalorie", "degree fahrenheit", "pound-mass", "yard"} <= set(table.words.values()) | set(table.symbols.values())
    for surface, name in list(table.words.items()) + list(table.symbols.items()):
        assert name in names or name in extra, (surface, name)
    for word in ("in", "at", "a", "points", "degrees"):
        assert word not in table.words and word not in table.symbols, word
