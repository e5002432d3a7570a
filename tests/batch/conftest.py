"""Loopback reference servers for the batch tests, and input files they write."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp, ServerConfig
from aimlapi_gemini.testing._server.faults import Chaos
from tests.doubles.recording import RecordedServer, Recorder


def request_body(text: str, max_tokens: int = 5) -> dict[str, Any]:
    """A request with one user message of ``text`` as the spec takes it, capped at ``max_tokens``
    where the spec has the field. Where the user message takes no text (audio only), the text
    rides in a string field the request takes (any such field, else one the schema leaves open):
    the tests that need it in the body (its size, a lone surrogate) find it there."""
    message = spec.user_message(text)
    body: dict[str, Any] = {"model": "gemini-pro", "messages": [message]}
    if spec.has_request_field("max_tokens"):
        body["max_tokens"] = max_tokens
    if text not in json.dumps(message, ensure_ascii=False):
        body[_text_field()] = text
    return body


@functools.cache  # request_body runs per input line; the spec's fields do not change
def _text_field() -> str:
    """A request field that takes any string: the spec's own, else a name it does not declare."""
    taken = [name for name in spec.optional_fields() if spec.field_accepts(name, "any text")]
    return taken[0] if taken else "note"


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
