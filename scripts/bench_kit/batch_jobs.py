"""Section 7: a batch job of 2,000 lines, ``aimlapi_gemini.batch.arun_batch`` vs the script people
write by hand: ``asyncio.gather`` over raw httpx with a semaphore of the same size.

Both read the same input file, send every line at the same concurrency on pools of the same size,
and append one output line per answer with its own ``os.write`` on an ``O_APPEND`` descriptor (the
kernel holds each line when the call returns, so a ``kill -9`` loses none; neither fsyncs). The
batch also validates every input line and every reply against the spec, keeps the limiter, the
resume scan and the retry machinery in the loop: the ratio is what all of that costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from spec_features import has_request_field, user_message

from .measure import Row, require_gc, rotations
from .payloads import API_KEY, CHAT_PATH, MODEL, RAW_HEADERS


def _write_input(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as file:
        for n in range(lines):
            # The user message as the spec takes it (its schema's own where it takes no text).
            body: dict[str, object] = {
                "model": MODEL,
                "messages": [user_message(f"Summarise record {n} in one sentence.")],
            }
            if has_request_field("max_tokens"):
                body["max_tokens"] = 16
            file.write(json.dumps({"custom_id": f"record-{n}", "body": body}) + "\n")


async def _raw_gather(base_url: str, source: Path, target: Path, concurrency: int) -> int:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:

            async def one(line: dict[str, object]) -> None:
                async with semaphore:
                    response = await http.post(
                        CHAT_PATH, content=json.dumps(line["body"]), headers=RAW_HEADERS
                    )
                record = {
                    "custom_id": line["custom_id"],
                    "response": {
                        "status_code": response.status_code,
                        "request_id": response.headers.get("x-request-id"),
                        "body": response.json(),
                    },
                }
                os.write(fd, (json.dumps(record, separators=(",", ":")) + "\n").encode())

            with source.open("rb") as lines:
                await asyncio.gather(*(one(json.loads(raw)) for raw in lines))
    finally:
        os.close(fd)
    return target.read_bytes().count(b"\n")


async def _batch(base_url: str, source: Path, target: Path, concurrency: int) -> int:
    import httpx

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.batch import arun_batch

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    client = AuthenticatedClient(base_url=base_url, token=API_KEY, httpx_args={"limits": limits})
    summary = await arun_batch(source, target, client=client, concurrency=concurrency)
    if not summary.ok:
        raise RuntimeError(f"bench: the batch did not answer every line: {summary.line()}")
    return summary.succeeded


def bench_batch(base_url: str, lines: int, concurrency: int, rounds: int) -> list[Row]:
    require_gc()
    candidates = {"raw gather": _raw_gather, "batch": _batch}
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        source = Path(scratch) / "input.jsonl"
        _write_input(source, lines)
        warm = Path(scratch) / "warm.jsonl"
        _write_input(warm, concurrency)
        for name, run in candidates.items():  # warm-up: imports, the server's caches
            asyncio.run(run(base_url, warm, Path(scratch) / f"warm-{name}.jsonl", concurrency))
        for index, order in enumerate(rotations(list(candidates), rounds)):
            for name in order:
                target = Path(scratch) / f"{name}-{index}.jsonl"
                started = time.perf_counter()
                answered = asyncio.run(candidates[name](base_url, source, target, concurrency))
                elapsed = time.perf_counter() - started
                if answered != lines:
                    raise RuntimeError(f"bench: {name} wrote {answered} of {lines} lines")
                rates[name].append(lines / elapsed)
    ratios = [a / b for a, b in zip(rates["batch"], rates["raw gather"], strict=True)]
    ratio = statistics.median(ratios)
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    label = f"{lines} lines, {concurrency} concurrent"
    return [
        Row(
            "7 batch",
            f"batch / raw httpx gather + semaphore ({label})",
            statistics.median(rates["batch"]),
            "lines/s",
            "raw gather",
            ratio,
            ">= 0.9",
            ratio >= 0.9,
            goal="#13",
            wall_time=True,
            spread=spread,
        ),
        Row(
            "7 batch",
            f"raw httpx gather + semaphore lines/s ({label})",
            statistics.median(rates["raw gather"]),
            "lines/s",
            wall_time=True,
            spread=f"{min(rates['raw gather']):.0f}-{max(rates['raw gather']):.0f}",
        ),
    ]
