"""`extractor eval-time`: time expressions scored with TempEval-3's measures on TimeBank."""

from __future__ import annotations

import json
from pathlib import Path

import click

from extractor.cli.errors import fail
from extractor.ingest.corpus import CorpusError
from extractor.store.db import StoreError

SPLITS = ("dev", "heldout", "all")


@click.command("eval-time")
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="TimeBank documents, JSON lines (doc, dct, text, timexes).")
@click.option("--split", "splits", type=click.Choice([*SPLITS, "each"]), default="each", show_default=True,
              help="Which documents to score: the development part, the held-out part (by a hash of the "
                   "document id), all of them, or each of the three.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Store to extract into (default: a temporary one). An up-to-date store is read as is.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write the measures and every error here.")
def eval_time(data_path, splits, db_path, json_path) -> None:
    """Extract TimeBank's documents (the DCT as publication date) and print TempEval-3's
    measures: strict and relaxed extraction P/R/F1, value and type accuracy and F1, per type.

    Example:

        extractor eval-time --data ../shared/data/timebank.jsonl --split dev
    """
    import tempfile

    from extractor.nlp.pipeline import build
    from extractor.quality.timeml import TimeDocument, TimeMLError, load_jsonl, render, score, split_of, stored_timexes
    from extractor.run.extract import extract as run
    from extractor.store.db import open_db

    try:
        docs = load_jsonl(data_path)
    except TimeMLError as exc:
        fail(exc)
    wanted = SPLITS if splits == "each" else (splits,)
    if "all" not in wanted:
        docs = [d for d in docs if split_of(d.doc) in wanted]
    tmp = tempfile.TemporaryDirectory()
    try:
        corpus = Path(tmp.name) / "corpus"
        corpus.mkdir()
        for d in docs:
            (corpus / f"{d.doc}.txt").write_text(d.text, encoding="utf-8")
            meta = {"published": d.dct[:10]} if d.dct else {}
            (corpus / f"{d.doc}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
        db_path = db_path or str(Path(tmp.name) / "timebank.db")
        summary = run([corpus], db_path, nlp=build())
        for path, reason in summary.failures:
            click.echo(f"failed: {path}: {reason}", err=True)
        db = open_db(db_path, create=False)
        pairs = []
        for d in docs:
            # (a text that repeats another document's is stored once, under the first name)
            row = db.execute(
                "select a.text, a.id from article_files f join articles a on a.id = f.article_id where f.path = ?",
                [str(corpus / f"{d.doc}.txt")]).fetchone()
            if row is None:
                pred = TimeDocument(d.doc, d.dct, d.text, [])
            elif row[0] != d.text:
                fail(f"{data_path}: document {d.doc!r} was stored with other text (offsets would not align)")
            else:
                pred = TimeDocument(d.doc, d.dct, d.text, stored_timexes(db, row[1], row[0]))
            pairs.append((d, pred))
        db.conn.close()
    except (CorpusError, StoreError) as exc:
        fail(exc)
    finally:
        tmp.cleanup()
    results = {}
    for name in wanted:
        chosen = [(g, p) for g, p in pairs if name == "all" or split_of(g.doc) == name]
        results[name] = score(chosen)
        click.echo(render(results[name], f"TimeBank {name}"))
        click.echo("")
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_path}")


COMMANDS: list[click.Command] = [eval_time]
