"""Gold files (GOLD_GUIDE.md): loading and validation (``extractor gold check``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry

from extractor.nlp.indicators.catalog import catalog_ids
from extractor.schema import GOLD_FIELDS

#: the fields a gold claim has (GOLD_GUIDE.md)
CLAIM_FIELDS = list(GOLD_FIELDS)
MEASURES = {"level", "growth", "share", "count", "ratio", "price"}
APPROX = {None, "about", "more_than", "less_than", "nearly", "at_least", "up_to"}
MODALITY = {"reported", "target", "forecast"}
DIRECTIONS = {"up", "down", "flat"}
MENTION_TYPES = {"MONEY", "PERCENT", "QUANTITY", "DATE", "ORG", "GPE", "PERSON"}
NON_MONEY_UNITS = {"percent", "percentage_point", "basis_point", "count", "times", "year", "fraction", "point", "index"}
#: groups GOLD_GUIDE.md names by code (EA: the euro area)
BLOCS = {"EU", "EA", "ASEAN", "BRI", "OECD", "G7", "G20", "WORLD"}
_ISO_POINT = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
ISO_PERIOD = re.compile(rf"^(?:{_ISO_POINT}|(?:{_ISO_POINT}|\.\.)/(?:{_ISO_POINT}|\.\.))$")
ISO_DATE = re.compile(rf"^{_ISO_POINT}$")


@dataclass
class GoldFile:
    path: Path
    article: str
    published: str | None
    claims: list[dict]
    mentions: list[dict]


class GoldError(ValueError):
    pass


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and x not in (float("inf"), float("-inf"))


@lru_cache(maxsize=1)
def _currencies() -> set[str]:
    return {c.alpha_3 for c in pycountry.currencies}


@lru_cache(maxsize=1)
def _places() -> set[str]:
    codes = {c.alpha_2 for c in pycountry.countries} | {s.code for s in pycountry.subdivisions} | BLOCS
    return codes


def valid_period(p: Any) -> bool:
    """ISO 8601 at any precision, or an interval of two (an open side is ".."), with real dates."""
    if not isinstance(p, str) or not ISO_PERIOD.match(p):
        return False
    import datetime as _dt

    firsts = []
    for part in p.split("/"):
        if part == "..":
            continue
        bits = [int(x) for x in part.split("-")]
        try:
            firsts.append(_dt.date(bits[0], bits[1] if len(bits) > 1 else 1, bits[2] if len(bits) > 2 else 1))
        except ValueError:
            return False
    if "/" in p and len(firsts) == 2 and firsts[1] < firsts[0]:
        return False  # "2011/2010": the end before the start
    return True


def valid_place(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return v in _places()
    if isinstance(v, list):
        return len(v) >= 2 and all(isinstance(x, str) and x in _places() for x in v) and v == sorted(set(v))
    return False


@lru_cache(maxsize=1)
def _quantulum_units() -> frozenset[str]:
    import quantulum3.load

    return frozenset(quantulum3.load.units("en_US").names)


def valid_unit(u: Any) -> bool:
    """ISO 4217, one of the guide's units, or a quantulum3 unit name; a price per unit is the money
    code, "/" and the unit's name (``USD/barrel``); "X per Y" of two of them."""
    if not isinstance(u, str) or not u:
        return False

    def one(x: str) -> bool:
        return x in _currencies() or x in NON_MONEY_UNITS or x in _quantulum_units()
    if "/" in u:
        money, _, per = u.partition("/")
        return money in _currencies() and bool(per.strip()) and (one(per) or per.replace("_", " ").isalpha())
    return all(one(part) for part in u.split(" per "))


def load(path: str | Path) -> GoldFile:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise GoldError(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(raw, dict):
        raise GoldError(f"{path}: expected a JSON object")
    return GoldFile(path, raw.get("article"), raw.get("published"), raw.get("claims") or [], raw.get("mentions") or [])


def load_dir(folder: str | Path) -> list[GoldFile]:
    folder = Path(folder)
    if not folder.is_dir():
        raise GoldError(f"{folder}: not a folder")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise GoldError(f"{folder}: no gold .json files")
    return [load(f) for f in files]


def check_file(g: GoldFile, corpus: Path) -> list[str]:
    """Every problem of one gold file, each naming the file and the item."""
    errs: list[str] = []
    name = g.path.name

    def err(msg: str) -> None:
        errs.append(f"{name}: {msg}")

    raw = json.loads(g.path.read_text(encoding="utf-8"))
    for key in ("article", "published", "claims", "mentions"):
        if key not in raw:
            err(f"missing top-level field {key!r}")
    if g.article != g.path.stem:
        err(f"article {g.article!r} does not match the file name {g.path.stem!r}")
    txt_path = corpus / f"{g.article}.txt"
    if not txt_path.exists():
        err(f"no corpus article {txt_path}")
        return errs
    from extractor.ingest.corpus import read_article

    text = read_article(txt_path).text
    if g.published is not None and (not isinstance(g.published, str) or not ISO_DATE.match(g.published)
                                    or not valid_period(g.published)):
        err(f"published {g.published!r} is not an ISO 8601 date")
    ids = catalog_ids()
    seen_claims: dict[tuple, int] = {}
    for i, c in enumerate(g.claims):
        where = f"claim {i} ({c.get('quote', '?')!r})"
        missing = [f for f in CLAIM_FIELDS if f not in c]
        if missing:
            err(f"{where}: missing fields {missing}")
            continue
        q = c["quote"]
        if not isinstance(q, str) or q not in text:
            err(f"{where}: quote does not occur in the article")
        if "start" in c or "end" in c:
            if not (isinstance(c.get("start"), int) and isinstance(c.get("end"), int)) or text[c["start"]:c["end"]] != q:
                err(f"{where}: start/end {c.get('start')}:{c.get('end')} do not hold the quote")
        if not isinstance(c["value"], (int, float)) or isinstance(c["value"], bool):
            err(f"{where}: value must be a number")
        if not valid_unit(c["unit"]):
            err(f"{where}: unit {c['unit']!r} is not an ISO 4217 code or a known unit")
        if c["measure"] not in MEASURES:
            err(f"{where}: measure {c['measure']!r} not in {sorted(MEASURES)}")
        if c["indicator"] is not None and c["indicator"] not in ids:
            err(f"{where}: indicator {c['indicator']!r} is not in the catalog")
        for f in ("geo", "partner"):
            if not valid_place(c[f]):
                err(f"{where}: {f} {c[f]!r} is not an ISO 3166 code, a bloc, or a sorted list of them")
        if c["period"] is not None and not valid_period(c["period"]):
            err(f"{where}: period {c['period']!r} is not ISO 8601")
        ch = c["change"]
        if ch is not None:
            if not isinstance(ch, dict) or set(ch) != {"value", "unit", "direction", "basis"}:
                err(f"{where}: change must have exactly value, unit, direction, basis")
            else:
                if not isinstance(ch["value"], (int, float)) or ch["value"] < 0:
                    err(f"{where}: change.value must be a non-negative number")
                if ch["direction"] not in DIRECTIONS:
                    err(f"{where}: change.direction {ch['direction']!r} not in {sorted(DIRECTIONS)}")
                b = ch["basis"]
                if b is not None and b not in ("yoy", "mom") and not valid_period(b):
                    err(f"{where}: change.basis {b!r} must be yoy, mom, an ISO period or null")
        if c["approx"] not in APPROX:
            err(f"{where}: approx {c['approx']!r} not allowed")
        if c["modality"] not in MODALITY:
            err(f"{where}: modality {c['modality']!r} not in {sorted(MODALITY)}")
        if c["source"] is not None and not isinstance(c["source"], str):
            err(f"{where}: source must be a string or null")
        key = (c.get("start", text.find(q) if isinstance(q, str) else None), q, c["value"], c["unit"])
        if key in seen_claims:
            err(f"{where}: the same claim is labeled twice (claim {seen_claims[key]})")
        seen_claims.setdefault(key, i)
    by_type: dict[str, list[tuple[int, int]]] = {}
    for i, m in enumerate(g.mentions):
        where = f"mention {i} ({m.get('text', '?')!r})"
        t = m.get("type")
        if t not in MENTION_TYPES:
            err(f"{where}: type {t!r} not in {sorted(MENTION_TYPES)}")
            continue
        s, e = m.get("start"), m.get("end")
        if not (isinstance(s, int) and isinstance(e, int)) or not 0 <= s < e <= len(text):
            err(f"{where}: bad offsets {s}:{e}")
            continue
        if text[s:e] != m.get("text"):
            err(f"{where}: text[{s}:{e}] is {text[s:e]!r}")
        if t in ("MONEY", "PERCENT", "QUANTITY"):
            lo, hi = m.get("low"), m.get("high")
            if m.get("value") is None and (lo is not None or hi is not None):
                # a range ("20-25%"): value null, both bounds given (gold/README.md)
                if not (_is_number(lo) and _is_number(hi)) or lo > hi:
                    err(f"{where}: a range needs numbers low <= high, got low={lo!r} high={hi!r}")
            elif not _is_number(m.get("value")):
                err(f"{where}: value must be a number")
            if not valid_unit(m.get("unit")):
                err(f"{where}: unit {m.get('unit')!r} is not valid")
            if t == "MONEY" and m.get("unit") not in _currencies():
                err(f"{where}: MONEY unit must be ISO 4217")
            if t == "PERCENT" and m.get("unit") not in ("percent", "percentage_point", "basis_point"):
                err(f"{where}: PERCENT unit must be percent, percentage_point or basis_point")
        if t == "DATE":
            p = m.get("period")
            if p is not None and not valid_period(p):
                err(f"{where}: period {p!r} is not ISO 8601")
        if t == "GPE" and m.get("id") is not None and not valid_place(m["id"]):
            err(f"{where}: id {m['id']!r} is not an ISO 3166 code or bloc")
        for os_, oe in by_type.get(t, []):
            if s < oe and os_ < e:
                err(f"{where}: overlaps another {t} mention at {os_}:{oe}")
                break
        by_type.setdefault(t, []).append((s, e))
    return errs


def check_dir(folder: str | Path, corpus: str | Path) -> list[str]:
    errs = []
    for g in load_dir(folder):
        errs.extend(check_file(g, Path(corpus)))
    return errs
