"""The reference server under misuse (issue 19): work bounded by a body's size whatever is wrong
with it, a fault ledger of bounded size, HTTP framing as RFC 9112 asks, and any valid JSON
answered (never a 500)."""

from __future__ import annotations

import json
import socket
import time
import tracemalloc
import uuid
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.testing._server.faults import FaultLedger
from aimlapi_gemini.testing._server.validation import BodyError, check_request_body

REQUEST = "#/components/schemas/ChatCompletionRequest"
PATH = spec.chat_path()  # where the spec puts the chat operation, its parameters filled
INTEGERS = list(range(10_000))  # about 59 KB of JSON
TEXT_MARK = "TEXT-GOES-HERE"  # where a test puts raw JSON text into a body built as a dict


def hello(**extra: Any) -> dict[str, Any]:
    return {"model": "gemini-pro", "messages": [spec.user_message("Hi")], **extra}


def judged(body: Any) -> tuple[str, float, float]:
    """check_request_body's message ("" when valid), its CPU seconds and its peak MiB."""
    check_request_body(REQUEST, hello())  # the validator built and cached before measuring
    tracemalloc.start()
    started = time.process_time()
    try:
        check_request_body(REQUEST, body)
        message = ""
    except BodyError as exc:
        message = str(exc)
    took = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return message, took, peak


# --- work bounded by size, not by how many ways a body is wrong ---------------------------------


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (hello(messages=[{**spec.user_message(), "content": INTEGERS}]), "messages[0].content"),
        ({"model": "gemini-pro", "messages": INTEGERS}, "messages[0]"),
        (hello(tools=INTEGERS), "tools[0]"),
    ],
)
def test_ten_thousand_wrong_items_cost_little_and_name_the_first(body: Any, named: str) -> None:
    message, took, peak = judged(body)
    if named == "tools[0]" and not spec.field_present("tools"):
        # A revision without tools takes the key as an extra top-level field: as cheaply judged.
        assert message == ""
    else:
        # Before: 2.4 to 6 s of CPU, up to 116 MiB (every item's errors in every branch kept).
        assert message.startswith(f"Body validation error: {named}"), message
    assert took < 0.5
    assert peak < 10


def test_many_valid_items_are_each_still_checked() -> None:
    messages: list[dict[str, Any]] = [spec.user_message(f"m{index}") for index in range(2000)]
    assert judged(hello(messages=messages))[0] == ""
    messages[-1] = {**messages[-1], "content": 5}  # only the last item is wrong: still found
    message = judged(hello(messages=messages))[0]
    assert message.startswith("Body validation error: messages[1999]"), message


def test_the_server_answers_a_body_of_ten_thousand_integers_at_once(
    reference_server: BackgroundServer,
) -> None:
    body = hello(messages=[{**spec.user_message(), "content": INTEGERS}])
    started = time.monotonic()
    response = post(reference_server, json.dumps(body).encode())
    assert response.status_code == 400
    assert response.json()["message"].startswith("Body validation error: messages[0].content")
    assert time.monotonic() - started < 2


# --- the X-Fault-Id ledger ----------------------------------------------------------------------


def test_the_fault_ledger_keeps_at_most_its_capacity_of_ids() -> None:
    ledger = FaultLedger(capacity=100)
    for index in range(5000):
        ledger.applies(f"id-{index}", "1")
    assert len(ledger) == 100
    # The oldest were forgotten: an id seen once counts from 0 again.
    assert ledger.applies("id-0", "1") is True


def test_an_id_in_use_is_kept_and_counted() -> None:
    ledger = FaultLedger(capacity=100)
    assert ledger.applies("retried", "2") is True
    for index in range(500):
        ledger.applies(f"other-{index}", "1")
        if index % 50 == 0:
            ledger.applies("retried", "2")  # used again: moved to the front, never forgotten
    assert ledger.applies("retried", "2") is False  # its third request onwards: served normally


def test_long_fault_ids_cost_a_fixed_size_each() -> None:
    ids = [f"{index}-" + "x" * 48_000 for index in range(300)]  # 14 MiB of ids
    ledger = FaultLedger()
    tracemalloc.start()
    for fault_id in ids:
        ledger.applies(fault_id, "1")
    kept = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    assert len(ledger) == 300
    assert kept < 1  # before: each id kept whole (3,000 of them: 144 MiB)


def test_the_server_counts_a_fault_id_across_requests(reference_server: BackgroundServer) -> None:
    faults = {"X-Fault": "status=503", "X-Fault-Id": str(uuid.uuid4()), "X-Fault-Times": "1"}
    raw = json.dumps(hello()).encode()
    assert [post(reference_server, raw, **faults).status_code for _ in range(2)] == [503, 200]


# --- framing: Content-Length and Transfer-Encoding ----------------------------------------------


def post(server: BackgroundServer, content: bytes, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {server.api_key}", "content-type": "application/json"}
    return httpx.post(server.base_url + PATH, content=content, headers={**auth, **headers}, timeout=10)


def head_of(server: BackgroundServer, framing: str) -> str:
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n"
    )


def chunked(raw: bytes) -> bytes:
    return f"{len(raw):x}\r\n".encode() + raw + b"\r\n0\r\n\r\n"


def exchange(server: BackgroundServer, *requests: bytes) -> tuple[bytes, bool]:
    """Send the requests on one connection; everything read, and whether the server closed it."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"".join(requests))
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received, False
        return received, True


def test_content_length_with_transfer_encoding_is_400_and_the_connection_closed(
    reference_server: BackgroundServer,
) -> None:
    raw = json.dumps(hello()).encode()
    smuggling = head_of(reference_server, "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n")
    following = head_of(reference_server, f"Content-Length: {len(raw)}\r\n")
    received, closed = exchange(reference_server, smuggling.encode() + chunked(raw), following.encode() + raw)
    assert closed
    assert received.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in received.lower()
    assert b"Content-Length and Transfer-Encoding" in received
    assert received.count(b"HTTP/1.1 ") == 1  # the request after it was never read


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_one_framing_keeps_the_connection_for_the_next_request(
    reference_server: BackgroundServer, framing: str
) -> None:
    raw = json.dumps(hello()).encode()
    if framing == "length":
        first = head_of(reference_server, f"Content-Length: {len(raw)}\r\n").encode() + raw
    else:
        first = head_of(reference_server, "Transfer-Encoding: chunked\r\n").encode() + chunked(raw)
    last = head_of(reference_server, f"Content-Length: {len(raw)}\r\nConnection: close\r\n").encode() + raw
    received, closed = exchange(reference_server, first, last)
    assert closed
    assert received.count(b"HTTP/1.1 200 ") == 2


# --- any valid JSON is answered -----------------------------------------------------------------

# What json.dumps writes for text holding a lone surrogate: valid JSON, no Unicode text.
LONE_SURROGATES = [
    ('{"role": "user", "content": "a\\ud800b"}', "messages[0].content", "U+D800"),
    ('{"role": "user", "content": "x", "name": "\\udc80"}', "messages[0].name", "U+DC80"),
]


@pytest.mark.parametrize(("message", "named", "character"), LONE_SURROGATES)
def test_a_lone_surrogate_is_a_400_naming_it(
    reference_server: BackgroundServer, message: str, named: str, character: str
) -> None:
    for stream in ("false", "true"):
        raw = f'{{"model": "gemini-pro", "messages": [{message}], "stream": {stream}}}'.encode()
        response = post(reference_server, raw)
        assert response.status_code == 400, response.text  # before: 500
        text = response.json()["message"]
        assert text.startswith(f"Body validation error: {named}: holds a lone surrogate ({character}")


def test_a_lone_surrogate_in_a_key_is_a_400_naming_its_object(reference_server: BackgroundServer) -> None:
    raw = b'{"model": "gemini-pro", "messages": [{"role": "user", "content": "x", "\\ud800": 1}]}'
    response = post(reference_server, raw)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Body validation error: messages[0]: a key holds a lone")


def test_an_escaped_surrogate_pair_is_text_and_served(reference_server: BackgroundServer) -> None:
    # In the user's message, or where it takes no text, in an unknown top-level key (which the
    # schema admits).
    body = hello(messages=[spec.user_message(TEXT_MARK)]) if spec.user_takes_text() else hello(note=TEXT_MARK)
    # A surrogate pair (one character) and an escaped backslash before "ud800" (no surrogate).
    raw = json.dumps(body).replace(TEXT_MARK, "\\ud83d\\ude00 \\\\ud800").encode()
    response = post(reference_server, raw)
    assert response.status_code == 200, response.text
