"""Rule and data files: strict loading (no duplicate keys, YAML 1.2 booleans) and their contents."""

from __future__ import annotations

import pytest

from extractor.rules import DATA_DIR, RuleFileError, load_file, load_text


def test_duplicate_key_is_an_error():
    with pytest.raises(RuleFileError, match="duplicate key 'a'"):
        load_text("a: 1\nb: 2\na: 3\n", "x.yaml")


def test_duplicate_key_in_json_is_an_error():
    with pytest.raises(RuleFileError, match="duplicate key"):
        load_text('{"a": 1, "a": 2}', "x.json")


def test_duplicate_nested_key_names_the_file():
    with pytest.raises(RuleFileError, match="rules.yaml"):
        load_text("top:\n  x: 1\n  x: 2\n", "rules.yaml")


def test_on_and_no_stay_words():
    # YAML 1.1 would read these as booleans and break word lists
    assert load_text("w: [in, on, no, yes, off]") == {"w": ["in", "on", "no", "yes", "off"]}
    assert load_text("flag: true") == {"flag": True}


@pytest.mark.parametrize("path", sorted(DATA_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_packaged_rule_file_loads(path):
    assert load_file(path) is not None


def test_unreadable_file_is_named(tmp_path):
    with pytest.raises(RuleFileError, match="missing.yaml"):
        load_file(tmp_path / "missing.yaml")
