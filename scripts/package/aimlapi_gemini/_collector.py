"""Pause Python's cyclic garbage collector while a large body becomes models.

Parsing a large reply creates tens of thousands of objects that all survive the parse. Each 700
allocations start a collection, and as the survivors pile up the collector also walks the whole
heap again and again: measured, 44-58% of a large parse, and 80% on a busy machine. None of
those objects can be cyclic garbage yet, so that work finds nothing. Paused, they are looked at
once, on the next collection after the parse, whose cost grows with the objects made, not with
the heap times the number of collections.

Threads share the one collector: the pause is counted, so it ends when the last parse ends, and
the collector is switched back on only if it was on when the first one started. A program that
calls ``gc.disable()`` while a parse is paused finds the collector on again when it ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["LARGE_BODY_BYTES", "paused"]

T = TypeVar("T")
A = TypeVar("A")

# Below this a body makes too few objects for the collector to run more than once or twice.
LARGE_BODY_BYTES = 32 * 1024


class _Pause:
    """The one pause all threads share: how many parses are under it, and the collector's state
    when the first of them started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pausing = 0
        self.was_enabled = False

    def enter(self) -> None:
        with self.lock:
            if self.pausing == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.pausing += 1

    def leave(self) -> None:
        with self.lock:
            self.pausing -= 1
            if self.pausing == 0 and self.was_enabled:
                gc.enable()


_PAUSE = _Pause()


def paused(fn: Callable[[A], T], arg: A) -> T:
    """``fn(arg)`` with the cyclic garbage collector paused (counted across threads)."""
    _PAUSE.enter()
    try:
        return fn(arg)
    finally:
        _PAUSE.leave()
