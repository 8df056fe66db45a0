"""Reading a corpus folder: ``<id>.txt`` articles with optional ``<id>.meta.json`` sidecars.

Text is decoded as UTF-8 (a byte-order mark is dropped) and line ends are normalised to ``\\n``
exactly as Python's text mode does, so offsets in the store and in gold files agree with
``open(path, encoding="utf-8").read()``.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from charset_normalizer import from_bytes

from extractor import settings


class CorpusError(ValueError):
    """An input file or folder cannot be used; the message names it and the problem."""


META_FIELDS = {"published": str, "url": str, "source": str, "title": str}
_ISO_PUBLISHED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?([T ]\d{2}:\d{2}(:\d{2})?.*)?$")
_HTML = re.compile(
    r"^\s*(?:<!--(?:(?!-->).)*-->\s*)*(?:<!doctype html|<html\b|<head\b|<body\b|<\?xml[^>]*>\s*<html)", re.I | re.S
)


@dataclass
class Article:
    id: str
    path: Path
    text: str
    content_hash: str
    meta: dict = field(default_factory=dict)
    encoding: str = "utf-8"
    #: other file names found with the same content (stored once, all names recorded)
    aliases: list[str] = field(default_factory=list)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: FF FE 00 00
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
#: a valid UTF-8 multi-byte sequence; in text guessed to be single-byte it means mixed encodings
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
#: control characters other than tab, line feed, vertical tab, form feed and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
#: share of control characters above which the input is taken to be a binary file
_BINARY_CONTROL_SHARE = 0.05
#: the Western European code page, preferred when single-byte encodings fit equally well
_WESTERN = "cp1252"
#: charset_normalizer noise ("chaos") scores this close count as a tie
_NEAR_CHAOS = 0.05


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode article bytes; returns (text, encoding). Raises CorpusError when it cannot be told.

    UTF-8 (with or without a BOM) and UTF-16/32 with a BOM are decoded as such. Other bytes are
    decoded only when charset_normalizer is sure: low noise, a coherent language, and no rival
    encoding that reads the bytes differently equally well (among single-byte code pages cp1252
    wins such a tie, the usual encoding of Latin-1 text).
    """
    if not data:
        raise CorpusError(f"{path}: empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec), path), codec
            except UnicodeDecodeError as exc:
                raise CorpusError(
                    f"{path}: starts with a {codec} byte-order mark but is not valid {codec} ({exc.reason})"
                ) from exc
    if b"\x00" in data[:8192]:
        raise CorpusError(
            f"{path}: binary file (contains NUL bytes), not article text (UTF-16 text needs a byte-order mark)"
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return _check_text(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    head = data[:8192]
    if len(_CONTROL_BYTES.findall(head)) > _BINARY_CONTROL_SHARE * len(head):
        raise CorpusError(f"{path}: binary file (not UTF-8, many control bytes), not article text")
    where = f"not UTF-8 ({utf8_error.reason} at byte {utf8_error.start})"
    matches = [m for m in from_bytes(data) if m.chaos <= 0.1 and m.coherence >= 0.1]
    if not matches:
        raise CorpusError(f"{path}: {where} and the encoding cannot be told reliably; convert it to UTF-8")
    best = matches[0]
    # near-ties: on short texts charset_normalizer's noise score differs by a few hundredths
    # between code pages that read the accents differently (cp1257 "ą 300" for cp1252 "à 300")
    tied = [m for m in matches if m.chaos <= best.chaos + _NEAR_CHAOS]
    top_coherence = max(m.coherence for m in tied)
    readings = {str(m) for m in tied}
    if len(readings) > 1:
        western = [m for m in tied if _WESTERN in (m.encoding, *m.could_be_from_charset)
                   and m.coherence >= top_coherence - 1e-9]
        if not western:
            names = ", ".join(m.encoding for m in tied[:5])
            raise CorpusError(
                f"{path}: {where}; it reads equally well as {names}, so the encoding cannot be told "
                "reliably; convert it to UTF-8"
            )
        best = western[0]
    text = str(best)
    encoding = _WESTERN if _WESTERN in best.could_be_from_charset else best.encoding
    if len(text) == len(data) and _UTF8_SEQUENCE.search(data):
        # A single-byte guess over bytes that also hold valid UTF-8 sequences: a UTF-8 file with
        # stray bytes of another encoding. Decoding either way would garble part of it.
        raise CorpusError(
            f"{path}: {where}, but other parts are valid UTF-8: mixed encodings; convert it to UTF-8"
        )
    return _check_text(text, path), encoding


def _check_text(text: str, path: Path) -> str:
    head = text[:10000]
    if head and len(_CONTROL.findall(head)) > _BINARY_CONTROL_SHARE * len(head):
        raise CorpusError(f"{path}: binary file (many control characters), not article text")
    return text


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_meta(path: Path) -> dict:
    """Read and validate a ``.meta.json`` sidecar."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 ({exc.reason})") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    meta: dict = {}
    for key, value in raw.items():
        if key not in META_FIELDS:
            continue  # unknown keys are kept out of the store but are not an error
        if value is None:
            continue
        if not isinstance(value, META_FIELDS[key]):
            raise CorpusError(f"{path}: field {key!r} must be a string, got {type(value).__name__}")
        meta[key] = value
    published = meta.get("published")
    if published is not None:
        from extractor.ingest.pubdate import iso_to_date, normalise_meta_date

        try:
            if not _ISO_PUBLISHED.match(published):
                raise ValueError("not ISO 8601")
            iso_to_date(normalise_meta_date(published))
        except ValueError as exc:
            raise CorpusError(
                f"{path}: field 'published' must be an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD), "
                f"got {published!r} ({exc})"
            ) from exc
    return meta


def read_article(path: Path) -> Article:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > settings.MAX_FILE_BYTES:
            raise CorpusError(
                f"{path}: file too large ({size:,} bytes; the limit is {settings.MAX_FILE_BYTES:,}, "
                "set EXTRACTOR_MAX_FILE_BYTES to raise it)"
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CorpusError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise CorpusError(f"{path}: is a folder, not an article file") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from exc
    text, encoding = decode(data, path)
    text = normalise_newlines(text)
    if not text.strip():
        raise CorpusError(f"{path}: contains only whitespace")
    if _HTML.match(text[:10000]):
        from extractor.ingest.html_text import html_to_text

        try:
            text = html_to_text(text)
        except Exception as exc:  # lxml raises several types on pages it cannot parse
            raise CorpusError(f"{path}: an HTML page whose text cannot be extracted ({exc})") from exc
        if not text.strip():
            raise CorpusError(f"{path}: an HTML page with no text")
    meta_path = path.with_name(path.name[: -len(".txt")] + ".meta.json") if path.name.endswith(".txt") else None
    meta = read_meta(meta_path) if meta_path is not None and meta_path.exists() else {}
    return Article(
        id=article_id(path), path=path, text=text, content_hash=content_hash(text), meta=meta, encoding=encoding
    )


def article_id(path: Path) -> str:
    name = Path(path).name
    return name[: -len(".txt")] if name.endswith(".txt") else Path(path).stem


def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders to their ``*.txt`` files (sorted); check every path exists."""
    files: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise CorpusError(f"{p}: no such file or folder")
        if p.is_dir():
            found = sorted(f for f in p.glob("*.txt") if f.is_file())
            if not found:
                raise CorpusError(f"{p}: folder has no .txt files")
            files.extend(found)
        else:
            files.append(p)
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def iter_articles(files: Iterable[Path]) -> Iterator[Article | CorpusError]:
    """Read each file; yields an Article, or the CorpusError that explains why it cannot be read."""
    for f in files:
        try:
            yield read_article(f)
        except CorpusError as exc:
            exc.path = f  # type: ignore[attr-defined]
            yield exc
