"""Running the pipeline on user text under a time bound, where a stuck sentence costs only itself.

Every command that runs the pipeline on text (``extract``, ``eval``, ``quantities``, ``bench``)
goes through :func:`process` (issue 14):

1. Texts are processed in batches (``nlp.pipe``), each batch under the article bound
   (``EXTRACTOR_ARTICLE_TIMEOUT``). A batch that fails or runs out of time is not an error: its
   texts are retried one by one.
2. A text that fails alone, or runs out of time, is cut into sentences (at line breaks and
   sentence ends), and each sentence is run alone under the sentence bound
   (``EXTRACTOR_SENTENCE_TIMEOUT``). The sentences that fail or run out of time alone are blanked
   (spaces, line breaks kept, so every offset stays valid) and the text is run again: it comes
   back with its other sentences' results, and each blanked sentence as a :class:`Skipped` that
   names the component that failed on it.
3. A text whose failure no single sentence explains fails as a whole, with the first reason.

Each failure names the component (``period_resolver: TimeBound: no result after 120s ...``).
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from extractor import settings
from extractor.nlp.text import remember_text
from extractor.timebound import time_bound


@dataclass(frozen=True)
class Item:
    """A text to run the pipeline on, with what the pipeline reads beside it."""

    key: Any
    text: str
    published: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A sentence left out of a text's results: offsets into the text, the component that failed
    on it, and why."""

    start: int
    end: int
    component: str
    reason: str


@dataclass
class Outcome:
    key: Any
    #: the processed Doc (from :func:`process_parallel` with ``digest``: its digest)
    doc: Doc | Any | None = None
    skipped: list[Skipped] = field(default_factory=list)
    #: why the text failed as a whole (``doc`` is None)
    error: str | None = None


class ComponentError(Exception):
    """A pipeline component raised (or ran out of time) on a document."""

    def __init__(self, component: str, error: BaseException):
        self.component = component
        self.error = error
        super().__init__(f"{component}: {type(error).__name__}: {error}")


def apply(nlp: Language, doc: Doc) -> Doc:
    """The pipeline's components in order on ``doc``, naming the one that fails."""
    for name, proc in nlp.pipeline:
        try:
            doc = proc(doc)
        except Exception as exc:  # noqa: BLE001 (any component error is reported with its name)
            raise ComponentError(name, exc) from exc
    return doc


def make_doc(nlp: Language, text: str, published: str | None) -> Doc:
    try:
        doc = nlp.make_doc(text)
    except Exception as exc:  # noqa: BLE001
        raise ComponentError("tokenizer", exc) from exc
    doc._.published = published
    return remember_text(doc, text)


_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"[.!?;。！？；][\"'”’)\]]*+\s++")


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``: lines, cut after sentence ends; spaces trimmed."""
    out = []
    for line in _LINE.finditer(text):
        a = line.start()
        for m in _SENTENCE_END.finditer(text, line.start(), line.end()):
            out.append((a, m.start() + 1))
            a = m.end()
        out.append((a, line.end()))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def blank(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    """``text`` with the ranges replaced by spaces (line breaks kept): same length, same offsets."""
    chars = list(text)
    for s, e in ranges:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _reason(exc: BaseException) -> tuple[str, str]:
    """(component, reason) of a failure."""
    if isinstance(exc, ComponentError):
        return exc.component, str(exc)
    return "pipeline", f"{type(exc).__name__}: {exc}"


@dataclass
class Limits:
    """Seconds for one batch or text (``article``) and for one sentence alone (``sentence``)."""

    article: float = field(default_factory=lambda: settings.ARTICLE_TIMEOUT)
    sentence: float = field(default_factory=lambda: settings.SENTENCE_TIMEOUT)

    def article_bound(self):
        return time_bound(self.article, "EXTRACTOR_ARTICLE_TIMEOUT")

    def sentence_bound(self):
        return time_bound(self.sentence, "EXTRACTOR_SENTENCE_TIMEOUT")


def process_one(nlp: Language, item: Item, limits: Limits | None = None) -> Outcome:
    """One text alone under the article bound; a failure is narrowed down to its sentences."""
    limits = limits or Limits()
    try:
        with limits.article_bound():
            return Outcome(item.key, apply(nlp, make_doc(nlp, item.text, item.published)))
    except Exception as exc:  # noqa: BLE001
        first = _reason(exc)[1]
    skipped = []
    for s, e in sentence_ranges(item.text):
        try:
            with limits.sentence_bound():
                apply(nlp, make_doc(nlp, item.text[s:e], item.published))
        except Exception as exc:  # noqa: BLE001
            component, reason = _reason(exc)
            skipped.append(Skipped(s, e, component, reason))
    if not skipped:
        return Outcome(item.key, error=first)  # no sentence fails alone: the text as a whole does
    try:
        with limits.article_bound():
            doc = apply(nlp, make_doc(nlp, blank(item.text, [(k.start, k.end) for k in skipped]), item.published))
    except Exception as exc:  # noqa: BLE001
        return Outcome(item.key, error=f"{first} (and without its failing sentences: {_reason(exc)[1]})")
    return Outcome(item.key, doc, skipped)


def process(nlp: Language, items: Iterable[Item], *, batch_size: int | None = None,
            limits: Limits | None = None) -> Iterator[Outcome]:
    """Outcomes of ``items`` in their order (see the module docstring)."""
    limits = limits or Limits()
    batch_size = batch_size or settings.BATCH_SIZE
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from _batch(nlp, batch, batch_size, limits)
            batch = []
    if batch:
        yield from _batch(nlp, batch, batch_size, limits)


def _batch(nlp: Language, batch: Sequence[Item], batch_size: int, limits: Limits) -> Iterator[Outcome]:
    if len(batch) == 1:
        yield process_one(nlp, batch[0], limits)
        return
    docs: dict[int, Doc] = {}
    failed: set[int] = set()

    # spaCy's error handler drops a document a component fails on and goes on with the others;
    # the dropped ones are retried alone
    def handler(proc_name, proc, ds, e):
        for d in ds or []:
            ctx = getattr(d, "_context", None)
            if ctx is not None:
                failed.add(ctx)

    previous = nlp.default_error_handler
    nlp.default_error_handler = handler
    try:
        with limits.article_bound():
            made = ((make_doc(nlp, it.text, it.published), n) for n, it in enumerate(batch))
            for doc, n in nlp.pipe(made, as_tuples=True, batch_size=batch_size):
                docs[n] = doc
    except Exception:  # noqa: BLE001 (a trainable component or the bound fails the whole batch)
        docs.clear()
    finally:
        nlp.default_error_handler = previous
    for n, item in enumerate(batch):
        yield Outcome(item.key, docs[n]) if n in docs and n not in failed else process_one(nlp, item, limits)


def run_text(nlp: Language, text: str, published: str | None = None, limits: Limits | None = None) -> Outcome:
    """One text through the pipeline with the bounds: what the commands that read text use."""
    return process_one(nlp, Item(0, text, published), limits)



# ---------------------------------------------------------------------------------------------- workers

_worker_nlp: Language | None = None
_worker_limits: Limits | None = None
_worker_digest: Callable[[Doc], Any] | None = None


def _init_worker(limits: Limits) -> None:
    global _worker_limits
    # Ctrl-C is the main process's to handle: it stops the pool
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_limits = limits


def _work(batch: list[Item]) -> list[tuple[Any, Any, list[Skipped], str | None]]:
    """One batch in a worker process: its outcomes, each Doc as its digest, or as bytes (without
    the tensor, which no row reads)."""
    assert _worker_nlp is not None
    out = []
    for o in process(_worker_nlp, batch, batch_size=len(batch), limits=_worker_limits):
        error = o.error
        if o.doc is None:
            data = None
        elif _worker_digest is not None:
            try:
                data = _worker_digest(o.doc)
            except Exception as exc:  # noqa: BLE001 (reading one text's results fails that text only)
                data, error = None, f"{type(exc).__name__}: {exc}"
        else:
            data = o.doc.to_bytes(exclude=["tensor"])
        out.append((o.key, data, o.skipped, error))
    return out


def process_parallel(nlp: Language, items: Iterable[Item], workers: int, *, batch_size: int | None = None,
                     limits: Limits | None = None, digest: Callable[[Doc], Any] | None = None) -> Iterator[Outcome]:
    """:func:`process` in ``workers`` processes (forked with the loaded pipeline), outcomes in the
    order of ``items``; each worker applies the same bounds to its batches. With ``digest``, each
    outcome's ``doc`` is what it makes of the Doc in the worker (what the caller reads off the Doc,
    cheaper to send than the Doc).

    A worker that dies (killed, out of memory, or stuck where no bound reaches, and then killed
    by the main process) takes the batches in flight with it: they run again, one text at a time
    and alone, so that a second death names the one text that causes it, which fails with that
    reason while the others are stored.
    """
    global _worker_nlp, _worker_digest
    limits = limits or Limits()
    batch_size = batch_size or settings.BATCH_SIZE
    source = _batches(items, batch_size)
    window = 2 * workers
    #: batches to run before the rest of ``source``, and whether each is under suspicion
    queue: deque[tuple[list[Item], bool]] = deque()
    inflight: deque[tuple[list[Item], Future, bool]] = deque()
    context = multiprocessing.get_context("fork")
    _worker_nlp = nlp  # the forked workers inherit it: the pipeline is loaded once per worker
    _worker_digest = digest

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(limits,))

    def fill() -> None:
        while True:
            careful = bool(queue and queue[0][1]) or any(s for _, _, s in inflight)
            if len(inflight) >= (1 if careful else window):
                return
            if queue:
                batch, suspect = queue[0]
                if suspect and inflight:
                    return  # a suspect runs alone
                queue.popleft()
            else:
                batch, suspect = next(source, None), False
                if batch is None:
                    return
            inflight.append((batch, pool.submit(_work, batch), suspect))

    pool = new_pool()
    try:
        fill()
        while inflight:
            batch, future, suspect = inflight[0]
            try:
                results = future.result(timeout=_hard_limit(limits, len(batch)))
            except FuturesTimeout:
                _kill(pool)  # stuck where no bound reaches: the result() above now fails
                continue
            except BrokenProcessPool as exc:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                if suspect:  # it ran alone: it is the one
                    inflight.popleft()
                    yield from (Outcome(it.key, error=f"worker process died on this text ({exc})") for it in batch)
                else:
                    lost = [b for b, _, _ in inflight]
                    inflight.clear()
                    queue.extendleft(reversed([([it], True) for b in lost for it in b]))
                fill()
                continue
            inflight.popleft()
            for key, data, skipped, error in results:
                if data is not None and digest is None:
                    data = Doc(nlp.vocab).from_bytes(data)
                yield Outcome(key, data, skipped, error)
            fill()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        _kill(pool)
        _worker_nlp = _worker_digest = None


def _hard_limit(limits: Limits, n: int) -> float | None:
    """Seconds the main process waits for a batch of ``n`` texts before it kills the workers: far
    beyond what the bounds inside a worker allow (a batch, each text alone, its sentences)."""
    if limits.article <= 0:
        return None
    return 60 + 4 * limits.article * (n + 1) + 10 * limits.sentence


def _kill(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.kill()


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch
