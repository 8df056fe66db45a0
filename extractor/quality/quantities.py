"""Scoring quantities against a sentence-level gold set (``gold/quantities/*.jsonl``).

Each gold line is a sentence: ``{"id", "section", "text", "quantities": [...]}`` with, for each
quantity, ``value`` (or ``low``/``high`` for a range, ``value`` null), ``unit``, ``change``
(``up``/``down``/null) and ``approx``. A prediction is a quantity dict of the ``quantities``
output (``direction`` stands for ``change``).

Three matches, each one-to-one within a sentence (a maximum bipartite matching; offsets are not
compared, so a value found with a wider or narrower span still counts):

- ``value``: the same number (or the same two bounds of a range);
- ``value+unit``: and the same unit (after :func:`canonical_unit`);
- ``value+change``: and the same change direction (null matches null).

Precision, recall and F1 for each, over all sentences, per section and per part of the set: a
fixed split by a hash of the sentence puts about two thirds in ``dev`` (looked at while rules
are improved) and the rest in ``held-out`` (only scored).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from extractor.rules import load_data

METRICS = ("value", "value+unit", "value+change")
PARTS = ("dev", "held-out")


class QuantityGoldError(ValueError):
    """A gold file of the quantity set is malformed; the message names the file and line."""


@dataclass
class Sentence:
    id: str
    section: str
    text: str
    gold: list[dict]
    part: str = field(init=False)

    def __post_init__(self) -> None:
        self.part = part_of(self.text)


def part_of(text: str) -> str:
    """``dev`` for two sentences in three, ``held-out`` for the third: fixed by the SHA-1 of the
    sentence (not of its id: a sentence two labelers both picked lands in one part)."""
    digest = int(hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest(), 16)
    return "held-out" if digest % 3 == 0 else "dev"


def load_gold(folder: str | Path) -> list[Sentence]:
    """Every sentence of ``folder/*/sentences.jsonl`` and ``folder/*.jsonl``, in file order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise QuantityGoldError(f"{folder}: not a folder")
    files = sorted(folder.glob("*.jsonl")) + sorted(folder.glob("*/*.jsonl"))
    if not files:
        raise QuantityGoldError(f"{folder}: no .jsonl files")
    out: list[Sentence] = []
    seen: set[str] = set()
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{f}:{n}"
            try:
                item = json.loads(line)
                sid, text, qs = item["id"], item["text"], item["quantities"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise QuantityGoldError(f"{where}: expected a JSON object with id, text, quantities ({exc})") from exc
            if sid in seen:
                raise QuantityGoldError(f"{where}: duplicate id {sid!r}")
            seen.add(sid)
            for q in qs:
                _check_quantity(q, text, where)
            out.append(Sentence(sid, item.get("section") or "unknown", text, qs))
    return out


def _check_quantity(q: dict, text: str, where: str) -> None:
    if q.get("value") is None and (q.get("low") is None or q.get("high") is None):
        raise QuantityGoldError(f"{where}: quantity {q.get('text')!r} has neither a value nor low and high")
    s, e = q.get("start"), q.get("end")
    if isinstance(s, int) and isinstance(e, int) and q.get("text") is not None and text[s:e] != q["text"]:
        raise QuantityGoldError(f"{where}: offsets {s}-{e} hold {text[s:e]!r}, not {q['text']!r}")
    if q.get("change") not in (None, "up", "down"):
        raise QuantityGoldError(f"{where}: change must be up, down or null, not {q.get('change')!r}")


# ---------------------------------------------------------------------------------------------- matching


def close(a: Any, b: Any) -> bool:
    """Equal within 0.01%; two numbers below 1 also within 0.005 ("one in three": 0.33 = 0.3333)."""
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    if math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-9):
        return True
    return abs(a) < 1 and abs(b) < 1 and abs(a - b) <= 0.005


def same_value(p: dict, g: dict) -> bool:
    if g.get("value") is not None:
        return p.get("value") is not None and close(p["value"], g["value"])
    return p.get("value") is None and close(p.get("low"), g.get("low")) and close(p.get("high"), g.get("high"))


@lru_cache(maxsize=1)
def _unit_aliases() -> dict[str, str]:
    data = load_data("units.yaml").get("aliases") or {}
    return {k.lower(): v.lower() for k, v in data.items()}


def canonical_unit(unit: str | None) -> str | None:
    """Units compared: lower case, "X per Y" as "X/Y", and the equivalent names of ``units.yaml``
    (``aliases``: the grammar's ``point`` is the guide's ``index``)."""
    if unit is None:
        return None
    u = " ".join(str(unit).lower().split()).replace(" per ", "/").replace(" / ", "/")
    aliases = _unit_aliases()
    return "/".join(aliases.get(part, part) for part in u.split("/"))


def change_of(q: dict) -> str | None:
    c = q.get("change", q.get("direction"))
    return c if c in ("up", "down") else None


CRITERIA: dict[str, Callable[[dict, dict], bool]] = {
    "value": same_value,
    "value+unit": lambda p, g: same_value(p, g) and canonical_unit(p.get("unit")) == canonical_unit(g.get("unit")),
    "value+change": lambda p, g: same_value(p, g) and change_of(p) == change_of(g),
}


def max_matching(pred: list[dict], gold: list[dict], ok: Callable[[dict, dict], bool]) -> list[tuple[int, int]]:
    """A maximum one-to-one matching of predictions to gold quantities under ``ok`` (augmenting
    paths; predictions tried in text order, so equal-sized answers are the same on every run)."""
    edges = [[j for j, g in enumerate(gold) if ok(p, g)] for p in pred]
    gold_to: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in gold_to or augment(gold_to[j], seen):
                gold_to[j] = i
                return True
        return False

    for i in range(len(pred)):
        augment(i, set())
    return sorted((i, j) for j, i in gold_to.items())


# ---------------------------------------------------------------------------------------------- scoring


@dataclass
class Counts:
    tp: dict[str, int] = field(default_factory=lambda: {m: 0 for m in METRICS})
    pred: int = 0
    gold: int = 0
    sentences: int = 0

    def add(self, other: "Counts") -> None:
        for m in METRICS:
            self.tp[m] += other.tp[m]
        self.pred += other.pred
        self.gold += other.gold
        self.sentences += other.sentences

    def scores(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sentences": self.sentences, "gold": self.gold, "pred": self.pred}
        for m in METRICS:
            tp = self.tp[m]
            p = tp / self.pred if self.pred else 0.0
            r = tp / self.gold if self.gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            out[m] = {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp}
        return out


def score_sentence(pred: list[dict], gold: list[dict]) -> tuple[Counts, dict[str, list[tuple[int, int]]]]:
    c = Counts(pred=len(pred), gold=len(gold), sentences=1)
    pairs = {}
    for m in METRICS:
        pairs[m] = max_matching(pred, gold, CRITERIA[m])
        c.tp[m] = len(pairs[m])
    return c, pairs


def score(sentences: list[Sentence], predictions: list[list[dict]]) -> dict[str, Any]:
    """Scores of ``predictions`` (one list per sentence, in order): ``all`` and each part, each
    with its sections, and the errors of each sentence (gold unmatched by value, predictions
    unmatched by value, and value matches with a wrong unit or change)."""
    if len(sentences) != len(predictions):
        raise ValueError(f"{len(predictions)} predictions for {len(sentences)} sentences")
    groups: dict[tuple[str, str], Counts] = {}
    errors: list[dict] = []
    for s, pred in zip(sentences, predictions):
        c, pairs = score_sentence(pred, s.gold)
        for part in ("all", s.part):
            for section in ("*", s.section):
                groups.setdefault((part, section), Counts()).add(c)
        errors.extend(_errors(s, pred, pairs))
    out: dict[str, Any] = {}
    for part in ("all",) + PARTS:
        total = groups.get((part, "*"), Counts())
        sections = sorted(sec for (p, sec) in groups if p == part and sec != "*")
        out[part] = total.scores() | {"sections": {sec: groups[(part, sec)].scores() for sec in sections}}
    out["errors"] = errors
    return out


def _brief(q: dict) -> dict:
    v = q.get("value")
    return {"text": q.get("text"), "value": v if v is not None else [q.get("low"), q.get("high")],
            "unit": q.get("unit"), "change": change_of(q)}


def _errors(s: Sentence, pred: list[dict], pairs: dict[str, list[tuple[int, int]]]) -> Iterable[dict]:
    by_value = dict(pairs["value"])
    matched_gold = set(by_value.values())
    base = {"id": s.id, "section": s.section, "part": s.part, "sentence": s.text}
    for j, g in enumerate(s.gold):
        if j not in matched_gold:
            yield base | {"kind": "missed", "gold": _brief(g)}
    for i, p in enumerate(pred):
        if i not in by_value:
            yield base | {"kind": "spurious", "pred": _brief(p)}
    unit_ok = {i for i, _ in pairs["value+unit"]}
    change_ok = {i for i, _ in pairs["value+change"]}
    for i, j in pairs["value"]:
        p, g = pred[i], s.gold[j]
        if i not in unit_ok and canonical_unit(p.get("unit")) != canonical_unit(g.get("unit")):
            yield base | {"kind": "unit", "pred": _brief(p), "gold": _brief(g)}
        if i not in change_ok and change_of(p) != change_of(g):
            yield base | {"kind": "change", "pred": _brief(p), "gold": _brief(g)}


def render(result: dict[str, Any], *, sections: bool = True) -> str:
    lines = []
    head = f"{'':<22}{'sent':>5}{'gold':>6}{'pred':>6}" + "".join(f"{m + ' P/R/F1':>24}" for m in METRICS)
    for part in ("all",) + PARTS:
        r = result[part]
        lines.append(f"== {part}")
        lines.append(head)
        rows = [("total", r)] + (sorted(r["sections"].items()) if sections else [])
        for name, x in rows:
            cells = "".join(f"{x[m]['p']:>8.3f}{x[m]['r']:>8.3f}{x[m]['f1']:>8.3f}" for m in METRICS)
            lines.append(f"{name:<22}{x['sentences']:>5}{x['gold']:>6}{x['pred']:>6}{cells}")
    return "\n".join(lines)


def read_predictions(path: str | Path, n: int) -> list[list[dict]]:
    """The output of ``extractor quantities`` (one ``{"quantities": [...]}`` line per sentence)."""
    lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines()]
    if len(lines) != n:
        raise QuantityGoldError(f"{path}: {len(lines)} lines for {n} gold sentences")
    out = []
    for k, ln in enumerate(lines, 1):
        try:
            out.append(json.loads(ln)["quantities"] or [])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise QuantityGoldError(f"{path}:{k}: expected {{\"quantities\": [...]}} ({exc})") from exc
    return out
