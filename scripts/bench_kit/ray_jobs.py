"""Section 7, the Ray Data row: the same 2,000-line job through Ray Data on a local Ray (JSON Lines
in, Parquet out: ``ChatCompletions`` in two actors sharing one ``ClusterRateLimit`` that holds the
concurrency) vs the single-process batch (``arun_batch``, JSON Lines out) at the same concurrency.

The local Ray is started once, before the rounds (a cluster is up before a job runs); each round
starts its actors, reads the file, sends every line and writes the Parquet files, so the ratio is
what the engine costs on one machine. On 2 cores the reference server, the driver and the actors
share the CPUs, so this is the worst case for Ray; the gain it exists for, more machines, is not
measurable here.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from .batch_jobs import _batch, _write_input
from .measure import Row, require_gc, rotations
from .payloads import API_KEY
from .recorded_server import recorded_server

ACTORS = 2


def _ray_job(base_url: str, source: Path, target: Path, concurrency: int) -> int:
    """Every line of ``source`` answered into Parquet files under ``target``; the rows answered."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information
    import ray

    from aimlapi_gemini.integrations.ray import ChatCompletions, ClusterRateLimit

    limit = ClusterRateLimit.create(concurrency=concurrency)
    options = {
        "api_key": API_KEY,
        "base_url": base_url,
        "limit": limit,
        "request_column": "body",
        # Each actor may queue the whole concurrency at the limit, which grants the next permit the
        # moment one comes back (no round trip to wait for): the limit holds the total in flight.
        "concurrency": concurrency,
    }
    ray.data.read_json(str(source), lines=True).map_batches(
        ChatCompletions,
        fn_constructor_kwargs=options,
        compute=ray.data.ActorPoolStrategy(size=ACTORS),
        num_cpus=0.5,
        batch_size=100,
    ).write_parquet(str(target))
    table = pq.read_table(target)
    if table.column("response").null_count:
        raise RuntimeError(f"bench: Ray Data left {table.column('response').null_count} rows unanswered")
    ray.kill(limit.actor)
    return int(table.num_rows)


def _batch_job(base_url: str, source: Path, target: Path, concurrency: int) -> int:
    return asyncio.run(_batch(base_url, source, target, concurrency))


def bench_ray(base_url: str, lines: int, concurrency: int, rounds: int) -> list[Row]:
    import ray

    require_gc()
    candidates = {"batch": _batch_job, "ray data": _ray_job}
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ray-") as scratch:
            source = Path(scratch) / "input.jsonl"
            _write_input(source, lines)
            warm = Path(scratch) / "warm.jsonl"
            _write_input(warm, concurrency)
            for name, run in candidates.items():  # warm-up: imports, Ray's worker processes
                run(base_url, warm, Path(scratch) / f"warm-{name}", concurrency)
            for index, order in enumerate(rotations(list(candidates), rounds)):
                for name in order:
                    started = time.perf_counter()
                    answered = candidates[name](
                        base_url, source, Path(scratch) / f"{name}-{index}", concurrency
                    )
                    elapsed = time.perf_counter() - started
                    if answered != lines:
                        raise RuntimeError(f"bench: {name} answered {answered} of {lines} lines")
                    rates[name].append(lines / elapsed)
    finally:
        ray.shutdown()
    ratios = [a / b for a, b in zip(rates["ray data"], rates["batch"], strict=True)]
    ratio = statistics.median(ratios)
    label = f"{lines} lines, {concurrency} concurrent, {ACTORS} actors"
    return [
        Row(
            "7 batch",
            f"Ray Data / single-process batch ({label})",
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
    ]


# The chaos row: both jobs against a reference server in chaos mode, within one rpm.
CHAOS = "429=0.05,5xx=0.05,retry-after-ms=5,seed={seed}"
RPM = 1000  # per WINDOW: about what one process sends on 2 cores, so the limit has work to do
WINDOW = 1.0


def _most_in_window(arrivals: list[float], window: float) -> int:
    """The most arrivals in any half-open window of ``window`` seconds."""
    most, start = 0, 0
    for end, arrived in enumerate(arrivals):
        while arrived - arrivals[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _batch_chaos(base_url: str, source: Path, target: Path, concurrency: int) -> list[str]:
    import httpx

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.batch import arun_batch

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = AuthenticatedClient(base_url=base_url, token=API_KEY, httpx_args={"limits": limits})
    await arun_batch(source, target, client=client, concurrency=concurrency, rpm=RPM, window=WINDOW)
    return [json.loads(line)["custom_id"] for line in target.read_text().splitlines()]


def _ray_chaos(base_url: str, source: Path, target: Path, concurrency: int) -> list[str]:
    import pyarrow.parquet as pq  # (its missing type information is named once per file, above)
    import ray

    from aimlapi_gemini.integrations.ray import ChatCompletions, ClusterRateLimit

    limit = ClusterRateLimit.create(rpm=RPM, window=WINDOW, concurrency=concurrency)
    options = {
        "api_key": API_KEY,
        "base_url": base_url,
        "limit": limit,
        "request_column": "body",
        "concurrency": concurrency,
    }
    ray.data.read_json(str(source), lines=True).map_batches(
        ChatCompletions,
        fn_constructor_kwargs=options,
        compute=ray.data.ActorPoolStrategy(size=ACTORS),
        num_cpus=0.5,
        batch_size=100,
    ).write_parquet(str(target))
    ray.kill(limit.actor)
    rows = pq.read_table(target).to_pylist()
    for row in rows:  # one outcome each: an answer or a typed error
        if (row["response"] is None) == (row["error_code"] is None):
            raise RuntimeError(f"bench: a row with no outcome or two: {row}")
    return [row["custom_id"] for row in rows]


def bench_ray_chaos(lines: int, concurrency: int, rounds: int) -> list[Row]:
    """2,000 lines through the batch and through Ray Data, each against its own chaos server:
    every line answered once, the server's arrivals within RPM per WINDOW, and two rates: the
    sending (the server's first arrival to its last) and the whole job (Ray's start included)."""
    import ray

    require_gc()
    candidates = {
        "batch": lambda *a: asyncio.run(_batch_chaos(*a)),
        "ray data": _ray_chaos,
    }
    sending: dict[str, list[float]] = {name: [] for name in candidates}
    whole: dict[str, list[float]] = {name: [] for name in candidates}
    busiest = 0
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ray-chaos-") as scratch:
            source = Path(scratch) / "input.jsonl"
            _write_input(source, lines)
            expected = sorted(f"record-{n}" for n in range(lines))
            for index, order in enumerate(rotations(list(candidates), rounds)):
                for name in order:
                    with recorded_server(API_KEY, CHAOS.format(seed=index)) as (base_url, arrivals):
                        started = time.perf_counter()
                        ids = candidates[name](
                            base_url, source, Path(scratch) / f"{name}-{index}", concurrency
                        )
                        elapsed = time.perf_counter() - started
                    if sorted(ids) != expected:
                        raise RuntimeError(f"bench: {name} did not answer every line exactly once")
                    most = _most_in_window(sorted(arrivals), WINDOW)
                    if most > RPM:
                        raise RuntimeError(
                            f"bench: {name} let {most} requests arrive in {WINDOW} s (rpm {RPM})"
                        )
                    busiest = max(busiest, most)
                    sending[name].append(lines / (max(arrivals) - min(arrivals)))
                    whole[name].append(lines / elapsed)
    finally:
        ray.shutdown()
    label = f"{lines} lines, chaos 5% 429 + 5% 5xx, rpm {RPM}/{WINDOW:g} s, {ACTORS} actors"
    rows = []
    for measure, rates in (("sending, first to last arrival", sending), ("whole job", whole)):
        ratios = [a / b for a, b in zip(rates["ray data"], rates["batch"], strict=True)]
        ratio = statistics.median(ratios)
        rows.append(
            Row(
                "7 batch",
                f"Ray Data / batch under chaos, {measure} ({label}; busiest window {busiest})",
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
        )
    return rows
