"""Extraction: corpus files -> spaCy pipeline -> rows -> the SQLite store, one transaction per article.

An article whose content hash and pipeline version are unchanged is skipped; a changed one has its
rows replaced atomically. Extraction runs over the article body only (see ``body.py``); offsets are
shifted back into the stored article text, so ``text[start:end]`` equals every stored surface.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence

import sqlite_utils
from spacy.language import Language
from spacy.tokens import Doc

from extractor.ingest.body import Body, find_body
from extractor.ingest.corpus import Article, CorpusError, find_files, iter_articles
from extractor.nlp.indicators.catalog import catalog
from extractor.nlp.pipeline import build, pipeline_version
from extractor.ingest.pubdate import PubDate, publication_date
from extractor.run.digest import DocDigest
from extractor.run.workers import Item, Outcome, process, process_parallel
from extractor import settings
from extractor.settings import model_name
from extractor.store.db import StoreError, describe_error, immediate, open_db, set_meta
from extractor.store.schema import claim_key
from extractor.store.records import claim_row, finite, to_json
from extractor.store.write import failed_files, load_indicators, mark_checked, record_failure, unchecked_articles, write_article

class ExtractionError(RuntimeError):
    """An article failed under ``--strict``; the message names the file and the reason."""




@dataclass
class Summary:
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    sentences: int = 0
    mentions: int = 0
    claims: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: (file, what) for each sentence left out of a stored article because the pipeline failed on it
    left_out: list[tuple[str, str]] = field(default_factory=list)
    #: ids of the articles stored by this run, and the consistency flags raised on them
    stored: list[str] = field(default_factory=list)
    flags: int = 0

    def line(self) -> str:
        left_out = f", {len(self.left_out)} sentence(s) left out (see failures)" if self.left_out else ""
        return (
            f"{self.processed} articles processed, {self.skipped} skipped, {self.failed} failed; "
            f"{self.sentences} sentences{left_out}, {self.mentions} mentions, {self.claims} claims, "
            f"{self.flags} flags; {self.seconds:.1f}s"
        )


class Engine(Protocol):
    """Runs the pipeline over articles elsewhere (``cluster.py``) and stores them in the store
    ``db``, counting them in ``summary``; the articles are ``pending`` (their bodies not found)."""

    def __call__(self, db: sqlite_utils.Database, db_path: str | Path, todo: list["Prepared"], version: str,
                 summary: "Summary", strict: bool, progress: Callable[[int], None] | None) -> None: ...


@dataclass
class Prepared:
    article: Article
    body: Body | None  #: None for an article already stored by this pipeline version (skipped)
    pubdate: PubDate | None
    files: list[str]
    #: the body is left for whoever runs the pipeline to find (``prepare(bodies=False)``)
    pending: bool = False

    @property
    def current(self) -> bool:
        return self.body is None and not self.pending


# Space characters the model does not read as spaces ("Li\u00a0Jiabao" would be two names). They
# become plain spaces in the text given to the pipeline, one character for one, so offsets are the
# same; every stored surface is sliced from the stored text.
_SPACE_LIKE = str.maketrans({c: " " for c in "\u00a0\u2007\u2009\u202f\u3000"})


def processing_text(text: str) -> str:
    return text.translate(_SPACE_LIKE)


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def doc_rows(prep: Prepared, docs: Doc | DocDigest | Sequence[tuple[Doc | DocDigest, int]], version: str) -> dict[str, Any]:
    """Rows of one processed article (offsets into the whole stored text).

    ``docs`` is the body as one Doc (or its :class:`DocDigest`), or a long body as its segments:
    (Doc or digest, offset of the segment in the article text) in text order.
    """
    art, body = prep.article, prep.body
    pieces = [(docs, body.start)] if isinstance(docs, (Doc, DocDigest)) else list(docs)
    aid = art.id
    text = art.text
    article_row = {
        "id": aid,
        "content_hash": art.content_hash,
        "path": str(art.path),
        "text": text,
        "chars": len(text),
        "encoding": art.encoding,
        "published": prep.pubdate.value,
        "published_how": prep.pubdate.how,
        "published_start": prep.pubdate.start,
        "published_end": prep.pubdate.end,
        "url": art.meta.get("url"),
        "source": art.meta.get("source"),
        "title": art.meta.get("title"),
        "body_start": body.start,
        "body_end": body.end,
        "pipeline_version": version,
        "extracted_at": now_iso(),
        "meta_hash": meta_hash(art.meta),
    }
    sentences: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    para = 0
    last_end = body.start  # absolute end of the previous sentence
    idx_base = 0
    for doc, off in pieces:
        digest = doc if isinstance(doc, DocDigest) else DocDigest.of(doc)
        for n, (s, e, sent_end) in enumerate(digest.sentences):
            if s is None or e is None:
                continue
            s, e = off + s, off + e
            para += text.count("\n", last_end, s) > 0
            last_end = off + sent_end
            sentences.append({"id": f"{aid}:s{idx_base + n}", "article_id": aid, "idx": idx_base + n,
                              "paragraph": para, "start": s, "end": e, "text": text[s:e]})
        _piece_rows(art, digest, off, idx_base, mentions, claims)
        idx_base += len(digest.sentences)
    mentions.sort(key=lambda m: (m["start"], m["end"]))
    files = [{"path": p, "article_id": aid, "content_hash": art.content_hash} for p in prep.files]
    return {"article": article_row, "files": files, "sentences": sentences, "mentions": mentions, "claims": claims}


def _piece_rows(art: Article, digest: DocDigest, off: int, idx_base: int, mentions: list[dict[str, Any]],
                claims: list[dict[str, Any]]) -> None:
    """Mention and claim rows of one processed text that starts at ``off`` in the article text,
    whose first sentence is the article's sentence ``idx_base``."""
    aid = art.id
    text = art.text  # surfaces come from the stored text (the pipeline read exotic spaces as spaces)

    def sid_at(char: int) -> str | None:
        n = digest.sentence_at.get(char)
        return None if n is None else f"{aid}:s{idx_base + n}"

    mention_of_quantity: dict[tuple[int, int], str] = {}

    def add_mention(kind: str, s: int, e: int, origin: str, **fields: Any) -> str:
        mid = f"{aid}:m{len(mentions)}"
        row = {
            "id": mid, "article_id": aid, "sentence_id": sid_at(s), "type": kind, "start": off + s, "end": off + e,
            "text": text[off + s:off + e], "origin": origin,
        }
        row.update({k: finite(v) for k, v in fields.items()})
        mentions.append(row)
        return mid

    for label, s, e, kb_id in digest.ents:
        add_mention(label, s, e, "ner", entity_id=kb_id)
    for q in digest.quantities:
        mid = add_mention(
            q["label"], q["start"], q["end"], "quantity_finder",
            value=q["value"], unit=q["unit"], low=q["low"], high=q["high"], approx=q["approx"],
            direction=q["direction"], noun=q["noun"],
            attrs=to_json({k: q[k] for k in ("currency_inherited", "conversion_of", "cue_start", "approx_start") if q.get(k) is not None and q.get(k) is not False}),
        )
        mention_of_quantity[(q["start"], q["end"])] = mid
    # each TIMEX3 rides on the DATE mention it overlaps most; the others are TIMEX mentions
    t3 = digest.timexes3
    used: set[int] = set()
    for d in digest.timexes:
        best, best_ov = None, 0
        for k, t in enumerate(t3):
            ov = min(d["end"], t["end"]) - max(d["start"], t["start"])
            if ov > best_ov and k not in used:
                best, best_ov = k, ov
        fields: dict[str, Any] = {}
        attrs: dict[str, Any] = {"how": d["how"]}
        if best is not None:
            used.add(best)
            t = t3[best]
            fields = {"timex_type": t["type"], "timex_value": t["value"], "timex_start": off + t["start"],
                      "timex_end": off + t["end"]}
            attrs["timex_rule"] = t["rule"]
        add_mention("DATE", d["start"], d["end"], "period_resolver", period=d["period"], period_start=d["period_start"],
                    period_end=d["period_end"], attrs=to_json(attrs), **fields)
    for k, t in enumerate(t3):
        if k not in used:
            add_mention("TIMEX", t["start"], t["end"], "timex_tagger", timex_type=t["type"], timex_value=t["value"],
                        timex_start=off + t["start"], timex_end=off + t["end"], attrs=to_json({"rule": t["rule"]}))

    for c in digest.claims:
        claims.append(claim_row(
            c, text, off, id=f"{aid}:c{len(claims)}",
            claim_key=claim_key(art.content_hash, off + c.start, off + c.end, c.value, c.unit),
            article_id=aid, sentence_id=sid_at(c.start), mention_id=mention_of_quantity.get((c.start, c.end)),
        ))


_PARAGRAPH_END = re.compile(r"\n")
_SENTENCE_END = re.compile(r"[.!?;。！？；][\"'”’)\]]*\s+")
_SPACE = re.compile(r"\s+")


def segments(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into ranges of at most ``limit`` characters (whitespace-only ones
    dropped): at a line break if one falls in the last three quarters of the window, else after a
    sentence end, else at a space, else (one enormous token) anywhere."""
    out: list[tuple[int, int]] = []
    a = start
    while end - a > limit:
        window = text[a:a + limit]
        cut = limit
        for pattern in (_PARAGRAPH_END, _SENTENCE_END, _SPACE):
            last = None
            for last in pattern.finditer(window, limit // 4):
                pass
            if last is not None:
                cut = last.end()
                break
        out.append((a, a + cut))
        a += cut
    out.append((a, end))
    return [(s, e) for s, e in out if text[s:e].strip()]


def prepare_article(art: Article, files: list[str] | None = None) -> Prepared:
    """Body and publication date of one article; raises ExtractionError (or what the body finder
    raises) for an article that cannot be extracted."""
    body = find_body(art.text)
    if body.end - body.start > settings.MAX_CHARS:
        raise ExtractionError(
            f"{art.path}: article body too long ({body.end - body.start:,} characters; the limit is "
            f"{settings.MAX_CHARS:,}, set EXTRACTOR_MAX_CHARS to raise it)"
        )
    pub = publication_date(art.text, art.meta, body.span)
    return Prepared(art, body, pub, files if files is not None else [str(art.path)])


def describe_exception(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ExtractionError) else f"{type(exc).__name__}: {exc}"


def prepare(articles: Iterable[Article],
            on_error: Callable[[Article, str], None] | None = None,
            is_current: Callable[[Article], bool] | None = None,
            *, bodies: bool = True) -> list[Prepared]:
    """Body, publication date, and one entry per distinct content (other names become aliases).

    An article that cannot be prepared (body too long for the pipeline, an id already taken by a
    file with other text) is passed to ``on_error`` with the reason; without ``on_error`` the
    error is raised. An article ``is_current`` says is stored already is not prepared (finding a
    body is most of the cost of a re-run). With ``bodies=False`` the articles to extract are left
    ``pending`` for the process that runs the pipeline on them (``prepare_article``); only when two
    files claim one id is the first one's body found here, since it keeps the id only if it can
    be prepared.
    """
    by_hash: dict[str, Prepared] = {}
    by_id: dict[str, Prepared] = {}
    out = []
    for art in articles:
        if art.content_hash in by_hash:
            by_hash[art.content_hash].files.append(str(art.path))
            by_hash[art.content_hash].article.aliases.append(art.id)
            continue
        if is_current is not None and is_current(art):
            prep = Prepared(art, None, None, [str(art.path)])
            by_hash[art.content_hash] = prep
            by_id[art.id] = prep
            out.append(prep)
            continue
        try:
            if art.id in by_id and by_id[art.id].pending and not _keeps_id(by_id[art.id], on_error):
                other = by_id.pop(art.id)
                out.remove(other)
                del by_hash[other.article.content_hash]
            if art.id in by_id:
                raise ExtractionError(
                    f"{art.path}: article id {art.id!r} is also the id of {by_id[art.id].article.path}, which has "
                    "other text; rename one of the files"
                )
            prep = prepare_article(art) if bodies else Prepared(art, None, None, [str(art.path)], pending=True)
        except Exception as exc:
            if on_error is None:
                raise
            on_error(art, describe_exception(exc))
            continue
        by_hash[art.content_hash] = prep
        by_id[art.id] = prep
        out.append(prep)
    return out


def meta_hash(meta: dict[str, Any]) -> str:
    """A digest of an article's .meta.json fields: a new publication date, source or title
    re-extracts the article as a new text does (issue 19)."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:20]


def _keeps_id(prep: Prepared, on_error: Callable[[Article, str], None] | None) -> bool:
    """Whether a pending article can be prepared (and so keeps its id against a later file); one
    that cannot is reported as ``prepare`` would have."""
    try:
        prepare_article(prep.article)
    except Exception as exc:
        if on_error is None:
            raise
        on_error(prep.article, describe_exception(exc))
        for alias in prep.files[1:]:  # the same text under other names fails the same way
            renamed = dataclasses.replace(prep.article, path=Path(alias), aliases=[])
            try:
                prepare_article(renamed)
            except Exception as again:
                on_error(renamed, describe_exception(again))
        return False
    return True


def _needs_work(db: sqlite_utils.Database, article: Article, version: str, force: bool) -> bool:
    if force:
        return True
    row = db.execute(
        "select content_hash, pipeline_version, meta_hash from articles where id = ?", [article.id]
    ).fetchone()
    if row is None:
        # the same content stored under another name: nothing to extract, record the file
        other = db.execute(
            "select id from articles where content_hash = ? and pipeline_version = ?", [article.content_hash, version]
        ).fetchone()
        return other is None
    return row[0] != article.content_hash or row[1] != version or row[2] != meta_hash(article.meta)


def extract(
    paths: Iterable[str | Path],
    db_path: str | Path,
    *,
    workers: int = 1,
    force: bool = False,
    strict: bool = False,
    model: str | None = None,
    nlp: Language | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    engine: Engine | None = None,
) -> Summary:
    """Extract the articles under ``paths`` into the store at ``db_path``.

    A bad article is recorded (summary and ``failures`` table) and the others go on; with
    ``strict`` the first one raises (CorpusError or ExtractionError). Problems with the paths
    themselves raise CorpusError before the store is touched; problems with the store raise
    StoreError. ``engine`` runs the pipeline elsewhere (``cluster.py``): the articles to extract
    are handed to it without their bodies, which it finds where it runs the pipeline.
    """
    t0 = time.perf_counter()
    summary = Summary()
    files = find_files(paths)
    db = open_db(db_path)
    try:
        _extract(db, db_path, files, summary, workers=workers, force=force, strict=strict, model=model, nlp=nlp,
                 progress=progress, on_total=on_total, engine=engine)
        pending = sorted(set(summary.stored) | set(unchecked_articles(db)))
        if pending:
            from extractor.quality.consistency import run_checks

            summary.flags = len(run_checks(db, pending))
            mark_checked(db, pending)
    except sqlite3.Error as exc:
        raise describe_error(db_path, exc) from exc
    finally:
        db.conn.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _extract(db: sqlite_utils.Database, db_path: str | Path, files: list[Path], summary: Summary, *, workers: int,
             force: bool, strict: bool, model: str | None, nlp: Language | None,
             progress: Callable[[int], None] | None, on_total: Callable[[int], None] | None,
             engine: Engine | None = None) -> None:
    version = pipeline_version(model)
    with immediate(db):
        set_meta(db, "pipeline_version", version)
        set_meta(db, "model", model or model_name())
        load_indicators(db, [i.row() for i in catalog()])

    good: list[Article] = []
    for item in iter_articles(files):
        if isinstance(item, CorpusError):
            path = str(getattr(item, "path", "?"))
            record_failed_file(db, summary, path, str(item))
            if strict:
                raise item
            continue
        good.append(item)

    def unprepared(art: Article, reason: str) -> None:
        record_failed_file(db, summary, str(art.path), reason)
        if strict:
            raise ExtractionError(reason)

    preps = prepare(good, on_error=unprepared, is_current=lambda art: not _needs_work(db, art, version, force),
                    bodies=engine is None)
    todo = [p for p in preps if not p.current]
    current = [p for p in preps if p.current]
    summary.skipped += len(current)
    _record_files(db, current)
    if on_total:
        on_total(len(todo))
    if todo and engine is not None:
        engine(db, db_path, todo, version, summary, strict, progress)
    elif todo:
        nlp = nlp or build(model)
        _run(nlp, todo, db, db_path, version, workers, summary, strict, progress)


def record_failed_file(db: sqlite_utils.Database, summary: Summary, path: str, reason: str) -> None:
    summary.failed += 1
    summary.failures.append((path, reason))
    record_failure(db, path, reason, now_iso())


def _record_files(db: sqlite_utils.Database, preps: list[Prepared]) -> None:
    """Unchanged articles: record every name they were found under against the stored article,
    in one transaction (a re-run of a large corpus writes almost nothing)."""
    rows = []
    for prep in preps:
        row = db.execute("select id from articles where content_hash = ?", [prep.article.content_hash]).fetchone()
        if row is None:
            continue
        known = {r[0] for r in db.execute("select path from article_files where article_id = ?", [row[0]])}
        rows.extend({"path": f, "article_id": row[0], "content_hash": prep.article.content_hash}
                    for f in prep.files if f not in known)
    failed = failed_files(db)
    stale = [f for prep in preps for f in prep.files if f in failed]
    if not rows and not stale:
        return
    with immediate(db):
        for r in rows:
            db["article_files"].upsert(r, pk="path")
        for f in stale:
            db.execute("delete from failures where path = ? and article_id is null", [f])


def _run(nlp: Language, todo: list[Prepared], db: sqlite_utils.Database, db_path: str | Path, version: str,
         workers: int, summary: Summary, strict: bool, progress: Callable[[int], None] | None) -> None:
    """Run the pipeline over the articles' bodies and store each article in its own transaction."""
    def outcomes(items: Iterator[Item]) -> Iterator[Outcome]:
        return process(nlp, items) if workers <= 1 else process_parallel(nlp, items, workers, digest=DocDigest.of)

    def finish(prep: Prepared, done: list[tuple[Outcome, int]], expected: int) -> None:
        store_outcome(db, db_path, prep, done, expected, version, summary, strict)
        if progress:
            progress(1)

    run_articles(todo, outcomes, finish)


def run_articles(todo: list[Prepared], outcomes: Callable[[Iterator[Item]], Iterator[Outcome]],
                 finish: Callable[[Prepared, list[tuple[Outcome, int]], int], None]) -> None:
    """Run the pipeline (``outcomes`` of texts, in their order) over the articles' bodies and hand
    each article to ``finish`` with its outcomes (Outcome, offset of the segment) and the number
    of segments it has.

    Long bodies are split into segments (``segments``); an article is finished once all its
    segments are processed, and fails as a whole if one of them fails. A sentence the pipeline
    is stuck on or fails on is left out (``workers.py``) and recorded in ``failures``.
    """
    pieces: list[tuple[int, int, int]] = []  # (article index, start, end in the article text)
    counts: list[int] = []
    for i, p in enumerate(todo):
        segs = segment_ranges(p)
        counts.append(len(segs))
        pieces.extend((i, s, e) for s, e in segs)

    items = (Item(k, processing_text(todo[i].article.text[s:e]), todo[i].pubdate.value)
             for k, (i, s, e) in enumerate(pieces))
    current: list[tuple[Outcome, int]] = []
    article = 0
    for outcome in outcomes(items):
        i, s, _ = pieces[outcome.key]
        current.append((outcome, s))
        if len(current) == counts[i]:
            finish(todo[i], current, counts[i])
            current = []
            article = i + 1
    while article < len(todo):  # only if the outcomes ended early
        finish(todo[article], current, counts[article])
        current = []
        article += 1


def store_outcome(db: sqlite_utils.Database, db_path: str | Path, prep: Prepared, done: list[tuple[Outcome, int]],
                  expected: int, version: str, summary: Summary, strict: bool) -> None:
    """Store one article from the outcomes of its ``expected`` segments (Outcome, offset of the
    segment in the article text), in one transaction; or record why it failed. ``db`` is the
    store, or a shard of it (``shards.py``)."""
    error = next((o.error for o, _ in done if o.doc is None), None)
    left_out = _skipped_rows(prep, done)
    if error is None and left_out and strict:
        error = _describe_left_out(left_out[0])
    if error is not None or len(done) < expected:
        _failed(db, summary, prep, error or "the pipeline dropped the article", strict)
        return
    try:
        rows = doc_rows(prep, [(o.doc, off) for o, off in done], version)
        rows["failures"] = left_out
        write_article(db, rows)
    except (sqlite3.OperationalError, StoreError) as e:
        # the store itself is at fault (locked, read-only, disk full): no article can be stored
        raise (e if isinstance(e, StoreError) else describe_error(db_path, e)) from e
    except Exception as e:  # one bad article never stops the others
        _failed(db, summary, prep, f"{type(e).__name__}: {e}", strict)
    else:
        summary.processed += 1
        summary.stored.append(prep.article.id)
        summary.sentences += len(rows["sentences"])
        summary.mentions += len(rows["mentions"])
        summary.claims += len(rows["claims"])
        summary.left_out.extend((r["path"], _describe_left_out(r)) for r in left_out)


def segment_ranges(prep: Prepared) -> list[tuple[int, int]]:
    """The ranges of the article text the pipeline runs on: the body, in segments."""
    return segments(prep.article.text, prep.body.start, prep.body.end, settings.SEGMENT_CHARS)


def _describe_left_out(row: dict[str, Any]) -> str:
    text = row["text"] if len(row["text"]) <= 70 else row["text"][:67] + "..."
    return f"sentence at {row['start']}-{row['end']} ({text!r}) left out: {row['reason']}"


def _skipped_rows(prep: Prepared, done: list[tuple[Outcome, int]]) -> list[dict[str, Any]]:
    """``failures`` rows for the sentences left out of a stored article (offsets into its text)."""
    art = prep.article
    at = now_iso()
    rows = []
    for outcome, off in done:
        for k in outcome.skipped:
            s, e = off + k.start, off + k.end
            rows.append({"path": prep.files[0], "article_id": art.id, "component": k.component, "start": s, "end": e,
                         "text": art.text[s:e], "reason": k.reason, "at": at})
    return rows


def _failed(db: sqlite_utils.Database, summary: Summary, prep: Prepared, reason: str, strict: bool) -> None:
    """One article failed: counted once, recorded under each of its file names."""
    summary.failed += 1
    for f in prep.files:
        summary.failures.append((f, reason))
        record_failure(db, f, reason, now_iso())
    if strict:
        raise ExtractionError(f"{prep.files[0]}: {reason}")
