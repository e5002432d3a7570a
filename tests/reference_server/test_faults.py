"""The X-Fault header contract of the reference server (see the server's faults.py)."""

from __future__ import annotations

import email.utils
import json
import time
import uuid
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer, spawn
from aimlapi_gemini.testing._server.runner import free_port

PATH = spec.chat_path()  # where the spec puts the chat operation, its parameters filled
HELLO: dict[str, Any] = {"model": "gemini-pro", "messages": [spec.user_message("Hi there")]}
STREAM: dict[str, Any] = {**HELLO, "stream": True}


def post(server: BackgroundServer, body: Any, fault: str, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {server.api_key}", "X-Fault": fault}
    return httpx.post(server.base_url + PATH, json=body, headers={**auth, **headers}, timeout=30)


def test_status_fault_sends_a_vendor_error_with_retry_after(reference_server: BackgroundServer) -> None:
    response = post(reference_server, HELLO, "status=503;retry-after=2")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    error = response.json()
    assert (error["statusCode"], error["path"]) == (503, PATH)
    assert error["requestId"] == response.headers["x-request-id"]


def test_retry_after_ms_and_http_date(reference_server: BackgroundServer) -> None:
    assert post(reference_server, HELLO, "status=429;retry-after-ms=150").headers["retry-after-ms"] == "150"
    dated = post(reference_server, HELLO, "status=503;retry-after-date=30").headers["retry-after"]
    when = email.utils.parsedate_to_datetime(dated).timestamp()
    assert 20 < when - time.time() <= 31


def test_fault_times_counts_requests_per_fault_id(reference_server: BackgroundServer) -> None:
    ids = {"X-Fault-Id": str(uuid.uuid4()), "X-Fault-Times": "2"}
    statuses = [post(reference_server, HELLO, "status=500", **ids).status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]
    assert post(reference_server, HELLO, "status=500").status_code == 500  # without Times: always


def test_latency_delays_a_normal_reply(reference_server: BackgroundServer) -> None:
    started = time.monotonic()
    response = post(reference_server, HELLO, "latency=0.3")
    assert time.monotonic() - started >= 0.3
    assert response.json()["object"] == "chat.completion"


def test_reset_is_a_transport_error_not_a_status(reference_server: BackgroundServer) -> None:
    # The RST reaches the client either before its read (ECONNRESET) or as an early end of the
    # connection, depending on scheduling; both are transport errors, neither is a status.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        post(reference_server, HELLO, "reset")
    assert post(reference_server, HELLO, "latency=0").status_code == 200  # server still serves


def test_truncate_sends_half_of_the_json(reference_server: BackgroundServer) -> None:
    response = post(reference_server, HELLO, "truncate")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    whole = post(reference_server, HELLO, "latency=0").content
    assert response.content == whole[: len(whole) // 2]
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_html_fault_looks_like_a_proxy_page(reference_server: BackgroundServer) -> None:
    response = post(reference_server, HELLO, "html=502")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_stream_cut_drops_the_connection_after_n_chunks(reference_server: BackgroundServer) -> None:
    received = bytearray()
    auth = {"Authorization": f"Bearer {reference_server.api_key}", "X-Fault": "stream-cut=3"}

    def drain() -> None:
        with httpx.stream("POST", reference_server.base_url + PATH, json=STREAM, headers=auth) as response:
            for piece in response.iter_raw():
                received.extend(piece)

    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        drain()
    events = [e for e in received.decode().split("\n\n") if e]
    assert len(events) == 4  # role chunk + 3 content chunks, no [DONE]
    assert all(json.loads(e.removeprefix("data: "))["object"] == "chat.completion.chunk" for e in events)


def test_stream_error_sends_an_error_event_and_no_done(reference_server: BackgroundServer) -> None:
    events = [e for e in post(reference_server, STREAM, "stream-error=2").text.split("\n\n") if e]
    assert len(events) == 4
    kind, data = events[-1].split("\n")
    assert kind == "event: error"
    assert json.loads(data.removeprefix("data: "))["statusCode"] == 500
    assert "[DONE]" not in "".join(events)


@pytest.mark.parametrize("header", ["bogus", "status", "status=abc", "reset=1", "status=500;colour=red"])
def test_malformed_fault_header_is_a_400(reference_server: BackgroundServer, header: str) -> None:
    response = post(reference_server, HELLO, header)
    assert response.status_code == 400
    assert "X-Fault" in response.json()["message"]


def test_stream_delay_header_paces_events(reference_server: BackgroundServer) -> None:
    started = time.monotonic()
    response = post(reference_server, {**STREAM, "max_tokens": 4}, "latency=0", **{"X-Stream-Delay": "0.05"})
    assert response.text.endswith("data: [DONE]\n\n")
    assert time.monotonic() - started >= 0.05 * 7  # role + 4 tokens + final + [DONE]


def test_serve_script_runs_the_server_as_a_process() -> None:
    port = free_port("127.0.0.1")
    process = spawn(port, "other-key", "--stream-delay", "0")
    try:
        url = f"http://127.0.0.1:{port}{PATH}"
        assert httpx.post(url, json=HELLO, headers={"Authorization": "Bearer other-key"}).status_code == 200
        assert httpx.post(url, json=HELLO, headers={"Authorization": "Bearer test-key"}).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
