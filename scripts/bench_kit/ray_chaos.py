"""Section 7, the Ray Data rows under chaos: the 2,000-line job through Ray Data (two actors, one
``ClusterRateLimit``) vs the single-process batch (``arun_batch``), each against a chaos reference
server of its own (5% 429, 5% 5xx), both within the same rpm per window. The Ray jobs share the
key's named ``ClusterRateLimit`` (one per limit), as a team's jobs on one key do: the warm-up's
job starts it, and the timed jobs find it running.

Two limits, each its own rows:

- ``BINDING``: 100 requests per 1 s window, picked at 40% of what the batch sent unlimited under
  chaos on this 2-core machine when it was chosen (255 lines/s at a load average of 11-13; 25%
  of 395 at a load of 3), so both jobs wait on the limit (the batch takes about 23 s): the ratio
  says whether one key's limit is used as fully across actors as by one process (issue #22).
  Its rows show the batch's unlimited rate of the same run, so a reader sees that it binds.
- ``DISPATCH``: 1,000 per 1 s, which binds neither job: the ratio is Ray's dispatch overhead.

Every round checks each line answered exactly once (an answer or a typed error, never both) and
the busiest window at the server within the limit, and times two things: the sending (the
server's first arrival to its last) and the whole job (Ray Data's start included: 2-3 s here,
mostly the actors' worker processes; a third row shows it).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .batch_jobs import _write_input
from .measure import Row, require_gc, rotations
from .payloads import API_KEY
from .ray_jobs import ACTORS, ray_data_job
from .recorded_server import most_in_window, recorded_server

CHAOS = "429=0.05,5xx=0.05,retry-after-ms=5,seed={seed}"


@dataclass(frozen=True)
class Limit:
    rpm: int
    window: float
    purpose: str


BINDING = Limit(100, 1.0, "binds both jobs")
DISPATCH = Limit(1000, 1.0, "dispatch overhead: binds neither job")

Job = Callable[[str, Path, Path, int, Limit], list[str]]


def check_round(name: str, ids: list[str], lines: int, arrivals: Sequence[float], limit: Limit) -> int:
    """Raise unless every line came back exactly once and no window held more than the limit;
    the busiest window."""
    if sorted(ids) != sorted(f"record-{n}" for n in range(lines)):
        raise RuntimeError(f"bench: {name} did not answer every line exactly once")
    most = most_in_window(sorted(arrivals), limit.window)
    if most > limit.rpm:
        raise RuntimeError(
            f"bench: {name} let {most} requests arrive in {limit.window:g} s (rpm {limit.rpm})"
        )
    return most


async def _batch(base_url: str, source: Path, target: Path, concurrency: int, limit: Limit) -> list[str]:
    import httpx

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.batch import arun_batch

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = AuthenticatedClient(base_url=base_url, token=API_KEY, httpx_args={"limits": limits})
    async with client:  # a client passed in stays open after the batch: its pool closes here
        await arun_batch(
            source, target, client=client, concurrency=concurrency, rpm=limit.rpm, window=limit.window
        )
    return [json.loads(line)["custom_id"] for line in target.read_text().splitlines()]


def batch_job(base_url: str, source: Path, target: Path, concurrency: int, limit: Limit) -> list[str]:
    """The single-process batch; the ``custom_id`` of every output line."""
    return asyncio.run(_batch(base_url, source, target, concurrency, limit))


def ray_job(base_url: str, source: Path, target: Path, concurrency: int, limit: Limit) -> list[str]:
    """The same job through Ray Data (Parquet out); the ``custom_id`` of every output row."""
    from aimlapi_gemini.integrations.ray import ClusterRateLimit

    # The key's named limit, as a team's jobs on one key share it: started by the first job (the
    # warm-up's), each later job finds it running, its windows carrying over.
    name = f"bench-{limit.rpm}-per-{limit.window:g}s-{concurrency}"
    cluster = ClusterRateLimit.create(rpm=limit.rpm, window=limit.window, concurrency=concurrency, name=name)
    rows = ray_data_job(base_url, source, target, concurrency, cluster).to_pylist()
    for row in rows:  # one outcome each: an answer or a typed error
        if (row["response"] is None) == (row["error_code"] is None):
            raise RuntimeError(f"bench: a row with no outcome or two: {row}")
    return [row["custom_id"] for row in rows]


JOBS: dict[str, Job] = {"batch": batch_job, "ray data": ray_job}


@dataclass
class ChaosRounds:
    """Per job, one figure per round: lines/s of the sending and of the whole job, and the
    seconds from the job's start to its first arrival."""

    limit: Limit
    lines: int
    sending: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in JOBS})
    whole: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in JOBS})
    start: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in JOBS})
    busiest: int = 0
    answered: dict[str, int] = field(default_factory=lambda: {name: 0 for name in JOBS})


def run_rounds(
    scratch: Path, lines: int, concurrency: int, rounds: int, limit: Limit, *, jobs: dict[str, Job] = JOBS
) -> ChaosRounds:
    """``rounds`` interleaved rounds of every job on ``lines`` lines (``ray.init`` first), each
    against a chaos server of its own; raises on a line lost or repeated, or a window over the limit."""
    scratch = Path(tempfile.mkdtemp(dir=scratch))  # its own outputs: a batch resumes, Parquet appends
    source = scratch / "input.jsonl"
    _write_input(source, lines)
    measured = ChaosRounds(limit, lines)
    for index, order in enumerate(rotations(list(jobs), rounds)):
        for name in order:
            with recorded_server(API_KEY, CHAOS.format(seed=index)) as (base_url, arrivals):
                started, began = time.perf_counter(), time.monotonic()  # the server's clock too
                target = scratch / f"{name}-{index}"
                ids = jobs[name](base_url, source, target, concurrency, limit)
                elapsed = time.perf_counter() - started
            measured.busiest = max(measured.busiest, check_round(name, ids, lines, arrivals, limit))
            measured.answered[name] = len(set(ids))
            measured.sending[name].append(lines / (max(arrivals) - min(arrivals)))
            measured.whole[name].append(lines / elapsed)
            measured.start[name].append(min(arrivals) - began)
    return measured


def _ratio_row(what: str, rates: dict[str, list[float]], label: str) -> Row:
    ratios = [a / b for a, b in zip(rates["ray data"], rates["batch"], strict=True)]
    ratio = statistics.median(ratios)
    return Row(
        "7 batch",
        f"Ray Data / batch under chaos, {what} ({label})",
        statistics.median(rates["ray data"]),
        "lines/s",
        "batch",
        ratio,
        ">= 0.9",
        ratio >= 0.9,
        goal="#22",
        wall_time=True,
        spread=f"{min(ratios):.2f}-{max(ratios):.2f}",
    )


def chaos_rows(measured: ChaosRounds, unlimited_batch: float | None = None) -> list[Row]:
    """The rows of one limit's rounds; ``unlimited_batch`` (the batch's median lines/s under the
    dispatch limit) shows how hard the limit binds."""
    limit, lines = measured.limit, measured.lines
    once = "/".join(f"{measured.answered[name]}" for name in JOBS)
    binds = ""
    if unlimited_batch is not None:
        share = limit.rpm / limit.window / unlimited_batch
        binds = f", {share:.0%} of the batch's {unlimited_batch:.0f} lines/s unlimited"
    label = (
        f"{lines} lines, {ACTORS} actors; rpm {limit.rpm}/{limit.window:g} s {limit.purpose}{binds};"
        f" answered once {once} of {lines}; busiest window {measured.busiest}/{limit.rpm}"
    )
    starts = measured.start
    return [
        _ratio_row("whole job", measured.whole, label),
        _ratio_row("sending, first to last arrival", measured.sending, label),
        Row(
            "7 batch",
            f"job start to first arrival, Ray Data (batch {statistics.median(starts['batch']):.2f} s;"
            f" rpm {limit.rpm}/{limit.window:g} s)",
            statistics.median(starts["ray data"]),
            "s",
            wall_time=True,
            spread=f"{min(starts['ray data']):.2f}-{max(starts['ray data']):.2f}",
        ),
    ]


def bench_ray_chaos(lines: int, concurrency: int, rounds: int) -> list[Row]:
    """The dispatch rounds, then the binding ones (see the module docstring)."""
    import ray

    require_gc()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ray-chaos-") as scratch:
            # Warm-up: imports, Ray's first worker processes, each limit's named ClusterRateLimit.
            for limit in (DISPATCH, BINDING):
                run_rounds(Path(scratch), concurrency, concurrency, 1, limit)
            dispatch = run_rounds(Path(scratch), lines, concurrency, rounds, DISPATCH)
            binding = run_rounds(Path(scratch), lines, concurrency, rounds, BINDING)
    finally:
        ray.shutdown()
    unlimited = statistics.median(dispatch.whole["batch"])
    return chaos_rows(binding, unlimited) + chaos_rows(dispatch)
