"""Auditing claims: listing, showing with highlights, verdicts, and gold export (issue 7).

Verdicts are rows of ``audits`` keyed by ``claims.claim_key`` (a digest of the article's content
hash, the value span and the value), so they survive re-extraction: the claim rows are replaced,
their keys are not. When the article's text changes the keys change too, and each verdict is
re-attached to the claim at the same place (``store/anchors.py``); one that cannot be is an
orphan (:func:`orphans`), kept and listed, never dropped. The latest verdict of a key is the one
in force. A ``fix`` stores the corrected fields (GOLD_GUIDE.md names) as JSON; a later fix of the
same claim adds to them. ``misstated`` says the extraction is right but the article's figure is
false (it contradicts its own source or official data): a note says why, a reference URL may
point at the right figure (issue 19).
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import math
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit

import click
import sqlite_utils

from extractor.quality.gold import (
    APPROX, CLAIM_FIELDS, DIRECTIONS, ISO_DATE, MEASURES, MODALITY, valid_period, valid_place, valid_unit,
)

VERDICTS = ("accept", "reject", "fix", "misstated")
#: verdicts that say the extraction is right (precision, gold export)
CORRECT_EXTRACTION = ("accept", "fix", "misstated")
#: a fixed value this many powers of ten away from the extracted one gets a warning
MAGNITUDE_WARNING = 2
NULLS = {"null", "none", "-", ""}
APPROX_SIGN = {"about": "about ", "more_than": "> ", "less_than": "< ", "nearly": "nearly ", "at_least": ">= ",
               "up_to": "<= "}

#: terminal styles of the highlighted roles, strongest first (a span in two roles takes the first)
STYLES: dict[str, dict[str, Any]] = {
    "value": {"fg": "black", "bg": "yellow", "bold": True},
    "period": {"fg": "cyan", "bold": True},
    "place": {"fg": "green", "bold": True},
    "source": {"fg": "magenta", "bold": True},
    "phrase": {"underline": True},
}


class AuditError(ValueError):
    """A key, field or value the audit commands cannot use; the message says which and why."""


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def default_reviewer() -> str:
    """EXTRACTOR_REVIEWER, else the login name."""
    name = os.environ.get("EXTRACTOR_REVIEWER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


# ---------------------------------------------------------------------------------------------- lookups


def resolve(db: sqlite_utils.Database, key: str) -> dict:
    """The claim row of a claim_key, or of a key prefix that only one claim has."""
    key = key.strip()
    if not key:
        raise AuditError("empty claim key")
    rows = [dict(r) for r in db.query(
        "select * from claims where claim_key = ? or substr(claim_key, 1, ?) = ? order by claim_key = ? desc",
        [key, len(key), key, key])]
    if not rows:
        old = db.execute("select 1 from audits where claim_key = ?", [key]).fetchone()
        hint = (" (it has verdicts but its claim is no longer extracted: `extractor audit list --orphaned` lists them)"
                if old else "")
        raise AuditError(f"no claim with key {key!r}{hint}; `extractor audit list --db ...` lists keys")
    if rows[0]["claim_key"] == key:
        return rows[0]
    keys = sorted({r["claim_key"] for r in rows})
    if len(keys) > 1:
        raise AuditError(f"key prefix {key!r} is ambiguous: {', '.join(keys[:5])}{' ...' if len(keys) > 5 else ''}")
    return rows[0]


def resolve_articles(db: sqlite_utils.Database, prefixes: Iterable[str]) -> list[str]:
    """Article ids from ids or unique id prefixes ("003" -> "003_270bea5b41e05852")."""
    out = []
    for p in prefixes:
        ids = [r[0] for r in db.execute(
            "select id from articles where id = ? or substr(id, 1, ?) = ? order by id", [p, len(p), p])]
        if p in ids:
            ids = [p]
        if not ids:
            raise AuditError(f"no article {p!r} in the store")
        if len(ids) > 1:
            raise AuditError(f"article prefix {p!r} is ambiguous: {', '.join(ids[:5])}")
        out.append(ids[0])
    return out


def latest_verdicts(db: sqlite_utils.Database) -> dict[str, dict]:
    """The verdict in force for every audited claim_key."""
    rows = db.query(
        "select a.* from audits a join (select claim_key, max(id) as id from audits group by claim_key) l on l.id = a.id"
    )
    return {r["claim_key"]: dict(r) for r in rows}


def history(db: sqlite_utils.Database, key: str) -> list[dict]:
    return [dict(r) for r in db.query("select * from audits where claim_key = ? order by id", [key])]


def flags_for(db: sqlite_utils.Database, key: str) -> list[dict]:
    """Flags on a claim: stated on it, or naming it among their related claims."""
    return [dict(r) for r in db.query(
        "select * from flags where claim_key = ? or exists "
        "(select 1 from json_each(flags.related) j where j.value = ?) order by id", [key, key])]


def _geo_codes(geo: str | None) -> list[str]:
    if not geo:
        return []
    return json.loads(geo) if geo.startswith("[") else [geo]


def orphans(db: sqlite_utils.Database) -> list[dict]:
    """Verdicts in force whose claim is no longer extracted (the article's text changed and the
    figure could not be found again): kept, with ``detached`` saying why."""
    return [dict(r) for r in db.query(
        "select a.* from audits a join (select claim_key, max(id) as id from audits group by claim_key) l "
        "on l.id = a.id where a.claim_key not in (select claim_key from claims) order by a.article_id, a.id")]


FLAG_STATES = ("open", "resolved", "any", "none")
VERDICT_FILTERS = ("unaudited", "any", *VERDICTS)


def check_filters(db: sqlite_utils.Database, *, indicator: str | None = None, geo: str | None = None,
                  verdict: str | None = None, flag: str | None = None) -> None:
    """An unknown filter value is an error that names the valid ones (it would list nothing)."""
    from extractor.nlp.indicators.catalog import catalog_ids

    if indicator is not None and indicator not in catalog_ids():
        known = sorted(catalog_ids())
        raise AuditError(f"unknown indicator {indicator!r}; valid indicators: {', '.join(known)}")
    if geo is not None and not valid_place(geo):
        stored = sorted({g for (v,) in db.execute("select distinct geo from claims where geo is not null")
                         for g in _geo_codes(v)})
        raise AuditError(f"unknown place {geo!r} (not an ISO 3166 code or bloc); places in the store: "
                         f"{', '.join(stored) or 'none'}")
    if verdict is not None and verdict not in VERDICT_FILTERS:
        raise AuditError(f"unknown verdict {verdict!r}; valid: {', '.join(VERDICT_FILTERS)}")
    if flag is not None and flag not in FLAG_STATES:
        raise AuditError(f"unknown flag state {flag!r}; valid: {', '.join(FLAG_STATES)}")


def _search_keys(db: sqlite_utils.Database, query: str) -> set[str]:
    """Claims whose quote, phrase, indicator or source, or whose sentence, match a text search."""
    q = db.quote_fts(query)
    keys = {r[0] for r in db.execute(
        "select claim_key from claims where rowid in (select rowid from claims_fts where claims_fts match ?)", [q])}
    keys |= {r[0] for r in db.execute(
        "select c.claim_key from claims c join sentences s on s.id = c.sentence_id where s.rowid in "
        "(select rowid from sentences_fts where sentences_fts match ?)", [q])}
    return keys


def list_claims(
    db: sqlite_utils.Database, *, article: str | None = None, indicator: str | None = None, geo: str | None = None,
    below: float | None = None, unaudited: bool = False, flagged: bool = False, limit: int | None = None,
    period: str | None = None, verdict: str | None = None, flag: str | None = None, query: str | None = None,
) -> list[dict]:
    """Claims, least confident first, with their verdict in force and their number of flags.

    ``period`` keeps claims whose period starts with it ("2019" keeps 2019-01); ``verdict`` is
    one of VERDICT_FILTERS; ``flag`` one of FLAG_STATES (``flagged`` is ``flag="any"``);
    ``query`` a text search of the claims and their sentences. Each row also has
    ``open_flags``. A flag counts on the claim it is stated on and on the claims it names.
    """
    from extractor.quality.consistency import Resolutions

    check_filters(db, indicator=indicator, geo=geo, verdict=verdict, flag=flag)
    verdicts = latest_verdicts(db)
    resolutions = Resolutions(db)
    counts: dict[str, int] = {}
    open_counts: dict[str, int] = {}
    for f in db.query("select * from flags"):
        f = dict(f)
        is_open = resolutions.is_open(f)
        for k in {f["claim_key"], *(json.loads(f["related"]) if f["related"] else [])}:
            counts[k] = counts.get(k, 0) + 1
            if is_open:
                open_counts[k] = open_counts.get(k, 0) + 1
    article_id = resolve_articles(db, [article])[0] if article else None
    found = _search_keys(db, query) if query and query.strip() else None
    if flagged and flag is None:
        flag = "any"
    out = []
    for r in db.query("select * from claims order by coalesce(confidence, 0), article_id, start"):
        r = dict(r)
        if article_id and r["article_id"] != article_id:
            continue
        if indicator and r["indicator"] != indicator:
            continue
        if geo and geo not in _geo_codes(r["geo"]):
            continue
        if period and not (r["period"] or "").startswith(period):
            continue
        if below is not None and (r["confidence"] or 0) >= below:
            continue
        if found is not None and r["claim_key"] not in found:
            continue
        v = verdicts.get(r["claim_key"])
        if (unaudited or verdict == "unaudited") and v:
            continue
        if verdict in VERDICTS and (not v or v["verdict"] != verdict):
            continue
        if verdict == "any" and not v:
            continue
        n = counts.get(r["claim_key"], 0)
        n_open = open_counts.get(r["claim_key"], 0)
        if flag == "any" and not n or flag == "none" and n or flag == "open" and not n_open \
                or flag == "resolved" and not (n and not n_open):
            continue
        r["verdict"] = v["verdict"] if v else None
        r["flags"] = n
        r["open_flags"] = n_open
        out.append(r)
        if limit and len(out) >= limit:
            break
    return out


def next_claim(db: sqlite_utils.Database, **filters: Any) -> dict | None:
    """The least confident claim without a verdict (within the filters of :func:`list_claims`)."""
    rows = list_claims(db, unaudited=True, limit=1, **filters)
    return rows[0] if rows else None


# ---------------------------------------------------------------------------------------------- values


def human(value: float | None, unit: str | None = None, approx: str | None = None) -> str:
    """123450000000, CNY -> '123.45 billion CNY'; a hedge shows as a prefix."""
    if value is None:
        return "-"
    a = abs(value)
    text = f"{value:.6g}"
    for scale, word in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if a >= scale:
            text = f"{value / scale:.6g}{word}"
            break
    return f"{APPROX_SIGN.get(approx or '', '')}{text}" + (f" {unit}" if unit else "")


def _number(v: float | int | None) -> float | int | None:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return int(v)
    return v


def gold_claim(row: dict) -> dict:
    """A claim row in the GOLD_GUIDE.md form, with the quote's ``start``/``end``."""
    def place(v: str | None) -> Any:
        return json.loads(v) if v and v.startswith("[") else v

    change = None
    if row.get("change_value") is not None:
        change = {"value": _number(row["change_value"]), "unit": row["change_unit"],
                  "direction": row["change_direction"], "basis": row["change_basis"]}
    return {
        "quote": row["quote"], "value": _number(row["value"]), "unit": row["unit"], "measure": row["measure"],
        "indicator": row["indicator"], "geo": place(row["geo"]), "partner": place(row["partner"]),
        "period": row["period"], "change": change, "approx": row["approx"], "modality": row["modality"],
        "source": row["source"], "start": row["quote_start"], "end": row["quote_end"],
    }


def _null(v: str) -> bool:
    return v.strip().lower() in NULLS


def parse_value(name: str, raw: str, text: str | None = None) -> Any:
    """Parse and validate one ``field=value`` of ``audit fix`` (GOLD_GUIDE.md rules).

    ``null``/``none``/``-`` clear a nullable field; geo and partner take a code, a comma-separated
    list (sorted for you) or a JSON list; change takes a JSON object or null.
    """
    from extractor.nlp.indicators.catalog import catalog_ids

    raw = raw.strip()
    if name not in CLAIM_FIELDS:
        raise AuditError(f"unknown field {name!r}; fields: {', '.join(CLAIM_FIELDS)}")
    if name == "quote":
        if not raw:
            raise AuditError("quote must not be empty")
        if text is not None and raw not in text:
            raise AuditError(f"quote {raw!r} does not occur in the article")
        return raw
    if name == "value":
        return parse_amount(raw)[0]
    if name == "unit":
        if not valid_unit(raw):
            raise AuditError(f"unit {raw!r} is not an ISO 4217 code or a known unit (percent, count, times, ...)")
        return raw
    if name == "measure":
        if raw not in MEASURES:
            raise AuditError(f"measure {raw!r} not in {sorted(MEASURES)}")
        return raw
    if name == "modality":
        if raw not in MODALITY:
            raise AuditError(f"modality {raw!r} not in {sorted(MODALITY)}")
        return raw
    if name == "approx":
        v = None if _null(raw) else raw
        if v not in APPROX:
            raise AuditError(f"approx {raw!r} not in {sorted(a for a in APPROX if a)} or null")
        return v
    if name == "indicator":
        if _null(raw):
            return None
        if raw not in catalog_ids():
            raise AuditError(f"indicator {raw!r} is not in the catalog (`extractor indicators` lists them)")
        return raw
    if name in ("geo", "partner"):
        if _null(raw):
            return None
        if raw.startswith("["):
            try:
                v = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise AuditError(f"{name}: malformed JSON list ({exc.msg})") from None
        elif "," in raw:
            v = [x.strip() for x in raw.split(",") if x.strip()]
        else:
            v = raw
        if isinstance(v, list):
            v = sorted(set(v))
            if len(v) == 1:
                v = v[0]
        if not valid_place(v):
            raise AuditError(f"{name} {raw!r} is not an ISO 3166 code (CN, CN-GD), a bloc (EU, ASEAN, BRI) "
                             "or a list of them")
        return v
    if name == "period":
        if _null(raw):
            return None
        if not valid_period(raw):
            raise AuditError(f"period {raw!r} is not ISO 8601 (2019, 2019-01, 2025-01/2025-05)")
        return raw
    if name == "change":
        if _null(raw):
            return None
        try:
            ch = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise AuditError(f"change: malformed JSON ({exc.msg}); e.g. "
                             '\'{"value": 15.2, "unit": "percent", "direction": "up", "basis": "yoy"}\'') from None
        if not isinstance(ch, dict) or set(ch) != {"value", "unit", "direction", "basis"}:
            raise AuditError("change must be a JSON object with exactly value, unit, direction, basis")
        if not isinstance(ch["value"], (int, float)) or isinstance(ch["value"], bool) or ch["value"] < 0:
            raise AuditError("change.value must be a non-negative number (direction says which way)")
        if not valid_unit(ch["unit"]):
            raise AuditError(f"change.unit {ch['unit']!r} is not a known unit")
        if ch["direction"] not in DIRECTIONS:
            raise AuditError(f"change.direction {ch['direction']!r} not in {sorted(DIRECTIONS)}")
        b = ch["basis"]
        if b is not None and b not in ("yoy", "mom") and not (isinstance(b, str) and valid_period(b)):
            raise AuditError(f"change.basis {b!r} must be yoy, mom, an ISO period or null")
        return ch
    # source
    return None if _null(raw) else raw


_AMOUNT = re.compile(r"^(?P<num>[-+]?(?:\d[\d,_ ]*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<rest>.*)$")
_PERCENT = re.compile(r"^(?:%|percent|per cent|pct)$", re.I)


def parse_amount(raw: str) -> tuple[int | float, str | None]:
    """A value as people write it: ``512.7 billion``, ``512.7bn``, ``1,250``, ``5.65%``,
    ``2.4 lakh crore``, ``512.7e9``; returns (number, ``"percent"`` when it was written as a
    percentage, else None). Scale words come from ``scales.yaml``."""
    from decimal import Decimal

    from extractor.nlp.quantities.numerals import parse_number, parse_number_words, scale_value

    text = " ".join(raw.strip().split())
    m = _AMOUNT.match(text)
    number: Decimal | None = None
    rest = ""
    if m:
        num = m.group("num").replace("_", "").replace(" ", "")
        try:
            number = Decimal(num) if "e" in num.lower() else parse_number(num)
        except ArithmeticError:
            number = None
        rest = m.group("rest").strip()
    else:
        words = parse_number_words(text)
        number, rest = (words, "") if words is not None else (None, "")
    if number is None:
        raise AuditError(f"value {raw!r} is not a number (write it as people do: 512.7 billion, 5.65%, 1,250)")
    unit = None
    if rest and _PERCENT.match(rest):
        unit, rest = "percent", ""
    if rest:
        try:
            number *= scale_value(rest)
        except ValueError:
            raise AuditError(f"value {raw!r}: {rest!r} is not a scale word (thousand, million, billion, bn, "
                             "trillion, lakh, crore, ...) or a percent sign") from None
    v = float(number)
    if not math.isfinite(v):
        raise AuditError(f"value {raw!r} is not finite")
    return _number(int(number) if number == number.to_integral_value() and abs(v) < 2 ** 53 else v), unit


def fix_warnings(claim: dict, fields: dict[str, Any], raw: dict[str, str] | None = None) -> list[str]:
    """What looks wrong in a fix: a value orders of magnitude away from the extracted one (a
    forgotten scale: 512.7 for 512.7 billion), a percentage on a claim in another unit."""
    out = []
    new, old = fields.get("value"), claim.get("value")
    shown = (raw or {}).get("value", new)
    if isinstance(new, (int, float)) and isinstance(old, (int, float)) and new and old:
        powers = abs(math.log10(abs(new) / abs(old)))
        if powers >= MAGNITUDE_WARNING:
            hint = ""
            if abs(new) < abs(old):  # a scale left out: the quote's scale word, read off the extracted value
                hint = f", e.g. value={human(new * 1000 ** math.floor(math.log10(abs(old)) / 3))}"
            out.append(f"value {shown} is {powers:.0f} orders of magnitude from the extracted "
                       f"{human(old, claim.get('unit'))} (quoted as {claim.get('text')!r}); write the scale{hint}")
    if raw and "value" in raw and "unit" not in fields:
        try:
            _, unit = parse_amount(raw["value"])
        except AuditError:
            unit = None
        if unit == "percent" and claim.get("unit") != "percent":
            out.append(f"value {raw['value']} is a percentage but the claim's unit is {claim.get('unit')}; "
                       "add --set unit=percent if that is right")
    return out


def parse_assignments(pairs: Sequence[str], text: str | None = None) -> dict[str, Any]:
    """``["period=2019-01", "geo=CN-GD"]`` -> validated fields."""
    if not pairs:
        raise AuditError("give at least one --set field=value")
    out: dict[str, Any] = {}
    for p in pairs:
        if "=" not in p:
            raise AuditError(f"--set {p!r}: expected field=value")
        name, raw = p.split("=", 1)
        name = name.strip()
        if name in out:
            raise AuditError(f"field {name!r} is set twice")
        out[name] = parse_value(name, raw, text)
    return out


def apply_fix(claim: dict, fields: dict[str, Any], text: str, value_span: tuple[int, int] | None = None) -> dict:
    """A gold-form claim with corrections applied; a new quote gets the offsets of its occurrence
    that holds ``value_span`` (the value's offsets), else of the one nearest the old quote."""
    out = dict(claim)
    out.update({k: v for k, v in fields.items() if k in CLAIM_FIELDS})
    if "quote" in fields and fields["quote"] != claim.get("quote"):
        q = fields["quote"]
        starts, i = [], text.find(q)
        while i >= 0:
            starts.append(i)
            i = text.find(q, i + 1)
        if not starts:
            raise AuditError(f"quote {q!r} does not occur in the article")
        old = claim.get("start") or 0
        vs, ve = value_span or (old, old)
        # the occurrence that holds the value, else the one nearest the old quote
        s = min(starts, key=lambda x: (not (x <= vs and ve <= x + len(q)), abs(x - old)))
        out["start"], out["end"] = s, s + len(q)
    return out


# ---------------------------------------------------------------------------------------------- verdicts


def check_reference(url: str | None) -> str | None:
    """A reference for a misstated figure: an http(s) URL, or None."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AuditError(f"reference {url!r} is not an http(s) URL")
    return url


def record(db: sqlite_utils.Database, claim: dict, verdict: str, *, fields: dict[str, Any] | None = None,
           note: str | None = None, reviewer: str | None = None, reference: str | None = None) -> dict:
    """Store a verdict on a claim; a fix adds its fields to those of an earlier fix in force.

    The row keeps the claim's anchor (quote, value and offsets) so that it can be re-attached
    when the article's text changes, and every flag open on the claim is recorded as resolved.
    """
    from extractor.quality.consistency import resolve_flags
    from extractor.store.anchors import claim_anchor
    from extractor.store.db import immediate

    if verdict not in VERDICTS:
        raise AuditError(f"verdict {verdict!r} not in {VERDICTS}")
    if verdict == "misstated" and not (note and note.strip()):
        raise AuditError("a misstated verdict needs a note: what the right figure is and where it comes from")
    if reference is not None and verdict != "misstated":
        raise AuditError("a reference URL goes with a misstated verdict")
    reference = check_reference(reference)
    stored = None
    row: dict[str, Any] = {}
    with immediate(db):
        if verdict == "fix":
            if not fields:
                raise AuditError("a fix needs corrected fields")
            prev = latest_verdicts(db).get(claim["claim_key"])
            merged = json.loads(prev["fields"]) if prev and prev["verdict"] == "fix" and prev["fields"] else {}
            merged.update(fields)
            stored = json.dumps(merged, ensure_ascii=False, sort_keys=True)
        row = {
            "claim_key": claim["claim_key"], "article_id": claim["article_id"], "verdict": verdict, "fields": stored,
            "note": note, "reviewer": reviewer or default_reviewer(), "created_at": now_iso(), "reference": reference,
            "judged_key": claim["claim_key"], **claim_anchor(claim),
        }
        cur = db.conn.execute(
            f"insert into audits ({', '.join(f'[{k}]' for k in row)}) values ({', '.join('?' * len(row))})",
            list(row.values()))
        row["id"] = cur.lastrowid
        resolve_flags(db, claim["claim_key"], row["id"], row["created_at"])
    return row


def verdict_commands(key: str, db_path: str) -> list[str]:
    """The commands that record a verdict on ``key``."""
    db = shlex.quote(str(db_path))
    return [
        f"extractor audit accept --db {db} {key}",
        f"extractor audit reject --db {db} {key} --note 'why it is wrong'",
        f"extractor audit fix --db {db} {key} --set field=value --note 'what was wrong'",
        f"extractor audit misstated --db {db} {key} --note 'the right figure and its source' --reference URL",
    ]


# ---------------------------------------------------------------------------------------------- gold export


@dataclass
class ExportSummary:
    files: list[Path] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: verdicts whose claim is no longer in the store (its article changed)
    missing: list[str] = field(default_factory=list)

    def line(self) -> str:
        s = (f"wrote {len(self.files)} gold file(s): {self.added} claim(s) added, {self.updated} updated, "
             f"{self.unchanged} unchanged")
        if self.missing:
            s += (f"; {len(self.missing)} verdict(s) skipped, their claims are no longer extracted "
                  "(`extractor audit list --orphaned`)")
        return s


def _same_number(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


def _match(existing: list[dict], new: dict, value_span: tuple[int, int], original: dict, text: str) -> int | None:
    """The index of the gold claim that labels the same fact as ``new``: its quote holds the value
    span, and its value and unit are those of ``new`` (or of the claim before its fix)."""
    vs, ve = value_span
    holders = []
    for i, g in enumerate(existing):
        s, e = g.get("start"), g.get("end")
        if not isinstance(s, int) or not isinstance(e, int):
            q = g.get("quote") or ""
            s = text.rfind(q, 0, vs + 1) if q else -1
            e = s + len(q)
        if s is not None and 0 <= s <= vs and ve <= e:
            holders.append(i)
    for want in (new, original):
        for i in holders:
            if _same_number(existing[i].get("value"), want["value"]) and existing[i].get("unit") == want["unit"]:
                return i
    return None


def dump_gold(doc: dict) -> str:
    """A gold file as the project writes them: one claim and one mention per line."""
    lines = ["{"]
    keys = list(doc)
    for n, k in enumerate(keys):
        end = "," if n < len(keys) - 1 else ""
        v = doc[k]
        if k in ("claims", "mentions") and isinstance(v, list) and v:
            lines.append(f" {json.dumps(k)}: [")
            for j, item in enumerate(v):
                lines.append("  " + json.dumps(item, ensure_ascii=False) + ("," if j < len(v) - 1 else ""))
            lines.append(f" ]{end}")
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def export_gold(db: sqlite_utils.Database, folder: str | Path, *, articles: Sequence[str] | None = None) -> ExportSummary:
    """Write accepted and fixed claims (fixes applied) as gold files ``folder/<article>.json``.

    An existing file of the article is merged into: a claim labeling the same fact is replaced,
    other claims, the mentions and any other keys are kept.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary()
    by_article: dict[str, list[tuple[dict, dict]]] = {}
    for key, v in sorted(latest_verdicts(db).items()):
        if v["verdict"] not in CORRECT_EXTRACTION:
            continue
        row = db.execute("select 1 from claims where claim_key = ?", [key]).fetchone()
        if row is None:
            summary.missing.append(key)
            continue
        claim = dict(next(iter(db.query("select * from claims where claim_key = ?", [key]))))
        if articles is not None and claim["article_id"] not in articles:
            continue
        by_article.setdefault(claim["article_id"], []).append((claim, v))
    for aid, items in sorted(by_article.items()):
        art = dict(next(iter(db.query("select id, text, published from articles where id = ?", [aid]))))
        text = art["text"]
        path = folder / f"{aid}.json"
        if path.exists():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise AuditError(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno}); not overwriting it") from None
            if not isinstance(doc, dict):
                raise AuditError(f"{path}: expected a JSON object; not overwriting it")
        else:
            published = art["published"] if isinstance(art["published"], str) and ISO_DATE.match(art["published"]) else None
            doc = {"article": aid, "published": published, "claims": [], "mentions": []}
        doc.setdefault("article", aid)
        doc.setdefault("published", None)
        claims: list[dict] = list(doc.get("claims") or [])
        doc.setdefault("mentions", [])
        for claim, v in sorted(items, key=lambda cv: cv[0]["start"]):
            original = gold_claim(claim)
            fixes = json.loads(v["fields"]) if v["verdict"] == "fix" and v["fields"] else {}
            new = apply_fix(original, fixes, text, (claim["start"], claim["end"])) if fixes else original
            i = _match(claims, new, (claim["start"], claim["end"]), original, text)
            if i is None:
                claims.append(new)
                summary.added += 1
            else:
                old = claims[i]
                if "quote" not in fixes and isinstance(old.get("start"), int) and old.get("quote"):
                    # the labeled quote was chosen by hand as the shortest that holds the value; keep it
                    new = {**new, "quote": old["quote"], "start": old["start"], "end": old["end"]}
                if {**old, **new} == old:
                    summary.unchanged += 1
                else:
                    claims[i] = {**old, **new}
                    summary.updated += 1
        claims.sort(key=lambda c: (c.get("start") if isinstance(c.get("start"), int) else 10 ** 9, c.get("end") or 0))
        doc["claims"] = claims
        path.write_text(dump_gold(doc), encoding="utf-8")
        summary.files.append(path)
    return summary


# ---------------------------------------------------------------------------------------------- display


def highlight(text: str, start: int, end: int, spans: Iterable[tuple[int, int, str]], color: bool = True) -> str:
    """``text[start:end]`` with each (s, e, role) span styled by its role (see STYLES)."""
    roles_at: list[set[str]] = [set() for _ in range(end - start)]
    for s, e, role in spans:
        for i in range(max(s, start), min(e, end)):
            roles_at[i - start].add(role)
    out, i = [], 0
    order = list(STYLES)
    while i < len(roles_at):
        j = i
        while j < len(roles_at) and roles_at[j] == roles_at[i]:
            j += 1
        piece = text[start + i:start + j]
        roles = roles_at[i]
        if roles and color:
            style: dict[str, Any] = {}
            for role in sorted(roles, key=order.index, reverse=True):
                style.update(STYLES[role])  # the strongest role is applied last and wins
            piece = click.style(piece, **style)
        out.append(piece)
        i = j
    return "".join(out)


def _spans(db: sqlite_utils.Database, claim: dict, sentence: dict | None) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Spans to highlight in the claim's sentence, and notes on the roles not found there."""
    spans: list[tuple[int, int, str]] = [(claim["start"], claim["end"], "value")]
    notes: list[str] = []
    if claim.get("phrase_start") is not None:
        spans.append((claim["phrase_start"], claim["phrase_end"], "phrase"))
    if sentence is None:
        return spans, notes
    ms = [dict(r) for r in db.query("select * from mentions where sentence_id = ? order by start", [sentence["id"]])]
    found = {"period": False, "place": False, "source": False}
    if claim.get("period"):
        for m in ms:
            if m["type"] == "DATE" and m["period"] == claim["period"]:
                spans.append((m["start"], m["end"], "period"))
                found["period"] = True
    places = set(_geo_codes(claim.get("geo"))) | set(_geo_codes(claim.get("partner")))
    for m in ms:
        if m["type"] == "GPE" and m["entity_id"] and m["entity_id"] in places:
            spans.append((m["start"], m["end"], "place"))
            found["place"] = True
    src = claim.get("source")
    if src:
        s_text = sentence["text"]
        i = s_text.find(src)
        if i >= 0:
            spans.append((sentence["start"] + i, sentence["start"] + i + len(src), "source"))
            found["source"] = True
    if claim.get("period") and not found["period"]:
        notes.append(f"period {claim['period']} is not stated in this sentence (found from: {claim.get('period_how') or '?'})")
    if places and not found["place"]:
        notes.append(f"place {claim.get('geo')} is not named in this sentence (found from: {claim.get('geo_how') or '?'})")
    return spans, notes


def _source_elsewhere(db: sqlite_utils.Database, claim: dict, text: str, color: bool) -> str | None:
    """Where the text credits the source, when that is outside the claim's sentence."""
    src = claim.get("source")
    if not src:
        return None
    starts, i = [], text.find(src)
    while i >= 0:
        starts.append(i)
        i = text.find(src, i + 1)
    if not starts:
        return f"source {src!r} (not found verbatim in the text; found from: {claim.get('source_how') or '?'})"
    # the credit usually precedes the figure ("According to X, ..."), else the nearest after it
    before = [s for s in starts if s <= claim["start"]]
    s = max(before) if before else min(starts)
    sent = db.execute("select start, end from sentences where article_id = ? and start <= ? and end >= ?",
                      [claim["article_id"], s, s + len(src)]).fetchone()
    lo, hi = (sent[0], sent[1]) if sent else (max(0, s - 60), min(len(text), s + len(src) + 60))
    return f"source credited at chars {s}-{s + len(src)}: " + highlight(text, lo, hi, [(s, s + len(src), "source")], color)


def render_claim(db: sqlite_utils.Database, claim: dict, *, color: bool = True) -> str:
    """One claim for a reviewer: its sentence with value, period, place and source highlighted, all
    its fields (with a fix in force applied), the checks on it, and its verdict history."""
    from extractor.quality.consistency import relations

    art = dict(next(iter(db.query("select id, text, title, published from articles where id = ?",
                                  [claim["article_id"]]))))
    text = art["text"]
    sentence = None
    if claim.get("sentence_id"):
        rows = list(db.query("select * from sentences where id = ?", [claim["sentence_id"]]))
        sentence = dict(rows[0]) if rows else None
    lines = [
        click.style(f"claim {claim['claim_key']}", bold=True) if color else f"claim {claim['claim_key']}",
        f"  {claim['id']}, confidence {claim['confidence']:.3f}",
        f"article {art['id']}" + (f"  \"{art['title']}\"" if art.get("title") else "")
        + f"  published {art['published'] or '?'}",
    ]
    spans, notes = _spans(db, claim, sentence)
    if sentence:
        lines.append(f"sentence {sentence['idx']} (chars {sentence['start']}-{sentence['end']}):")
        lo, hi = min(sentence["start"], claim["start"]), max(sentence["end"], claim["end"])
    else:
        lines.append("context:")
        lo, hi = max(0, claim["quote_start"] - 80), min(len(text), claim["quote_end"] + 80)
    lines.append("  " + highlight(text, lo, hi, spans, color).replace("\n", "\n  "))
    legend = "  ".join(click.style(r, **STYLES[r]) if color else r for r in STYLES)
    lines.append(f"  [{legend}]")
    for n in notes:
        lines.append(f"  note: {n}")
    if claim.get("source") and not (sentence and claim["source"] in sentence["text"]):
        where = _source_elsewhere(db, claim, text, color)
        if where:
            lines.append("  " + where)

    verdicts = history(db, claim["claim_key"])
    fixed: dict[str, Any] = {}
    if verdicts and verdicts[-1]["verdict"] == "fix" and verdicts[-1]["fields"]:
        fixed = json.loads(verdicts[-1]["fields"])
    g = gold_claim(claim)
    how = {"indicator": f"score {claim.get('indicator_score')}, candidates {claim.get('indicator_candidates')}",
           "geo": f"from {claim.get('geo_how')}", "period": f"from {claim.get('period_how')}; "
           f"{claim.get('period_start')}..{claim.get('period_end')}", "source": f"from {claim.get('source_how')}",
           "value": f"as {claim.get('text')!r}: {human(claim['value'], claim['unit'], claim['approx'])}"}
    rules = json.loads(claim.get("how") or "{}")  # field -> the rule that decided it
    lines.append("fields:")
    for f in CLAIM_FIELDS:
        v = g[f]
        shown = "-" if v is None else (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v))
        extra = f"  ({how[f]})" if f in how and v is not None else ""
        if rules.get(f):
            extra += f"  [rule {rules[f]}]"
        if f in fixed:
            fv = fixed[f]
            fshown = "null" if fv is None else (json.dumps(fv, ensure_ascii=False) if isinstance(fv, (dict, list)) else str(fv))
            arrow = f"  -> fixed: {fshown}"
            extra += click.style(arrow, fg="yellow", bold=True) if color else arrow
        lines.append(f"  {f:10} {shown}{extra}")
    lines.append(f"  {'start/end':10} {g['start']}-{g['end']} (quote); value at {claim['start']}-{claim['end']}")
    lines.append(f"  {'phrase':10} {claim.get('phrase') or '-'}" + (f"  [rule {rules['phrase']}]" if rules.get("phrase") else ""))

    flags = flags_for(db, claim["claim_key"])
    lines.append(f"flags: {len(flags) or 'none'}")
    for fl in flags:
        head = f"  {fl['check']}: {fl['message']}"
        lines.append(click.style(head, fg="red") if color else head)
        lines.append(f"      expected {human(fl['expected'])}, actual {human(fl['actual'])}, "
                     f"tolerance {human(fl['tolerance'])}; on claim {fl['claim_key']}, related {fl['related']}")
    held = [r for r in relations(db, [claim["article_id"]])
            if r["ok"] and (r["claim_key"] == claim["claim_key"] or claim["claim_key"] in r["related"])]
    if held:
        lines.append("checks that hold:")
        for r in held:
            lines.append(f"  {r['check']}: {r['message']} (tolerance {human(r['tolerance'])})")
    lines.append(f"verdicts: {len(verdicts) or 'none yet'}")
    for v in verdicts:
        s = f"  {v['created_at']}  {v['verdict']:6}  by {v['reviewer'] or '?'}"
        if v["fields"]:
            s += f"  fields {v['fields']}"
        if v["note"]:
            s += f"  note: {v['note']}"
        if v.get("reference"):
            s += f"  reference: {v['reference']}"
        if v.get("attached_how") and v.get("judged_key") != claim["claim_key"]:
            s += f"  (judged as {v['judged_key']}, re-attached: {v['attached_how']})"
        lines.append(s)
    return "\n".join(lines)
