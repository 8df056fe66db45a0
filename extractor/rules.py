"""Loading rule tables (YAML/JSON data files) strictly: a duplicate key anywhere is an error.

Rule tables live in ``extractor/data``. A duplicated key in a mapping silently drops one of the
entries in PyYAML and ``json``; here it raises :class:`RuleFileError` naming the file, the key
and the line.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


class RuleFileError(ValueError):
    """A rule or data file is malformed (duplicate key, wrong type, missing field)."""


class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1 reads on/off/yes/no as booleans, which turns the preposition "on" or the word "no" in a
# word list into True/False. Rule files follow YAML 1.2: only true/false are booleans.
_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def load_text(text: str, name: str = "<string>") -> Any:
    """Parse YAML (a superset of JSON) rejecting duplicate keys."""
    try:
        if name.endswith(".json"):
            return json.loads(text, object_pairs_hook=_reject_duplicates)
        if name.endswith(".jsonl"):
            return [json.loads(line, object_pairs_hook=_reject_duplicates)
                    for line in text.splitlines() if line.strip() and not line.lstrip().startswith("//")]
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a safe loader subclass
    except (yaml.YAMLError, ValueError) as exc:
        raise RuleFileError(f"{name}: {exc}") from exc


def load_file(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read ({exc.strerror})") from exc
    return load_text(text, str(path))


@lru_cache(maxsize=None)
def load_data(name: str) -> Any:
    """Load a packaged data file by its path under ``extractor/data`` (``"currencies.yaml"``,
    ``"claims/words.yaml"``); cached."""
    return load_file(DATA_DIR / name)


def data_digest() -> str:
    """A digest of every packaged data file: part of the pipeline version."""
    h = hashlib.sha256()
    for path in sorted(DATA_DIR.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(DATA_DIR).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]
