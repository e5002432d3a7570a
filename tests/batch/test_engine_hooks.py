"""The batch's settings and rules as they reach the client's retry engine (httpx.MockTransport,
no sockets): its timeout and retries on every attempt, a 429 pausing everyone even on a line's
last attempt."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_gemini import AuthenticatedClient, Backoff
from aimlapi_gemini.batch import BatchSummary, arun_batch
from tests.doubles.fakes import completion_json, error_json

from .conftest import output_lines, write_input

FAST = Backoff(initial=0.005, maximum=0.02)


@pytest.fixture
def arrivals() -> list[tuple[float, httpx.Request]]:
    return []


def run_mock(handler: Any, tmp_path: Path, lines: int, **options: Any) -> BatchSummary:
    write_input(tmp_path / "in.jsonl", lines)
    client = AuthenticatedClient(
        base_url="http://127.0.0.1:9",
        token="k",
        timeout=30.0,
        max_retries=0,
        httpx_args={"transport": httpx.MockTransport(handler)},
    )
    options.setdefault("backoff", FAST)
    return asyncio.run(arun_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, **options))


def recording(arrivals: list[tuple[float, httpx.Request]], *replies: httpx.Response) -> Any:
    """A handler answering ``replies`` in order (the last one repeats), noting each arrival."""

    def handler(request: httpx.Request) -> httpx.Response:
        arrivals.append((time.monotonic(), request))
        return replies[min(len(arrivals), len(replies)) - 1]

    return handler


def test_the_runs_timeout_goes_with_every_attempt(
    tmp_path: Path, arrivals: list[tuple[float, httpx.Request]]
) -> None:
    busy = httpx.Response(503, json=error_json(503, "busy"))
    handler = recording(arrivals, busy, httpx.Response(200, json=completion_json()))
    summary = run_mock(handler, tmp_path, 1, timeout=7.0)
    assert (summary.succeeded, summary.retries) == (1, 1)
    assert [request.extensions["timeout"]["read"] for _, request in arrivals] == [7.0, 7.0]


def test_without_a_timeout_the_clients_own_is_used(
    tmp_path: Path, arrivals: list[tuple[float, httpx.Request]]
) -> None:
    handler = recording(arrivals, httpx.Response(200, json=completion_json()))
    run_mock(handler, tmp_path, 1)
    assert arrivals[0][1].extensions["timeout"]["read"] == 30.0


def test_the_runs_max_retries_wins_over_the_clients(
    tmp_path: Path, arrivals: list[tuple[float, httpx.Request]]
) -> None:
    handler = recording(arrivals, httpx.Response(503, json=error_json(503, "busy")))
    summary = run_mock(handler, tmp_path, 1, max_retries=2)  # the client says 0
    assert (summary.failed, summary.retries, len(arrivals)) == (1, 2, 3)
    assert [request.headers["x-retry-count"] for _, request in arrivals] == ["0", "1", "2"]


def test_a_429_on_a_lines_last_attempt_still_pauses_every_start(
    tmp_path: Path, arrivals: list[tuple[float, httpx.Request]]
) -> None:
    limited = httpx.Response(429, json=error_json(429, "slow"), headers={"retry-after-ms": "300"})
    handler = recording(arrivals, limited, httpx.Response(200, json=completion_json()))
    summary = run_mock(handler, tmp_path, 2, max_retries=0, concurrency=1)
    assert (summary.failed, summary.succeeded, summary.rate_limited) == (1, 1, 1)
    assert arrivals[1][0] - arrivals[0][0] >= 0.3
    assert output_lines(tmp_path / "out.jsonl")[0]["response"]["status_code"] == 429


def test_a_503_on_a_lines_last_attempt_pauses_nobody(
    tmp_path: Path, arrivals: list[tuple[float, httpx.Request]]
) -> None:
    busy = httpx.Response(503, json=error_json(503, "busy"), headers={"retry-after-ms": "2000"})
    handler = recording(arrivals, busy, httpx.Response(200, json=completion_json()))
    summary = run_mock(handler, tmp_path, 2, max_retries=0, concurrency=1)
    assert (summary.failed, summary.succeeded, summary.rate_limited) == (1, 1, 0)
    assert arrivals[1][0] - arrivals[0][0] < 1.0
