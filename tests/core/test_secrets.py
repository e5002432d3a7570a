"""The API key never shows: not in reprs, messages, tracebacks formatted with their locals, the
DEBUG logs of aimlapi_gemini, httpx and httpcore, or pickled exceptions; and a pasted key with
whitespace around it works."""

from __future__ import annotations

import asyncio
import json
import pickle
import socket
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from aimlapi_gemini import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticatedClient,
    AuthenticationError,
    DeadlineExceededError,
    ResponseTooLargeError,
    Secret,
    StreamError,
    errors,
)
from aimlapi_gemini._exceptions import parse_error_body
from aimlapi_gemini.api.chat_completions import create_chat_completion
from tests.doubles.fakes import (
    BASE_URL,
    FAKE_KEY,
    EventBody,
    FakeAPI,
    Reply,
    completion_json,
    error_json,
    hello_request,
    sse_body,
)


def test_a_secret_says_redacted_and_gives_its_value_only_when_asked() -> None:
    secret = Secret(FAKE_KEY)
    assert str(secret) == "<redacted>"
    assert FAKE_KEY not in repr(secret)
    assert FAKE_KEY not in f"{secret} {secret!r} {[secret]} { ({'k': secret}) }"
    assert secret.get_secret_value() == FAKE_KEY
    assert secret == Secret(FAKE_KEY)
    assert secret != Secret("other")


@pytest.mark.parametrize("pasted", [f"  {FAKE_KEY}\n", f"\t{FAKE_KEY} ", f"{FAKE_KEY}\r\n"])
def test_whitespace_around_the_key_is_stripped(
    fake_api: FakeAPI, pasted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_api.script(Reply(json=completion_json()))
    client = fake_api.client()
    client = AuthenticatedClient(
        base_url=BASE_URL, token=pasted, httpx_args={"transport": httpx.MockTransport(fake_api.handler)}
    )
    create_chat_completion.sync(client=client, body=hello_request())
    assert fake_api.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    monkeypatch.setenv("AIML_API_KEY", pasted)
    assert AuthenticatedClient(base_url=BASE_URL).token.get_secret_value() == FAKE_KEY


def test_a_key_of_only_whitespace_is_a_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_KEY", " \n")
    with pytest.raises(errors.MissingAPIKeyError):
        AuthenticatedClient(base_url=BASE_URL)
    with pytest.raises(errors.MissingAPIKeyError):
        AuthenticatedClient(base_url=BASE_URL, token="\t")


def _clients(fake_api: FakeAPI) -> dict[str, AuthenticatedClient]:
    """The ways a key reaches the wire: the default header, a custom header name without prefix,
    a pool the user built (the key then goes with each request), a copy with other headers."""
    transport = httpx.MockTransport(fake_api.handler)
    own_pool = AuthenticatedClient(base_url=BASE_URL, token=FAKE_KEY)
    own_pool.set_httpx_client(httpx.Client(base_url=BASE_URL, transport=transport))
    return {
        "default": fake_api.client(),
        "custom header": fake_api.client(auth_header_name="X-Goog-Key", prefix=""),
        "user's pool": own_pool,
        "copy with headers": fake_api.client().with_headers({"X-Team": "a"}),
    }


@pytest.mark.parametrize("how", ["default", "custom header", "user's pool", "copy with headers"])
def test_each_way_of_sending_the_key_sends_it_exactly_once(fake_api: FakeAPI, how: str) -> None:
    fake_api.script(Reply(json=completion_json()))
    client = _clients(fake_api)[how]
    create_chat_completion.sync(client=client, body=hello_request())
    sent = fake_api.requests[0].headers
    values = [value for _, value in sent.multi_items() if FAKE_KEY in value]
    expected = FAKE_KEY if how == "custom header" else f"Bearer {FAKE_KEY}"
    assert values == [expected]
    name = "x-goog-key" if how == "custom header" else "authorization"
    assert sent[name] == expected


def _failures(client: AuthenticatedClient, fake_api: FakeAPI) -> list[BaseException]:
    """One exception of each kind a call can end in, raised through the real call path."""
    caught: list[BaseException] = []
    scripts: list[Reply] = [
        Reply(401, json=error_json(401, "bad key")),
        Reply(raises=httpx.ConnectError),
        Reply(raises=httpx.ReadTimeout),
        Reply(200, text="not json", headers={"content-type": "application/json"}),
    ]
    for reply in scripts:
        fake_api.script(reply)
        try:
            create_chat_completion.sync(client=client, body=hello_request(), max_retries=0)
        except APIError as exc:
            caught.append(exc)
    fake_api.script(Reply(events=EventBody([*sse_body(1, done=False), httpx.ReadError("reset")])))
    try:
        with create_chat_completion.stream(client=client, body=hello_request(), max_retries=0) as chunks:
            list(chunks)
    except StreamError as exc:
        caught.append(exc)
    return caught


@pytest.mark.parametrize("how", ["default", "custom header", "user's pool", "copy with headers"])
def test_no_traceback_shows_the_key_even_with_locals(fake_api: FakeAPI, how: str) -> None:
    client = _clients(fake_api)[how]
    failures = _failures(client, fake_api)
    assert len(failures) == 5
    for failure in failures:
        text = "".join(traceback.TracebackException.from_exception(failure, capture_locals=True).format())
        assert "client = " in text  # the locals really are in there...
        assert FAKE_KEY not in text, type(failure).__name__  # ...and the key is not


def test_reprs_of_the_client_and_its_call_options_hide_the_key(fake_api: FakeAPI) -> None:
    for client in _clients(fake_api).values():
        options = client._request_options(client.get_httpx_client(), extra_headers={"X-Fwd": FAKE_KEY})
        assert "X-Fwd" in repr(options)
        for text in (repr(client), str(client), repr(options), repr(client.token), str(client.token)):
            assert FAKE_KEY not in text


class _LoopbackAPI(BaseHTTPRequestHandler):
    """A real HTTP server on 127.0.0.1, so that httpcore and h11 do the sending (and the logging):
    503 on the first request, then 401 (for the retry and error paths)."""

    hits = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).hits += 1
        status = 503 if type(self).hits == 1 else 401
        body = json.dumps(error_json(status, "no")).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def loopback() -> Iterator[str]:
    _LoopbackAPI.hits = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoopbackAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# The transports: httpx's own (httpcore) in both modes, and aiohttp, the async default.
_TRANSPORT_LOGGERS = {"sync": "httpcore", "async httpcore": "httpcore", "async default": "aiohttp"}


@pytest.mark.parametrize("how", ["default", "custom header", "extra_headers"])
@pytest.mark.parametrize("mode", list(_TRANSPORT_LOGGERS))
def test_debug_logs_of_every_library_hide_the_key(
    loopback: str, caplog: pytest.LogCaptureFixture, sleeps: list[float], how: str, mode: str
) -> None:
    for name in ("", "aimlapi_gemini", "httpx", "httpcore", "h11", "aiohttp"):
        caplog.set_level(1, logger=name)  # everything, httpcore's traces included
    options: dict[str, Any] = (
        {"auth_header_name": "X-Goog-Key", "prefix": ""} if how == "custom header" else {}
    )
    if mode == "async httpcore":
        options["httpx_args"] = {"transport": httpx.AsyncHTTPTransport()}
    client = AuthenticatedClient(base_url=loopback, token=FAKE_KEY, **options)
    extra = {"X-Forwarded-Key": FAKE_KEY} if how == "extra_headers" else None

    def call_sync() -> None:
        with client:
            create_chat_completion.sync(client=client, body=hello_request(), extra_headers=extra)

    async def call_async() -> None:
        async with client:
            on_aiohttp = isinstance(client.get_async_httpx_client()._transport, AiohttpTransport)
            assert on_aiohttp is (mode == "async default")
            await create_chat_completion.asyncio(client=client, body=hello_request(), extra_headers=extra)

    with pytest.raises(AuthenticationError):
        call_sync() if mode == "sync" else asyncio.run(call_async())
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"aimlapi_gemini", "httpx"} <= loggers  # both did log...
    if _TRANSPORT_LOGGERS[mode] == "httpcore":
        assert "httpcore" in loggers
        assert "send_request_headers" in caplog.text  # ...httpcore down to the headers it sent
    assert "headers=" in caplog.text
    assert "<redacted>" in caplog.text
    assert FAKE_KEY not in caplog.text


def test_the_key_does_not_leak_from_a_real_connection_failure_traceback() -> None:
    # A server that accepts and never answers: the ReadTimeout comes from deep inside httpcore,
    # after the request headers were written.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        client = AuthenticatedClient(
            base_url=f"http://127.0.0.1:{listener.getsockname()[1]}", token=FAKE_KEY, auth_header_name="X-K"
        )
        with pytest.raises(APIConnectionError) as caught, client:
            create_chat_completion.sync(client=client, body=hello_request(), timeout=0.3, max_retries=0)
    finally:
        listener.close()
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "httpcore" in text
    assert FAKE_KEY not in text


# -- pickling -------------------------------------------------------------------------------------

_REQUEST = httpx.Request(
    "POST", f"{BASE_URL}/v1/chat/completions", headers={"Authorization": f"Bearer {FAKE_KEY}"}, json={"a": 1}
)


def _response(status: int = 429) -> httpx.Response:
    return httpx.Response(
        status, json=error_json(status, "slow down"), headers={"retry-after": "7"}, request=_REQUEST
    )


def _instance(error_class: type[Exception]) -> Exception:
    """An instance of every public exception class, made the way the runtime makes it."""
    message = f"{error_class.__name__} happened"
    if issubclass(error_class, errors.ValidationError):
        return error_class(message, ("usage", "total_tokens"), "body is not a valid ChatCompletion")
    response = _response()
    if issubclass(error_class, APIStatusError):
        body = parse_error_body(response.json())
        return error_class(message, response=response, body=body, request_id="req-42")
    if issubclass(error_class, StreamError):
        body = parse_error_body(response.json())
        return error_class(message, response=response, chunks_received=3, request_id="r", body=body, text="t")
    if issubclass(error_class, APIResponseValidationError):
        return error_class(message, response=response, text="raw")
    if issubclass(error_class, ResponseTooLargeError):
        return error_class(message, response=response, limit=10, setting="max_response_bytes")
    if issubclass(error_class, DeadlineExceededError):
        return error_class(message, request=_REQUEST, deadline=2.5)
    if issubclass(error_class, APIError):
        return error_class(message, request=_REQUEST)
    return error_class(message)


@pytest.mark.parametrize("name", errors.__all__)
def test_every_exception_pickles_with_its_message_and_attributes(name: str) -> None:
    error_class = getattr(errors, name)
    original = _instance(error_class)
    data = pickle.dumps(original)
    assert FAKE_KEY.encode() not in data  # the request's headers are not carried along
    copy = pickle.loads(data)
    assert type(copy) is type(original)
    assert str(copy) == str(original)
    assert copy.args == original.args
    for attribute, value in vars(original).items():
        if isinstance(value, httpx.Request):
            bare = getattr(copy, attribute)
            assert (bare.method, bare.url) == (value.method, value.url)
            assert "authorization" not in bare.headers
        elif isinstance(value, httpx.Response) and isinstance(original, errors.RequestValidationError):
            kept = getattr(copy, attribute)  # the local stand-in: nothing was sent
            assert (kept.status_code, kept.text) == (400, str(original))
        elif isinstance(value, httpx.Response):
            kept = getattr(copy, attribute)
            assert (kept.status_code, kept.json(), kept.headers["retry-after"]) == (
                value.status_code,
                value.json(),
                "7",
            )
            assert kept.request.url == value.request.url
        else:
            assert getattr(copy, attribute) == value, attribute
    if isinstance(copy, errors.RequestValidationError):
        assert (copy.status_code, copy.request_id, copy.retry_after, copy.body) == (400, None, None, None)
    elif isinstance(copy, APIStatusError):
        assert (copy.status_code, copy.request_id, copy.retry_after) == (429, "req-42", 7.0)
        assert copy.body is not None
        assert copy.body.message == "slow down"


def test_an_exception_about_an_unread_stream_pickles_too() -> None:
    response = httpx.Response(200, stream=EventBody([b"data: x\n\n"]), request=_REQUEST)
    error = errors.StreamInterruptedError("cut", response=response, chunks_received=1, request_id=None)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.response.content == b""
    assert (copy.chunks_received, str(copy)) == (1, "cut")


def test_a_new_key_set_on_a_client_in_use_is_the_one_sent(fake_api: FakeAPI) -> None:
    fake_api.script(Reply(json=completion_json()))
    client = fake_api.client()
    create_chat_completion.sync(client=client, body=hello_request())
    client.token = " sk-new-key\n"  # type: ignore[assignment]  # the converter takes a str
    create_chat_completion.sync(client=client, body=hello_request())
    assert [r.headers.get_list("authorization") for r in fake_api.requests] == [
        [f"Bearer {FAKE_KEY}"],
        ["Bearer sk-new-key"],
    ]
    with pytest.raises(errors.ConfigurationError):
        client.token = "sk-ünïcode"  # type: ignore[assignment]
    with pytest.raises(errors.ConfigurationError):
        client.prefix = "Bearer\n"
