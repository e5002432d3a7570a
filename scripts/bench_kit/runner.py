"""The whole bench: every section in turn, the reference server in its own process, then the report."""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from aimlapi_gemini.testing._server.runner import spawned

from .async_calls import bench_async
from .baseline import BASELINE_COMMIT
from .batch_jobs import bench_batch
from .generate_time import bench_generate
from .import_time import bench_import
from .measure import Row, withhold_wall_verdicts
from .model_cost import bench_models
from .parse_cost import bench_parse_cost
from .payloads import API_KEY
from .per_call import bench_per_call
from .profiling import PROFILES, profile
from .ray_chaos import bench_ray_chaos
from .ray_jobs import bench_ray
from .report import REPORTS, print_table, write_reports
from .streaming import bench_stream_cpu, bench_streaming

# The bench extra: what the baselines and the report need (`make bench` installs it).
BENCH_EXTRA = {
    "openai": "openai",
    "httpx_sse": "httpx-sse",
    "matplotlib": "matplotlib",
    "pyinstrument": "pyinstrument",
    "msgspec": "msgspec",
}

SECTIONS = (
    "models",
    "generate",
    "import",
    "per-call",
    "async",
    "stream",
    "stream-cpu",
    "batch",
    "ray",
    "ray-chaos",
)


@contextmanager
def _section(name: str) -> Iterator[None]:
    print(f"==> {name}", flush=True)
    started = time.perf_counter()
    yield
    print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the generated client against baselines.")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument(
        "--profile", choices=PROFILES, help="profile the generated client in one section instead"
    )
    parser.add_argument(
        "--baseline-commit",
        default=BASELINE_COMMIT,
        help="the client to compare the stream CPU with, as it was at this commit (default %(default)s)",
    )
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    args = parser.parse_args(argv)
    missing = [package for module, package in BENCH_EXTRA.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(
            f"bench.py: the bench extra is not installed (no {', '.join(missing)}): run `make bench`"
            " (it installs it), or `.venv/bin/pip install -e '.[dev,bench]'` first",
            file=sys.stderr,
        )
        return 2
    if args.profile:
        profile(args.profile)
        return 0
    chosen = set(args.only or SECTIONS)
    # Wall-time rows mean little on a busy machine: say how busy it was.
    load = os.getloadavg()[0]
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.1f} at start"
    print(f"bench: {machine}", flush=True)
    rounds = 3 if args.quick else 7
    rows: list[Row] = []
    if "models" in chosen:
        with _section("3 model cost without I/O"):
            rows += bench_models(rounds)
            rows += bench_parse_cost(rounds)
    if "generate" in chosen:
        with _section("5 make generate wall time"):
            rows += bench_generate(3 if args.quick else 5)
    if "import" in chosen:
        with _section("6 import time"):
            rows += bench_import(5 if args.quick else 15)
    if chosen & {"per-call", "async", "stream", "stream-cpu", "batch", "ray"}:
        with spawned(API_KEY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as base_url:
            if "per-call" in chosen:
                with _section("1 per-call latency"):
                    # Many short rounds: each round's ratio is taken between calls moments apart.
                    rows += bench_per_call(base_url, calls=10, rounds=15 if args.quick else 50)
            if "async" in chosen:
                with _section("2 async throughput"):
                    rows += bench_async(base_url, concurrency=200, rounds=rounds)
            if "stream" in chosen:
                with _section("4 streaming"):
                    rows += bench_streaming(
                        base_url, chunks=10_000, memory_chunks=100_000, rounds=3 if args.quick else 5
                    )
            if "stream-cpu" in chosen:
                with _section(f"4 stream CPU per chunk, now vs {args.baseline_commit}"):
                    rows += bench_stream_cpu(
                        base_url,
                        chunks=10_000,
                        rounds=5 if args.quick else 21,
                        baseline_commit=args.baseline_commit,
                    )
            if "batch" in chosen:
                with _section("7 batch job"):
                    rows += bench_batch(base_url, lines=2000, concurrency=16, rounds=3 if args.quick else 5)
            if "ray" in chosen:
                with _section("7 batch job through Ray Data"):
                    rows += bench_ray(base_url, lines=2000, concurrency=16, rounds=3 if args.quick else 5)
    if "ray-chaos" in chosen:  # its own chaos servers, one per job
        with _section("7 batch job through Ray Data under chaos"):
            rows += bench_ray_chaos(lines=2000, concurrency=16, rounds=3 if args.quick else 5)
    rows.sort(key=lambda r: r.section)
    machine += f", {os.getloadavg()[0]:.1f} at end"
    if withhold_wall_verdicts(rows, load, os.cpu_count() or 1):
        machine += (
            "\nbusy machine: wall-time ratios are shown but not judged (they drift towards 1 when"
            " other work slows the server); CPU-time rows are judged"
        )
    print_table(rows, machine)
    write_reports(rows)
    print(f"\nwrote {REPORTS / 'bench.json'} and {REPORTS / 'bench.png'}")
    return 0
