"""The reference server's limits (_server/limits.py): each one gives a vendor-shaped
error naming the limit, and a request just inside it is served normally."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer, ServerConfig
from aimlapi_gemini.testing._server.limits import Limits
from aimlapi_gemini.testing._server.spec import find_operation, load_spec
from aimlapi_gemini.testing._server.validation import schema_errors

PATH = spec.chat_path()  # where the spec puts the chat operation, its parameters filled
SMALL = Limits(
    max_body_bytes=4096,
    max_json_depth=8,
    max_json_values=300,
    max_integer_digits=30,
    max_messages=5,
    max_reply_tokens=50,
    header_timeout=0.5,
    body_timeout=0.5,
)


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(ServerConfig(limits=SMALL)) as running:
        yield running


def hello(**extra: Any) -> dict[str, Any]:
    return {"model": "gemini-pro", "messages": [spec.user_message("Hi")], **extra}


def post_raw(server: BackgroundServer, content: bytes, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {server.api_key}", "content-type": "application/json"}
    return httpx.post(server.base_url + PATH, content=content, headers={**auth, **headers}, timeout=10)


def assert_vendor_error(response: httpx.Response, status: int, limit: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["statusCode"] == status
    assert f"(limit {limit}=" in body["message"]
    assert body["requestId"] == response.headers["x-request-id"]
    # Every refusal is a status the spec documents, with the body it documents for it.
    operation = find_operation()
    documented = load_spec()["paths"][operation.path][operation.method.lower()]["responses"]
    assert str(status) in documented
    assert not schema_errors("#/components/schemas/ErrorResponse", body)


def body_of_size(size: int) -> bytes:
    # Padded in an unknown top-level key, which the request schema admits (a revision's user
    # messages may take no text to pad).
    frame = json.dumps(hello(padding="")).encode()
    return json.dumps(hello(padding="a" * (size - len(frame)))).encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_max_body_bytes_is_413(server: BackgroundServer, chunked: bool) -> None:
    raw = body_of_size(SMALL.max_body_bytes + 1)
    assert len(raw) == SMALL.max_body_bytes + 1
    content: Any = iter([raw[:1000], raw[1000:]]) if chunked else raw
    response = httpx.post(
        server.base_url + PATH,
        content=content,
        headers={"Authorization": f"Bearer {server.api_key}", "content-type": "application/json"},
        timeout=10,
    )
    assert_vendor_error(response, 413, "max_body_bytes")
    assert response.headers["connection"] == "close"


def test_a_body_of_exactly_max_body_bytes_is_served(server: BackgroundServer) -> None:
    raw = body_of_size(SMALL.max_body_bytes)
    assert len(raw) == SMALL.max_body_bytes
    assert post_raw(server, raw).status_code == 200


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_json_nested_past_max_json_depth_is_400(server: BackgroundServer) -> None:
    # The body object is level 1, `padding` level 2, so `padding` adds depth - 1 levels. (An unknown
    # top-level key, which the request schema admits: the limits hold whatever fields a revision has.)
    response = post_raw(server, json.dumps(hello(padding=nested(SMALL.max_json_depth))).encode())
    assert_vendor_error(response, 400, "max_json_depth")


def test_json_nested_deeper_than_python_recursion_is_400_not_500(reference_server: BackgroundServer) -> None:
    raw = b'{"model": "gemini-pro", "messages": [], "padding": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = post_raw(reference_server, raw)
    assert_vendor_error(response, 400, "max_json_depth")


def test_json_nested_to_max_json_depth_is_judged_by_the_schema(server: BackgroundServer) -> None:
    response = post_raw(server, json.dumps(hello(model=nested(SMALL.max_json_depth - 1))).encode())
    # Within the depth limit the schema decides: `model` is a string.
    assert response.status_code == 400
    assert "max_json_depth" not in response.json()["message"]
    assert "model" in response.json()["message"]
    assert post_raw(server, json.dumps(hello(model="gemini-pro")).encode()).status_code == 200


def test_more_than_max_json_values_is_400(server: BackgroundServer) -> None:
    response = post_raw(server, json.dumps(hello(padding=["a"] * SMALL.max_json_values)).encode())
    assert_vendor_error(response, 400, "max_json_values")


def json_values(value: Any) -> int:
    """How many JSON values `value` is, itself and every one inside it (as max_json_values counts)."""
    inside = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return 1 + sum(json_values(each) for each in inside)


def test_exactly_max_json_values_are_served(server: BackgroundServer) -> None:
    # hello()'s values (as many as its user message has), and `padding`: the list and its items.
    padding = ["a"] * (SMALL.max_json_values - json_values(hello()) - 1)
    assert post_raw(server, json.dumps(hello(padding=padding)).encode()).status_code == 200


def test_an_integer_past_max_integer_digits_is_400(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()[:-1] + b', "seed": ' + b"7" * (SMALL.max_integer_digits + 1) + b"}"
    assert_vendor_error(post_raw(server, raw), 400, "max_integer_digits")


def test_a_5000_digit_integer_is_400_with_default_limits(reference_server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()[:-1] + b', "seed": ' + b"7" * 5000 + b"}"
    assert_vendor_error(post_raw(reference_server, raw), 400, "max_integer_digits")


def test_an_integer_of_max_integer_digits_is_served(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()[:-1] + b', "seed": ' + b"7" * SMALL.max_integer_digits + b"}"
    assert post_raw(server, raw).status_code == 200


def test_more_than_max_messages_is_400(server: BackgroundServer) -> None:
    messages = [spec.user_message("Hi")] * (SMALL.max_messages + 1)
    assert_vendor_error(post_raw(server, json.dumps(hello(messages=messages)).encode()), 400, "max_messages")


def test_max_messages_messages_are_served(server: BackgroundServer) -> None:
    messages = [spec.user_message("Hi")] * SMALL.max_messages
    assert post_raw(server, json.dumps(hello(messages=messages)).encode()).status_code == 200


def test_reply_tokens_over_max_reply_tokens_is_400(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()
    response = post_raw(server, raw, **{"X-Reply-Tokens": str(SMALL.max_reply_tokens + 1)})
    assert_vendor_error(response, 400, "max_reply_tokens")
    assert "X-Reply-Tokens" in response.json()["message"]
    huge = post_raw(server, raw, **{"X-Reply-Tokens": "10000000"})
    assert_vendor_error(huge, 400, "max_reply_tokens")


def test_reply_tokens_of_max_reply_tokens_is_served(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()
    response = post_raw(server, raw, **{"X-Reply-Tokens": str(SMALL.max_reply_tokens)})
    assert response.status_code == 200
    assert response.json()["usage"]["completion_tokens"] == SMALL.max_reply_tokens


def connect(server: BackgroundServer) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=5)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server closes the socket (EOF) within `seconds`."""
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_headers_not_complete_within_header_timeout_are_cut(server: BackgroundServer) -> None:
    silent, partial = connect(server), connect(server)
    with silent, partial:
        partial.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        assert closed_within(silent, SMALL.header_timeout + 3)
        assert closed_within(partial, 3)


def test_headers_complete_within_header_timeout_are_served(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()
    request = (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
    ).encode() + raw
    with connect(server) as sock:
        sock.sendall(request[:20])
        time.sleep(SMALL.header_timeout / 3)
        sock.sendall(request[20:])
        sock.settimeout(5)
        assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")


def test_a_body_slower_than_body_timeout_is_408(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
    ).encode()
    with connect(server) as sock:
        sock.sendall(head + raw[:10])
        sock.settimeout(SMALL.body_timeout + 3)
        reply = b""
        while chunk := sock.recv(4096):  # until the server closes (connection: close)
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert b"(limit body_timeout=" in reply
    error = json.loads(reply.partition(b"\r\n\r\n")[2])
    assert not schema_errors("#/components/schemas/ErrorResponse", error)


def test_a_body_sent_in_pieces_within_body_timeout_is_served(server: BackgroundServer) -> None:
    raw = json.dumps(hello()).encode()

    def pieces() -> Iterator[bytes]:
        yield raw[:10]
        time.sleep(SMALL.body_timeout / 3)
        yield raw[10:]

    response = httpx.post(
        server.base_url + PATH,
        content=pieces(),
        headers={"Authorization": f"Bearer {server.api_key}", "content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        "status=599",
        "status=100",
        "status=204",
        "status=304",
        "status=abc",
        "html=200",
        "latency=inf",
        "stream-cut=1e400",
    ],
)
def test_invalid_fault_values_are_400_naming_the_header(
    reference_server: BackgroundServer, fault: str
) -> None:
    response = post_raw(reference_server, json.dumps(hello()).encode(), **{"X-Fault": fault})
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("X-Fault: ")
    assert not schema_errors("#/components/schemas/ErrorResponse", response.json())


# 599 is unregistered (rejected above); the ends of the accepted range are 400 and 511.
@pytest.mark.parametrize("fault", ["status=400", "status=511", "html=511"])
def test_valid_fault_statuses_at_the_range_ends_are_applied(
    reference_server: BackgroundServer, fault: str
) -> None:
    response = post_raw(reference_server, json.dumps(hello()).encode(), **{"X-Fault": fault})
    assert response.status_code == int(fault.split("=")[1])


def test_requests_past_max_concurrency_get_a_vendor_shaped_503() -> None:
    limits = Limits(max_concurrency=2)
    with BackgroundServer(ServerConfig(limits=limits)) as small:
        raw = json.dumps(hello()).encode()
        with connect(small):  # one open connection and the request's: two, the limit
            assert post_raw(small, raw).status_code == 200
        with connect(small), connect(small):  # two open connections and the request's: three
            time.sleep(0.1)  # let the server's loop accept both before the request arrives
            response = post_raw(small, raw)
        assert_vendor_error(response, 503, "max_concurrency")
        assert not schema_errors("#/components/schemas/ErrorResponse", response.json())


def raw_exchange(server: BackgroundServer, request: bytes) -> bytes:
    with connect(server) as sock:
        sock.sendall(request)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
            if b"\r\n\r\n" in reply and reply.endswith(b"}"):
                break
        return reply


def request_with_padding(server: BackgroundServer, padding: int) -> bytes:
    raw = json.dumps(hello()).encode()
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n"
        f"X-Padding: {'a' * padding}\r\nConnection: close\r\n\r\n"
    ).encode() + raw


def test_headers_over_max_header_bytes_are_a_vendor_shaped_400(reference_server: BackgroundServer) -> None:
    reply = raw_exchange(reference_server, request_with_padding(reference_server, Limits.max_header_bytes))
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/json" in head.lower()
    error = json.loads(body)
    assert "(limit max_header_bytes=" in error["message"]
    assert not schema_errors("#/components/schemas/ErrorResponse", error)


def test_headers_under_max_header_bytes_are_served(reference_server: BackgroundServer) -> None:
    reply = raw_exchange(
        reference_server, request_with_padding(reference_server, Limits.max_header_bytes - 1024)
    )
    assert reply.startswith(b"HTTP/1.1 200 ")


def test_unparsable_http_is_a_vendor_shaped_400(reference_server: BackgroundServer) -> None:
    reply = raw_exchange(reference_server, b"NOT HTTP AT ALL\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert not schema_errors("#/components/schemas/ErrorResponse", json.loads(body))


@pytest.mark.parametrize("name", ["X-Stream-Delay", "X-Reply-Tokens"])
@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "-1"])
def test_non_finite_number_headers_are_400_naming_the_header(
    reference_server: BackgroundServer, name: str, value: str
) -> None:
    response = post_raw(reference_server, json.dumps(hello(stream=True)).encode(), **{name: value})
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{name} header must be")


def test_an_unfinished_header_block_over_max_header_bytes_is_a_vendor_shaped_400(
    reference_server: BackgroundServer,
) -> None:
    # Never finished, so h11 (not the app) meets it: its buffer is bounded by the same limit.
    request = request_with_padding(reference_server, Limits.max_header_bytes).partition(b"\r\n\r\n")[0]
    head, _, body = raw_exchange(reference_server, request).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    error = json.loads(body)
    assert "(limit max_header_bytes=" in error["message"]
    assert not schema_errors("#/components/schemas/ErrorResponse", error)
