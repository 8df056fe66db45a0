"""Every regular expression the project compiles, and how its matching time grows (issue 14).

Two halves:

* :func:`collect` runs in a fresh interpreter (``python -m tests.regex_safety collect OUT``): it
  wraps ``re._compile``, through which every ``re.compile``/``re.search``/``re.sub``/... call
  passes, then imports every module of ``extractor``, runs the pipeline over the corpus and the
  test cases (with and without a publication date), and drives the commands that read and write
  a store. Each pattern compiled from a frame in ``extractor/`` is written with the call sites
  (file, line) that compiled it, whether the pattern came from code or from a rule file.
* :func:`attacks` builds adversarial inputs for one pattern from what its quantifiers accept
  (the item of every repeat pumped, after the text that leads to it and before a character that
  makes it fail), plus generic news runs (words, spaces, digits, hyphens, dots, date words), and
  :func:`growth` times ``finditer`` and ``fullmatch`` on each at 2,500 and 10,000 characters.
  Linear matching grows 4x; a pattern whose time grows more than :data:`MAX_RATIO` is reported.
"""

from __future__ import annotations

import gc
import json
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "extractor"

SMALL, LARGE = 2_500, 10_000
#: linear growth from SMALL to LARGE is 4x; quadratic is 16x
MAX_RATIO = 8.0
#: below this many seconds at LARGE the time is noise, whatever its growth (a quadratic pattern
#: at 10,000 characters costs tens of milliseconds at least: 5e7 steps)
FLOOR = 0.002
#: one match that takes longer than this at SMALL is runaway (exponential) backtracking
CAP = 2.0
#: a suspected growth is measured again this many times, and reported only if found every time
CONFIRM_ROUNDS = 3
#: no pause of a loaded machine lasts this long; a match at LARGE cut off past it is runaway
STALL = 0.5

#: generic runs of what news text is made of; each is repeated to the length under test
GENERIC = [
    "a", "A", "word ", "Word ", "1", "12,", "1.", "1 ", " ", "\n", "-", ".", "a-", "a.", "A.", ", ", "' ",
    "March ", "March 2019 ", "the year ", "last month ", "1 to ", "2019-", "12 percent ", "$1 billion ",
    "of the ", "Mr. ", "said ", "and ", "(", ")", "%", "\u00a0", "yuan ",
]
#: what may follow a pumped run to make the match fail at its end
TAILS = ["", "!", "\n", "\x00"]


# ------------------------------------------------------------------------------------ collecting


def _site(frame) -> tuple[str, int] | None:
    """The first frame outside the ``re`` module that lies in the package: (relative path, line)."""
    f = frame
    while f is not None:
        path = f.f_code.co_filename
        if path.startswith(str(PACKAGE)):
            return str(Path(path).relative_to(ROOT)), f.f_lineno
        if not (path.endswith(("re/__init__.py", "re/_compiler.py", "re/_parser.py"))):
            return None
        f = f.f_back
    return None


def collect(out: Path) -> None:
    """Record every pattern compiled from the package while it does all it does (see module doc)."""
    seen: dict[tuple[str, int], set[tuple[str, int]]] = {}
    original = re._compile  # type: ignore[attr-defined]

    def recording(pattern, flags):
        if isinstance(pattern, (str, bytes)):
            site = _site(sys._getframe(1))
            if site is not None:
                key = (pattern if isinstance(pattern, str) else pattern.decode("latin-1"), int(flags))
                seen.setdefault(key, set()).add(site)
        return original(pattern, flags)

    re._compile = recording  # type: ignore[attr-defined]
    try:
        _exercise()
    finally:
        re._compile = original  # type: ignore[attr-defined]
    rows = [{"pattern": p, "flags": f, "sites": sorted(f"{a}:{b}" for a, b in sites)} for (p, f), sites in seen.items()]
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")


def _exercise() -> None:
    import importlib
    import pkgutil
    import shutil
    import tempfile

    import extractor

    for mod in pkgutil.walk_packages(extractor.__path__, "extractor."):
        importlib.import_module(mod.name)

    from click.testing import CliRunner

    from extractor.cli import cli
    from extractor.nlp.pipeline import build
    from extractor.rules import load_file

    cases = ROOT / "tests" / "cases"
    texts: list[tuple[str, str | None]] = []
    for name in ("quantities.yaml", "claims.yaml", "periods.yaml"):
        for case in load_file(cases / name):
            text = case.get("text")
            if isinstance(text, str):
                texts.append((text, case.get("published")))
    nlp = build()
    for text, published in texts:
        for pub in (published, None, "2025-03-14"):
            doc = nlp.make_doc(text)
            doc._.published = pub
            nlp(doc)
    for text in GENERIC:
        nlp((text * 40)[:400])

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        (corpus / "zz_html.txt").write_text("<html><body><p>Exports rose 5 percent to $3 billion in March.</p></body></html>",
                                            encoding="utf-8")
        db = str(Path(tmp) / "facts.db")
        report = str(Path(tmp) / "report")
        for args in (
            ["extract", str(corpus), "--db", db, "--quiet"],
            ["gold", "check", str(ROOT / "gold"), "--corpus", str(ROOT / "corpus")],
            ["stats", "--db", db], ["check", "--db", db],
            ["export", "--db", db, "--format", "jsonl"], ["export", "--db", db, "--format", "csv"],
            ["audit", "list", "--db", db], ["audit", "next", "--db", db], ["audit", "check", "--db", db],
            ["audit", "export-gold", "--db", db, str(Path(tmp) / "gold")],
            ["report", "--db", db, "--out", report],
            ["eval", "--corpus", str(ROOT / "corpus"), "--gold", str(ROOT / "gold"), "--db", db],
        ):
            runner.invoke(cli, args, catch_exceptions=True)
        runner.invoke(cli, ["quantities"], input='{"text": "Exports rose 8.1 percent to $123.4 billion."}\nnot json\n')
        from benchmarks.bench import grow_corpus

        grow_corpus(ROOT / "corpus", Path(tmp) / "grown", 30)


#: the functions of ``re`` that compile their pattern argument
COMPILING = {"compile", "match", "fullmatch", "search", "sub", "subn", "findall", "finditer", "split"}


def _re_calls() -> Iterator[tuple[str, "ast.Call"]]:
    import ast

    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in COMPILING
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def call_sites() -> set[str]:
    """Every ``re.<function>(...)`` call in the package that compiles a pattern, as "path:line"
    (the line the call starts on, which is the line a frame reports while the call runs)."""
    return {site for site, _ in _re_calls()}


def static_patterns() -> list[dict]:
    """The patterns written as string literals at their call sites (with literal flags): known
    without running the code that holds them."""
    import ast

    def flags_of(node: "ast.Call") -> int | None:
        args = node.args[1:] if node.func.attr == "compile" else node.args[2 if node.func.attr not in ("sub", "subn") else 3:]
        expr = args[0] if args else next((k.value for k in node.keywords if k.arg == "flags"), None)
        if expr is None:
            return 0
        try:
            return int(eval(compile(ast.Expression(expr), "<flags>", "eval"), {"re": re}))  # noqa: S307
        except Exception:
            return None

    out: dict[tuple[str, int], set[str]] = {}
    for site, node in _re_calls():
        first = node.args[0] if node.args else None
        flags = flags_of(node)
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and flags is not None:
            out.setdefault((first.value, flags), set()).add(site)
    return [{"pattern": p, "flags": f, "sites": sorted(s)} for (p, f), s in out.items()]


def merged(rows: list[dict]) -> list[dict]:
    """Collected rows with the literal patterns added (one row per pattern and flags)."""
    by_key: dict[tuple[str, int], set[str]] = {}
    for row in rows + static_patterns():
        by_key.setdefault((row["pattern"], row["flags"]), set()).update(row["sites"])
    return [{"pattern": p, "flags": f, "sites": sorted(s)} for (p, f), s in by_key.items()]


# ------------------------------------------------------------------------------------- attacking


_CATEGORY_SAMPLE = {
    C.CATEGORY_DIGIT: "1", C.CATEGORY_NOT_DIGIT: "a", C.CATEGORY_SPACE: " ", C.CATEGORY_NOT_SPACE: "a",
    C.CATEGORY_WORD: "a", C.CATEGORY_NOT_WORD: " ", C.CATEGORY_LINEBREAK: "\n", C.CATEGORY_NOT_LINEBREAK: "a",
}
_PROBES = "a1 -.,xZ\n!(%$'A"


def _class_chars(items, flags: int) -> list[str]:
    """Characters of a character class ``[...]`` (a few; a negated class gets probes outside it)."""
    negate = any(op is C.NEGATE for op, _ in items)
    if negate:
        inner = [(op, av) for op, av in items if op is not C.NEGATE]
        rx = re.compile(_unparse_class(inner), flags)
        return [c for c in _PROBES if not rx.fullmatch(c)][:3] or ["\x01"]
    out: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.RANGE:
            lo, hi = av
            out.extend(dict.fromkeys((chr(lo), chr((lo + hi) // 2))))
        elif op is C.CATEGORY:
            out.append(_CATEGORY_SAMPLE.get(av, "a"))
    return out[:4] or ["a"]


def _unparse_class(items) -> str:
    parts = []
    for op, av in items:
        if op is C.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is C.RANGE:
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is C.CATEGORY:
            parts.append({C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
                          C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}.get(av, ""))
    return "[" + "".join(parts) + "]" if parts else "[^\\s\\S]"


def _samples(seq, flags: int, limit: int = 3) -> list[str]:
    """A few strings that the sequence of parsed items matches (best effort: look-arounds and
    back references are left out)."""
    outs = [""]
    for op, av in seq:
        alts = _item_samples(op, av, flags, limit)
        if not alts:
            continue
        # vary one item at a time: the first sample of each, then the others' alternatives
        nxt = [o + alts[0] for o in outs]
        nxt += [outs[0] + a for a in alts[1:]]
        outs = list(dict.fromkeys(nxt))[:limit]
    return outs


def _item_samples(op, av, flags: int, limit: int) -> list[str]:
    if op is C.LITERAL:
        return [chr(av)]
    if op is C.NOT_LITERAL:
        return ["a" if av != ord("a") else "b"]
    if op is C.ANY:
        return ["a"]
    if op is C.IN:
        return _class_chars(av, flags)
    if op is C.CATEGORY:
        return [_CATEGORY_SAMPLE.get(av, "a")]
    if op is C.BRANCH:
        out: list[str] = []
        for alt in av[1]:
            out.extend(_samples(alt, flags, 1))
        return list(dict.fromkeys(out))[:limit + 2]
    if op is C.SUBPATTERN:
        return _samples(av[-1], flags, limit)
    if op is C.ATOMIC_GROUP:
        return _samples(av, flags, limit)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, _hi, item = av
        inner = _samples(item, flags, limit)
        return [s * max(lo, 1) for s in inner] + ([""] if lo == 0 else [])
    return []  # AT, ASSERT, ASSERT_NOT, GROUPREF, GROUPREF_EXISTS: nothing to consume


def _repeats(seq, flags: int, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """(text leading to the repeat, samples of its item) for every repeat that may run long."""
    for i, (op, av) in enumerate(seq):
        lead = prefix + (_samples(seq[:i], flags, 1) or [""])[0]
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            lo, hi, item = av
            if hi is C.MAXREPEAT or hi >= 50:
                yield lead, _samples(item, flags)
            yield from _repeats(item, flags, lead)
        elif op is C.SUBPATTERN:
            yield from _repeats(av[-1], flags, lead)
        elif op is C.ATOMIC_GROUP:
            yield from _repeats(av, flags, lead)
        elif op is C.BRANCH:
            for alt in av[1]:
                yield from _repeats(alt, flags, lead)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            yield from _repeats(av[1], flags, lead)


def attacks(pattern: str, flags: int) -> list[tuple[str, str, str]]:
    """Adversarial inputs as (lead, pump, tail): the input is lead + pump repeated + tail, and
    (lead + pump) repeated + tail, at the length under test."""
    tree = P.parse(pattern, flags)
    out: list[tuple[str, str, str]] = []
    for lead, pumps in _repeats(list(tree), flags):
        for pump in pumps:
            if pump:
                out.extend((lead, pump, tail) for tail in TAILS)
                if lead:
                    out.append(("", lead + pump, "!"))
    out.extend(("", g, t) for g in GENERIC for t in ("", "!"))
    return list(dict.fromkeys(out))


def build_input(lead: str, pump: str, tail: str, n: int) -> str:
    body = lead + pump * max(1, (n - len(lead) - len(tail)) // len(pump))
    return (body + tail)[-n:] if len(body) + len(tail) > n else body + tail


class _Runaway(Exception):
    pass


def _timed(fn, arg: str, reps: int) -> float:
    best = float("inf")
    collecting = gc.isenabled()
    gc.disable()  # a collection inside one timing is noise, not the pattern's cost
    try:
        for _ in range(reps):
            t = time.perf_counter()
            fn(arg)
            best = min(best, time.perf_counter() - t)
    finally:
        if collecting:
            gc.enable()
    return best


def _alarm(signum, frame):
    raise _Runaway()


@dataclass
class Growth:
    pattern: str
    op: str
    attack: tuple[str, str, str]
    small: float
    large: float

    @property
    def ratio(self) -> float:
        return self.large / self.small if self.small > 0 else float("inf")

    def line(self) -> str:
        lead, pump, tail = self.attack
        return (f"{self.op} {self.pattern[:120]!r}: {self.small * 1e3:.2f} ms at {SMALL:,} -> {self.large * 1e3:.2f} ms "
                f"at {LARGE:,} ({self.ratio:.1f}x) on {lead[:20]!r} + {pump[:20]!r}* + {tail!r}")


def growth(pattern: str, flags: int) -> Growth | None:
    """The first superlinear growth of the pattern over its attacks, or None when it is linear."""
    rx = re.compile(pattern, flags)
    ops = {"finditer": lambda s: sum(1 for _ in rx.finditer(s)), "fullmatch": rx.fullmatch}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for attack in attacks(pattern, flags):
            for name, fn in ops.items():
                g = _measure(pattern, name, fn, attack)
                if g is not None:
                    return g
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return None


def _measure(pattern: str, name: str, fn, attack: tuple[str, str, str]) -> Growth | None:
    """A screen of one run at each length, then, for what the screen suspects,
    :data:`CONFIRM_ROUNDS` rounds of best-of-several: the growth is reported only when every round
    finds it, so one stall of a loaded machine (a linear pattern measured at 8.2x once in CI) is
    not a finding, while a quadratic pattern (16x) or a runaway one is found in every round."""
    small, large = build_input(*attack, SMALL), build_input(*attack, LARGE)
    # past twice the linear allowance the screen need not wait for the end
    found = _round(pattern, name, fn, attack, small, large, reps=(1, 1), allowance=2, least=20 * FLOOR)
    if found is None or found.small == CAP:  # linear, or runaway at SMALL already: no doubt
        return found
    for _ in range(CONFIRM_ROUNDS):
        found = _round(pattern, name, fn, attack, small, large, reps=(5, 3), allowance=4, least=STALL)
        if found is None:
            return None
    return found


def _round(pattern: str, name: str, fn, attack, small: str, large: str, *, reps: tuple[int, int],
           allowance: float, least: float) -> Growth | None:
    """The best of ``reps`` runs at each length; the large one is cut off (runaway) past
    ``allowance`` times the linear allowance, and never before ``least`` seconds. A small one cut
    off at :data:`CAP` is recorded as CAP."""
    t_small = CAP
    try:
        signal.setitimer(signal.ITIMER_REAL, CAP)
        t_small = _timed(fn, small, reps[0])
        signal.setitimer(signal.ITIMER_REAL, max(allowance * MAX_RATIO * t_small, least))
        t_large = _timed(fn, large, reps[1])
        signal.setitimer(signal.ITIMER_REAL, 0)
    except _Runaway:
        return Growth(pattern, name, attack, t_small, float("inf"))
    if t_large < FLOOR or t_large <= MAX_RATIO * t_small:
        return None
    return Growth(pattern, name, attack, t_small, t_large)


def slowest(pattern: str, flags: int, cap: float = 10.0) -> tuple[float, str, tuple[str, str, str]]:
    """The longest single match of the pattern over its attacks at LARGE characters: (seconds,
    operation, attack); ``cap`` where it runs away."""
    rx = re.compile(pattern, flags)
    ops = {"finditer": lambda s: sum(1 for _ in rx.finditer(s)), "fullmatch": rx.fullmatch}
    worst: tuple[float, str, tuple[str, str, str]] = (0.0, "", ("", "", ""))
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for attack in attacks(pattern, flags):
            text = build_input(*attack, LARGE)
            for name, fn in ops.items():
                try:
                    signal.setitimer(signal.ITIMER_REAL, cap)
                    t = _timed(fn, text, 1)
                except _Runaway:
                    t = cap
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if t > worst[0]:
                    worst = (t, name, attack)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return worst


def superlinear(rows: Iterable[dict]) -> list[tuple[dict, Growth]]:
    out = []
    for row in rows:
        g = growth(row["pattern"], row["flags"])
        if g is not None:
            out.append((row, g))
    return out


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:2] == ["collect"]:
        collect(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["one"]:  # python -m tests.regex_safety one PATTERN [FLAGS]
        g = growth(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
        print(g.line() if g else "linear")
    elif sys.argv[1:2] == ["profile"]:  # the slowest patterns at LARGE characters
        rows = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        timed = sorted(((slowest(r["pattern"], r["flags"]), r) for r in merged(rows)), key=lambda x: -x[0][0])
        for (t, op, attack), row in timed[:8]:
            print(f"{t * 1e3:9.1f} ms {op:9} {', '.join(row['sites'][:2])}: {row['pattern'][:90]!r} on {attack[1][:12]!r}*")
    elif sys.argv[1:2] == ["scan"]:
        rows = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        for row in merged(rows):
            t = time.perf_counter()
            g = growth(row["pattern"], row["flags"])
            took = time.perf_counter() - t
            if g is not None or took > 2:
                print(f"{took:6.1f}s", ", ".join(row["sites"][:3]), "|", g.line() if g else "linear", flush=True)
