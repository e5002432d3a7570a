"""A whole run's memory: ten times the lines cost only the ids, not the lines or the replies. The
requests go to an in-process httpx transport (no sockets), so the measure is the runner's own."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from pathlib import Path

import httpx

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini.batch import arun_batch

from .conftest import request_body

LARGE_TEXT = "w" * 4000  # about 4 KB a line in, and as much in every reply
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1744217468,
    "model": "google/gemini-pro",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": LARGE_TEXT}}
    ],
    "usage": {"prompt_tokens": 1000, "completion_tokens": 1000, "total_tokens": 2000},
}


def _reply(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=COMPLETION, headers={"x-request-id": "r"})


def _peak_of_a_run(tmp_path: Path, lines: int) -> tuple[int, int]:
    source, target = tmp_path / f"in-{lines}.jsonl", tmp_path / f"out-{lines}.jsonl"
    with source.open("w") as file:
        for n in range(lines):
            body = request_body(LARGE_TEXT)
            file.write(json.dumps({"custom_id": f"c{n}", "body": body}) + "\n")

    async def run() -> None:
        client = AuthenticatedClient(base_url="http://batch.test", token="k")
        client.set_async_httpx_client(
            httpx.AsyncClient(base_url="http://batch.test", transport=httpx.MockTransport(_reply))
        )
        async with client:
            summary = await arun_batch(source, target, client=client, concurrency=8)
        assert summary.succeeded == lines

    tracemalloc.start()
    try:
        asyncio.run(run())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, source.stat().st_size + target.stat().st_size


def test_ten_times_the_lines_cost_only_their_ids(tmp_path: Path) -> None:
    small, _ = _peak_of_a_run(tmp_path, 300)
    large, moved = _peak_of_a_run(tmp_path, 3000)
    assert moved > 24_000_000  # 12 MB read, 12 MB written
    assert large < moved / 10
    assert large - small < 2700 * 300  # the extra ids (a short string and a set slot each), no more
