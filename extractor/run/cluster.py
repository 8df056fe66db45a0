"""``extract --engine dask``: extraction on Dask's distributed scheduler (issue 20).

The driver (the ``extract`` command) lists the corpus and skips unchanged articles as the plain
path does (``extract.py``); the rest go out as tasks of a few dozen articles. In each worker
process the pipeline is loaded once (:class:`PipelinePlugin`, and a process-level cache behind it);
a task finds its articles' bodies, runs the pipeline over them with the plain path's code
(``run_articles``, ``store_outcome``) and writes the rows into a shard (``shards.py``) in the shard
folder, which the driver and every worker must share. The driver merges each finished shard into
the store as it arrives, one transaction per shard, and deletes it; the consistency checks run
after the merge, as on the plain path.

Faults:

* A worker process that dies (killed, out of memory) is replaced by its nanny, and the scheduler
  runs its task again elsewhere. A task that kills workers several times (the scheduler's
  ``allowed-failures``) or raises is split: its articles run again one per task, and only an
  article that fails alone is recorded in ``failures``, with the reason.
* Tasks run in worker threads, where the time bounds of issue 14 (SIGALRM) cannot interrupt the
  pipeline. Instead a watchdog in each worker process kills the process when a batch of texts
  takes far longer than the bounds allow (``workers._hard_limit``); the task then goes the way of
  any task whose worker died, so no input holds the run for ever.
* An interrupted driver leaves the store with whole articles (one transaction per shard); a
  re-run skips them and extracts the rest. Shards of an interrupted run are left in its run
  folder; the next run on the same machine removes the folders of drivers that are gone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlite_utils

from extractor.ingest.corpus import Article
from extractor.run.extract import (
    ExtractionError, Prepared, Summary, describe_exception, extract, prepare_article, record_failed_file,
    run_articles, store_outcome,
)
from extractor.run.shards import ShardWriter, merge_shard
from extractor.run.workers import Item, Limits, Outcome, _hard_limit, process
from extractor.store.db import StoreError

#: articles per task: enough to keep the pipeline's batches full and the per-task overhead small,
#: few enough that a lost task costs little
DEFAULT_TASK_SIZE = 32
#: Settings of the LocalCluster's workers (and of the replacements of dead ones). The nanny's
#: default MALLOC_TRIM_THRESHOLD_ (64 kB) makes glibc hand freed memory back at once, and the
#: pipeline allocates and frees a lot per text: unset, the workers used 10-15% less CPU per article
#: (512 articles, LocalCluster of 2). The statistical profiler feeds a dashboard nobody looks at.
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}
#: the plugin's name on the workers
PLUGIN = "extractor-pipeline"
RUN_PREFIX = "run-"


class ClusterError(RuntimeError):
    """The cluster cannot run the extraction (no scheduler, no workers, workers that run another
    version of the extractor); the message says which and why."""


# ---------------------------------------------------------------------------------------- workers

_load_lock = threading.Lock()
#: (pipeline, its version) per model name, loaded once per process
_pipelines: dict[str, tuple[Any, str]] = {}
#: one task at a time runs the pipeline in a process: spaCy pipelines are not made to be shared
#: by threads, and a worker with several threads gains nothing from them on this CPU-bound work
_run_lock = threading.Lock()


def worker_pipeline(model: str | None) -> tuple[Any, str]:
    """The pipeline and its version, built on first use in this process."""
    key = model or ""
    with _load_lock:
        if key not in _pipelines:
            from extractor.nlp.pipeline import build, pipeline_version

            _pipelines[key] = (build(model), pipeline_version(model))
        return _pipelines[key]


class _Watchdog:
    """Kills this process when a task's batch runs past its deadline (see the module docstring)."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.what = ""
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if not self._started:
                threading.Thread(target=self._watch, name="extractor-watchdog", daemon=True).start()
                self._started = True

    def arm(self, seconds: float | None, what: str) -> None:
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.what = what

    def _watch(self) -> None:
        while True:
            time.sleep(1.0)
            deadline = self.deadline
            if deadline is not None and time.monotonic() > deadline:
                print(f"extractor: {self.what} is stuck past every time bound; killing worker process {os.getpid()}",
                      file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)


_watchdog = _Watchdog()

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # dask is an optional part of the install; the driver says so when asked for it
    WorkerPlugin = object  # type: ignore[misc,assignment]


class PipelinePlugin(WorkerPlugin):  # type: ignore[misc,valid-type]
    """Loads the pipeline when a worker starts (and when a replaced worker starts), so that tasks
    find it loaded, and starts the watchdog."""

    name = PLUGIN
    idempotent = False

    def __init__(self, model: str | None):
        self.model = model

    def setup(self, worker: Any) -> None:
        worker_pipeline(self.model)
        _watchdog.start()


@dataclass(frozen=True)
class Task:
    """A few dozen articles, each with every file name it was found under."""

    key: str
    articles: tuple[tuple[Article, tuple[str, ...]], ...]
    version: str
    model: str | None
    folder: str
    strict: bool = False

    @property
    def size(self) -> int:
        return len(self.articles)


def run_task(task: Task) -> str:
    """In a worker: extract the task's articles into a shard; returns the shard's path."""
    nlp, version = worker_pipeline(task.model)
    if version != task.version:
        raise ClusterError(
            f"worker {socket.gethostname()} (pid {os.getpid()}) runs pipeline version {version}, the driver "
            f"{task.version}: install the same extractor, model and rule files on every worker"
        )
    _watchdog.start()
    limits = Limits()
    from extractor import settings

    batch_limit = _hard_limit(limits, settings.BATCH_SIZE)
    with _run_lock, ShardWriter(task.folder, task.key) as shard:
        db = shard.db
        summary = Summary()
        preps: list[Prepared] = []
        for art, files in task.articles:
            try:
                preps.append(prepare_article(art, list(files)))
            except Exception as exc:  # recorded as the plain path records an article it cannot prepare
                for f in files:
                    record_failed_file(db, summary, f, describe_exception(exc))

        def outcomes(items: Iterator[Item]) -> Iterator[Outcome]:
            _watchdog.arm(batch_limit, f"task {task.key}")
            for outcome in process(nlp, items, limits=limits):
                yield outcome
                _watchdog.arm(batch_limit, f"task {task.key}")

        def finish(prep: Prepared, done: list[tuple[Outcome, int]], expected: int) -> None:
            try:
                store_outcome(db, shard.tmp, prep, done, expected, version, summary, task.strict)
            except ExtractionError:
                pass  # recorded in the shard; the driver stops when it merges it (--strict)

        try:
            run_articles(preps, outcomes, finish)
        finally:
            _watchdog.arm(None, "")
        return str(shard.publish(summary))


# ----------------------------------------------------------------------------------------- driver


@dataclass
class Stats:
    """What the driver measured: tasks, merge time, shard sizes."""

    tasks: int = 0
    retried_alone: int = 0
    shards: int = 0
    shard_bytes: int = 0
    merged_articles: int = 0
    merge_seconds: float = 0.0
    merge_cpu_seconds: float = 0.0  #: the driver's CPU time in the merges (less sensitive to a busy machine)
    cluster_seconds: float = 0.0  #: starting the cluster and loading the pipeline on its workers
    workers: int = 0
    listing_seconds: float = 0.0  #: reading the corpus and finding what to extract, before the tasks
    tasks_seconds: float = 0.0  #: from the first task to the last merge, the cluster's start included
    checks_seconds: float = 0.0  #: the consistency checks after the merge


def task_key(version: str, articles: list[tuple[Article, tuple[str, ...]]]) -> str:
    """A name for a task from what it extracts: the same articles give the same shard name."""
    h = hashlib.sha1(version.encode())
    for art, files in articles:
        h.update(f"\0{art.id}\0{art.content_hash}\0{chr(1).join(files)}".encode())
    return h.hexdigest()[:20]


class DaskEngine:
    """The ``engine`` of :func:`extractor.run.extract.extract` that runs tasks on a Dask client."""

    def __init__(self, connect: Callable[[], Any], shard_dir: Path, *, model: str | None,
                 task_size: int = DEFAULT_TASK_SIZE, stats: Stats | None = None):
        #: starts or reaches the cluster: only a run with articles to extract needs one
        self.connect = connect
        self.shard_dir = Path(shard_dir)
        self.model = model
        self.task_size = max(1, task_size)
        self.stats = stats or Stats()
        #: when the engine was called and when its last merge ended (perf_counter), if it was
        self.started: float | None = None
        self.ended: float | None = None

    def __call__(self, db: sqlite_utils.Database, db_path: str | Path, todo: list[Prepared], version: str,
                 summary: Summary, strict: bool, progress: Callable[[int], None] | None) -> None:
        from distributed import as_completed

        self.started = time.perf_counter()
        run_dir = _new_run_dir(self.shard_dir)
        try:
            self._run(run_dir, db, todo, version, summary, strict, progress)
        finally:
            remove_run_dir(run_dir)
            self.ended = time.perf_counter()

    def _run(self, run_dir: Path, db: sqlite_utils.Database, todo: list[Prepared], version: str, summary: Summary,
             strict: bool, progress: Callable[[int], None] | None) -> None:
        from distributed import as_completed

        client = self.connect()
        articles = [(p.article, tuple(p.files)) for p in todo]
        pending = [articles[i:i + self.task_size] for i in range(0, len(articles), self.task_size)]
        pending.reverse()  # popped from the end: the corpus order
        threads = sum(client.nthreads().values()) or 1
        window = 4 * threads + 2
        futures: dict[Any, Task] = {}
        done_keys: set[str] = set()
        completed = as_completed()

        def submit(group: list[tuple[Article, tuple[str, ...]]], alone: bool = False) -> None:
            task = Task(task_key(version, group), tuple(group), version, self.model, str(run_dir), strict)
            future = client.submit(run_task, task, key=f"extractor-{'alone-' if alone else ''}{task.key}",
                                        retries=1)
            futures[future] = task
            completed.add(future)
            self.stats.tasks += 1

        def fill() -> None:
            while pending and len(futures) < window:
                submit(pending.pop())

        try:
            fill()
            for future in completed:
                task = futures.pop(future)
                if future.status == "finished":
                    path = Path(future.result())
                    if task.key not in done_keys:
                        self._merge(db, path, summary)
                        done_keys.add(task.key)
                    path.unlink(missing_ok=True)
                else:
                    exc = future.exception() if future.status == "error" else RuntimeError(f"task {future.status}")
                    if isinstance(exc, (ClusterError, StoreError)):
                        raise exc
                    if task.size > 1:  # one of its articles may be the cause: each runs alone
                        self.stats.retried_alone += task.size
                        for one in task.articles:
                            submit([one], alone=True)
                    else:
                        art, files = task.articles[0]
                        reason = _task_failure(exc)
                        summary.failed += 1
                        for f in files:
                            record_failed_file(db, Summary(), f, reason)
                            summary.failures.append((f, reason))
                if strict and summary.failures:
                    path, reason = summary.failures[0]
                    raise ExtractionError(reason if reason.startswith(str(path)) else f"{path}: {reason}")
                if progress and (future.status == "finished" or task.size == 1):
                    progress(task.size)
                fill()
        finally:
            for future in list(futures):
                future.cancel()
            futures.clear()

    def _merge(self, db: sqlite_utils.Database, path: Path, summary: Summary) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        size = path.stat().st_size
        part = merge_shard(db, path)
        self.stats.merge_seconds += time.perf_counter() - t0
        self.stats.merge_cpu_seconds += time.thread_time() - c0
        self.stats.shards += 1
        self.stats.shard_bytes += size
        self.stats.merged_articles += part.processed
        summary.processed += part.processed
        summary.failed += part.failed
        summary.sentences += part.sentences
        summary.mentions += part.mentions
        summary.claims += part.claims
        summary.failures.extend(part.failures)
        summary.left_out.extend(part.left_out)
        summary.stored.extend(part.stored)


def _task_failure(exc: BaseException | None) -> str:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return f"worker process died on this text, again and again ({type(exc).__name__}: {exc})"
    return f"the task failed on a worker: {type(exc).__name__}: {exc}"


def _new_run_dir(shard_dir: Path) -> Path:
    """A folder of this run's shards in the shard folder (removed when the run ends); folders of
    earlier runs on this machine whose driver is gone are removed first."""
    try:
        shard_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{shard_dir}: cannot create the shard folder ({exc.strerror})") from exc
    host = socket.gethostname()
    for old in shard_dir.glob(RUN_PREFIX + "*"):
        try:
            owner_host, pid = (old / "driver").read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            continue
        if owner_host == host and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    run_dir = shard_dir / f"{RUN_PREFIX}{uuid.uuid4().hex[:12]}"
    run_dir.mkdir()
    (run_dir / "driver").write_text(f"{host} {os.getpid()}\n", encoding="utf-8")
    return run_dir


def remove_run_dir(run_dir: Path, attempts: int = 5) -> None:
    """Remove a run folder, its ``driver`` file last (a folder that could not be removed keeps its
    owner, so a later run can remove it). Workers of an interrupted run may still be writing into
    it: a file that appears meanwhile is removed on the next attempt."""
    for attempt in range(attempts):
        if not run_dir.exists():
            return
        for entry in run_dir.iterdir():
            if entry.name != "driver":
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        try:
            (run_dir / "driver").unlink(missing_ok=True)
            run_dir.rmdir()
            return
        except OSError:
            (run_dir / "driver").write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
            time.sleep(0.2 * (attempt + 1))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_shard_dir(db_path: str | Path) -> Path:
    """Beside the store: ``data/facts.db`` -> ``data/facts.db.shards``."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".shards")


@dataclass
class DaskOptions:
    scheduler: str | None = None  #: address of a running scheduler; None starts a LocalCluster
    workers: int = 2  #: worker processes of the LocalCluster
    shard_dir: Path | None = None
    task_size: int = DEFAULT_TASK_SIZE
    stats: Stats = field(default_factory=Stats)


def extract_on_dask(paths: Any, db_path: str | Path, options: DaskOptions, **kwargs: Any) -> Summary:
    """:func:`~extractor.run.extract.extract` with the pipeline run on a Dask cluster: a
    LocalCluster of ``options.workers`` processes, or the cluster of ``options.scheduler``. The
    cluster is started (or reached) only when there are articles to extract."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise ClusterError(f"--engine dask needs the dask[distributed] package ({exc})") from exc
    import logging

    shard_dir = Path(options.shard_dir) if options.shard_dir else default_shard_dir(db_path)
    model = kwargs.get("model")
    t0 = time.perf_counter()
    with ExitStack() as stack:
        if not options.scheduler:
            import dask

            stack.enter_context(dask.config.set(LOCAL_CLUSTER_CONFIG))

        def connect() -> Any:
            t = time.perf_counter()
            if options.scheduler:
                try:
                    client = Client(options.scheduler, timeout="20s")
                except OSError as exc:
                    raise ClusterError(f"{options.scheduler}: cannot reach the Dask scheduler ({exc})") from exc
            else:
                cluster = stack.enter_context(LocalCluster(
                    n_workers=options.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                    silence_logs=logging.ERROR))
                client = Client(cluster)
            stack.callback(client.close)
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError as exc:
                raise ClusterError(f"{options.scheduler or 'the local cluster'}: no worker joined in 60s") from exc
            client.register_plugin(PipelinePlugin(model), name=PLUGIN)
            options.stats.workers = len(client.nthreads())
            options.stats.cluster_seconds = time.perf_counter() - t
            return client

        stack.callback(_remove_if_empty, shard_dir, options.shard_dir is None)
        # after the local cluster has stopped (callbacks run last-in first-out): no worker writes now
        stack.callback(_remove_own_run_dirs, shard_dir)
        engine = DaskEngine(connect, shard_dir, model=model, task_size=options.task_size, stats=options.stats)
        summary = extract(paths, db_path, engine=engine, **kwargs)
        if engine.started is not None and engine.ended is not None:
            st = options.stats
            st.listing_seconds = engine.started - t0
            st.tasks_seconds = engine.ended - engine.started
            st.checks_seconds = time.perf_counter() - engine.ended
    summary.seconds = time.perf_counter() - t0
    return summary


def _remove_own_run_dirs(shard_dir: Path) -> None:
    me = f"{socket.gethostname()} {os.getpid()}"
    for run_dir in shard_dir.glob(RUN_PREFIX + "*") if shard_dir.is_dir() else []:
        try:
            owner = (run_dir / "driver").read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if owner == me:
            remove_run_dir(run_dir)


def _remove_if_empty(shard_dir: Path, default: bool) -> None:
    if default:
        try:
            shard_dir.rmdir()
        except OSError:
            pass
