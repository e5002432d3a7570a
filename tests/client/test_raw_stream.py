"""``with_raw_response.create(..., stream=True)``: status, headers and request id as soon as the status
line is in, ``.parse()`` the Stream (sync) or AsyncStream, typed through the overloads (the
``assert_type`` lines are checked by mypy --strict with the rest of tests/)."""

from __future__ import annotations

import asyncio
from typing import Any, assert_type

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import (
    AIMLAPI,
    AsyncAIMLAPI,
    AsyncStream,
    ChatCompletion,
    ChatCompletionChunk,
    RateLimitError,
    RawResponse,
    Stream,
)
from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.testing._server.replies import message_text
from aimlapi_gemini.testing._server.spec import versioned_base_url
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


def _sync(api: FakeAPI) -> AIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AIMLAPI(
        api_key=FAKE_KEY,
        base_url="https://api.example.test/v1",
        http_client=httpx.Client(transport=transport),
    )


def _async(api: FakeAPI) -> AsyncAIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AsyncAIMLAPI(
        api_key=FAKE_KEY,
        base_url="https://api.example.test/v1",
        http_client=httpx.AsyncClient(transport=transport),
    )


def _texts(chunks: list[ChatCompletionChunk]) -> list[str]:
    return [
        str(chunk.choices[0].delta.content) for chunk in chunks if chunk.choices and chunk.choices[0].delta
    ]


def test_a_raw_stream_gives_status_headers_and_request_id_then_the_stream() -> None:
    body = EventBody(sse_body(40))
    api = FakeAPI().script(Reply(events=body, headers={"x-request-id": "req-s1"}))
    raw = _sync(api).chat.completions.with_raw_response.create(model="gemini-pro", messages=HI, stream=True)
    assert_type(raw, RawResponse[Stream[ChatCompletionChunk]])
    assert raw.status_code == 200
    assert raw.request_id == "req-s1"
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert body.sent < 40  # the body is not read yet: the stream reads it
    with pytest.raises(httpx.ResponseNotRead):
        _ = raw.content
    stream = raw.parse()
    assert_type(stream, Stream[ChatCompletionChunk])
    assert stream is raw.parse()
    assert _texts(list(stream)) == [f"t{n} " for n in range(40)]
    assert body.closed
    assert api.sent_json()["stream"] is True
    assert api.requests[0].headers["accept"] == "text/event-stream"


def test_an_async_raw_stream_does_the_same() -> None:
    async def main() -> tuple[int, str | None, list[str], bool]:
        body = EventBody(sse_body(3))
        api = FakeAPI().script(Reply(events=body, headers={"x-request-id": "req-a1"}))
        async with _async(api) as client:
            raw = await client.chat.completions.with_raw_response.create(
                model="gemini-pro", messages=HI, stream=True
            )
            assert_type(raw, RawResponse[AsyncStream[ChatCompletionChunk]])
            stream = raw.parse()
            assert_type(stream, AsyncStream[ChatCompletionChunk])
            async with stream:
                chunks = [chunk async for chunk in stream]
        return raw.status_code, raw.request_id, _texts(chunks), body.closed

    assert asyncio.run(main()) == (200, "req-a1", ["t0 ", "t1 ", "t2 "], True)


def test_stream_false_and_a_bool_keep_their_types() -> None:
    api = FakeAPI().script(Reply(json=completion_json("plain")), Reply(events=EventBody(sse_body(1))))
    client = _sync(api)
    plain = client.chat.completions.with_raw_response.create(model="gemini-pro", messages=HI, stream=False)
    assert_type(plain, RawResponse[ChatCompletion])
    assert plain.parse().choices[0].message.content == "plain"
    streaming: bool = True
    either = client.chat.completions.with_raw_response.create(
        model="gemini-pro", messages=HI, stream=streaming
    )
    assert_type(either, RawResponse[ChatCompletion] | RawResponse[Stream[ChatCompletionChunk]])
    parsed = either.parse()
    assert isinstance(parsed, Stream)
    assert _texts(list(parsed)) == ["t0 "]


def test_an_error_status_raises_as_create_does_with_the_request_id() -> None:
    api = FakeAPI().script(
        Reply(status=429, json=error_json(429, "Too many requests"), headers={"x-request-id": "req-429"})
    )
    client = _sync(api).with_options(max_retries=0)
    with pytest.raises(RateLimitError, match="Too many requests") as caught:
        client.chat.completions.with_raw_response.create(model="gemini-pro", messages=HI, stream=True)
    assert caught.value.status_code == 429
    assert caught.value.request_id


def _options(server: BackgroundServer) -> dict[str, Any]:
    return {"api_key": server.api_key, "base_url": versioned_base_url(server.base_url)}


def _check_against_the_server(raw: RawResponse[Any], final: ChatCompletion) -> None:
    assert raw.status_code in (200, 201)
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert raw.request_id
    # The reference server echoes the user's text (and greets a message without any).
    echoed = message_text(spec.user_message("hi")) or "Hello!"
    assert echoed in str(final.choices[0].message.content)


def test_a_raw_stream_from_the_reference_server(reference_server: BackgroundServer) -> None:
    with AIMLAPI(**_options(reference_server)) as client:
        raw = client.chat.completions.with_raw_response.create(model="gemini-pro", messages=HI, stream=True)
        with raw.parse() as stream:
            final = stream.get_final_completion()
    _check_against_the_server(raw, final)


def test_an_async_raw_stream_from_the_reference_server(reference_server: BackgroundServer) -> None:
    async def main() -> tuple[RawResponse[AsyncStream[ChatCompletionChunk]], ChatCompletion]:
        async with AsyncAIMLAPI(**_options(reference_server)) as client:
            raw = await client.chat.completions.with_raw_response.create(
                model="gemini-pro", messages=HI, stream=True
            )
            async with raw.parse() as stream:
                return raw, await stream.get_final_completion()

    _check_against_the_server(*asyncio.run(main()))
