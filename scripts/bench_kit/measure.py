"""Rows of the report and the timing discipline every section shares."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Row:
    section: str
    name: str
    value: float
    unit: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    goal: str = ""  # which issue's target this row checks, e.g. "#9 item 7"
    wall_time: bool = False  # a wall-time ratio: on a busy machine it drifts towards 1
    note: str = ""  # shown instead of PASS/FAIL when the verdict would not mean anything
    spread: str = ""  # min-max over the rounds: of the ratio when there is one, else of the value


# Load average (1 minute, before the bench starts) per core above which other work on the
# machine flattens wall-time ratios: the server's share of each call grows, the client's does not.
BUSY_LOAD_PER_CORE = 0.5


def withhold_wall_verdicts(rows: list[Row], load: float, cores: int) -> bool:
    """On a busy machine, keep the wall-time ratios but judge none of them; True if it was busy."""
    if load < BUSY_LOAD_PER_CORE * cores:
        return False
    for row in rows:
        if row.wall_time and row.passed is not None:
            row.passed = None
            row.note = "not judged: busy machine"
    return True


ISSUE_9_TARGET = "#9 item 7"


def require_gc() -> None:
    # Users run with the garbage collector on, and allocation-heavy code (model parsing) pays for
    # it; timeit switches it off, which would flatter exactly the code being measured.
    if not gc.isenabled():
        raise RuntimeError("bench: the garbage collector is off; measure with it on, as users run")


def spread(values: Sequence[float]) -> str:
    """How a row shows the rounds' spread: min-max."""
    return f"{min(values):.2f}-{max(values):.2f}"


def rotations(names: Sequence[T], rounds: int) -> list[list[T]]:
    """The candidates' order for each round, rotated by one each time, so that no candidate is
    always first (after a pause, with cold caches) or always right after the same neighbour."""
    return [[*names[r % len(names) :], *names[: r % len(names)]] for r in range(rounds)]


def median_time(fn: Callable[[], object], rounds: int, number: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``rounds`` rounds of ``number`` calls."""
    require_gc()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - started) / number)
    return statistics.median(samples)


@dataclass
class Samples:
    """Seconds per call of each candidate, one entry per round: wall time, and the CPU time of
    this process (the client's side only: the server runs in a process of its own)."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.wall[name])

    def ratio(self, name: str, baseline: str, *, cpu: bool = False) -> float:
        """Median over rounds of ``name``'s time over ``baseline``'s in the same round: pairs taken
        moments apart share the machine's state, so a load spike cancels out instead of landing
        on one side (what a ratio of two medians does when the box is busy)."""
        times = self.cpu if cpu else self.wall
        return statistics.median(
            ours / theirs for ours, theirs in zip(times[name], times[baseline], strict=True)
        )


def interleaved_samples(
    candidates: Mapping[str, Callable[[], object]], rounds: int, number: int, warmup: int | None = None
) -> Samples:
    """Time each candidate over ``rounds`` rounds of ``number`` calls: rounds interleaved (in
    rotating order) so that machine noise hits all alike, after ``warmup`` untimed calls each
    (default ``number``) that fill caches and open connection pools."""
    require_gc()
    for fn in candidates.values():
        for _ in range(number if warmup is None else warmup):
            fn()
    samples = Samples({name: [] for name in candidates}, {name: [] for name in candidates})
    for order in rotations(list(candidates), rounds):
        for name in order:
            fn = candidates[name]
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(number):
                fn()
            samples.cpu[name].append((time.process_time() - cpu) / number)
            samples.wall[name].append((time.perf_counter() - wall) / number)
    return samples
