"""Every table of a store, as comparable rows: two extractions of one corpus must agree on each.

``tables(path)`` reads every table SQLite lists (full-text indexes through their virtual tables,
not their shadow tables, whose bytes depend on the order rows were inserted in), without the
columns that legitimately differ between two runs: timestamps, the row ids of tables keyed by an
autoincremented integer, and (with ``version=False``) the pipeline version, which changes with
the code. Rows are sorted, so the order rows were written in does not matter.

As a script, ``python -m tests.store_tables A.db B.db [--ignore-version]`` prints the tables that
differ (exit code 1) or "identical".
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

#: timestamps, and integer ids given in insertion order
IGNORED = {"extracted_at", "created_at", "at"}
IGNORED_BY_TABLE = {"failures": {"id"}, "flags": {"id"}, "audits": {"id"}}
_SHADOW = ("_data", "_idx", "_docsize", "_config", "_content")


def tables(path: str | Path, *, version: bool = True) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
        fts = [n for n in names if conn.execute("select sql from sqlite_master where name = ?", [n]).fetchone()[0]
               .upper().startswith("CREATE VIRTUAL TABLE")]
        out: dict[str, list[tuple]] = {}
        for name in names:
            if name.startswith("sqlite_") or any(name.startswith(f) and name[len(f):] in _SHADOW for f in fts):
                continue
            cur = conn.execute(f"select * from [{name}]")
            cols = [d[0] for d in cur.description]
            skip = IGNORED | IGNORED_BY_TABLE.get(name, set())
            if not version:
                skip = skip | {"pipeline_version"}
            rows = []
            for r in cur:
                row = tuple((c, v) for c, v in zip(cols, r) if c not in skip)
                if name == "meta" and not version and dict(row).get("key") == "pipeline_version":
                    continue
                rows.append(row)
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def differences(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> list[str]:
    """One line per table that differs (missing on one side, or other rows)."""
    out = []
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            out.append(f"{name}: only in {'the first' if name in a else 'the second'} store")
        elif a[name] != b[name]:
            extra_a = len(set(a[name]) - set(b[name]))
            extra_b = len(set(b[name]) - set(a[name]))
            out.append(f"{name}: {len(a[name])} vs {len(b[name])} rows; {extra_a} only in the first, "
                       f"{extra_b} only in the second")
    return out


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("--")]
    if len(paths) != 2:
        print("usage: python -m tests.store_tables A.db B.db [--ignore-version]", file=sys.stderr)
        return 2
    version = "--ignore-version" not in argv
    a, b = tables(paths[0], version=version), tables(paths[1], version=version)
    diff = differences(a, b)
    for line in diff:
        print(line)
    if not diff:
        print(f"identical: {len(a)} tables, {sum(map(len, a.values()))} rows")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
