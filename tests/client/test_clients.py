"""AIMLAPI / AsyncAIMLAPI against httpx.MockTransport fakes: settings, the request each keyword
makes, extras, raw responses, streams without `with`, copies and closing."""

from __future__ import annotations

import asyncio
import json
from typing import Any, assert_type

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import (
    AIMLAPI,
    AsyncAIMLAPI,
    AsyncStream,
    BadRequestError,
    ChatCompletion,
    ChatCompletionChunk,
    ConfigurationError,
    MissingAPIKeyError,
    RawResponse,
    Stream,
    ValidationError,
)
from aimlapi_gemini._spec_facts import DEFAULT_BASE_URL, VERSION_PATH
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.client import AuthenticatedClient
from aimlapi_gemini.models import ChoiceDelta
from tests.doubles.fakes import (
    FAKE_KEY,
    EventBody,
    FakeAPI,
    Reply,
    completion_json,
    error_json,
    sse_body,
)

HI = [spec.user_message_model("hi")]
# The spec's version segment (a base URL may end with it: /v1) and the path a request goes to; a
# revision whose paths have no version has none to take off.
V = VERSION_PATH
CHAT = spec.chat_path()


def _text(chunk: ChatCompletionChunk) -> str | None:
    delta = chunk.choices[0].delta
    assert isinstance(delta, ChoiceDelta)
    return delta.content if isinstance(delta.content, str) else None


def _sync(api: FakeAPI, **options: Any) -> AIMLAPI:
    options.setdefault("base_url", f"https://api.example.test{V}")
    return AIMLAPI(
        api_key=FAKE_KEY, http_client=httpx.Client(transport=httpx.MockTransport(api.handler)), **options
    )


def _async(api: FakeAPI, **options: Any) -> AsyncAIMLAPI:
    options.setdefault("base_url", f"https://api.example.test{V}")
    transport = httpx.MockTransport(api.handler)
    return AsyncAIMLAPI(api_key=FAKE_KEY, http_client=httpx.AsyncClient(transport=transport), **options)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.example.test",
        "https://api.example.test/",
        f"https://api.example.test{V}",
        f"https://api.example.test{V}/",
    ],
)
def test_the_base_url_with_or_without_v1_reaches_the_same_url(base_url: str) -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    _sync(api, base_url=base_url).chat.completions.create(model="gemini-pro", messages=HI)
    assert str(api.requests[0].url) == f"https://api.example.test{CHAT}"


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.example.test",
        "https://api.example.test/",
        f"https://api.example.test{V}",
        f"https://api.example.test{V}/",
        f"https://api.example.test{V}//",
    ],
)
def test_the_base_url_reads_with_v1_as_in_the_openai_sdk(base_url: str) -> None:
    api = FakeAPI().script(Reply(json=completion_json()), Reply(json=completion_json()))
    sync_client = _sync(api, base_url=base_url)
    async_client = _async(api, base_url=base_url)
    assert str(sync_client.base_url) == f"https://api.example.test{V}/"
    assert str(async_client.base_url) == f"https://api.example.test{V}/"
    assert sync_client.base_url.join(CHAT.removeprefix(V).lstrip("/")) == f"https://api.example.test{CHAT}"
    asyncio.run(async_client.chat.completions.create(model="gemini-pro", messages=HI))
    assert [str(request.url) for request in api.requests] == [f"https://api.example.test{CHAT}"]


@pytest.mark.parametrize(
    "base_url", ["https://api.example.test", f"https://api.example.test{V}", f"https://api.example.test{V}/"]
)
def test_the_functional_client_takes_both_spellings_too(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same $AIML_API_BASE_URL serves both layers (and the CLI), so it means the same in each.
    api = FakeAPI().script(Reply(json=completion_json()), Reply(json=completion_json()))
    fake = {"transport": httpx.MockTransport(api.handler)}
    monkeypatch.setenv("AIML_API_BASE_URL", base_url)
    for client in (
        AuthenticatedClient(base_url=base_url, token=FAKE_KEY, httpx_args=fake),
        AuthenticatedClient(token=FAKE_KEY, httpx_args=fake),  # from the environment
    ):
        with client:
            create_chat_completion.sync(
                client=client, body={"model": "gemini-pro", "messages": [spec.user_message("hi")]}
            )
    assert [str(r.url) for r in api.requests] == [f"https://api.example.test{CHAT}"] * 2


def test_a_base_url_the_version_is_not_at_the_end_of_is_not_a_version() -> None:
    # Only a trailing /v1 is the version: a /v1 elsewhere in the path is the gateway's own.
    api = FakeAPI().script(Reply(json=completion_json()))
    client = _sync(api, base_url="https://gateway.test/v1/aiml")
    assert str(client.base_url) == f"https://gateway.test/v1/aiml{V}/"
    client.chat.completions.create(model="gemini-pro", messages=HI)
    assert str(api.requests[0].url) == f"https://gateway.test/v1/aiml{CHAT}"


@pytest.mark.parametrize("base_url", [f"https://gateway.test/aiml{V}", "https://gateway.test/aiml"])
def test_a_base_url_with_another_path_keeps_it(base_url: str) -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    client = _sync(api, base_url=base_url)
    client.chat.completions.create(model="gemini-pro", messages=HI)
    assert str(api.requests[0].url) == f"https://gateway.test/aiml{CHAT}"
    assert str(client.base_url) == f"https://gateway.test/aiml{V}/"


def test_settings_default_to_the_environment_and_the_vendor_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_KEY", FAKE_KEY)
    monkeypatch.delenv("AIML_API_BASE_URL", raising=False)
    client = AIMLAPI()
    assert str(client.base_url) == f"{DEFAULT_BASE_URL.rstrip('/')}{V}/"
    assert client.api_key.get_secret_value() == FAKE_KEY
    assert FAKE_KEY not in repr(client)
    monkeypatch.setenv("AIML_API_BASE_URL", f"http://127.0.0.1:9{V}")
    assert str(AsyncAIMLAPI().base_url) == f"http://127.0.0.1:9{V}/"
    monkeypatch.setenv("AIML_API_BASE_URL", "http://127.0.0.1:9")
    assert str(AsyncAIMLAPI().base_url) == f"http://127.0.0.1:9{V}/"


def test_no_key_anywhere_is_a_missing_key_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIML_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError):
        AIMLAPI()


def test_a_base_url_that_is_not_one_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not an http"):
        AIMLAPI(api_key=FAKE_KEY, base_url=f"api.aimlapi.com{V}")


def test_keywords_become_the_json_body_and_the_key_a_bearer_header() -> None:
    # Some optional fields this revision of the spec has, with values their schemas take.
    optional: dict[str, Any] = {field: spec.example_value(field) for field in spec.optional_fields()[:2]}
    api = FakeAPI().script(Reply(json=completion_json("Hi!")), Reply(json=completion_json("Hi!")))
    assert_type(_sync(api).chat.completions.create(model="gemini-pro", messages=HI), ChatCompletion)
    # Keywords from a dict[str, Any] make the overload Any to mypy, hence the second call.
    completion = _sync(api).chat.completions.create(model="gemini-pro", messages=HI, **optional)
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == "Hi!"
    assert api.sent_json(1) == {
        "model": "gemini-pro",
        "messages": [spec.user_message("hi")],
        **optional,
        "stream": False,
    }
    assert api.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"


def test_an_unknown_model_id_passes_through() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    _sync(api).chat.completions.create(model="openai/gpt-4o", messages=HI)
    assert api.sent_json()["model"] == "openai/gpt-4o"


def test_a_keyword_that_does_not_fit_the_spec_is_a_validation_error_and_nothing_is_sent() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    bounded = [field for field in spec.optional_fields() if spec.out_of_range_value(field) is not None]
    for field in bounded[:1]:  # a number past a bound of some field this revision has
        out_of_range: dict[str, Any] = {field: spec.out_of_range_value(field)}
        with pytest.raises(ValidationError, match=field):
            _sync(api).chat.completions.create(model="gemini-pro", messages=HI, **out_of_range)
    with pytest.raises(ValidationError, match="model"):
        _sync(api).chat.completions.create(model=3, messages=HI)  # type: ignore[call-overload]
    assert api.requests == []


def test_extra_body_query_and_headers_reach_the_request() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    _sync(api).chat.completions.create(
        model="gemini-pro",
        messages=HI,
        extra_body={"safe_mode": True, "temperature": 0.1},
        extra_query={"trace": "1"},
        extra_headers={"X-Trace": "abc"},
    )
    request = api.requests[0]
    assert request.url.params["trace"] == "1"
    assert request.headers["x-trace"] == "abc"
    sent = json.loads(request.content)
    assert sent["safe_mode"] is True
    assert sent["temperature"] == 0.1


def test_with_raw_response_gives_status_headers_and_the_parsed_body() -> None:
    api = FakeAPI().script(Reply(json=completion_json("raw"), headers={"x-request-id": "req-7"}))
    raw = _sync(api).chat.completions.with_raw_response.create(model="gemini-pro", messages=HI)
    assert_type(raw, RawResponse[ChatCompletion])
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "req-7"
    assert raw.request_id == "req-7"
    assert raw.parse().choices[0].message.content == "raw"
    assert raw.parse() is raw.parse()


def test_with_raw_response_raises_for_an_error_status_as_create_does() -> None:
    api = FakeAPI().script(Reply(status=400, json=error_json(400, "Body validation error: bad")))
    with pytest.raises(BadRequestError, match="bad") as caught:
        _sync(api).chat.completions.with_raw_response.create(model="gemini-pro", messages=HI)
    assert caught.value.request_id == "req-42"


def test_a_stream_iterates_without_with_and_closes_itself_at_the_end() -> None:
    body = EventBody(sse_body(3))
    api = FakeAPI().script(Reply(events=body))
    stream = _sync(api).chat.completions.create(model="gemini-pro", messages=HI, stream=True)
    assert_type(stream, Stream[ChatCompletionChunk])
    assert [_text(chunk) for chunk in stream] == ["t0 ", "t1 ", "t2 "]
    assert stream.done
    assert body.closed
    assert api.sent_json()["stream"] is True
    assert api.requests[0].headers["accept"] == "text/event-stream"


def test_leaving_a_with_block_closes_the_stream_midway() -> None:
    body = EventBody(sse_body(100))
    api = FakeAPI().script(Reply(events=body))
    with _sync(api).chat.completions.create(model="gemini-pro", messages=HI, stream=True) as stream:
        next(stream)
    assert body.closed
    assert body.sent < 100


def test_a_stream_that_fails_to_open_raises_the_status_error() -> None:
    api = FakeAPI().script(Reply(status=400, json=error_json(400, "Body validation error: nope")))
    with pytest.raises(BadRequestError, match="nope"):
        _sync(api).chat.completions.create(model="gemini-pro", messages=HI, stream=True)


def test_with_options_changes_one_setting_and_shares_the_pool() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    client = _sync(api, default_headers={"X-App": "a"})
    other = client.with_options(timeout=3.0, max_retries=0, default_headers={"X-Team": "t"})
    assert other.max_retries == 0
    assert other.timeout == httpx.Timeout(3.0)
    assert client.max_retries == 2
    assert other.authenticated_client.get_httpx_client() is client.authenticated_client.get_httpx_client()
    other.chat.completions.create(model="gemini-pro", messages=HI)
    assert api.requests[0].headers["x-app"] == "a"
    assert api.requests[0].headers["x-team"] == "t"
    rekeyed = client.with_options(api_key="sk-other")
    rekeyed.chat.completions.create(model="gemini-pro", messages=HI)
    assert api.requests[1].headers["authorization"] == "Bearer sk-other"


def test_with_options_base_url_gets_its_own_pool_and_path() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    client = _sync(api)
    moved = client.with_options(
        base_url=f"https://eu.example.test{V}",
        http_client=httpx.Client(transport=httpx.MockTransport(api.handler)),
    )
    moved.chat.completions.create(model="gemini-pro", messages=HI)
    assert str(api.requests[0].url) == f"https://eu.example.test{CHAT}"
    assert str(moved.base_url) == f"https://eu.example.test{V}/"
    assert str(client.base_url) == f"https://api.example.test{V}/"


def test_a_copy_made_before_any_call_shares_the_pool_too() -> None:
    sync_client = AIMLAPI(api_key=FAKE_KEY)
    copy = sync_client.with_options(max_retries=5)
    pool = sync_client.authenticated_client.get_httpx_client()
    assert copy.authenticated_client.get_httpx_client() is pool
    sync_client.close()
    assert pool.is_closed
    async_client = AsyncAIMLAPI(api_key=FAKE_KEY)
    async_copy = async_client.with_options(timeout=3)
    async_pool = async_client.authenticated_client.get_async_httpx_client()
    assert async_copy.authenticated_client.get_async_httpx_client() is async_pool
    asyncio.run(async_client.close())
    assert async_pool.is_closed


@pytest.mark.parametrize("base_url", ["https://eu.example.test", f"https://eu.example.test{V}/"])
def test_with_options_keeps_the_base_url_as_shown_and_the_path_once(base_url: str) -> None:
    api = FakeAPI().script(*[Reply(json=completion_json()) for _ in range(3)])
    client = _sync(api)
    same = client.with_options(max_retries=0)  # the same pool: the base URL is passed on as shown
    assert str(same.base_url) == f"https://api.example.test{V}/"
    moved = client.with_options(
        base_url=base_url, http_client=httpx.Client(transport=httpx.MockTransport(api.handler))
    )
    again = moved.with_options(timeout=3)
    assert str(moved.base_url) == str(again.base_url) == f"https://eu.example.test{V}/"
    for each in (same, moved, again):
        each.chat.completions.create(model="gemini-pro", messages=HI)
    assert [str(request.url) for request in api.requests] == [
        f"https://api.example.test{CHAT}",
        f"https://eu.example.test{CHAT}",
        f"https://eu.example.test{CHAT}",
    ]


def test_the_context_manager_and_close_close_the_pool() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    with _sync(api) as client:
        client.chat.completions.create(model="gemini-pro", messages=HI)
    assert client.authenticated_client.get_httpx_client().is_closed
    other = _sync(api)
    other.close()
    assert other.authenticated_client.get_httpx_client().is_closed


def test_the_async_client_does_the_same() -> None:
    async def main() -> None:
        api = FakeAPI().script(Reply(json=completion_json("async")))
        async with _async(api, base_url="https://api.example.test") as client:
            completion = await client.chat.completions.create(
                model="gemini-pro", messages=HI, extra_body={"x": 1}, extra_query={"q": "2"}
            )
            assert_type(completion, ChatCompletion)
            assert completion.choices[0].message.content == "async"
            raw = await client.chat.completions.with_raw_response.create(model="gemini-pro", messages=HI)
            assert_type(raw, RawResponse[ChatCompletion])
            assert raw.status_code == 200
            body = EventBody(sse_body(2))
            api.script(Reply(events=body))
            stream = await client.chat.completions.create(model="gemini-pro", messages=HI, stream=True)
            assert_type(stream, AsyncStream[ChatCompletionChunk])
            assert [_text(chunk) async for chunk in stream] == ["t0 ", "t1 "]
            assert body.closed
            body = EventBody(sse_body(50))
            api.script(Reply(events=body))
            async with await client.chat.completions.create(
                model="gemini-pro", messages=HI, stream=True
            ) as early:
                await anext(early)
            assert body.closed
            assert body.sent < 50
        assert client.authenticated_client.get_async_httpx_client().is_closed
        assert str(api.requests[0].url) == f"https://api.example.test{CHAT}?q=2"
        assert json.loads(api.requests[0].content)["x"] == 1

    asyncio.run(main())


def test_async_close_is_aclose() -> None:
    async def main() -> None:
        client = _async(FakeAPI())
        await client.close()
        assert client.authenticated_client.get_async_httpx_client().is_closed

    asyncio.run(main())


def test_stream_flag_as_a_plain_bool_types_as_either() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    flag: bool = False
    either = _sync(api).chat.completions.create(model="gemini-pro", messages=HI, stream=flag)
    assert_type(either, ChatCompletion | Stream[ChatCompletionChunk])
    assert isinstance(either, ChatCompletion)
