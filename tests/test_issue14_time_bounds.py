"""Issue 14: every command finishes on any input. Time bounds that nest, a stuck sentence that
costs only itself (in the main process and in worker processes), the commands that read text, and
the regressions that once hung ("until this month" without a publication date)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from spacy.language import Language

from extractor import settings
from extractor.cli import cli
from extractor.run.extract import extract
from extractor.store.integrity import check_store
from extractor.nlp.periods.component import timexes
from extractor.nlp.quantities.component import quantities
from extractor.run.workers import Item, Limits, blank, process, run_text, sentence_ranges
from extractor.timebound import TimeBound, time_bound

from .robustness import article, write_corpus

ISSUE_SENTENCE = "The plant had not resumed output until this month."
TWO_PARAGRAPHS = (
    "The plant had not resumed output until this month, the company said.\n\n"
    "Exports rose 5 percent to $3 billion in March.\n"
)


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


# ---------------------------------------------------------------------------------------------- bounds


def test_issue14_a_block_past_its_bound_is_interrupted_with_the_bound_named() -> None:
    t0 = time.monotonic()
    with pytest.raises(TimeBound, match=r"no result after 0\.2s \(the test's bound\)"):
        with time_bound(0.2, "the test's bound"):
            _spin(30)
    assert time.monotonic() - t0 < 10
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_issue14_bounds_nest_and_the_earliest_fires_first() -> None:
    with time_bound(30, "outer"):
        with pytest.raises(TimeBound, match="inner"):
            with time_bound(0.2, "inner"):
                _spin(30)
        # the outer bound is still armed for the rest of its block
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30
    with pytest.raises(TimeBound, match="outer"):
        with time_bound(0.2, "outer"):
            with time_bound(30, "inner"):
                _spin(30)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_issue14_a_swallowed_timeout_fires_again() -> None:
    caught = 0
    with pytest.raises(TimeBound):
        with time_bound(0.2, "again"):
            while True:
                try:
                    _spin(30)
                except TimeBound:
                    caught += 1
                    if caught > 1:
                        raise
    assert caught == 2


def test_issue14_the_previous_alarm_handler_is_restored() -> None:
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with time_bound(5, "x"):
            assert signal.getsignal(signal.SIGALRM) is not mine
        assert signal.getsignal(signal.SIGALRM) is mine
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_issue14_a_bound_outside_the_main_thread_is_off() -> None:
    seen = []

    def work():
        with time_bound(0.01, "thread"):
            time.sleep(0.1)
        seen.append("done")

    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    assert seen == ["done"]


# ---------------------------------------------------------------------------------------------- runner


@pytest.mark.parametrize("text, expected", [
    ("One. Two!  Three?\nFour", ["One.", "Two!", "Three?", "Four"]),
    ("“Up 5%,” he said. Then: more.\n\n  Last line  ", ["“Up 5%,” he said.", "Then: more.", "Last line"]),
    ("No end", ["No end"]),
    ("", []),
])
def test_issue14_sentence_ranges(text, expected) -> None:
    assert [text[s:e] for s, e in sentence_ranges(text)] == expected


def test_issue14_blank_keeps_offsets_and_line_breaks() -> None:
    text = "Keep this. Drop\nthis one. Keep."
    out = blank(text, [(11, 25)])
    assert len(out) == len(text) and out[15] == "\n" and out.split() == ["Keep", "this.", "Keep."]


@Language.component("issue14_stuck")
def _stuck(doc):
    while "HANG" in doc.text:
        pass
    return doc


@Language.component("issue14_boom")
def _boom(doc):
    if "BOOM" in doc.text:
        raise RuntimeError("broken on purpose")
    return doc


@Language.component("issue14_kill")
def _kill(doc):
    if "KILLME" in doc.text:
        os.kill(os.getpid(), signal.SIGKILL)
    return doc


@pytest.fixture()
def with_component(nlp):
    added = []

    def add(name: str):
        nlp.add_pipe(name, last=True)
        added.append(name)
        return nlp

    try:
        yield add
    finally:
        for name in added:
            nlp.remove_pipe(name)


FAST = Limits(article=1.0, sentence=1.0)


def test_issue14_a_stuck_sentence_costs_that_sentence(with_component) -> None:
    nlp = with_component("issue14_stuck")
    text = "Exports rose 5 percent to $3 billion in March. Output HANG fell 2 percent.\nImports fell 3 percent."
    t0 = time.monotonic()
    out = run_text(nlp, text, "2025-04-02", FAST)
    assert time.monotonic() - t0 < 30
    assert out.doc is not None and len(out.doc.text) == len(text)
    [k] = out.skipped
    assert text[k.start:k.end] == "Output HANG fell 2 percent." and k.component == "issue14_stuck"
    assert "EXTRACTOR_SENTENCE_TIMEOUT" in k.reason
    assert [text[q["start"]:q["end"]] for q in quantities(out.doc)] == ["5 percent", "$3 billion", "3 percent"]


def test_issue14_a_batch_with_a_failing_text_answers_the_others(with_component) -> None:
    nlp = with_component("issue14_boom")
    items = [Item(0, "Exports rose 5 percent."), Item(1, "BOOM went 3 percent. Imports fell 2 percent."),
             Item(2, "Output grew 4 percent.")]
    outs = list(process(nlp, items, batch_size=3, limits=FAST))
    assert [o.key for o in outs] == [0, 1, 2] and all(o.doc is not None for o in outs)
    assert [o.skipped for o in outs][0::2] == [[], []]
    [k] = outs[1].skipped
    assert (k.start, k.end, k.component) == (0, 20, "issue14_boom") and "broken on purpose" in k.reason


# ---------------------------------------------------------------------------------------------- regressions


@pytest.mark.parametrize("published, period", [("2025-03-14", "../2025-03"), (None, None)])
def test_issue14_until_this_month_is_resolved_or_left_unresolved_without_hanging(nlp, published, period) -> None:
    out = run_text(nlp, ISSUE_SENTENCE, published, Limits(article=30, sentence=30))
    assert out.doc is not None and not out.skipped, out.skipped
    [d] = timexes(out.doc)
    assert ISSUE_SENTENCE[d["start"]:d["end"]] == "until this month" and d["period"] == period


@pytest.mark.parametrize("text, published", [
    ("Shipping costs have doubled since last year.", None),
    ("Sales have not recovered till this year.", None),
    ("The shares closed at a record on Feb. 29, lifted by earnings.", "2025-03-14"),  # no Feb. 29 in 2025
])
def test_issue14_relative_and_impossible_dates_finish(nlp, text, published) -> None:
    out = run_text(nlp, text, published, Limits(article=30, sentence=30))
    assert out.doc is not None and not out.skipped, out.skipped


def test_issue14_two_paragraph_article_without_a_date_keeps_its_figures(tmp_path: Path, nlp) -> None:
    (tmp_path / "plant.txt").write_text(TWO_PARAGRAPHS, encoding="utf-8")
    db = tmp_path / "f.db"
    t0 = time.monotonic()
    summary = extract([tmp_path / "plant.txt"], db, nlp=nlp)
    assert time.monotonic() - t0 < 120
    assert (summary.processed, summary.failed, summary.left_out) == (1, 0, [])
    store = sqlite_utils.Database(db)
    rows = [(r["value"], r["unit"], r["change_value"], r["change_unit"])
            for r in store.query("select value, unit, change_value, change_unit from claims")]
    assert rows == [(3e9, "USD", 5, "percent")]
    assert store.execute("select published_how from articles").fetchone()[0] == "unknown"
    assert check_store(db).ok


# ---------------------------------------------------------------------------------------------- commands


def test_issue14_quantities_answers_the_issue_sentence(nlp_quantities, monkeypatch) -> None:
    import extractor.nlp.pipeline as pipeline

    monkeypatch.setattr(pipeline, "build", lambda model=None, with_claims=True: nlp_quantities)
    lines = json.dumps({"text": ISSUE_SENTENCE}) + "\n" + json.dumps({"text": "Exports rose 5 percent."}) + "\n"
    result = CliRunner().invoke(cli, ["quantities"], input=lines)
    assert result.exit_code == 0, result.output
    answers = [json.loads(x) for x in result.output.splitlines()]
    assert answers[0] == {"quantities": []} and [q["text"] for q in answers[1]["quantities"]] == ["5 percent"]


def test_issue14_quantities_answers_a_stuck_line_with_an_error_and_goes_on(with_component, monkeypatch) -> None:
    import extractor.nlp.pipeline as pipeline

    nlp = with_component("issue14_stuck")
    monkeypatch.setattr(pipeline, "build", lambda model=None, with_claims=True: nlp)
    monkeypatch.setattr(settings, "ARTICLE_TIMEOUT", 1.0)
    monkeypatch.setattr(settings, "SENTENCE_TIMEOUT", 1.0)
    lines = "\n".join(json.dumps({"text": t}) for t in (
        "Output HANG rose 2 percent.",  # the only sentence is stuck: no answer but the error
        "Exports rose 5 percent. Output HANG rose 2 percent.",  # one of two sentences is stuck
        "Imports fell 3 percent.",
    )) + "\n"
    result = CliRunner().invoke(cli, ["quantities"], input=lines)
    assert result.exit_code == 1
    first, second, third = (json.loads(x) for x in result.stdout.splitlines())
    assert first["quantities"] == [] and "stdin line 1: characters 0-27 left out: issue14_stuck" in first["error"]
    assert [q["text"] for q in second["quantities"]] == ["5 percent"] and "stdin line 2" in second["error"]
    assert [q["text"] for q in third["quantities"]] == ["3 percent"] and "error" not in third
    assert "EXTRACTOR_SENTENCE_TIMEOUT" in result.stderr


def test_issue14_eval_baselines_have_the_article_bound(tmp_path: Path, nlp, monkeypatch) -> None:
    from extractor.quality import evaluate as ev
    from extractor.quality.gold import load_dir
    from extractor.store.db import open_db

    from .conftest import CORPUS, GOLD

    db = tmp_path / "f.db"
    first = sorted(CORPUS.glob("*.txt"))[0]
    extract([first], db, nlp=nlp)
    golds = [g for g in load_dir(GOLD) if g.article == first.stem]
    monkeypatch.setattr(settings, "ARTICLE_TIMEOUT", 0.5)
    monkeypatch.setattr(ev, "quantulum_mentions", lambda text, offset: _spin(60) or [])
    result = ev.evaluate(open_db(db, create=False), golds, baselines=True)
    assert [s["article"] for s in result["quantities"]["baseline_skipped"]] == [first.stem]
    assert "EXTRACTOR_ARTICLE_TIMEOUT" in result["quantities"]["baseline_skipped"][0]["reason"]
    assert result["claims"]["claims"]["f1"] > 0.5  # the claims are scored as ever


# ---------------------------------------------------------------------------------------------- workers


def test_issue14_a_stuck_sentence_in_a_worker_process_costs_that_sentence(tmp_path: Path, with_component,
                                                                          monkeypatch) -> None:
    nlp = with_component("issue14_stuck")
    monkeypatch.setattr(settings, "ARTICLE_TIMEOUT", 1.0)
    monkeypatch.setattr(settings, "SENTENCE_TIMEOUT", 1.0)
    folder = write_corpus(tmp_path / "c", 5)
    (folder / "a003.txt").write_text(article(3).replace("on Tuesday", "on HANG Tuesday"), encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp, workers=2)
    assert (summary.processed, summary.failed) == (5, 0), summary.failures
    [(path, what)] = summary.left_out
    assert path.endswith("a003.txt") and "issue14_stuck" in what and "EXTRACTOR_SENTENCE_TIMEOUT" in what
    [row] = sqlite_utils.Database(db).query("select * from failures")
    assert row["article_id"] == "a003" and row["component"] == "issue14_stuck" and "HANG" in row["text"]
    assert check_store(db).ok


def test_issue14_a_worker_killed_by_one_text_fails_that_text_only(tmp_path: Path, with_component) -> None:
    nlp = with_component("issue14_kill")
    folder = write_corpus(tmp_path / "c", 6)
    (folder / "a002.txt").write_text(article(2).replace("on Tuesday", "on KILLME Tuesday"), encoding="utf-8")
    db = tmp_path / "f.db"
    summary = extract([folder], db, nlp=nlp, workers=2)
    assert (summary.processed, summary.failed) == (5, 1)
    [(path, reason)] = summary.failures
    assert path.endswith("a002.txt") and "worker process died" in reason
    ids = {r[0] for r in sqlite_utils.Database(db).execute("select id from articles")}
    assert ids == {"a000", "a001", "a003", "a004", "a005"}
