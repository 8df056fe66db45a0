"""The throughput benchmark (issue 8): extraction end to end against the bare spaCy model.

``run(config)`` grows a bench corpus of distinct articles from a corpus folder, then measures, each
in a fresh Python process so that peak memory is that measurement's own:

* ``bare_<p>``: ``nlp.pipe`` of the plain trained model (``spacy.load(model_name())``) over the
  article bodies, with ``p`` processes: the ceiling;
* ``extract_<w>``: :func:`extractor.run.extract.extract` into a fresh SQLite store with ``w`` workers,
  reading, body finding, our components and the writes included;
* ``dask_<w>``: the same with ``--engine dask`` on a LocalCluster of ``w`` worker processes (the
  largest worker count), against ``extract_<w>``; with the merge's cost per article and the sizes
  of shards and store (issue 20);
* ``rerun``: extraction over the unchanged bench corpus into the store of the first extract run
  (everything must be skipped);
* ``quantulum``: quantulum3's ``parse`` alone over the sentences of the same bodies, for scale.

Throughput figures exclude loading the model and warming the pipeline up on one short text
(reported apart as ``load_seconds``), for the bare model and for extraction alike. The headline is
end-to-end throughput over the bare ceiling with the same number of processes. Peak resident
memory is read with ``getrusage`` in each measuring process (itself, and the largest of its worker
processes once they have exited) and, with psutil, sampled per process while it runs.

A measuring process runs as ``python -m benchmarks.bench SPEC.json``; it writes its result next to
the spec. The benchmark times work, it tests nothing: see ``tests/test_bench.py`` for that.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

#: Goals of issue 8.
GOALS = {
    "ratio": 0.70,  #: end-to-end throughput / bare-model throughput, same process count
    "speedup": 1.6,  #: 2 workers over 1 worker, end to end
    "peak_mb": 1500.0,  #: peak resident memory of every extraction process, in MB (10^6 bytes)
    "rerun": 0.05,  #: re-run over the unchanged corpus / the first run
    "dask": 0.90,  #: --engine dask on a LocalCluster of w workers / --workers w, end to end (issue 20)
}

DEFAULT_ARTICLES = 2000
DEFAULT_SEED = 8
MARKER = ".extractor-bench"  #: written into folders the benchmark owns (and may clear)
#: Run once before timing: loads the model's lazy parts, quantulum3 (a unit) and dateparser (a date
#: the grammar leaves to it), so that throughput figures are steady state; this is in load_seconds.
WARMUP_TEXT = (
    "Exports rose 8.1 percent year-on-year to $123.4 billion in the first five months of 2025, "
    "the Ministry of Commerce said on Thursday. The 1,200-km railway, with trains running at 350 km/h, "
    "opened on the 5th of March 2024."
)
SCHEMA = 1


class BenchError(RuntimeError):
    """The benchmark cannot run or one of its measurements failed; the message says which and why."""


@dataclass
class BenchConfig:
    corpus: Path
    json_path: Path = Path("data/bench.json")
    articles: int = DEFAULT_ARTICLES
    workers: tuple[int, ...] = (1, 2)
    out_dir: Path | None = None  #: keep the bench corpus and stores here (default: a temporary folder)
    seed: int = DEFAULT_SEED
    model: str | None = None
    quantulum: bool = True
    dask: bool = True  #: measure --engine dask on a LocalCluster of the largest worker count too


# ================================================================================================
# Growing the bench corpus


MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]
_MONTH_ABBR = {m[:3]: i for i, m in enumerate(MONTH_NAMES)}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
NAME_POOL = [
    "Li Wei", "Wang Fang", "Chen Jing", "Zhang Min", "Liu Yang", "Huang Lei", "Zhao Qiang", "Wu Xiaoling",
    "Sun Jianguo", "Gao Hong", "Maria Santos", "James Carter", "Anna Kowalski", "Rahul Mehta", "Sofia Rossi",
    "Kenji Tanaka", "Nguyen Van Minh", "Olga Petrova", "David Okafor", "Laura Schmidt", "Ahmed Hassan",
    "Priya Nair", "Carlos Mendes", "Hannah Becker", "Tomasz Nowak", "Emily Clarke", "Park Ji-hoon",
    "Fatima Al-Sayed", "Lucas Moreau", "Ingrid Larsen",
]

# One pass over the text; the first alternative that matches wins.
_TOKENS = re.compile(
    r"(?P<iso>\b(?:19|20)\d{2}-[01]\d-[0-3]\d\b)"
    r"|(?P<time>\b\d{1,2}:\d{2}\b)"
    r"|(?P<monthday>\b(?P<mname>" + "|".join(MONTH_NAMES) + r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?)"
    r"(?P<dsep>\s+)(?P<day>[0-3]?\d)\b(?![\d%]|\.\d))"
    r"|(?P<month>\b(?:" + "|".join(MONTH_NAMES) + r")\b)"
    r"|(?P<weekday>\b(?:" + "|".join(WEEKDAYS) + r")\b)"
    r"|(?P<year>(?<![\w.,$€£¥:/])(?:19[5-9]\d|20\d{2})(?![\w:%/]|[.,]\d|\s*(?:percent|per cent|%)))"
    r"|(?P<number>(?<![\w.,:/])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w:]|[.,]\d))"
)
_SENTENCE_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”\"’']))\s+(?=[A-Z“\"‘])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a body: one per line at least, split after a full stop followed by a capital."""
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if line:
            out.extend(s.strip() for s in _SENTENCE_SPLIT.split(line) if s.strip())
    return out


@dataclass
class _Source:
    name: str
    text: str
    meta: dict
    persons: list[str]  #: PERSON names found by the model, longest first


@dataclass
class _Variant:
    """The choices for one bench article: applied the same way to the text and its sidecar."""

    rng: random.Random
    years: int
    months: int
    weekdays: int
    days: int = 0
    names: dict[str, str] = field(default_factory=dict)


def _month_index(name: str) -> int:
    return _MONTH_ABBR[name.rstrip(".")[:3]]


def _vary_number(raw: str, rng: random.Random, context_after: str) -> str:
    body, _, decimals = raw.partition(".")
    grouped = "," in body
    value = float(raw.replace(",", ""))
    if value == 0 or (not decimals and value <= 12):
        return raw  # counts, ordinals in words' place, list numbers: left alone
    factor = rng.uniform(0.75, 1.3)
    new = value * factor
    is_percent = bool(re.match(r"(?<!\s)\s*(?:%|percent|per cent)", context_after))
    if is_percent and value <= 100 < new:
        new = value * rng.uniform(0.75, 1.0)
    if decimals:
        out = f"{new:,.{len(decimals)}f}" if grouped else f"{new:.{len(decimals)}f}"
    else:
        n = max(1, int(round(new)))
        if len(str(n)) < len(body.replace(",", "")) and body.startswith("0"):
            return raw  # a zero-padded code
        out = f"{n:,}" if grouped else str(n)
    return out


def _substitute(text: str, v: _Variant) -> str:
    """Vary figures, dates and person names of ``text`` (sizes stay about the same)."""
    if v.names:
        names = sorted(v.names, key=len, reverse=True)
        rx = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
        text = rx.sub(lambda m: v.names[m.group(0)], text)

    def repl(m: re.Match) -> str:
        kind = m.lastgroup if m.lastgroup in ("iso", "time", "month", "weekday", "year", "number") else "monthday"
        s = m.group(0)
        if kind == "time":
            return s
        if kind == "iso":
            y, mo, d = (int(x) for x in s.split("-"))
            mo = min(12, max(1, mo + v.months))
            return f"{y + v.years:04d}-{mo:02d}-{min(28, max(1, d + v.days)):02d}"
        if kind == "year":
            return str(int(s) + v.years)
        if kind == "month":
            return MONTH_NAMES[(MONTH_NAMES.index(s) + v.months) % 12]
        if kind == "weekday":
            return WEEKDAYS[(WEEKDAYS.index(s) + v.weekdays) % len(WEEKDAYS)]
        if kind == "number":
            return _vary_number(s, v.rng, text[m.end():m.end() + 12])
        # a month name with a day
        name, day = m.group("mname"), m.group("day")
        idx = (_month_index(name) + v.months) % 12
        new_name = MONTH_NAMES[idx] if len(name.rstrip(".")) > 3 or name.rstrip(".") == "May" else (
            MONTH_NAMES[idx][:3] + ("." if name.endswith(".") else ""))
        new_day = min(28, max(1, int(day) + v.days))
        new_day_s = f"{new_day:02d}" if len(day) == 2 and day.startswith("0") else str(new_day)
        return f"{new_name}{m.group('dsep')}{new_day_s}"

    return _TOKENS.sub(repl, text)


def _reorder(text: str, rng: random.Random) -> str:
    """Swap two neighbouring sentences (never the first) in some long paragraphs."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        sents = _SENTENCE_SPLIT.split(line)
        if len(sents) < 3 or min(len(s) for s in sents) < 30 or rng.random() < 0.5:
            continue
        j = rng.randrange(1, len(sents) - 1)
        sents[j], sents[j + 1] = sents[j + 1], sents[j]
        lead = line[: len(line) - len(line.lstrip())]
        lines[i] = lead + " ".join(s.strip() for s in sents)
    return "\n".join(lines)


def _month_shift(text: str, meta: dict, rng: random.Random) -> int:
    """A shift of up to two months that keeps every month the article names inside its year."""
    months = [MONTH_NAMES.index(m) for m in re.findall(r"\b(?:" + "|".join(MONTH_NAMES) + r")\b", text)]
    months += [_month_index(m) for m in re.findall(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?(?=\s+\d)", text)]
    months += [int(x) - 1 for x in re.findall(r"\b(?:19|20)\d{2}-([01]\d)(?:-[0-3]\d)?\b", text + " " + meta.get("published", ""))]
    options = [k for k in (-2, -1, 0, 1, 2) if all(0 <= m + k <= 11 for m in months)]
    return rng.choice(options or [0])


def _vary_meta(meta: dict, v: _Variant) -> dict:
    out = dict(meta)
    pub = out.get("published")
    if pub and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", pub):
        parts = pub.split("-")
        parts[0] = str(int(parts[0]) + v.years)
        if len(parts) > 1:
            parts[1] = f"{min(12, max(1, int(parts[1]) + v.months)):02d}"
        if len(parts) > 2:
            parts[2] = f"{min(28, max(1, int(parts[2]) + v.days)):02d}"
        out["published"] = "-".join(parts)
    if out.get("title"):
        out["title"] = _substitute(out["title"], v)
    return out


def _load_sources(corpus: Path, model: str | None) -> list[_Source]:
    from extractor.ingest.corpus import CorpusError, find_files, iter_articles

    try:
        files = find_files([corpus])
    except CorpusError as exc:
        raise BenchError(str(exc)) from exc
    sources = []
    for item in iter_articles(files):
        if isinstance(item, CorpusError):
            continue  # a file extraction would reject is no model for bench articles
        sources.append(_Source(item.id, item.text, dict(item.meta), []))
    if not sources:
        raise BenchError(f"{corpus}: no readable articles to grow a bench corpus from")
    persons = _persons([s.text for s in sources], model)
    for s, names in zip(sources, persons):
        s.persons = names
    return sources


def _persons(texts: list[str], model: str | None) -> list[list[str]]:
    """PERSON names in each text, by the trained model (names are varied in the bench articles)."""
    import spacy

    from extractor.settings import model_name

    try:
        nlp = spacy.load(model or model_name(), disable=["parser", "lemmatizer"])
    except OSError:
        return [[] for _ in texts]
    out = []
    for doc in nlp.pipe(texts):
        names = {e.text for e in doc.ents if e.label_ == "PERSON" and e.text[:1].isupper() and "\n" not in e.text
                 and 2 <= len(e.text) <= 40}
        out.append(sorted(names, key=lambda n: (-len(n), n)))
    return out


def _name_map(persons: list[str], rng: random.Random) -> dict[str, str]:
    pool = NAME_POOL[:]
    rng.shuffle(pool)
    mapping: dict[str, str] = {}
    multi = [p for p in persons if len(p.split()) > 1]
    for p in multi:
        if not pool:
            break
        new = pool.pop()
        mapping[p] = new
        for a, b in zip(p.split(), new.split()):  # "Zhou Liujun" ... "Zhou said"
            if a in persons and a not in mapping:
                mapping[a] = b
    for p in persons:
        if p not in mapping and pool:
            mapping[p] = pool.pop().split()[-1]
    return mapping


def grow_corpus(corpus: str | Path, dest: str | Path, n: int, *, seed: int = DEFAULT_SEED,
                model: str | None = None) -> list[Path]:
    """Write ``n`` distinct bench articles (``bench_00000.txt`` ... with sidecars) grown from the
    articles of ``corpus`` into ``dest``: figures, dates, weekdays and person names varied and
    neighbouring sentences swapped, deterministically from ``seed``. Returns the article paths."""
    from extractor.ingest.corpus import content_hash

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    sources = _load_sources(Path(corpus), model)
    seen: set[str] = set()
    paths: list[Path] = []
    dead: set[int] = set()
    i = 0
    attempts = 0
    while len(paths) < n:
        k = i % len(sources)
        i += 1
        if k in dead:
            if len(dead) == len(sources):
                raise BenchError(f"{corpus}: the articles are too short to vary into {n} distinct texts")
            continue
        src = sources[k]
        text = None
        for attempt in range(8):
            rng = random.Random(f"{seed}:{len(paths)}:{attempt}")
            v = _Variant(rng=rng, years=rng.randint(-6, 4), months=0, weekdays=rng.randrange(len(WEEKDAYS)),
                         days=rng.randint(-3, 3))
            v.months = _month_shift(src.text, src.meta, rng)
            v.names = _name_map(src.persons, rng)
            cand = _reorder(_substitute(src.text, v), rng)
            h = content_hash(cand)
            attempts += 1
            if h not in seen:
                seen.add(h)
                text = cand
                meta = _vary_meta(src.meta, v)
                break
        if text is None:
            dead.add(k)
            continue
        path = dest / f"bench_{len(paths):05d}.txt"
        path.write_text(text, encoding="utf-8", newline="\n")
        if meta:
            path.with_name(path.name[:-4] + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
        paths.append(path)
    return paths


def corpus_texts(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Each bench article as extraction sees it: id, content hash, body text and its word count."""
    from extractor.ingest.body import find_body
    from extractor.ingest.corpus import read_article

    out = []
    for p in paths:
        art = read_article(p)
        body = find_body(art.text)
        text = art.text[body.start:body.end]
        out.append({"id": art.id, "hash": art.content_hash, "chars": len(art.text), "body": text,
                    "words": len(text.split())})
    return out


# ================================================================================================
# Measuring (in a fresh process)


def _rusage() -> dict[str, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss is in KiB on Linux, bytes on macOS
    unit = 1 if sys.platform == "darwin" else 1024
    return {
        "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        "cpu_main": me.ru_utime + me.ru_stime,
        "self_peak": me.ru_maxrss * unit,
        "children_peak": kids.ru_maxrss * unit,
    }


class _Sampler(threading.Thread):
    """Peak RSS per process of this process tree, sampled with psutil (when installed)."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self.tree_peak = 0
        self._halt = threading.Event()
        try:
            import psutil
        except ImportError:  # the bench extra is not installed: getrusage figures only
            self.psutil = None
        else:
            self.psutil = psutil
            self.me = psutil.Process()

    def sample(self) -> None:
        if self.psutil is None:
            return
        try:
            procs = [self.me] + self.me.children(recursive=True)
        except self.psutil.Error:
            return
        total = 0
        for p in procs:
            try:
                rss = p.memory_info().rss
            except self.psutil.Error:
                continue
            total += rss
            self.peaks[p.pid] = max(self.peaks.get(p.pid, 0), rss)
        self.tree_peak = max(self.tree_peak, total)

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> dict[str, Any]:
        self._halt.set()
        self.join()
        self.sample()
        if self.psutil is None:
            return {}
        mine = os.getpid()
        return {
            "sampled_tree_peak_mb": _mb(self.tree_peak),
            "sampled_worker_peaks_mb": [_mb(v) for pid, v in sorted(self.peaks.items()) if pid != mine],
        }


def _mb(n: float) -> float:
    return round(n / 1e6, 1)


def _measure(work: Callable[[], dict[str, Any]], processes: int) -> dict[str, Any]:
    """Run ``work`` (which times itself) and add CPU time and peak memory."""
    sampler = _Sampler()
    sampler.start()
    before = _rusage()
    result = work()
    import multiprocessing

    for child in multiprocessing.active_children():  # reap workers so getrusage counts them
        child.join()
    after = _rusage()
    result.update(sampler.stop())
    result["cpu_seconds"] = round(after["cpu"] - before["cpu"], 3)
    result["cpu_seconds_main"] = round(after["cpu_main"] - before["cpu_main"], 3)
    # average number of CPUs busy for this measurement: below the process count on a busy machine
    result["cpus_used"] = round(result["cpu_seconds"] / result["seconds"], 2) if result["seconds"] > 0 else None
    main = after["self_peak"]
    kids = after["children_peak"]
    result["peak_rss_mb"] = {"main": _mb(main)}
    if processes > 1:
        result["peak_rss_mb"]["worker"] = _mb(kids)
    result["peak_rss_per_process_mb"] = _mb(max(main, kids if processes > 1 else 0))
    return result


def _child_bare(spec: dict) -> dict:
    import spacy

    from extractor.settings import BATCH_SIZE, model_name

    texts = [r["body"] for r in _read_jsonl(spec["texts"])]
    t0 = time.perf_counter()
    nlp = spacy.load(spec["model"] or model_name())
    nlp(WARMUP_TEXT)
    load = time.perf_counter() - t0
    procs = spec["processes"]

    def work() -> dict:
        tokens = docs = 0
        t = time.perf_counter()
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=procs):
            docs += 1
            tokens += len(doc)
        return {"seconds": time.perf_counter() - t, "docs": docs, "tokens": tokens}

    out = _measure(work, procs)
    out.update({"load_seconds": load, "pipes": nlp.pipe_names, "model": spec["model"] or model_name(),
                "code": _extractor_dir()})
    return out


def _child_extract(spec: dict) -> dict:
    from extractor.run.extract import extract
    from extractor.nlp.pipeline import build, pipeline_version

    procs = spec["processes"]
    nlp = None
    load = 0.0
    if not spec.get("rerun"):
        t0 = time.perf_counter()
        nlp = build(spec["model"])
        doc = nlp.make_doc(WARMUP_TEXT)
        doc._.published = "2025-07-11"
        nlp(doc)
        load = time.perf_counter() - t0

    def work() -> dict:
        t = time.perf_counter()
        s = extract([spec["corpus"]], spec["db"], workers=procs, model=spec["model"], nlp=nlp)
        return {"seconds": time.perf_counter() - t, "processed": s.processed, "skipped": s.skipped,
                "failed": s.failed, "failures": s.failures[:5], "sentences": s.sentences,
                "mentions": s.mentions, "claims": s.claims}

    out = _measure(work, procs)
    out["load_seconds"] = load
    out["pipeline_version"] = pipeline_version(spec["model"])
    out["code"] = _extractor_dir()
    if nlp is not None:
        out["pipes"] = nlp.pipe_names
    return out


def _child_dask(spec: dict) -> dict:
    """Extraction with ``--engine dask`` on a LocalCluster of ``processes`` workers (issue 20). The
    cluster starts, and its workers load the pipeline, inside the run: that time is reported as
    ``load_seconds`` and taken out of ``seconds``, as the model load is for the other runs."""
    from extractor.nlp.pipeline import pipeline_version
    from extractor.run.cluster import DaskOptions, extract_on_dask

    procs = spec["processes"]
    options = DaskOptions(workers=procs, shard_dir=Path(spec["db"] + ".shards"))

    def work() -> dict:
        t = time.perf_counter()
        s = extract_on_dask([spec["corpus"]], spec["db"], options, model=spec["model"])
        total = time.perf_counter() - t
        st = options.stats
        return {"seconds": total - st.cluster_seconds, "seconds_with_cluster_start": total,
                "processed": s.processed, "skipped": s.skipped, "failed": s.failed, "failures": s.failures[:5],
                "sentences": s.sentences, "mentions": s.mentions, "claims": s.claims,
                "tasks": st.tasks, "workers": st.workers, "shards": st.shards, "shard_bytes": st.shard_bytes,
                "merge_seconds": st.merge_seconds, "merge_cpu_seconds": st.merge_cpu_seconds,
                "merged_articles": st.merged_articles,
                "merge_seconds_per_article": st.merge_seconds / st.merged_articles if st.merged_articles else None,
                "shard_bytes_per_article": st.shard_bytes / st.merged_articles if st.merged_articles else None,
                "store_bytes": _store_bytes(spec["db"]), "listing_seconds": st.listing_seconds,
                "tasks_seconds": st.tasks_seconds, "checks_seconds": st.checks_seconds}

    out = _measure(work, procs)
    out["load_seconds"] = options.stats.cluster_seconds
    out["pipeline_version"] = pipeline_version(spec["model"])
    out["code"] = _extractor_dir()
    return out


def _store_bytes(db: str) -> int:
    """The store's size on disk, its write-ahead log included."""
    return sum(Path(db + suffix).stat().st_size for suffix in ("", "-wal") if Path(db + suffix).exists())


def _child_quantulum(spec: dict) -> dict:
    import warnings

    sentences = [s for r in _read_jsonl(spec["texts"]) for s in split_sentences(r["body"])]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quantulum3 import parser

        parser.parse(WARMUP_TEXT)
    load = time.perf_counter() - t0

    def work() -> dict:
        found = errors = 0
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in sentences:
                try:
                    found += len(parser.parse(s))
                except Exception:  # quantulum3 raises on some inputs; count and go on
                    errors += 1
        return {"seconds": time.perf_counter() - t, "sentences": len(sentences),
                "sentence_words": sum(len(s.split()) for s in sentences), "quantities": found, "errors": errors}

    out = _measure(work, 1)
    out["load_seconds"] = load
    return out


CHILDREN = {"bare": _child_bare, "extract": _child_extract, "dask": _child_dask, "quantulum": _child_quantulum}


def _extractor_dir() -> str:
    """Where the measuring process imported ``extractor`` from (the snapshot, when there is one)."""
    import extractor

    return str(Path(extractor.__file__).resolve().parent)


def child_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result = CHILDREN[spec["kind"]](spec)
    Path(spec["result"]).write_text(json.dumps(result, indent=1), encoding="utf-8")


def _read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def snapshot_code(dest: Path) -> Path:
    """Copy the ``extractor`` package (code and rule files) and this ``benchmarks`` package to
    ``dest``; measurements import them from there, so that edits made to the working tree while the
    benchmark runs (which change the pipeline version) do not mix code versions or spoil the re-run."""
    import extractor

    for pkg in (Path(extractor.__file__).resolve().parent, Path(__file__).resolve().parent):
        shutil.copytree(pkg, dest / pkg.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def _spawn(name: str, spec: dict, work: Path, code: Path | None = None) -> dict:
    """Run one measurement in a fresh interpreter; returns its result plus wall and load figures."""
    spec_path = work / f"{name}.spec.json"
    spec = dict(spec, result=str(work / f"{name}.result.json"))
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    log = work / f"{name}.log"
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    t0 = time.perf_counter()
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    with open(log, "w", encoding="utf-8") as fh:
        # run from the work folder: from the caller's folder (a checkout) `-m` would import the
        # working tree's extractor ahead of the snapshot on PYTHONPATH
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", str(spec_path)], stdout=fh,
                              stderr=subprocess.STDOUT, env=env, cwd=str(work))
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not Path(spec["result"]).exists():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise BenchError(f"measurement {name} failed (exit {proc.returncode}); its log {log} ends:\n" + "\n".join(tail))
    result = json.loads(Path(spec["result"]).read_text(encoding="utf-8"))
    result["process_seconds"] = wall
    result["processes"] = spec["processes"]
    result["loadavg_before"] = load_before
    result["loadavg_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return result


# ================================================================================================
# The run and the report


def _clear_owned(folder: Path) -> None:
    if folder.exists():
        if not (folder / MARKER).exists():
            raise BenchError(f"{folder}: exists and was not made by the benchmark; choose another --out-dir")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by `extractor bench`; cleared on the next run\n", encoding="utf-8")


def _rates(r: dict, articles: int, words: int) -> None:
    secs = r["seconds"]
    r["articles_per_s"] = articles / secs if secs > 0 else None
    r["words_per_s"] = words / secs if secs > 0 else None
    r["cpu_seconds_per_article"] = r["cpu_seconds"] / articles if articles else None


def run(config: BenchConfig, echo: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """Grow the bench corpus, run every measurement, write the JSON report and return it."""
    if config.articles < 1:
        raise BenchError("--articles must be at least 1")
    workers = tuple(sorted(set(config.workers)))
    if not workers or min(workers) < 1:
        raise BenchError("--workers must list positive process counts, e.g. 1,2")
    tmp = None
    if config.out_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="extractor-bench-")
        root = Path(tmp.name)
    else:
        root = Path(config.out_dir)
        root.mkdir(parents=True, exist_ok=True)
    try:
        return _run(config, workers, root, echo)
    finally:
        if tmp is not None:
            tmp.cleanup()


def _run(config: BenchConfig, workers: tuple[int, ...], root: Path, echo: Callable[[str], None]) -> dict[str, Any]:
    from extractor.settings import BATCH_SIZE, model_name

    root = root.resolve()
    corpus_dir, stores, work = root / "bench-corpus", root / "bench-stores", root / "bench-work"
    for d in (corpus_dir, stores, work):
        _clear_owned(d)
    code = snapshot_code(work / "code")
    model = config.model
    t0 = time.perf_counter()
    echo(f"growing {config.articles} bench articles from {config.corpus} (seed {config.seed}) ...")
    paths = grow_corpus(config.corpus, corpus_dir, config.articles, seed=config.seed, model=model)
    texts = corpus_texts(paths)
    with open(work / "texts.jsonl", "w", encoding="utf-8") as fh:
        for r in texts:
            fh.write(json.dumps({"id": r["id"], "body": r["body"]}, ensure_ascii=False) + "\n")
    from extractor.ingest.corpus import find_files, iter_articles

    sources = [a for a in iter_articles(find_files([config.corpus])) if not isinstance(a, Exception)]
    n = len(texts)
    words = sum(r["words"] for r in texts)
    sentences = sum(len(split_sentences(r["body"])) for r in texts)
    corpus_info = {
        "source": str(config.corpus), "source_articles": len(sources), "seed": config.seed, "articles": n,
        "distinct_hashes": len({r["hash"] for r in texts}), "distinct_bodies": len({r["body"] for r in texts}),
        "body_words": words, "body_sentences": sentences, "mean_chars": sum(r["chars"] for r in texts) / n,
        # the sources in the order grow_corpus cycles through them: a bench of fewer articles than
        # the corpus is grown from its first articles only
        "source_mean_chars": sum(len(sources[i % len(sources)].text) for i in range(n)) / max(1, n) if sources else 0.0,
        "mean_body_words": words / n, "folder": str(corpus_dir) if config.out_dir is not None else None,
        "seconds_to_grow": time.perf_counter() - t0,
    }
    echo(f"  {n} articles, {words:,} body words, {sentences:,} sentences ({corpus_info['seconds_to_grow']:.1f}s)")

    runs: dict[str, dict] = {}
    base = {"model": model, "texts": str(work / "texts.jsonl"), "corpus": str(corpus_dir)}

    def measure(name: str, label: str, spec: dict) -> dict:
        echo(f"measuring {label} ...")
        r = _spawn(name, dict(base, **spec), work, code)
        if "seconds" in r:
            _rates(r, n, words)
        r["label"] = label
        runs[name] = r
        echo(f"  {r['seconds']:.1f}s" + (f", {r['articles_per_s']:.2f} articles/s" if r.get("articles_per_s") else ""))
        return r

    first = workers[0]
    for w in workers:
        measure(f"bare_{w}", f"bare nlp.pipe, {w} process(es)", {"kind": "bare", "processes": w})
        r = measure(f"extract_{w}", f"extract end to end, {w} worker(s)",
                    {"kind": "extract", "processes": w, "db": str(stores / f"extract_{w}.db")})
        if r["processed"] != n or r["failed"]:
            raise BenchError(f"extract with {w} worker(s) processed {r['processed']} of {n} articles, "
                             f"{r['failed']} failed: {r['failures'][:3]}")
        if config.dask and w == workers[-1]:
            d = measure(f"dask_{w}", f"extract --engine dask, LocalCluster of {w}",
                        {"kind": "dask", "processes": w, "db": str(stores / f"dask_{w}.db")})
            if d["processed"] != n or d["failed"]:
                raise BenchError(f"extract --engine dask with {w} worker(s) processed {d['processed']} of {n} articles, "
                                 f"{d['failed']} failed: {d['failures'][:3]}")
        if w == first:
            rr = measure("rerun", f"re-run over the unchanged corpus, {w} worker(s)",
                         {"kind": "extract", "processes": w, "rerun": True, "db": str(stores / f"extract_{w}.db")})
            rr.pop("articles_per_s", None)
            rr.pop("words_per_s", None)
    if config.quantulum:
        q = measure("quantulum", "quantulum3 alone over the sentences, 1 process", {"kind": "quantulum", "processes": 1})
        q["sentences_per_s"] = q["sentences"] / q["seconds"] if q["seconds"] > 0 else None

    report = {
        "schema": SCHEMA,
        "created_at": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "machine": {
            "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "model": model or model_name(), "batch_size": BATCH_SIZE, "packages": _versions(),
            "loadavg_start": runs[next(iter(runs))].get("loadavg_before"),
        },
        "corpus": corpus_info,
        "workers": list(workers),
        "runs": runs,
    }
    report["code"] = {"snapshot": str(code), "pipeline_version": runs[f"extract_{workers[0]}"].get("pipeline_version")}
    report.update(_summarise(runs, workers, n, code))
    report["seconds"] = time.perf_counter() - t0
    path = Path(config.json_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("spacy", "quantulum3", "dateparser", "sqlite-utils", "psutil"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _summarise(runs: dict[str, dict], workers: tuple[int, ...], n: int, code: Path | None = None) -> dict[str, Any]:
    ratio = {str(w): runs[f"extract_{w}"]["articles_per_s"] / runs[f"bare_{w}"]["articles_per_s"] for w in workers}
    cpu_ratio = {str(w): runs[f"bare_{w}"]["cpu_seconds"] / runs[f"extract_{w}"]["cpu_seconds"]
                 for w in workers if runs[f"extract_{w}"]["cpu_seconds"] > 0}
    speedup = {}
    if 1 in workers:
        for w in workers:
            if w > 1:
                speedup[str(w)] = {
                    "extract": runs[f"extract_{w}"]["articles_per_s"] / runs["extract_1"]["articles_per_s"],
                    "bare": runs[f"bare_{w}"]["articles_per_s"] / runs["bare_1"]["articles_per_s"],
                    # what the CPU seconds imply on an otherwise idle machine with w CPUs: the workers
                    # share w CPUs with the main process, which is a serial stage of its own
                    "extract_cpu_bound": _cpu_bound_speedup(runs["extract_1"], runs[f"extract_{w}"], w, n),
                    "bare_cpu_bound": _cpu_bound_speedup(runs["bare_1"], runs[f"bare_{w}"], w, n),
                }
    first = runs[f"extract_{workers[0]}"]
    first_total = first["load_seconds"] + first["seconds"]
    rerun = runs["rerun"]
    fraction = rerun["seconds"] / first_total
    peak = max(runs[f"extract_{w}"]["peak_rss_per_process_mb"] for w in workers)
    goals = {
        "ratio": {
            "goal": f"end-to-end >= {GOALS['ratio']:.0%} of the bare-model ceiling, each worker count",
            "value": min(ratio.values()), "unit": "fraction", "pass": all(v >= GOALS["ratio"] for v in ratio.values()),
        },
        "speedup": {
            "goal": f"2 workers >= {GOALS['speedup']}x 1 worker, end to end",
            "value": speedup["2"]["extract"] if "2" in speedup else None, "unit": "times",
            "pass": (speedup["2"]["extract"] >= GOALS["speedup"]) if "2" in speedup else None,
        },
        "memory": {
            "goal": f"peak RSS < {GOALS['peak_mb']:.0f} MB per extraction process",
            "value": peak, "unit": "MB", "pass": peak < GOALS["peak_mb"],
        },
        "rerun": {
            "goal": f"re-run of the unchanged corpus < {GOALS['rerun']:.0%} of the first run, all skipped",
            "value": fraction, "unit": "fraction",
            "pass": fraction < GOALS["rerun"] and rerun["skipped"] == n and rerun["processed"] == 0,
        },
    }
    dask = _dask_summary(runs, workers, n)
    if dask is not None:
        goals["dask"] = {
            "goal": f"--engine dask, LocalCluster of {dask['workers']} >= {GOALS['dask']:.0%} of --workers {dask['workers']}",
            "value": dask["ratio"], "unit": "fraction", "pass": dask["ratio"] >= GOALS["dask"],
        }
    notes = []
    if dask is not None and dask["claims"] != dask["plain_claims"]:
        notes.append(f"--engine dask stored {dask['claims']} claims, --workers {dask['workers']} {dask['plain_claims']}")
    codes = {runs[k].get("code") for k in runs if runs[k].get("code")}
    if code is not None and codes - {str((code / "extractor").resolve())}:
        notes.append(f"a measurement imported extractor from {sorted(codes)}, not from the snapshot {code}")
    versions = {runs[k].get("pipeline_version") for k in runs
                if k.startswith("extract_") or k.startswith("dask_") or k == "rerun"}
    if len(versions) > 1:
        notes.append(f"the pipeline version changed between measurements ({sorted(map(str, versions))})")
    if rerun["processed"]:
        notes.append(f"the re-run extracted {rerun['processed']} article(s) again instead of skipping them")
    for name, r in runs.items():
        procs = r.get("processes") or 1
        if r.get("cpus_used") is not None and r["cpus_used"] < 0.8 * min(procs, os.cpu_count() or 1) and r["seconds"] > 5:
            notes.append(f"{name}: used {r['cpus_used']:.2f} CPUs on average for {procs} process(es): the machine was "
                         "busy or the processes waited; compare CPU seconds per article")
    return {
        "headline": {
            "ratio": ratio,
            "text": " · ".join(f"{w} worker(s): end-to-end {ratio[str(w)]:.0%} of bare nlp.pipe" for w in workers),
        },
        "cpu_ratio": cpu_ratio,
        "speedup": speedup,
        "rerun": {"seconds": rerun["seconds"], "first_run_seconds": first_total, "fraction": fraction,
                  "skipped": rerun["skipped"], "processed": rerun["processed"]},
        "dask": dask,
        "goals": goals,
        "all_pass": all(g["pass"] is not False for g in goals.values()),
        "notes": notes,
    }


def _dask_summary(runs: dict[str, dict], workers: tuple[int, ...], n: int) -> dict[str, Any] | None:
    """--engine dask against the plain path with as many worker processes, and the merge's cost."""
    name = next((k for k in runs if k.startswith("dask_")), None)
    if name is None:
        return None
    d = runs[name]
    w = int(name.split("_")[1])
    plain = runs[f"extract_{w}"]
    return {
        "workers": w, "ratio": d["articles_per_s"] / plain["articles_per_s"],
        "cpu_ratio": plain["cpu_seconds"] / d["cpu_seconds"] if d["cpu_seconds"] > 0 else None,
        "tasks": d["tasks"], "cluster_start_seconds": d["load_seconds"], "plain_load_seconds": plain["load_seconds"],
        "merge_seconds": d["merge_seconds"], "merge_seconds_per_article": d["merge_seconds_per_article"],
        "merge_share": d["merge_seconds"] / d["seconds"] if d["seconds"] > 0 else None,
        "merge_cpu_seconds_per_article": d.get("merge_cpu_seconds", 0) / d["merged_articles"] if d["merged_articles"] else None,
        "shard_bytes_per_article": d["shard_bytes_per_article"], "store_bytes_per_article": d["store_bytes"] / n,
        "driver_cpu_seconds_per_article": d["cpu_seconds_main"] / n,
        "worker_cpu_seconds_per_article": (d["cpu_seconds"] - d["cpu_seconds_main"]) / n,
        "claims": d["claims"], "plain_claims": plain["claims"],
        "listing_seconds_per_article": d.get("listing_seconds", 0) / n,
        "checks_seconds_per_article": d.get("checks_seconds", 0) / n,
    }


def _cpu_bound_speedup(one: dict, many: dict, w: int, n: int) -> float | None:
    cpus = min(w, os.cpu_count() or w)
    if not (one["cpu_seconds"] > 0 and many["cpu_seconds"] > 0):
        return None
    rate = cpus / (many["cpu_seconds"] / n)
    if many.get("cpu_seconds_main", 0) > 0:
        rate = min(rate, n / many["cpu_seconds_main"])
    return rate / (n / one["cpu_seconds"])


def render(report: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    c = report["corpus"]
    m = report["machine"]
    lines = [
        f"bench corpus: {c['articles']} distinct articles grown from {c['source_articles']} (seed {c['seed']}); "
        f"{c['body_words']:,} body words, {c['body_sentences']:,} sentences; mean {c['mean_chars']:,.0f} chars "
        f"(sources {c['source_mean_chars']:,.0f})",
        f"machine: {m['cpus']} CPUs, load average {m['loadavg_start']} at the start; model {m['model']}, "
        f"batch size {m['batch_size']}",
        "",
        f"{'measurement':36} {'procs':>5} {'seconds':>8} {'articles/s':>10} {'words/s':>8} {'CPU s/art':>9} "
        f"{'CPUs used':>9} {'peak MB/proc':>13} {'load s':>6}",
    ]
    for name, r in report["runs"].items():
        aps, wps = r.get("articles_per_s"), r.get("words_per_s")
        peak = r["peak_rss_mb"]
        peak_s = f"{peak['main']:.0f}" + (f" / {peak['worker']:.0f}w" if "worker" in peak else "")
        lines.append(
            f"{r['label'][:36]:36} {r.get('processes') or _procs(name):>5} {r['seconds']:>8.1f} "
            f"{(f'{aps:.2f}' if aps else '-'):>10} {(f'{wps:,.0f}' if wps else '-'):>8} "
            f"{r['cpu_seconds_per_article']:>9.3f} {r.get('cpus_used') or 0:>9.2f} {peak_s:>13} {r['load_seconds']:>6.1f}"
        )
    q = report["runs"].get("quantulum")
    if q:
        lines.append(f"  quantulum3: {q['sentences']:,} sentences, {q['sentences_per_s']:,.0f} sentences/s, "
                     f"{q['quantities']:,} quantities")
    lines.append("  peak MB/proc: the measuring process / the largest worker process (w)")
    lines.append("")
    lines.append("headline: " + report["headline"]["text"])
    if report["cpu_ratio"]:
        lines.append("  by CPU seconds (less sensitive to a busy machine): "
                     + " · ".join(f"{w} worker(s): {v:.0%}" for w, v in report["cpu_ratio"].items()))
    for w, sp in report["speedup"].items():
        lines.append(f"speed-up {w} workers over 1: extract {sp['extract']:.2f}x (bare model {sp['bare']:.2f}x); "
                     f"implied by CPU seconds on an idle machine: extract {sp['extract_cpu_bound'] or 0:.2f}x "
                     f"(bare {sp['bare_cpu_bound'] or 0:.2f}x)")
        main = report["runs"][f"extract_{w}"].get("cpu_seconds_main")
        if main:
            lines.append(f"  extract, {w} workers: the main process (reading, rows, SQLite) used {main / report['corpus']['articles']:.3f} "
                         f"CPU s/article of {report['runs'][f'extract_{w}']['cpu_seconds_per_article']:.3f}")
    dk = report.get("dask")
    if dk:
        lines.append(f"--engine dask, LocalCluster of {dk['workers']}: {dk['ratio']:.0%} of --workers {dk['workers']} "
                     f"(by CPU seconds {dk['cpu_ratio'] or 0:.0%}); {dk['tasks']} tasks; cluster start and pipeline "
                     f"load {dk['cluster_start_seconds']:.1f}s (plain model load {dk['plain_load_seconds']:.1f}s)")
        lines.append(f"  merge: {dk['merge_seconds_per_article'] * 1000:.2f} ms/article ({dk['merge_share']:.1%} of the run; "
                     f"CPU {(dk['merge_cpu_seconds_per_article'] or 0) * 1000:.2f} ms/article); "
                     f"shards {dk['shard_bytes_per_article'] / 1000:.1f} kB/article, store {dk['store_bytes_per_article'] / 1000:.1f} "
                     f"kB/article; CPU s/article: driver {dk['driver_cpu_seconds_per_article']:.3f}, workers "
                     f"{dk['worker_cpu_seconds_per_article']:.3f} (the workers' pipeline load included)")
        lines.append(f"  driver before the tasks (reading, skipping): {dk['listing_seconds_per_article'] * 1000:.2f} ms/article; "
                     f"consistency checks after the merge: {dk['checks_seconds_per_article'] * 1000:.2f} ms/article")
    rr = report["rerun"]
    lines.append(f"re-run: {rr['seconds']:.2f}s = {rr['fraction']:.1%} of the first run ({rr['first_run_seconds']:.1f}s "
                 f"with the model load); {rr['skipped']} skipped, {rr['processed']} processed")
    lines.append("")
    lines.append("goals:")
    for g in report["goals"].values():
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[g["pass"]]
        v = g["value"]
        vs = "-" if v is None else {"times": f"{v:.2f}x", "MB": f"{v:,.0f} MB"}.get(g["unit"], f"{v:.1%}")
        lines.append(f"  {verdict:4}  {g['goal']:66} {vs:>8}")
    for note in report.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def _procs(name: str) -> int:
    m = re.search(r"_(\d+)$", name)
    return int(m.group(1)) if m else 1


if __name__ == "__main__":  # a measuring process: python -m benchmarks.bench SPEC.json
    child_main(sys.argv[1])
