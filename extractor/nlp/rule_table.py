"""Ordered tables of named rules, so that every answer names the rule that gave it.

Two kinds, both tried in the table's order:

- :class:`RuleTable`: the first rule that answers (returns anything but ``None``) wins.
- :class:`Refinements`: each rule sees the answer so far and may replace it; the answer's rule is
  the last one that replaced it, and ``trace`` lists every rule that did. Used where the language
  refines a reading step by step (a verb names the flow of a phrase that a lead had named, the
  whole of a share names its part's flow): each step depends on the answer before it, so a
  first-wins table would have every rule recompute the ones below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A value and the id of the rule that gave it (``trace``: every rule that changed it)."""

    value: T
    rule: str
    trace: tuple[str, ...] = field(default=())


def _check_ids(name: str, rules: Sequence[tuple[str, Callable]]) -> None:
    ids = [r[0] for r in rules]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"rule table {name}: duplicate rule ids {dup}")


class RuleTable(Generic[T]):
    """``rules``: ``(rule_id, fn)`` pairs; ``fn(*args)`` returns a value or ``None`` (no answer)."""

    def __init__(self, name: str, rules: Sequence[tuple[str, Callable[..., T | None]]]):
        _check_ids(name, rules)
        self.name = name
        self.rules = list(rules)

    @property
    def ids(self) -> list[str]:
        return [r[0] for r in self.rules]

    def first(self, *args: Any) -> Answer[T] | None:
        for rule_id, fn in self.rules:
            value = fn(*args)
            if value is not None:
                return Answer(value, rule_id, (rule_id,))
        return None


class Refinements(Generic[T]):
    """``rules``: ``(rule_id, fn)`` pairs; ``fn(current, *args)`` returns a new value, or ``None``
    to keep the current one."""

    def __init__(self, name: str, rules: Sequence[tuple[str, Callable[..., T | None]]]):
        _check_ids(name, rules)
        self.name = name
        self.rules = list(rules)

    @property
    def ids(self) -> list[str]:
        return [r[0] for r in self.rules]

    def apply(self, start: Answer[T], *args: Any) -> Answer[T]:
        answer = start
        for rule_id, fn in self.rules:
            value = fn(answer.value, *args)
            if value is not None:
                answer = Answer(value, rule_id, answer.trace + (rule_id,))
        return answer
