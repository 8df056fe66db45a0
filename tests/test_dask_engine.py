"""`extract --engine dask` (issue 20): shards, their merge, and runs on a LocalCluster of 2 worker
processes -- the store equals the plain run's, table by table, after a worker killed mid-task, a
driver interrupted and run again, and a task that raises."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import cli
from extractor.ingest.corpus import find_files, iter_articles
from extractor.nlp.indicators.catalog import catalog
from extractor.nlp.pipeline import pipeline_version
from extractor.run import cluster
from extractor.run.cluster import ClusterError, DaskOptions, Task, extract_on_dask, run_task, task_key
from extractor.run.extract import extract
from extractor.run.shards import SUFFIX, ShardWriter, merge_shard
from extractor.store.db import open_db
from extractor.store.integrity import check_store
from extractor.store.write import load_indicators

from .conftest import CORPUS
from .robustness import EXTRACTOR, ROOT, article_rows, cli_env, snapshot, write_corpus
from .store_tables import differences, tables

#: a word no article has: the fault-injecting plugin makes a task raise on the text that holds it
FAULT_WORD = "Qwertyvania"


def _same_store(a: Path, b: Path) -> None:
    diff = differences(tables(a), tables(b))
    assert not diff, diff


@pytest.fixture()
def warm(nlp):
    """The session's pipeline in the worker cache of this process, for tasks run in-process."""
    cluster._pipelines[""] = (nlp, pipeline_version())
    yield nlp
    cluster._pipelines.pop("", None)


def _task(folder: Path, corpus: Path, version: str | None = None) -> Task:
    arts = [(a, (str(a.path),)) for a in iter_articles(find_files([corpus]))]
    version = version or pipeline_version()
    return Task(task_key(version, arts), tuple(arts), version, None, str(folder))


def _store(path: Path):
    db = open_db(path)
    load_indicators(db, [i.row() for i in catalog()])
    return db


# ------------------------------------------------------------------------------------------ shards


def test_shard_merged_twice_equals_the_plain_store(tmp_path: Path, warm) -> None:
    corpus = write_corpus(tmp_path / "corpus", 5)
    plain = tmp_path / "plain.db"
    extract([corpus], plain, nlp=warm)
    shards = tmp_path / "shards"
    shards.mkdir()
    shard = Path(run_task(_task(shards, corpus)))
    assert shard.name.endswith(SUFFIX) and [p.name for p in shards.iterdir()] == [shard.name]

    db = _store(tmp_path / "merged.db")
    first = merge_shard(db, shard)
    once = snapshot(tmp_path / "merged.db")
    again = merge_shard(db, shard)  # a retried or duplicated task
    db.conn.close()
    assert (first.processed, first.failed) == (again.processed, again.failed) == (5, 0)
    assert sorted(first.stored) == [f"a{i:03d}" for i in range(5)]
    assert snapshot(tmp_path / "merged.db") == once
    reference = snapshot(plain)
    for table in ("articles", "article_files", "sentences", "mentions", "claims"):
        assert once[table] == reference[table], table
    assert check_store(tmp_path / "merged.db").ok


def test_a_shard_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    from extractor.run.extract import Summary

    with pytest.raises(RuntimeError):
        with ShardWriter(tmp_path, "broken") as shard:
            shard.db["articles"].insert({"id": "x", "content_hash": "h", "text": "t"})
            raise RuntimeError("the task died half-way")
    assert list(tmp_path.iterdir()) == []
    with ShardWriter(tmp_path, "whole") as shard:
        assert shard.tmp.exists() and not shard.path.exists()  # written under a temporary name
        path = shard.publish(Summary(processed=0))
    assert [p.name for p in tmp_path.iterdir()] == [f"whole{SUFFIX}"] == [path.name]


def test_a_worker_with_another_pipeline_version_is_refused(tmp_path: Path, warm) -> None:
    corpus = write_corpus(tmp_path / "corpus", 1)
    with pytest.raises(ClusterError, match="install the same extractor"):
        run_task(_task(tmp_path, corpus, version="0123456789ab"))
    assert list(tmp_path.glob("*" + SUFFIX)) == []


def test_run_folders_of_dead_drivers_are_removed(tmp_path: Path) -> None:
    import socket

    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = tmp_path / "run-stale"
    stale.mkdir()
    (stale / "driver").write_text(f"{socket.gethostname()} {gone.pid}\n")
    (stale / f"x{SUFFIX}").write_text("left by an interrupted run")
    live = tmp_path / "run-live"
    live.mkdir()
    (live / "driver").write_text(f"{socket.gethostname()} {os.getpid()}\n")
    elsewhere = tmp_path / "run-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "driver").write_text(f"another-host-{socket.gethostname()} {gone.pid}\n")
    new = cluster._new_run_dir(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run-live", "run-elsewhere", new.name])


def test_cli_options_of_the_dask_engine_are_checked() -> None:
    result = CliRunner().invoke(cli, ["extract", str(CORPUS), "--db", "x.db", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--scheduler needs --engine dask" in result.output
    result = CliRunner().invoke(cli, ["extract", str(CORPUS), "--db", "x.db", "--engine", "dask", "--workers", "2",
                                      "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--workers sizes the local cluster" in result.output
    assert not Path("x.db").exists()


# --------------------------------------------------------------------------- on a LocalCluster of 2


@pytest.mark.slow
def test_dask_store_equals_the_plain_store_on_the_corpus(corpus_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "facts.db"
    result = subprocess.run([*EXTRACTOR, "extract", str(CORPUS), "--db", str(db), "--engine", "dask",
                             "--workers", "2"], capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    n = len(list(CORPUS.glob("*.txt")))
    assert f"{n} articles processed, 0 skipped, 0 failed" in result.stdout
    _same_store(corpus_db, db)
    assert not (tmp_path / "facts.db.shards").exists()  # shards merged and removed
    again = subprocess.run([*EXTRACTOR, "extract", str(CORPUS), "--db", str(db), "--engine", "dask"],
                           capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=600)
    assert again.returncode == 0 and f"0 articles processed, {n} skipped, 0 failed" in again.stdout
    _same_store(corpus_db, db)


@pytest.fixture(scope="module")
def local_cluster():
    """A LocalCluster of 2 worker processes, one thread each, as `--engine dask --workers 2` starts."""
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as lc, Client(lc) as client:
        yield lc, client


@pytest.fixture(scope="module")
def forty(tmp_path_factory, nlp) -> tuple[Path, Path]:
    """40 small articles and their store from a plain run."""
    root = tmp_path_factory.mktemp("forty")
    corpus = write_corpus(root / "corpus", 40)
    db = root / "plain.db"
    summary = extract([corpus], db, nlp=nlp)
    assert (summary.processed, summary.failed) == (40, 0)
    return corpus, db


def _executing(dask_worker) -> int:
    return len(dask_worker.state.executing)


@pytest.mark.slow
def test_a_worker_killed_mid_task_is_replaced_and_its_task_run_again(local_cluster, forty, tmp_path: Path) -> None:
    lc, client = local_cluster
    corpus, plain = forty
    db = tmp_path / "facts.db"
    options = DaskOptions(scheduler=lc.scheduler_address, task_size=2)
    result: dict = {}
    run = threading.Thread(target=lambda: result.update(summary=extract_on_dask([corpus], db, options)))
    run.start()
    killed = None
    deadline = time.monotonic() + 240
    while killed is None and run.is_alive() and time.monotonic() < deadline:
        if _stored(db) >= 2:
            busy = [addr for addr, n in client.run(_executing).items() if n]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed = pid
        time.sleep(0.05)
    run.join(timeout=300)
    assert not run.is_alive()
    assert killed is not None, "the run ended before a worker could be killed mid-task"
    assert _stored(db) == 40
    summary = result["summary"]
    assert (summary.processed, summary.failed) == (40, 0)
    _same_store(plain, db)
    client.wait_for_workers(2, timeout=60)  # the nanny replaced the killed worker
    assert killed not in client.run(os.getpid).values()


class FaultPlugin(cluster.WorkerPlugin):
    """Makes the pipeline raise, in the worker, on a text holding FAULT_WORD: a task that raises."""

    name = "test-fault"

    def setup(self, worker) -> None:
        real = cluster.process

        def faulty(nlp, items, **kwargs):
            for item in items:
                if FAULT_WORD in item.text:
                    raise RuntimeError(f"injected fault on {FAULT_WORD}")
            return real(nlp, items, **kwargs)

        def process(nlp, items, **kwargs):
            items = list(items)
            return faulty(nlp, items, **kwargs)

        cluster.process = process


@pytest.mark.slow
def test_a_task_that_raises_is_recorded_in_failures_and_the_others_stored(local_cluster, forty, tmp_path: Path) -> None:
    lc, client = local_cluster
    corpus, plain = forty
    mine = tmp_path / "corpus"
    mine.mkdir()
    for f in corpus.glob("*.txt"):
        (mine / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    bad = mine / "a007.txt"
    bad.write_text(bad.read_text(encoding="utf-8").replace("Imports fell", f"{FAULT_WORD} imports fell"),
                   encoding="utf-8")
    (mine / "empty.txt").write_text("")
    db = tmp_path / "facts.db"
    client.register_plugin(FaultPlugin(), name=FaultPlugin.name)
    try:
        summary = extract_on_dask([mine], db, DaskOptions(scheduler=lc.scheduler_address, task_size=8))
    finally:
        client.unregister_worker_plugin(FaultPlugin.name)
        client.restart()  # workers without the fault for the other tests
    assert (summary.processed, summary.failed) == (39, 2)
    conn = sqlite3.connect(db)
    failures = dict(conn.execute("select path, reason from failures where article_id is null"))
    conn.close()
    assert set(failures) == {str(bad), str(mine / "empty.txt")}
    assert "empty file" in failures[str(mine / "empty.txt")]
    assert f"RuntimeError: injected fault on {FAULT_WORD}" in failures[str(bad)]
    stored, reference = snapshot(db), snapshot(plain)
    ids = {dict(r)["id"] for r in stored["articles"]}
    assert ids == {f"a{i:03d}" for i in range(40)} - {"a007"}
    for aid in ids:
        assert _without_paths(article_rows(stored, aid)) == _without_paths(article_rows(reference, aid)), aid
    assert check_store(db).ok


def _without_paths(rows: dict) -> dict:
    """An article's rows without the folder of its file (the two corpora are in other folders)."""
    return {t: [tuple((k, Path(v).name if k == "path" else v) for k, v in r) for r in rs] for t, rs in rows.items()}


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(db, timeout=1)
        try:
            return conn.execute("select count(*) from articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_an_interrupted_driver_leaves_a_store_that_a_rerun_completes(sig, forty, tmp_path: Path) -> None:
    import psutil

    corpus, plain = forty
    db = tmp_path / "facts.db"
    args = ["extract", str(corpus), "--db", str(db), "--engine", "dask", "--workers", "2", "--task-size", "2",
            "--quiet"]
    proc = subprocess.Popen([*EXTRACTOR, *args], cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 240
        while _stored(db) < 3:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "fewer than 3 articles stored in time"
            time.sleep(0.02)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "interrupted: articles stored so far are complete" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    # the cluster's processes end with the driver
    gone, alive = psutil.wait_procs(children, timeout=60)
    assert not alive, [p.pid for p in alive]

    partial, reference = snapshot(db), snapshot(plain)
    stored = {dict(r)["id"] for r in partial["articles"]}
    assert 3 <= len(stored) < 40, "the signal did not land in the middle of the run"
    for aid in stored:
        assert article_rows(partial, aid) == article_rows(reference, aid), aid
    assert check_store(db).ok

    again = subprocess.run([*EXTRACTOR, *args], cwd=ROOT, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{40 - len(stored)} articles processed, {len(stored)} skipped, 0 failed" in again.stdout
    _same_store(plain, db)
    # the interrupted run's shards went with it or with the next run on this machine
    assert not (tmp_path / "facts.db.shards").exists() or not list((tmp_path / "facts.db.shards").iterdir())


def test_id_clash_settled_as_the_plain_path_settles_it(tmp_path: Path, monkeypatch) -> None:
    """Without bodies (the Dask driver), two files with one id keep the plain path's outcome: the
    first keeps the id only if it can be prepared (here its body is too long, and so is that of
    its copy under a third name)."""
    from extractor import settings
    from extractor.run.extract import prepare

    long_text = "Exports rose sharply in the first half of the year, officials said on Monday.\n" * 6
    for folder, text in (("a", long_text), ("b", "Imports fell 3 percent in May, the customs office said.\n"),
                         ("c", long_text)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / ("x.txt" if folder != "c" else "y.txt")).write_text(text, encoding="utf-8")
    monkeypatch.setattr(settings, "MAX_CHARS", 200)
    arts = list(iter_articles(find_files([tmp_path / "a", tmp_path / "c", tmp_path / "b"])))

    def outcome(bodies: bool) -> tuple[list, list]:
        errors: list = []
        kept = prepare(arts, on_error=lambda art, reason: errors.append((str(art.path), reason)), bodies=bodies)
        return sorted(errors), [(p.article.id, str(p.article.path), p.files) for p in kept]

    plain, pending = outcome(True), outcome(False)
    assert pending == plain
    assert [path for path, _ in plain[0]] == [str(tmp_path / "a" / "x.txt"), str(tmp_path / "c" / "y.txt")]
    assert all("article body too long" in reason for _, reason in plain[0])
    assert plain[1] == [("x", str(tmp_path / "b" / "x.txt"), [str(tmp_path / "b" / "x.txt")])]
