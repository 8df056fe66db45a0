"""`extractor eval-quantities`: score the quantity grammar on the sentence-level gold set."""

from __future__ import annotations

import json
from pathlib import Path

import click

from extractor.cli.errors import fail


@click.command("eval-quantities")
@click.option("--gold", "gold_dir", default="gold/quantities", show_default=True,
              type=click.Path(exists=True, file_okay=False), help="Folder of sentence .jsonl files.")
@click.option("--pred", "pred_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Score this `extractor quantities` output (one line per gold sentence, in order) "
                   "instead of running the pipeline.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write the scores and every error here.")
@click.option("--errors", "n_errors", type=int, default=0, show_default=True,
              help="Print this many errors of the dev part (never of the held-out part).")
@click.option("--model", default=None, help="spaCy pipeline to use.")
def eval_quantities(gold_dir, pred_path, json_path, n_errors, model) -> None:
    """Precision, recall and F1 of quantities (value, value+unit, value+change), matched one to
    one per sentence, overall, per part (dev, held-out) and per section.

    Example:

        extractor eval-quantities --gold gold/quantities --json data/eval_quantities.json
    """
    from extractor.quality.quantities import QuantityGoldError, load_gold, read_predictions, render, score

    try:
        sentences = load_gold(gold_dir)
        if pred_path:
            predictions = read_predictions(pred_path, len(sentences))
        else:
            predictions = _predict([s.text for s in sentences], model)
    except QuantityGoldError as exc:
        fail(exc)
    result = score(sentences, predictions)
    click.echo(render(result))
    if n_errors:
        shown = [e for e in result["errors"] if e["part"] == "dev"][:n_errors]
        for e in shown:
            click.echo(json.dumps(e, ensure_ascii=False))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_path}")


def _predict(texts: list[str], model: str | None) -> list[list[dict]]:
    """The quantities of each text, under the article time bound (a text that fails has none)."""
    from extractor.nlp.pipeline import build
    from extractor.nlp.quantities.component import quantities
    from extractor.run.workers import Item, process

    nlp = build(model, with_claims=False)
    out: list[list[dict]] = []
    for outcome in process(nlp, (Item(i, t) for i, t in enumerate(texts))):
        if outcome.doc is None:
            click.echo(f"warning: sentence {outcome.key + 1}: {outcome.error}", err=True)
            out.append([])
            continue
        for k in outcome.skipped:
            click.echo(f"warning: sentence {outcome.key + 1}: characters {k.start}-{k.end} left out: {k.reason}", err=True)
        out.append(quantities(outcome.doc))
    return out


COMMANDS: list[click.Command] = [eval_quantities]
