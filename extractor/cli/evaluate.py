"""`extractor eval`: score extraction against gold."""

from __future__ import annotations

import json
from pathlib import Path

import click

from extractor.cli.errors import fail
from extractor.ingest.corpus import CorpusError
from extractor.store.db import StoreError


@click.command("eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Store to extract into and score (default: a temporary one). An up-to-date store is read as is.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write the full result here.")
@click.option("--no-baselines", is_flag=True, help="Skip quantulum3 and spaCy-entity baselines.")
@click.option("--batches", "batches_path", type=click.Path(dir_okay=False), default=None,
              help="Batches to score on their own (default: batches.yaml in the gold folder, if there).")
def eval_cmd(corpus, gold_dir, db_path, json_path, no_baselines, batches_path) -> None:
    """Score extraction against gold: mentions, claims, and quantulum3/spaCy baselines.

    Example:

        extractor eval --corpus corpus/ --gold gold/ --json data/eval.json
    """
    import tempfile

    from extractor.nlp.pipeline import build
    from extractor.quality.evaluate import evaluate, render
    from extractor.quality.gold import GoldError, load_dir
    from extractor.run.extract import extract as run
    from extractor.store.db import open_db

    from extractor.rules import RuleFileError, load_file

    try:
        golds = load_dir(gold_dir)
        path = Path(batches_path) if batches_path else Path(gold_dir) / "batches.yaml"
        batches = load_file(path) if batches_path or path.exists() else None
        if batches is not None and not (isinstance(batches, dict) and all(isinstance(v, str) for v in batches.values())):
            raise RuleFileError(f"{path}: expected a mapping of batch names to prefix ranges such as \"022-031\"")
    except (GoldError, RuleFileError) as exc:
        fail(exc)
    tmp = None
    if db_path is None:
        tmp = tempfile.TemporaryDirectory()
        db_path = str(Path(tmp.name) / "eval.db")
    try:
        nlp = build()
        summary = run([corpus], db_path, nlp=nlp)
        if summary.failures:
            for path, reason in summary.failures:
                click.echo(f"failed: {path}: {reason}", err=True)
        db = open_db(db_path, create=False)
        base_nlp = None
        if not no_baselines:
            import spacy

            from extractor.settings import model_name

            base_nlp = spacy.load(model_name())
        result = evaluate(db, golds, baselines=not no_baselines, nlp_for_baseline=base_nlp, batches=batches)
    except (CorpusError, StoreError) as exc:
        fail(exc)
    finally:
        if tmp is not None:
            tmp.cleanup()
    click.echo(render(result))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_path}")


COMMANDS: list[click.Command] = [eval_cmd]
