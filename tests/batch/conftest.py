"""Loopback reference servers for the batch tests, and input files they write."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aimlapi_gemini._spec_facts import CHAT_PATH
from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp, ServerConfig
from aimlapi_gemini.testing._server.exchange import Receive, Scope, Send
from aimlapi_gemini.testing._server.faults import Chaos
from aimlapi_gemini.testing._server.routing import PathRoute

# The paths the chat operation answers (a templated one: any model filled in).
CHAT_ROUTE = PathRoute(CHAT_PATH)


def request_body(text: str, max_tokens: int = 5) -> dict[str, Any]:
    return {"model": "gemini-pro", "messages": [{"role": "user", "content": text}], "max_tokens": max_tokens}


def write_input(path: Path, count: int, *, prefix: str = "id", max_tokens: int = 5) -> list[str]:
    """``count`` wrapped lines with ids ``<prefix>-<n>``; returns the ids in order."""
    ids = [f"{prefix}-{n}" for n in range(count)]
    with path.open("w", encoding="utf-8") as file:
        for custom_id in ids:
            line = {"custom_id": custom_id, "body": request_body(f"hello {custom_id}", max_tokens)}
            file.write(json.dumps(line) + "\n")
    return ids


def output_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of an output file, each checked to be one whole JSON record."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "the output ends in a torn line"
    records = [json.loads(line) for line in data.splitlines()]
    for record in records:
        # The OpenAI Batch API's output line: every key always there, a 2xx reply or an error.
        assert list(record) == ["id", "custom_id", "response", "error"], record
        assert record["id"].startswith("batch_req_"), record
        assert record["response"] is not None or record["error"] is not None, record
        if record["error"] is None:
            assert 200 <= record["response"]["status_code"] < 300, record
        else:
            assert set(record["error"]) == {"code", "message"}, record
    return records


def answered(record: dict[str, Any]) -> bool:
    """The line is a 2xx reply (not an error)."""
    return record["error"] is None


def status_of(record: dict[str, Any]) -> int | None:
    """The HTTP status of the line's answer; None when no response came (or the line was invalid)."""
    response = record["response"]
    return None if response is None else int(response["status_code"])


def ids_of(path: Path) -> list[str]:
    return [record["custom_id"] for record in output_lines(path)]


class Recorder:
    """ASGI middleware: the arrival time of every request to the endpoint, an optional delay first."""

    def __init__(self, app: ReferenceApp, delay: float = 0.0) -> None:
        self.app = app
        self.delay = delay
        self.arrivals: list[float] = []
        self.headers: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and CHAT_ROUTE.matches(scope):
            self.arrivals.append(time.monotonic())
            self.headers.append(
                {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
            )
            if self.delay:
                await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


class RecordedServer:
    def __init__(self, server: BackgroundServer, recorder: Recorder) -> None:
        self.server = server
        self.recorder = recorder
        self.base_url = server.base_url
        self.api_key = server.api_key

    @property
    def arrivals(self) -> list[float]:
        return self.recorder.arrivals


ServerFactory = Callable[..., RecordedServer]


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """``make_server(delay=..., chaos=Chaos(...))``: a reference server recording arrivals."""
    started: list[BackgroundServer] = []

    def make(*, delay: float = 0.0, chaos: Chaos | None = None) -> RecordedServer:
        recorders: list[Recorder] = []

        def wrap(app: ReferenceApp) -> Recorder:
            recorders.append(Recorder(app, delay))
            return recorders[0]

        server = BackgroundServer(ServerConfig(chaos=chaos), middleware=wrap).start()
        started.append(server)
        return RecordedServer(server, recorders[0])

    yield make
    for server in started:
        server.stop()


def cli_env(base_url: str, key: str = "test-key") -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIML_API")}
    env["AIML_API_BASE_URL"] = base_url
    env["AIML_API_KEY"] = key
    return env
