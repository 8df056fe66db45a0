"""The benchmark command (issue 8) on a tiny bench corpus: it runs and reports every figure.

These tests check that the benchmark works, never how fast anything is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.bench import BenchError, grow_corpus, split_sentences
from benchmarks.cli import bench
from extractor.ingest.corpus import content_hash, read_article

from .conftest import CORPUS

pytestmark = pytest.mark.slow

ARTICLES = 12


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory) -> tuple[dict, Path, str]:
    tmp = tmp_path_factory.mktemp("bench")
    out_dir = tmp / "out"
    json_path = tmp / "bench.json"
    result = CliRunner().invoke(bench, [
        "--corpus", str(CORPUS), "--json", str(json_path), "--articles", str(ARTICLES), "--workers", "1",
        "--out-dir", str(out_dir),
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return json.loads(json_path.read_text(encoding="utf-8")), out_dir, result.output


def _positive(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def test_report_has_every_figure(bench_run):
    report, _, output = bench_run
    runs = report["runs"]
    assert set(runs) == {"bare_1", "extract_1", "dask_1", "rerun", "quantulum"}
    for name in ("bare_1", "extract_1", "dask_1", "quantulum"):
        r = runs[name]
        for key in ("seconds", "articles_per_s", "words_per_s", "cpu_seconds", "peak_rss_per_process_mb",
                    "load_seconds", "process_seconds"):
            assert _positive(r[key]), (name, key, r.get(key))
        assert _positive(r["peak_rss_mb"]["main"]), name
    rerun = runs["rerun"]
    for key in ("seconds", "process_seconds", "peak_rss_per_process_mb"):
        assert _positive(rerun[key]), key
    assert runs["bare_1"]["docs"] == ARTICLES
    assert runs["quantulum"]["sentences"] == report["corpus"]["body_sentences"] > 0
    assert runs["extract_1"]["claims"] > 0 and runs["extract_1"]["failed"] == 0
    assert _positive(report["headline"]["ratio"]["1"])
    assert _positive(report["cpu_ratio"]["1"])
    assert report["speedup"] == {}  # one worker count: no speed-up to report
    assert set(report["goals"]) == {"ratio", "speedup", "memory", "rerun", "dask"}
    for name, goal in report["goals"].items():
        assert goal["pass"] in (True, False, None), name
        if name != "speedup":
            assert _positive(goal["value"]), name
    assert report["goals"]["speedup"]["pass"] is None
    assert _positive(report["corpus"]["body_words"]) and _positive(report["seconds"])
    assert "headline" in output and "goals:" in output


def test_dask_run_is_measured_with_its_merge(bench_run):
    """issue 20: the Dask path stores what the plain path stores, and the merge is timed."""
    report, _, output = bench_run
    d, plain = report["runs"]["dask_1"], report["runs"]["extract_1"]
    assert (d["processed"], d["failed"]) == (ARTICLES, 0)
    assert (d["sentences"], d["mentions"], d["claims"]) == (plain["sentences"], plain["mentions"], plain["claims"])
    assert d["merged_articles"] == ARTICLES and d["shards"] == d["tasks"] >= 1
    summary = report["dask"]
    for key in ("ratio", "merge_seconds_per_article", "shard_bytes_per_article", "store_bytes_per_article",
                "cluster_start_seconds", "worker_cpu_seconds_per_article"):
        assert _positive(summary[key]), key
    assert summary["workers"] == 1 and report["goals"]["dask"]["pass"] in (True, False)
    assert "merge:" in output and "ms/article" in output


def test_rerun_skipped_everything(bench_run):
    report, _, _ = bench_run
    rerun = report["runs"]["rerun"]
    assert rerun["skipped"] == ARTICLES
    assert rerun["processed"] == 0 and rerun["failed"] == 0
    assert report["rerun"]["skipped"] == ARTICLES and report["rerun"]["processed"] == 0
    assert report["runs"]["extract_1"]["processed"] == ARTICLES


def test_bench_corpus_texts_are_distinct_and_sized_like_the_sources(bench_run):
    report, out_dir, _ = bench_run
    files = sorted((out_dir / "bench-corpus").glob("*.txt"))
    assert len(files) == ARTICLES
    texts = [read_article(f).text for f in files]
    assert len({content_hash(t) for t in texts}) == ARTICLES
    assert report["corpus"]["distinct_hashes"] == report["corpus"]["distinct_bodies"] == ARTICLES
    assert 0.8 < report["corpus"]["mean_chars"] / report["corpus"]["source_mean_chars"] < 1.2


def test_growing_is_deterministic_and_varies_the_text(tmp_path):
    a = grow_corpus(CORPUS, tmp_path / "a", 7, seed=3)
    b = grow_corpus(CORPUS, tmp_path / "b", 7, seed=3)
    assert [p.read_text(encoding="utf-8") for p in a] == [p.read_text(encoding="utf-8") for p in b]
    sources = {content_hash(read_article(p).text) for p in sorted(CORPUS.glob("*.txt"))}
    grown = [read_article(p) for p in a]
    assert not sources & {g.content_hash for g in grown}
    assert len({g.content_hash for g in grown}) == 7
    source_files = sorted(CORPUS.glob("*.txt"))
    for i, g in enumerate(grown):  # articles are grown from the sources in turn, sidecars with them
        src = source_files[i % len(source_files)]
        has_meta = src.with_name(src.name[:-4] + ".meta.json").exists()
        assert g.path.with_name(g.path.name[:-4] + ".meta.json").exists() == has_meta
        assert abs(len(g.text) - len(read_article(src).text)) < 0.2 * len(read_article(src).text)


def test_split_sentences():
    assert split_sentences("Exports rose 5%. Imports fell.\nHeadline without stop\n\n“Quote.” He said.") == [
        "Exports rose 5%.", "Imports fell.", "Headline without stop", "“Quote.”", "He said."]


def test_bench_rejects_bad_options(tmp_path):
    result = CliRunner().invoke(bench, ["--corpus", str(CORPUS), "--workers", "one,2"])
    assert result.exit_code != 0 and "process counts" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(bench, ["--corpus", str(empty), "--json", str(tmp_path / "b.json"),
                                      "--out-dir", str(tmp_path / "o"), "--articles", "2"])
    assert result.exit_code != 0 and "no .txt files" in result.output
    foreign = tmp_path / "foreign"
    (foreign / "bench-corpus").mkdir(parents=True)
    with pytest.raises(BenchError, match="not made by the benchmark"):
        from benchmarks.bench import BenchConfig, run

        run(BenchConfig(corpus=CORPUS, json_path=tmp_path / "x.json", articles=1, out_dir=foreign))
