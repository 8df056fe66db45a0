"""Time bounds on blocks of work: no input may hold a command for ever (issue 14).

``with time_bound(seconds, what):`` raises :class:`TimeBound` inside the block once ``seconds``
have passed. Bounds nest: an article's bound inside a batch's, a sentence's inside a command's;
the timer is always set for the earliest deadline, and the exception names the bound that ran
out. Python code is interrupted at once, and so is a regular expression (CPython's matcher checks
for signals). A bound that has run out fires again every ``seconds`` until its block ends, so a
component that swallows the first exception is interrupted again.

Bounds use SIGALRM: they work in the main thread of any process (the main process, and each
worker process of ``extract --workers N``), and are off elsewhere (a thread cannot be
interrupted), where the caller's process-level bound still applies.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator


class TimeBound(Exception):
    """A block ran past its time bound; the message says which bound and how long it was."""

    def __init__(self, seconds: float, what: str):
        self.seconds = seconds
        self.what = what
        super().__init__(f"no result after {seconds:g}s ({what})" if what else f"no result after {seconds:g}s")


@dataclass
class _Bound:
    deadline: float
    seconds: float
    what: str


_stack: list[_Bound] = []
_previous_handler = None


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _arm() -> None:
    if not _stack:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    first = min(_stack, key=lambda b: b.deadline)
    # an expired bound fires (again) almost at once: its block has not ended yet
    signal.setitimer(signal.ITIMER_REAL, max(first.deadline - time.monotonic(), 1e-4))


def _on_alarm(signum, frame) -> None:
    now = time.monotonic()
    expired = [b for b in _stack if b.deadline <= now + 1e-3]
    if not expired:
        _arm()  # early: a bound was added or removed since the timer was set
        return
    bound = min(expired, key=lambda b: b.deadline)
    bound.deadline = now + bound.seconds  # fires again if the exception is swallowed
    _arm()
    raise TimeBound(bound.seconds, bound.what)


@contextmanager
def time_bound(seconds: float, what: str = "") -> Iterator[None]:
    """Raise :class:`TimeBound` in this block after ``seconds`` (0 or less: no bound)."""
    global _previous_handler
    if seconds is None or seconds <= 0 or not _usable():
        yield
        return
    bound = _Bound(time.monotonic() + seconds, seconds, what)
    if not _stack:
        _previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
    _stack.append(bound)
    try:
        _arm()
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)  # no alarm while the stack changes
        _stack.remove(bound)
        if _stack:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _previous_handler or signal.SIG_DFL)
            _previous_handler = None
