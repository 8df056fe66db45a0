"""`extractor quantities`: the quantities of JSON lines read on stdin."""

from __future__ import annotations

import json
import sys

import click

from extractor.cli.errors import CliError


@click.command()
@click.option("--model", default=None, help="spaCy pipeline to use.")
def quantities(model) -> None:
    """Read JSON lines {"text": ...} on stdin; write one line {"quantities": [...]} per input line.

    Each line has the time bound of an article (EXTRACTOR_ARTICLE_TIMEOUT): a line the pipeline
    fails on or is stuck on is answered with an "error" (a sentence of it that fails alone is left
    out, the others answered), and the next lines are still answered.

    Example:

    \b
        echo '{"text": "Exports rose 8.1 percent to $123.4 billion."}' | extractor quantities
    """
    from extractor.nlp.pipeline import build
    from extractor.nlp.quantities.component import quantities as qs
    from extractor.run.workers import run_text

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


COMMANDS: list[click.Command] = [quantities]
