"""Helpers shared by the robustness tests (issue 9): small articles, store snapshots, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
EXTRACTOR = [sys.executable, "-c", "from extractor.cli import cli; cli()"]

PROVINCES = ["Guangdong", "Zhejiang", "Jiangsu", "Shandong", "Fujian", "Sichuan", "Hubei", "Henan", "Hunan", "Anhui"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]


def article(n: int) -> str:
    """A short news article with figures; different for every ``n``."""
    province = PROVINCES[n % len(PROVINCES)]
    month = MONTHS[(n // len(PROVINCES)) % len(MONTHS)]
    return (
        f"{province} trade grows in {month}\n\n"
        f"GUANGZHOU, March 3 (Xinhua) -- {province}'s exports reached {100 + n}.5 billion yuan in {month} 2019, "
        f"up {n % 20 + 1}.2 percent year-on-year, the provincial customs office said on Tuesday. "
        f"Imports fell {n % 7 + 1} percent to {40 + n}.1 billion yuan over the same period.\n\n"
        f"The trade surplus of the province widened to {60 + n} billion yuan, and private companies accounted "
        f"for {30 + n % 50} percent of the total, according to the statement released by the office.\n"
    )


def write_corpus(folder: Path, n: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"a{i:03d}.txt").write_text(article(i), encoding="utf-8")
    return folder


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """The rows of a store that extraction writes, without timestamps, in a stable order."""
    db = sqlite_utils.Database(db_path)
    out: dict[str, list[tuple]] = {}
    for table in ("articles", "article_files", "sentences", "mentions", "claims", "flags"):
        # (flags too: a resumed run must end with the flags of an uninterrupted one, issue 9)
        out[table] = sorted(
            tuple((k, v) for k, v in r.items() if k not in ("extracted_at", "created_at") and not (table == "flags" and k == "id"))
            for r in db.query(f"select * from [{table}]")
        )
    db.conn.close()
    return out


def article_rows(snap: dict[str, list[tuple]], article_id: str) -> dict[str, list[tuple]]:
    """The rows of one article in a snapshot."""
    out = {}
    for table, rows in snap.items():
        if table == "flags":
            continue  # flags are written when a run ends, not with each article
        key = "id" if table == "articles" else "article_id"
        out[table] = [r for r in rows if dict(r)[key] == article_id]
    return out


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EXTRACTOR, *args], capture_output=True, text=True, timeout=timeout, env=cli_env(**env),
                          cwd=ROOT)
