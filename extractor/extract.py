"""Extraction: corpus files -> spaCy pipeline -> rows -> the SQLite store, one transaction per article.

An article whose content hash and pipeline version are unchanged is skipped; a changed one has its
rows replaced atomically. Extraction runs over the article body only (see ``body.py``); offsets are
shifted back into the stored article text, so ``text[start:end]`` equals every stored surface.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import sqlite_utils
from spacy.language import Language
from spacy.tokens import Doc

from .body import Body, find_body
from .claims import claims as doc_claims
from .corpus import Article, CorpusError, find_files, iter_articles
from .indicators import catalog
from .periods import timexes
from .pipeline import build, pipeline_version
from .pubdate import PubDate, publication_date
from .quantities import quantities as doc_quantities
from .settings import BATCH_SIZE, model_name
from .store import claim_key, load_indicators, open_db, record_failure, set_meta, to_json, write_article

ENTITY_LABELS = {"ORG", "GPE", "PERSON", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART", "LANGUAGE"}


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

    def line(self) -> str:
        return (
            f"{self.processed} articles processed, {self.skipped} skipped, {self.failed} failed; "
            f"{self.sentences} sentences, {self.mentions} mentions, {self.claims} claims; {self.seconds:.1f}s"
        )


@dataclass
class Prepared:
    article: Article
    body: Body
    pubdate: PubDate
    files: list[str]


# Space characters the model does not read as spaces ("Li\u00a0Jiabao" would be two names). They
# become plain spaces in the text given to the pipeline, one character for one, so offsets are the
# same; every stored surface is sliced from the stored text.
_SPACE_LIKE = str.maketrans({c: " " for c in "\u00a0\u2007\u2009\u202f\u3000"})


def processing_text(text: str) -> str:
    return text.translate(_SPACE_LIKE)


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def doc_rows(prep: Prepared, doc: Doc, version: str) -> dict[str, Any]:
    """Rows of one processed article (offsets into the whole stored text)."""
    art, body = prep.article, prep.body
    aid = art.id
    off = body.start
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
    }
    sentences = []
    sent_of_token: dict[int, str] = {}
    para = 0
    last_end = 0
    for idx, sent in enumerate(doc.sents):
        stripped = sent.text.strip()
        if not stripped:
            continue
        lead = len(sent.text) - len(sent.text.lstrip())
        s = off + sent.start_char + lead
        e = s + len(stripped)
        para += text.count("\n", off + last_end, s) > 0
        last_end = sent.end_char
        sid = f"{aid}:s{idx}"
        sentences.append({"id": sid, "article_id": aid, "idx": idx, "paragraph": para, "start": s, "end": e, "text": text[s:e]})
        for t in range(sent.start, sent.end):
            sent_of_token[t] = sid

    def sid_at(char: int) -> str | None:
        span = doc.char_span(char, char + 1, alignment_mode="expand")
        if span is None or not len(span):
            return None
        return sent_of_token.get(span.start)

    mentions = []
    mention_of_quantity: dict[tuple[int, int], str] = {}

    def add_mention(kind: str, s: int, e: int, origin: str, **fields: Any) -> str:
        mid = f"{aid}:m{len(mentions)}"
        row = {
            "id": mid, "article_id": aid, "sentence_id": sid_at(s), "type": kind, "start": off + s, "end": off + e,
            "text": text[off + s:off + e], "origin": origin,
        }
        row.update({k: _finite(v) for k, v in fields.items()})
        mentions.append(row)
        return mid

    for ent in doc.ents:
        if ent.label_ in ENTITY_LABELS:
            add_mention(ent.label_, ent.start_char, ent.end_char, "ner", entity_id=ent.kb_id_ or None)
    for q in doc_quantities(doc):
        mid = add_mention(
            q["label"], q["start"], q["end"], "quantity_finder",
            value=q["value"], unit=q["unit"], low=q["low"], high=q["high"], approx=q["approx"],
            direction=q["direction"], noun=q["noun"],
            attrs=to_json({k: q[k] for k in ("currency_inherited", "conversion_of", "cue_start", "approx_start") if q.get(k) is not None and q.get(k) is not False}),
        )
        mention_of_quantity[(q["start"], q["end"])] = mid
    for d in timexes(doc):
        add_mention("DATE", d["start"], d["end"], "period_resolver", period=d["period"], period_start=d["period_start"],
                    period_end=d["period_end"], attrs=to_json({"how": d["how"]}))
    mentions.sort(key=lambda m: (m["start"], m["end"]))

    claims = []
    for i, c in enumerate(doc_claims(doc)):
        ch = c["change"] or {}
        geo = c["geo"]
        claims.append({
            "id": f"{aid}:c{i}",
            "claim_key": claim_key(art.content_hash, off + c["start"], off + c["end"], c["value"], c["unit"]),
            "article_id": aid,
            "sentence_id": sid_at(c["start"]),
            "mention_id": mention_of_quantity.get((c["start"], c["end"])),
            "start": off + c["start"], "end": off + c["end"], "text": text[off + c["start"]:off + c["end"]],
            "quote": text[off + c["quote_start"]:off + c["quote_end"]],
            "quote_start": off + c["quote_start"], "quote_end": off + c["quote_end"],
            "value": _finite(c["value"]), "unit": c["unit"], "measure": c["measure"],
            "indicator": c["indicator"], "indicator_score": c["indicator_score"],
            "indicator_candidates": to_json(c["indicator_candidates"]),
            "phrase": text[off + c["phrase_start"]:off + c["phrase_end"]] if c["phrase_start"] is not None else None,
            "phrase_start": off + c["phrase_start"] if c["phrase_start"] is not None else None,
            "phrase_end": off + c["phrase_end"] if c["phrase_end"] is not None else None,
            "geo": to_json(geo) if isinstance(geo, list) else geo, "geo_how": c["geo_how"], "partner": c["partner"],
            "period": c["period"], "period_start": c["period_start"], "period_end": c["period_end"],
            "period_how": c["period_how"],
            "change_value": ch.get("value"), "change_unit": ch.get("unit"), "change_direction": ch.get("direction"),
            "change_basis": ch.get("basis"),
            "approx": c["approx"], "modality": c["modality"], "source": c["source"], "source_how": c["source_how"],
            "confidence": c["confidence"],
        })
    files = [{"path": p, "article_id": aid, "content_hash": art.content_hash} for p in prep.files]
    return {"article": article_row, "files": files, "sentences": sentences, "mentions": mentions, "claims": claims}


def prepare(articles: Iterable[Article]) -> list[Prepared]:
    """Body, publication date, and one entry per distinct content (other names become aliases)."""
    by_hash: dict[str, Prepared] = {}
    out = []
    for art in articles:
        if art.content_hash in by_hash:
            by_hash[art.content_hash].files.append(str(art.path))
            by_hash[art.content_hash].article.aliases.append(art.id)
            continue
        body = find_body(art.text)
        pub = publication_date(art.text, art.meta, body.span)
        prep = Prepared(art, body, pub, [str(art.path)])
        by_hash[art.content_hash] = prep
        out.append(prep)
    return out


def _needs_work(db: sqlite_utils.Database, prep: Prepared, version: str, force: bool) -> bool:
    if force:
        return True
    row = db.execute(
        "select content_hash, pipeline_version from articles where id = ?", [prep.article.id]
    ).fetchone()
    if row is None:
        # the same content stored under another name: nothing to extract, record the file
        other = db.execute(
            "select id from articles where content_hash = ? and pipeline_version = ?", [prep.article.content_hash, version]
        ).fetchone()
        return other is None
    return row[0] != prep.article.content_hash or row[1] != version


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
) -> Summary:
    t0 = time.perf_counter()
    summary = Summary()
    files = find_files(paths)
    db = open_db(db_path)
    version = pipeline_version(model)
    set_meta(db, "pipeline_version", version)
    set_meta(db, "model", model or model_name())
    load_indicators(db, [i.row() for i in catalog()])

    good: list[Article] = []
    for item in iter_articles(files):
        if isinstance(item, CorpusError):
            path = str(getattr(item, "path", "?"))
            summary.failed += 1
            summary.failures.append((path, str(item)))
            record_failure(db, path, str(item), now_iso())
            if strict:
                raise item
            continue
        good.append(item)

    preps = prepare(good)
    todo: list[Prepared] = []
    for p in preps:
        if _needs_work(db, p, version, force):
            todo.append(p)
        else:
            summary.skipped += 1
            _record_files(db, p)
    if on_total:
        on_total(len(todo))
    if todo:
        nlp = nlp or build(model)
        _run(nlp, todo, db, version, workers, summary, strict, progress)
    summary.seconds = time.perf_counter() - t0
    db.conn.close()
    return summary


def _record_files(db: sqlite_utils.Database, prep: Prepared) -> None:
    """An unchanged article under a new name: record the name against the stored article."""
    row = db.execute("select id from articles where content_hash = ?", [prep.article.content_hash]).fetchone()
    if row is None:
        return
    with db.atomic():
        for f in prep.files:
            db["article_files"].upsert({"path": f, "article_id": row[0], "content_hash": prep.article.content_hash}, pk="path")


def _run(nlp: Language, todo: list[Prepared], db, version: str, workers: int, summary: Summary, strict: bool,
         progress: Callable[[int], None] | None) -> None:
    errors: dict[int, str] = {}

    def handler(proc_name, proc, docs, e):  # spaCy's pipe error handler: record, do not stop
        if strict:
            raise e
        for d in docs or []:
            ctx = getattr(d, "_context", None)
            if ctx is not None:
                errors[ctx] = f"{proc_name}: {type(e).__name__}: {e}"
        if not docs:
            errors[-1] = f"{type(e).__name__}: {e}"

    # Language.set_error_handler fails on compiled components in spaCy 3.8; the default handler is
    # what plain components and worker processes report to.
    nlp.default_error_handler = handler

    def make(i: int) -> tuple[Doc, int]:
        p = todo[i]
        doc = nlp.make_doc(processing_text(p.article.text[p.body.start:p.body.end]))
        doc._.published = p.pubdate.value
        return doc, i

    seen: set[int] = set()

    def store(doc: Doc, i: int) -> None:
        seen.add(i)
        prep = todo[i]
        try:
            rows = doc_rows(prep, doc, version)
            write_article(db, rows)
        except Exception as e:  # one bad article never stops the others
            if strict:
                raise
            _fail(db, summary, prep, f"{type(e).__name__}: {e}")
        else:
            summary.processed += 1
            summary.sentences += len(rows["sentences"])
            summary.mentions += len(rows["mentions"])
            summary.claims += len(rows["claims"])
        if progress:
            progress(1)

    if workers > 1:
        stream = nlp.pipe((make(i) for i in range(len(todo))), as_tuples=True, batch_size=BATCH_SIZE, n_process=workers)
        for doc, i in stream:
            store(doc, i)
    else:
        for lo in range(0, len(todo), BATCH_SIZE):
            chunk = [make(i) for i in range(lo, min(len(todo), lo + BATCH_SIZE))]
            try:
                done = list(nlp.pipe(chunk, as_tuples=True, batch_size=BATCH_SIZE))
            except Exception:
                if strict:
                    raise
                done = []
                for doc, i in chunk:  # isolate the article that breaks the batch
                    try:
                        done.append((nlp(doc), i))
                    except Exception as e:
                        errors[i] = f"{type(e).__name__}: {e}"
            for doc, i in done:
                store(doc, i)
    for i, prep in enumerate(todo):
        if i not in seen:
            _fail(db, summary, prep, errors.get(i) or errors.get(-1) or "the pipeline dropped the article")
            if progress:
                progress(1)


def _fail(db, summary: Summary, prep: Prepared, reason: str) -> None:
    summary.failed += 1
    for f in prep.files:
        summary.failures.append((f, reason))
        record_failure(db, f, reason, now_iso())
