"""`extractor serve`: the audit web page over a store (issue 19)."""

from __future__ import annotations

import os

import click


@click.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False), help="The SQLite store to audit.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only loopback addresses are served without --allow-remote.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--allow-remote", is_flag=True,
              help="Listen on a non-loopback address; every request must then carry the token.")
@click.option("--token", default=None, help="The token for --allow-remote (default: EXTRACTOR_SERVE_TOKEN, else a "
              "random one, printed).")
@click.option("--reviewer", default=None, help="Who records the verdicts (default: EXTRACTOR_REVIEWER, else the "
              "login name).")
def serve(db_path: str, host: str, port: int, allow_remote: bool, token: str | None, reviewer: str | None) -> None:
    """Serve a web page for auditing the store: claims with filters and search, each article with its
    claims beside their sentences, accept / reject / fix / misstated from the page or the keyboard
    (j/k next and previous, a accept, r reject, f fix, m misstated, ? help), written to the store at
    once; and a chart of every figure of an indicator and place against its period.

    Example:

        extractor serve --db data/facts.db      # then open http://127.0.0.1:8000
    """
    from extractor.cli.errors import CliError
    from extractor.serve.app import serve as run
    from extractor.serve.security import ServeError, check_bind, is_loopback
    from extractor.store.db import StoreError

    try:
        required = check_bind(host, allow_remote, token or os.environ.get("EXTRACTOR_SERVE_TOKEN"))
    except ServeError as exc:
        raise CliError(str(exc)) from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if required and not is_loopback(host):
        click.echo(f"serving {db_path} on {url} for holders of the token: open {url}?token={required}")
    else:
        click.echo(f"serving {db_path} on {url} (Ctrl-C stops)")
    try:
        run(db_path, host, port, token=required, loopback_only=is_loopback(host), reviewer=reviewer)
    except StoreError as exc:
        raise CliError(str(exc)) from None


COMMANDS: list[click.Command] = [serve]
