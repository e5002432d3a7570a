"""Hostile replies and unusable settings, from every entry point (sync, sync_detailed, asyncio,
asyncio_detailed, stream, astream): each ends in a typed error of this package (or, where
``*_detailed`` promises to return, a Response), never in RecursionError, httpx.DecodingError,
TooManyRedirects or UnicodeEncodeError. And a gzip bomb costs bounded memory.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aimlapi_gemini import (
    APIConnectionError,
    APIResponseValidationError,
    AuthenticatedClient,
    BadRequestError,
    ConfigurationError,
    Response,
    ResponseTooLargeError,
    StreamInterruptedError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.errors import AimlApiError
from tests.doubles.fakes import (
    BASE_URL,
    DONE_EVENT,
    FAKE_KEY,
    EventBody,
    chunk_event,
    completion_json,
    hello_request,
)

ENTRY_POINTS = ["sync", "sync_detailed", "asyncio", "asyncio_detailed", "stream", "astream"]
STREAMS = {"stream", "astream"}
DETAILED = {"sync_detailed", "asyncio_detailed"}

Handler = Callable[[httpx.Request], httpx.Response]


def call(entry: str, client: AuthenticatedClient, **kwargs: Any) -> Any:
    """One call through ``entry``: its result (a stream's chunks as a list), or its exception."""
    kwargs.setdefault("body", hello_request())
    function = getattr(create_chat_completion, entry)
    if entry == "stream":
        with client, function(client=client, **kwargs) as chunks:
            return list(chunks)
    if entry in ("sync", "sync_detailed"):
        with client:
            return function(client=client, **kwargs)

    async def run() -> Any:
        async with client:
            if entry == "astream":
                async with function(client=client, **kwargs) as chunks:
                    return [chunk async for chunk in chunks]
            return await function(client=client, **kwargs)

    return asyncio.run(run())


def fake_client(handler: Handler, **options: Any) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=BASE_URL, token=FAKE_KEY, httpx_args={"transport": httpx.MockTransport(handler)}, **options
    )


def raw_reply(status: int, body: bytes, content_type: str, **headers: str) -> Handler:
    # stream=: httpx must not decode the body while the fake builds the response, only when read.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, headers={"content-type": content_type, **headers}, stream=EventBody([body])
        )

    return handler


def deep_json(depth: int = 1_000) -> bytes:
    return b'{"choices": ' + b"[" * depth + b"]" * depth + b"}"


def reply_for(entry: str, json_body: bytes, *, status: int = 200, **headers: str) -> Handler:
    """The same hostile payload as a JSON reply, or as the data of a stream event."""
    if entry in STREAMS and status == 200:
        return raw_reply(status, b"data: " + json_body + b"\n\n" + DONE_EVENT, "text/event-stream", **headers)
    return raw_reply(status, json_body, "application/json", **headers)


# -- JSON nested deeper than Python's recursion limit --------------------------------------------


# 1,000 levels: orjson decodes it (it nests to 1,024) and the schema rejects it;
# 100,000: json.loads, which then decodes, runs out of recursion.
@pytest.mark.parametrize(("depth", "reason"), [(1_000, "missing required field"), (100_000, "recursion")])
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_deeply_nested_json_is_a_validation_error(entry: str, depth: int, reason: str) -> None:
    client = fake_client(reply_for(entry, deep_json(depth)))
    if entry in DETAILED:
        response = call(entry, client)
        assert isinstance(response, Response)
        assert response.status_code == 200
        assert response.parsed is None  # does not fit; the bytes are kept
        assert response.content.startswith(b'{"choices": [[[')
        return
    with pytest.raises(APIResponseValidationError) as caught:
        call(entry, client)
    assert reason in str(caught.value).replace("RecursionError", "recursion")


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_deeply_nested_json_in_an_error_body_is_still_the_status_error(entry: str) -> None:
    client = fake_client(reply_for(entry, deep_json(), status=400))
    if entry in DETAILED:
        response = call(entry, client)
        assert (response.status_code, response.parsed) == (400, None)
        return
    with pytest.raises(BadRequestError) as caught:
        call(entry, client)
    assert caught.value.body is None
    assert "unrecognised" in str(caught.value) or "non-JSON" in str(caught.value)


def test_json_nested_a_little_less_deeply_still_parses_as_far_as_the_schema_goes() -> None:
    # The twin: the depth itself is not refused; only a body Python cannot parse is.
    client = fake_client(reply_for("sync", deep_json(100)))
    with pytest.raises(APIResponseValidationError) as caught:
        call("sync", client)
    assert "recursion" not in str(caught.value).lower()


# -- a body that is not what its Content-Encoding says -------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_body_that_lies_about_its_content_encoding(entry: str, encoding: str) -> None:
    lie = b"this is not compressed at all " * 10
    content_type = "text/event-stream" if entry in STREAMS else "application/json"
    client = fake_client(raw_reply(200, lie, content_type, **{"content-encoding": encoding}))
    expected: type[AimlApiError] = StreamInterruptedError if entry in STREAMS else APIResponseValidationError
    with pytest.raises(expected) as caught:
        call(entry, client)
    assert "DecodingError" in str(caught.value) or "decoded" in str(caught.value)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_an_error_body_that_lies_about_its_encoding_is_typed_too(entry: str) -> None:
    client = fake_client(raw_reply(401, b"\x00garbage", "application/json", **{"content-encoding": "gzip"}))
    with pytest.raises(APIResponseValidationError, match="HTTP 401 body could not be decoded"):
        call(entry, client)


@pytest.mark.parametrize("entry", ["sync", "asyncio", "stream"])
def test_a_real_gzip_body_is_decoded(entry: str) -> None:
    # The twin of the lie: honest compressed bodies (JSON and events) work.
    if entry in STREAMS:
        handler = raw_reply(
            200,
            gzip.compress(chunk_event("zipped") + DONE_EVENT),
            "text/event-stream",
            **{"content-encoding": "gzip"},
        )
        chunks = call(entry, fake_client(handler))
        assert chunks[0].choices[0].delta.content == "zipped"
        return
    for encoding, compress in (("gzip", gzip.compress), ("deflate", zlib.compress)):
        body = compress(json.dumps(completion_json("zipped")).encode())
        handler = raw_reply(200, body, "application/json", **{"content-encoding": encoding})
        assert call(entry, fake_client(handler)).choices[0].message.content == "zipped"


def test_raw_deflate_without_the_zlib_wrapper_is_decoded_like_httpx_does() -> None:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = compressor.compress(json.dumps(completion_json("raw")).encode()) + compressor.flush()
    handler = raw_reply(200, body, "application/json", **{"content-encoding": "deflate"})
    assert call("sync", fake_client(handler)).choices[0].message.content == "raw"


# -- a redirect loop ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_redirect_loop_is_a_connection_error(entry: str) -> None:
    requests: list[httpx.Request] = []

    def loop(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(307, headers={"location": str(request.url)})

    client = fake_client(loop, follow_redirects=True)
    with pytest.raises(APIConnectionError, match="too many redirects") as caught:
        call(entry, client)
    assert type(caught.value) is APIConnectionError
    assert len(requests) == 21  # httpx's max_redirects of 20, then it gives up; no retries of that


# -- settings that cannot work --------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_key", ["sk-aiml-ünïcode-DO-NOT-LEAK", "sk-aiml-DO-NOT\nLEAK", "sk-aiml-DO-NOT\x00LEAK"]
)
def test_a_key_that_cannot_go_into_a_header_is_refused_without_showing_it(bad_key: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AuthenticatedClient(base_url=BASE_URL, token=bad_key)
    message = str(caught.value)
    assert "API key" in message
    assert "position" in message
    assert "DO-NOT" not in message
    assert "LEAK" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_a_non_ascii_key_from_the_environment_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_KEY", "sk-clé-DO-NOT-LEAK")
    with pytest.raises(ConfigurationError, match="AIML_API_KEY") as caught:
        AuthenticatedClient(base_url=BASE_URL)
    assert "DO-NOT-LEAK" not in str(caught.value)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_header_value_http_cannot_carry_is_refused_before_sending(entry: str) -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=completion_json())

    with pytest.raises(ConfigurationError, match="X-Secret") as caught:
        call(entry, fake_client(record), extra_headers={"X-Secret": "naïve-DO-NOT-LEAK"})
    assert "DO-NOT-LEAK" not in str(caught.value)
    assert sent == []


@pytest.mark.parametrize(
    "options",
    [
        {"headers": {"X-Team": "équipe"}},
        {"headers": {"Bad Name": "x"}},
        {"auth_header_name": "X Key"},
        {"prefix": "Bearer\n"},
    ],
)
def test_client_headers_that_cannot_be_sent_are_refused_at_construction(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        AuthenticatedClient(base_url=BASE_URL, token=FAKE_KEY, **options)


@pytest.mark.parametrize(
    "base_url", ["http://[::1", "http://:80", "http://a:99999", "//no-scheme", "mailto:a@b", ""]
)
def test_an_invalid_base_url_is_a_configuration_error(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match=r"^base_url="):
        AuthenticatedClient(base_url=base_url, token=FAKE_KEY)
    if base_url:
        monkeypatch.setenv("AIML_API_BASE_URL", base_url)
        from_env = r"^the AIML_API_BASE_URL environment variable "
        with pytest.raises(ConfigurationError, match=from_env) as caught:
            AuthenticatedClient(token=FAKE_KEY)
        assert "base_url=" not in str(caught.value)


# -- the response size cap ------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_body_over_max_response_bytes_is_response_too_large(entry: str) -> None:
    body = json.dumps(completion_json("x" * 5_000)).encode()
    client = fake_client(raw_reply(200, body, "application/json"), max_response_bytes=4_096)
    with pytest.raises(ResponseTooLargeError) as caught:
        call(entry, client)
    error = caught.value
    assert (error.limit, error.setting) == (4_096, "max_response_bytes")
    assert "4,096 bytes" in str(error)
    assert "max_response_bytes" in str(error)


@pytest.mark.parametrize("entry", ["sync", "sync_detailed", "asyncio", "stream"])
def test_a_body_just_under_the_cap_is_read(entry: str) -> None:
    body = json.dumps(completion_json("x" * 3_000)).encode()
    if entry in STREAMS:
        # An error body is read within the cap too; here one that fits.
        client = fake_client(raw_reply(400, body, "application/json"), max_response_bytes=len(body))
        with pytest.raises(BadRequestError):
            call(entry, client)
        return
    client = fake_client(raw_reply(200, body, "application/json"), max_response_bytes=len(body))
    result = call(entry, client)
    parsed = result.parsed if entry in DETAILED else result
    assert parsed.choices[0].message.content == "x" * 3_000


@pytest.mark.parametrize("entry", ["sync", "stream"])
def test_an_error_body_over_the_cap_is_response_too_large(entry: str) -> None:
    client = fake_client(raw_reply(500, b"e" * 10_000, "text/plain"), max_response_bytes=1_000, max_retries=0)
    with pytest.raises(ResponseTooLargeError, match="HTTP 500 body is larger than 1,000 bytes"):
        call(entry, client)


def test_the_caps_are_client_options_with_the_documented_defaults() -> None:
    client = AuthenticatedClient(base_url=BASE_URL, token=FAKE_KEY)
    assert (client.max_response_bytes, client.max_event_bytes) == (64 * 2**20, 16 * 2**20)
    smaller = client.with_options(max_response_bytes=10, max_event_bytes=20)
    assert (smaller.max_response_bytes, smaller.max_event_bytes) == (10, 20)
    with pytest.raises(ValueError, match="max_response_bytes"):
        AuthenticatedClient(base_url=BASE_URL, token=FAKE_KEY, max_response_bytes=0)


# -- a gzip bomb ----------------------------------------------------------------------------------


def gzip_bomb(gibibytes: int = 1) -> bytes:
    """About 1 MB of gzip that inflates to ``gibibytes`` GiB of zeros, built without inflating it:
    one fully flushed deflate block of 1 MiB of zeros, repeated."""
    zeros = b"\0" * 2**20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = 1024 * gibibytes
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + block * count + compressor.flush() + struct.pack("<II", crc, (count << 20) & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb()


@pytest.mark.parametrize(("entry", "cap"), [("sync", 2**20), ("asyncio", 2**20), ("sync", None)])
def test_a_gzip_bomb_costs_bounded_memory(bomb: bytes, entry: str, cap: int | None) -> None:
    assert 0.9e6 < len(bomb) < 1.2e6  # 1 MB on the wire, 1 GiB inflated
    options = {} if cap is None else {"max_response_bytes": cap}
    client = fake_client(raw_reply(200, bomb, "application/json", **{"content-encoding": "gzip"}), **options)
    limit = cap or client.max_response_bytes
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError) as caught:
            call(entry, client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit == limit
    # The cap, plus the compressed body the fake holds, plus a few decoding steps: never the GiB.
    assert peak < limit * 1.1 + 8 * 2**20, f"peak {peak / 2**20:.1f} MiB with a cap of {limit / 2**20} MiB"


@pytest.mark.parametrize("entry", ["stream", "astream"])
def test_a_gzip_bomb_in_an_event_stream_costs_bounded_memory_too(bomb: bytes, entry: str) -> None:
    # Inflated in bounded steps, the zeros reach the event decoder a piece at a time, and one event
    # (a line that never ends) stops at max_event_bytes.
    handler = raw_reply(200, bomb, "text/event-stream", **{"content-encoding": "gzip"})
    client = fake_client(handler, max_event_bytes=2**20)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError) as caught:
            call(entry, client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (caught.value.limit, caught.value.setting) == (2**20, "max_event_bytes")
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MiB"
