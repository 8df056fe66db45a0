"""Shared fixtures: one pipeline per test session (loading the model takes a second or two)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.rules import load_file

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = ROOT / "gold"
CASES = Path(__file__).parent / "cases"
#: articles in the corpus and gold files (the corpus grows; tests count, never hard-code)
N_ARTICLES = len(list(CORPUS.glob("*.txt")))
N_GOLD = len(list(GOLD.glob("*.json")))


@pytest.fixture(scope="session")
def nlp():
    from extractor.nlp.pipeline import build

    return build()


@pytest.fixture(scope="session")
def nlp_quantities():
    from extractor.nlp.pipeline import build

    return build(with_claims=False)


def load_cases(name: str) -> list[dict]:
    """Test cases from tests/cases/<name> (duplicate keys are an error)."""
    return load_file(CASES / name)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory, nlp) -> Path:
    """The corpus extracted once for the session (read-only for tests)."""
    from extractor.run.extract import extract

    db = tmp_path_factory.mktemp("store") / "facts.db"
    summary = extract([CORPUS], db, nlp=nlp)
    assert summary.failed == 0, summary.failures
    return db
