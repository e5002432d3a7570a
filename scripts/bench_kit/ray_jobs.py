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
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .batch_jobs import _batch, _write_input
from .measure import Row, require_gc, rotations
from .payloads import API_KEY

ACTORS = 2


def ray_data_job(base_url: str, source: Path, target: Path, concurrency: int, limit: Any) -> Any:
    """Every line of ``source`` through Ray Data (``ACTORS`` actors sharing ``limit``, a
    ``ClusterRateLimit``) into Parquet files under ``target``; the table read back."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information
    import ray

    from aimlapi_gemini.integrations.ray import ChatCompletions

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
    return pq.read_table(target)


def _ray_job(base_url: str, source: Path, target: Path, concurrency: int) -> int:
    """Every line of ``source`` answered into Parquet files under ``target``; the rows answered."""
    import ray

    from aimlapi_gemini.integrations.ray import ClusterRateLimit

    limit = ClusterRateLimit.create(concurrency=concurrency)
    table = ray_data_job(base_url, source, target, concurrency, limit)
    ray.kill(limit.actor)
    if table.column("response").null_count:
        raise RuntimeError(f"bench: Ray Data left {table.column('response').null_count} rows unanswered")
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
