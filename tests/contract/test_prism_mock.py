"""Prism's mock (`prism mock generated/openapi.json`) serves this spec's streams, in its static mode
(the default) and in its dynamic one (`-d`). The stream media type's `examples` hold a whole
stream: the static mock sends it. The dynamic mock generates every reply from the schema, and the
stream schema's `anyOf` is the whole body as text (a pattern: any text that ends with
`data: [DONE]`) or one event (an object, which Prism cannot send as text: its own 500), so a
generated stream never holds a chunk. The spec describes real streams and stays as it is; the
suite asks the dynamic mock for the example on stream requests instead (`Prefer: dynamic=false`,
Prism's per-request switch), and its JSON replies stay generated. The generated client reads the
chunks from either, and Prism finds nothing wrong with them
(docs/pages/maintainers/contract-testing.md)."""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest
import spec_features as spec
from npm_tools import prism_command

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import ChatCompletionRequest
from aimlapi_gemini.testing._server.runner import free_port
from aimlapi_gemini.testing._server.spec import SPEC_PATH, find_operation, load_spec

pytestmark = pytest.mark.slow


# Prism's modes, by the options that choose them.
MODES = {"static": [], "dynamic": ["--dynamic"]}
# What a stream request sends to a mock (Prism's per-request switch back to the static example).
STREAM_HEADERS = {"static": {}, "dynamic": {"Prefer": "dynamic=false"}}


def _example_stream() -> str:
    """The whole stream the spec gives as its stream reply's (first) example: what Prism sends."""
    operation = find_operation()
    responses = load_spec()["paths"][operation.path][operation.method.lower()]["responses"]
    media = next(
        content["text/event-stream"]
        for status, reply in responses.items()
        if status.startswith("2")
        for content in [reply.get("content", {})]
        if "text/event-stream" in content
    )
    examples = media.get("examples")
    text = next(iter(examples.values()))["value"] if examples else media["example"]
    assert isinstance(text, str), text
    return text


# The example's chunks, and the text their deltas carry.
EXAMPLE_CHUNKS = [
    json.loads(event.removeprefix("data: "))
    for event in _example_stream().split("\n\n")
    if event.startswith("data: {")
]
EXAMPLE_TEXT = "".join(
    choice["delta"].get("content") or "" for chunk in EXAMPLE_CHUNKS for choice in chunk["choices"]
)
# A request the spec takes, asking for the stream.
STREAM_BODY = {"model": spec.model_id(), "messages": [spec.user_message("Hi")], "stream": True}


@pytest.fixture(scope="module", params=list(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def prism_mock(mode: str) -> Iterator[str]:
    port = free_port("127.0.0.1")
    with tempfile.TemporaryFile() as log:
        command = [
            *prism_command(),
            "mock",
            *MODES[mode],
            str(SPEC_PATH),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    log.seek(0)
                    assert process.poll() is None, log.read().decode()
                    assert time.monotonic() < deadline, log.read().decode()
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def hello(**fields: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.from_dict(
        {"model": spec.model_id(), "messages": [spec.user_message("Hi")], **fields}
    )


def test_the_mock_serves_a_stream_the_client_reads(prism_mock: str, mode: str) -> None:
    seen: list[httpx.Response] = []
    hooks = {"event_hooks": {"response": [seen.append]}, "headers": STREAM_HEADERS[mode]}
    client = AuthenticatedClient(base_url=prism_mock, token="k", max_retries=0, httpx_args=hooks)
    with client:
        for _ in range(6):  # every time, not one time in two
            with create_chat_completion.stream(client=client, body=hello()) as chunks:
                texts = [choice.delta.content for chunk in chunks for choice in chunk.choices if choice.delta]
            assert "".join(text for text in texts if isinstance(text, str)) == EXAMPLE_TEXT
            assert "sl-violations" not in seen[-1].headers  # Prism: the stream fits the spec


def test_the_mock_refuses_an_invalid_stream_request(prism_mock: str, mode: str) -> None:
    operation = find_operation()
    response = httpx.request(
        operation.method,
        prism_mock + operation.path,
        json={"model": spec.model_id(), "messages": "not a list", "stream": True},
        headers={"Authorization": "Bearer k", "Accept": "text/event-stream", **STREAM_HEADERS[mode]},
        timeout=30,
    )
    # Refused: the spec's 400 (it declares one for a body that fails validation), no stream.
    assert response.status_code == 400
    assert not response.headers["content-type"].startswith("text/event-stream")


def _stream_request(base_url: str, headers: dict[str, str]) -> httpx.Response:
    operation = find_operation()
    return httpx.request(
        operation.method,
        base_url + operation.path,
        json=STREAM_BODY,
        headers={"Authorization": "Bearer k", "Accept": "text/event-stream", **headers},
        timeout=30,
    )


def test_without_the_switch_only_the_static_mock_sends_a_streams_chunks(prism_mock: str, mode: str) -> None:
    """Why the suite sends `Prefer: dynamic=false`: without it, whichever branch of the stream
    schema the dynamic mock picks, no reply holds a chunk (a 500, or text with no event)."""
    replies = [_stream_request(prism_mock, {}) for _ in range(8)]
    chunks = {reply.text.count("data: {") for reply in replies}
    statuses = {reply.status_code for reply in replies}
    if mode == "dynamic":
        assert (chunks, statuses <= {200, 500}) == ({0}, True)
    else:
        assert (chunks, statuses) == ({len(EXAMPLE_CHUNKS)}, {200})


def test_a_stream_the_dynamic_mock_is_asked_the_example_of_holds_the_chunks(
    prism_mock: str, mode: str
) -> None:
    assert EXAMPLE_CHUNKS  # the spec's example is a whole stream, chunks and all
    replies = [_stream_request(prism_mock, STREAM_HEADERS[mode]) for _ in range(8)]
    assert [reply.status_code for reply in replies] == [200] * 8
    assert all(reply.text.count("data: {") == len(EXAMPLE_CHUNKS) for reply in replies)


def test_the_dynamic_mock_still_generates_the_json_replies(prism_mock: str, mode: str) -> None:
    """The switch is for streams only: a JSON reply stays generated (differs from the example)."""
    operation = find_operation()
    replies = [
        httpx.request(
            operation.method,
            prism_mock + operation.path,
            json={"model": spec.model_id(), "messages": [spec.user_message("Hi")]},
            headers={"Authorization": "Bearer k"},
            timeout=30,
        ).text
        for _ in range(3)
    ]
    assert len(set(replies)) == (3 if mode == "dynamic" else 1)
