"""Reading a corpus folder: ``<id>.txt`` articles with optional ``<id>.meta.json`` sidecars.

Text is decoded as UTF-8 (a byte-order mark is dropped) and line ends are normalised to ``\\n``
exactly as Python's text mode does, so offsets in the store and in gold files agree with
``open(path, encoding="utf-8").read()``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from charset_normalizer import from_bytes


class CorpusError(ValueError):
    """An input file or folder cannot be used; the message names it and the problem."""


META_FIELDS = {"published": str, "url": str, "source": str, "title": str}
_ISO_PUBLISHED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?([T ]\d{2}:\d{2}(:\d{2})?.*)?$")
_HTML = re.compile(r"^\s*(<!doctype html|<html\b|<\?xml[^>]*>\s*<html)", re.I)


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


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode article bytes; returns (text, encoding). Raises CorpusError when it cannot be told."""
    if not data.strip():
        raise CorpusError(f"{path}: empty file")
    if b"\x00" in data[:8192]:
        raise CorpusError(f"{path}: binary file (contains NUL bytes), not article text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    best = from_bytes(data).best()
    # Only accept a guess charset_normalizer is sure of: low noise and a coherent language.
    if best is not None and best.chaos <= 0.1 and best.coherence >= 0.1:
        return str(best), best.encoding
    raise CorpusError(
        f"{path}: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and the encoding "
        "cannot be told reliably; convert it to UTF-8"
    )


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_meta(path: Path) -> dict:
    """Read and validate a ``.meta.json`` sidecar."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 ({exc.reason})") from exc
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
    if published is not None and not _ISO_PUBLISHED.match(published):
        raise CorpusError(
            f"{path}: field 'published' must be an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD), got {published!r}"
        )
    return meta


def read_article(path: Path) -> Article:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CorpusError(f"{path}: no such file") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror})") from exc
    text, encoding = decode(data, path)
    text = normalise_newlines(text)
    if not text.strip():
        raise CorpusError(f"{path}: contains only whitespace")
    if _HTML.match(text):
        from .html_text import html_to_text

        text = html_to_text(text)
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
