"""Prism's mock (`prism mock generated/openapi.json`, its static mode, the default) serves this
spec's streams: the stream media type's `examples` hold a whole stream, so the mock sends it rather
than generating from the schema's `anyOf` (it picked the event-object branch half the time, which
it cannot send as text: its own 500, and otherwise a string that matched the pattern with no
chunks). The generated client reads the chunks from it, and Prism finds nothing wrong with it."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest
from npm_tools import prism_command

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import ChatCompletionRequest
from aimlapi_gemini.testing._server.runner import free_port
from aimlapi_gemini.testing._server.spec import SPEC_PATH, find_operation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prism_mock() -> Iterator[str]:
    port = free_port("127.0.0.1")
    with tempfile.TemporaryFile() as log:
        command = [*prism_command(), "mock", str(SPEC_PATH), "--host", "127.0.0.1", "--port", str(port)]
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
        {"model": "gemini-pro", "messages": [{"role": "user", "content": "Hi"}], **fields}
    )


def test_the_mock_serves_a_stream_the_client_reads(prism_mock: str) -> None:
    seen: list[httpx.Response] = []
    hooks = {"event_hooks": {"response": [seen.append]}}
    client = AuthenticatedClient(base_url=prism_mock, token="k", max_retries=0, httpx_args=hooks)
    with client:
        for _ in range(6):  # every time, not one time in two
            with create_chat_completion.stream(client=client, body=hello()) as chunks:
                texts = [choice.delta.content for chunk in chunks for choice in chunk.choices if choice.delta]
            assert "".join(text for text in texts if isinstance(text, str)) == "Hello"
            assert "sl-violations" not in seen[-1].headers  # Prism: the stream fits the spec


def test_the_mock_refuses_an_invalid_stream_request(prism_mock: str) -> None:
    operation = find_operation()
    response = httpx.request(
        operation.method,
        prism_mock + operation.path,
        json={"model": "gemini-pro", "messages": "not a list", "stream": True},
        headers={"Authorization": "Bearer k", "Accept": "text/event-stream"},
        timeout=30,
    )
    # Refused: the spec's 400 (it declares one for a body that fails validation), no stream.
    assert response.status_code == 400
    assert not response.headers["content-type"].startswith("text/event-stream")
