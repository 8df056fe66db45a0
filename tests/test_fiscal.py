"""Fiscal years by country (issue 6): fiscal_years.yaml and extractor/fiscal.py."""

from __future__ import annotations

import pytest

from extractor.nlp.periods import fiscal
from extractor.rules import RuleFileError


@pytest.mark.parametrize("text,country,pub,story_end,expected", [
    ("fiscal 2024", "JP", (2024, 1), None, "2024-04/2025-03"),          # named by its start
    ("the first nine months of fiscal 2023", "JP", (2024, 1), None, "2023-04/2023-12"),
    ("FY25", "IN", (2024, 11), None, "2024-04/2025-03"),                # named by its end
    ("FY2025", "IN", (2024, 11), None, "2024-04/2025-03"),
    ("2023-24", "IN", (2024, 11), None, "2023-04/2024-03"),             # a split year starts in its first year
    ("2023-24", "AU", (2024, 6), None, "2023-07/2024-06"),
    ("the first ten months of 2023-24", "AU", (2024, 6), None, "2023-07/2024-04"),
    ("this fiscal", "IN", (2024, 11), None, "2024-04/2025-03"),
    ("last fiscal year", "IN", (2024, 11), None, "2023-04/2024-03"),
    ("the financial year to date", "AU", (2024, 6), (2024, 4), "2023-07/2024-04"),
    ("fiscal 2024", "US", (2024, 1), None, "2023-10/2024-09"),
    ("fiscal 2024", "CN-GD", (2024, 1), None, None),                  # a calendar-year country
    ("2023-24", "CN", (2024, 1), None, None),
    ("2019-2021", "IN", (2024, 1), None, None),                         # not consecutive: no fiscal year
    ("October", "IN", (2024, 11), None, None),                          # no fiscal expression
    # issue 16: a quarter or half of a named fiscal year
    ("Q2 2023-24", "IN", (2023, 10), None, "2023-07/2023-09"),
    ("Q1:2024-25", "IN", (2023, 10), None, "2024-04/2024-06"),
    ("the third quarter of 2023-24", "IN", (2023, 10), None, "2023-10/2023-12"),
    ("the first half of 2023-24", "IN", (2023, 10), None, "2023-04/2023-09"),   # a KeyError once
    ("the second half of FY25", "IN", (2024, 11), None, "2024-10/2025-03"),
    ("Q4 fiscal 2024", "US", (2024, 1), None, "2024-07/2024-09"),
])
def test_resolve(text, country, pub, story_end, expected):
    got = fiscal.resolve(text, country, pub, story_end)
    assert (got.iso if got else None) == expected


@pytest.mark.parametrize("country,story_end,expected", [("IN", (2024, 10), "2024-04/2025-03"), ("AU", (2024, 4), "2023-07/2024-06"),
                                                          ("CN", (2024, 10), None)])
def test_a_full_year_figure_is_of_the_fiscal_year_holding_the_story(country, story_end, expected):
    got = fiscal.resolve("a full-year surplus", country, (2024, 11), story_end, full_year=True)
    assert (got.iso if got else None) == expected
    assert fiscal.resolve("a full-year surplus", country, (2024, 11), story_end) is None  # the caller's rule decides


def test_every_listed_country_has_a_valid_year():
    table = fiscal.fiscal_years()
    assert {"JP", "IN", "AU", "US", "GB"} <= set(table)
    assert all(1 <= fy.start <= 12 and fy.named_by in ("start", "end") for fy in table.values())


def test_a_bad_entry_is_an_error(monkeypatch):
    monkeypatch.setattr(fiscal, "load_data", lambda name: {"JP": {"start": 13, "named_by": "start"}})
    fiscal.fiscal_years.cache_clear()
    try:
        with pytest.raises(RuleFileError, match="fiscal_years.yaml: JP"):
            fiscal.fiscal_years()
    finally:
        fiscal.fiscal_years.cache_clear()
