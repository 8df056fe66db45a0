"""Dependency patterns in spaCy's ``DependencyMatcher`` format, matched at the token a rule asks
about.

A resolver asks "does this figure hang on 'of' under a noun?" for a few tokens of a document;
spaCy's ``DependencyMatcher`` answers for every token of it at once, which cost a third of the
claim builder's time. Here each pattern is validated by spaCy's ``DependencyMatcher`` when it is
loaded, then matched on demand with its key node fixed to one token. The relation operators
``>`` (immediate head of) and ``<`` (immediate dependent of) and the token attributes ``ORTH``,
``TEXT``, ``LOWER``, ``LEMMA``, ``POS``, ``TAG``, ``DEP`` and ``ENT_TYPE`` (a value, or
``{"IN": [...]}`` / ``{"NOT_IN": [...]}``) are supported; anything else is rejected on load.
``tests/unit/test_dep_patterns.py`` checks that both matchers find the same matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from spacy.matcher import DependencyMatcher
from spacy.tokens import Token
from spacy.vocab import Vocab

_ATTRS: dict[str, Callable[[Token], str]] = {
    "ORTH": lambda t: t.orth_, "TEXT": lambda t: t.text, "LOWER": lambda t: t.lower_, "LEMMA": lambda t: t.lemma_,
    "POS": lambda t: t.pos_, "TAG": lambda t: t.tag_, "DEP": lambda t: t.dep_, "ENT_TYPE": lambda t: t.ent_type_,
}
_OPS = (">", "<")


class PatternError(ValueError):
    pass


def _predicate(attrs: dict[str, Any]) -> Callable[[Token], bool]:
    tests: list[Callable[[Token], bool]] = []
    for key, want in attrs.items():
        if key not in _ATTRS:
            raise PatternError(f"unsupported token attribute {key!r} (supported: {', '.join(_ATTRS)})")
        get = _ATTRS[key]
        if isinstance(want, dict):
            if set(want) - {"IN", "NOT_IN"}:
                raise PatternError(f"{key}: only IN and NOT_IN are supported, not {sorted(set(want) - {'IN', 'NOT_IN'})}")
            inside = frozenset(want.get("IN", ())) if "IN" in want else None
            outside = frozenset(want.get("NOT_IN", ()))
            tests.append(lambda t, g=get, i=inside, o=outside: (i is None or g(t) in i) and g(t) not in o)
        else:
            tests.append(lambda t, g=get, w=want: g(t) == w)
    return lambda t: all(test(t) for test in tests)


@dataclass(frozen=True)
class _Pattern:
    key: str
    nodes: dict[str, Callable[[Token], bool]]  # node name -> token test
    relations: tuple[tuple[str, str, str], ...]  # (left, op, right)


class DependencyPatterns:
    """``entries``: ``{"id", "key", "pattern"}`` dicts, ``pattern`` in DependencyMatcher form."""

    def __init__(self, vocab: Vocab, entries: list[dict[str, Any]]):
        checker = DependencyMatcher(vocab, validate=True)
        self._patterns: dict[str, _Pattern] = {}
        for k, entry in enumerate(entries):
            try:
                pid, key, nodes = entry["id"], entry["key"], entry["pattern"]
                checker.add(pid, [nodes])
                relations = []
                for node in nodes[1:]:
                    if node["REL_OP"] not in _OPS:
                        raise PatternError(f"unsupported operator {node['REL_OP']!r} (supported: {' '.join(_OPS)})")
                    relations.append((node["LEFT_ID"], node["REL_OP"], node["RIGHT_ID"]))
                tests = {n["RIGHT_ID"]: _predicate(n.get("RIGHT_ATTRS") or {}) for n in nodes}
                if key not in tests:
                    raise PatternError(f"key {key!r} is no node of the pattern")
                if pid in self._patterns:
                    raise PatternError(f"duplicate pattern id {pid!r}")
                self._patterns[pid] = _Pattern(key, tests, tuple(relations))
            except (KeyError, TypeError, ValueError) as exc:
                raise PatternError(f"pattern {k + 1}: {exc}") from None

    @property
    def ids(self) -> list[str]:
        return list(self._patterns)

    def key_of(self, pattern_id: str) -> str:
        return self._patterns[pattern_id].key

    def match(self, pattern_id: str, token: Token) -> list[dict[str, int]]:
        """Every match of the pattern whose key node is ``token``: node name -> token index."""
        p = self._patterns[pattern_id]
        if not p.nodes[p.key](token):
            return []
        return [dict(m) for m in self._extend(p, {p.key: token}, list(p.relations))]

    def _extend(self, p: _Pattern, bound: dict[str, Token], todo: list[tuple[str, str, str]]) -> Iterator[dict[str, int]]:
        if not todo:
            yield {name: tok.i for name, tok in bound.items()}
            return
        # the next relation with a side already bound (the pattern is a tree, so there always is one)
        k = next(i for i, (left, _, right) in enumerate(todo) if left in bound or right in bound)
        left, op, right = todo[k]
        rest = todo[:k] + todo[k + 1:]
        if left in bound and right in bound:
            if self._holds(bound[left], op, bound[right]):
                yield from self._extend(p, bound, rest)
            return
        if left in bound:
            anchor, free = bound[left], right
            options = list(anchor.children) if op == ">" else ([anchor.head] if anchor.head.i != anchor.i else [])
        else:
            anchor, free = bound[right], left
            options = ([anchor.head] if anchor.head.i != anchor.i else []) if op == ">" else list(anchor.children)
        for tok in options:
            if p.nodes[free](tok) and all(tok.i != b.i for b in bound.values()):
                yield from self._extend(p, {**bound, free: tok}, rest)

    @staticmethod
    def _holds(a: Token, op: str, b: Token) -> bool:
        return (b.head.i == a.i and b.i != a.i) if op == ">" else (a.head.i == b.i and a.i != b.i)
