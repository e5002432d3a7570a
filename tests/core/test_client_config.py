"""Constructing clients: the environment, the defaults, per-call and per-copy overrides, and the
key staying out of repr(), logs and error messages."""

from __future__ import annotations

import logging

import httpx
import pytest

from aimlapi_gemini import (
    APIStatusError,
    AuthenticatedClient,
    Backoff,
    Client,
    MissingAPIKeyError,
    StreamError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.types import UNSET
from tests.doubles.fakes import (
    FAKE_KEY,
    Calls,
    EventBody,
    FakeAPI,
    Reply,
    completion_json,
    error_json,
    hello_request,
    sse_body,
)

OK = Reply(json=completion_json())


def test_no_arguments_reads_the_key_and_uses_the_vendor_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_KEY", FAKE_KEY)
    monkeypatch.delenv("AIML_API_BASE_URL", raising=False)
    client = AuthenticatedClient()
    assert client.token.get_secret_value() == FAKE_KEY
    assert client.get_httpx_client().base_url == "https://api.aimlapi.com"


def test_the_base_url_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_BASE_URL", "http://127.0.0.1:9")
    assert AuthenticatedClient(token="k").get_httpx_client().base_url == "http://127.0.0.1:9"
    assert Client().get_httpx_client().base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_key_is_a_clear_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("AIML_API_KEY", raising=False)
    else:
        monkeypatch.setenv("AIML_API_KEY", value)
    with pytest.raises(MissingAPIKeyError, match="AIML_API_KEY"):
        AuthenticatedClient()


def test_defaults_like_openai() -> None:
    client = AuthenticatedClient(token="k")
    options = client._request_options(client.get_httpx_client(), timeout=UNSET, max_retries=UNSET)
    assert options.timeout == httpx.Timeout(600.0, connect=5.0)
    assert options.max_retries == 2
    assert options.backoff == Backoff(initial=0.5, factor=2.0, maximum=8.0, jitter=0.25)
    assert (options.max_response_bytes, options.max_event_bytes) == (64 * 2**20, 16 * 2**20)
    assert options.deadline is None


def test_per_call_max_retries_overrides_the_client(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "busy")))
    with pytest.raises(APIStatusError):
        calls.complete(fake_api.client(max_retries=5), max_retries=0)
    assert len(fake_api.requests) == 1


def test_per_call_timeout_and_headers_reach_the_request(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(OK)
    calls.complete(fake_api.client(), timeout=3.5, extra_headers={"X-Trace": "abc"})
    request = fake_api.requests[0]
    assert request.headers["x-trace"] == "abc"
    assert request.extensions["timeout"] == httpx.Timeout(3.5).as_dict()


def test_with_options_makes_a_copy_that_shares_the_pool(fake_api: FakeAPI, sleeps: list[float]) -> None:
    base = fake_api.client()
    pool = base.get_httpx_client()
    patient = base.with_options(
        max_retries=7, timeout=1.0, backoff=Backoff(initial=2.0), headers={"X-A": "1"}
    )
    assert patient.get_httpx_client() is pool
    assert (patient.max_retries, base.max_retries) == (7, 2)
    assert patient.backoff.initial == 2.0
    assert patient.token == base.token
    fake_api.script(OK)
    create_chat_completion.sync(client=patient.with_headers({"X-B": "2"}), body=hello_request())
    sent = fake_api.requests[0]
    assert (sent.headers["x-a"], sent.headers["x-b"]) == ("1", "2")
    assert sent.extensions["timeout"] == httpx.Timeout(1.0).as_dict()


def test_an_unauthenticated_client_sends_no_credentials(fake_api: FakeAPI) -> None:
    client = Client(
        base_url="https://api.example.test", httpx_args={"transport": httpx.MockTransport(fake_api.handler)}
    )
    fake_api.script(OK)
    client.get_httpx_client().post("/v1/chat/completions", json={})
    assert "authorization" not in fake_api.requests[0].headers


def test_negative_retries_are_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        AuthenticatedClient(token="k", max_retries=-1)


def test_the_key_never_shows(
    fake_api: FakeAPI, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    client = fake_api.client(headers={"X-Api-Key": FAKE_KEY})
    texts = [repr(client), repr(client.with_options(max_retries=1)), str(client)]
    fake_api.script(Reply(503, json=error_json(503, "busy")), Reply(401, json=error_json(401, "bad key")))
    with pytest.raises(APIStatusError) as status_error:
        create_chat_completion.sync(client=client, body=hello_request())
    fake_api.script(Reply(events=EventBody([*sse_body(1, done=False), httpx.ReadError("reset")])))
    with (
        pytest.raises(StreamError) as stream_error,
        create_chat_completion.stream(client=client, body=hello_request()) as chunks,
    ):
        list(chunks)
    for error in (status_error.value, stream_error.value):
        texts += [str(error), repr(error), *map(str, error.args)]
    assert "retrying POST" in caplog.text  # the retry was logged...
    assert "<redacted>" in caplog.text  # ...and so were the request headers, redacted
    texts.append(caplog.text)
    assert fake_api.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    leaks = [text for text in texts if FAKE_KEY in text]
    assert leaks == []
