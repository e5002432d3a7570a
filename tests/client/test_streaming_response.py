"""``with_streaming_response``: a context manager of the raw response whose body is read only when
asked (``iter_lines()``, ``iter_bytes()``, ``read()``, ``parse()``), sync and async; the ``assert_type``
lines are checked by mypy --strict with the rest of tests/."""

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
    AsyncStreamedResponse,
    ChatCompletion,
    ChatCompletionChunk,
    RateLimitError,
    RequestValidationError,
    Stream,
    StreamedResponse,
)
from aimlapi_gemini.params import ChatCompletionMessageParam
from aimlapi_gemini.testing._server import BackgroundServer
from tests.doubles.fakes import FAKE_KEY, EventBody, FakeAPI, Reply, completion_json, error_json

HI: list[ChatCompletionMessageParam] = [spec.user_message("hi")]


def _fake(api: FakeAPI) -> AIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AIMLAPI(
        api_key=FAKE_KEY,
        base_url="https://api.example.test/v1",
        http_client=httpx.Client(transport=transport),
    )


def _json_pieces(pieces: int = 50) -> EventBody:
    """A JSON completion sent in ``pieces`` parts, so what was read of it shows."""
    text = json.dumps(completion_json("x" * 500)).encode()
    step = len(text) // pieces + 1
    return EventBody(text[i : i + step] for i in range(0, len(text), step))


def test_the_headers_come_first_and_the_body_only_when_parsed() -> None:
    body = _json_pieces()
    api = FakeAPI().script(
        Reply(events=body, headers={"content-type": "application/json", "x-request-id": "r1"})
    )
    with _fake(api).chat.completions.with_streaming_response.create(
        model="gemini-pro", messages=HI
    ) as response:
        assert_type(response, StreamedResponse[ChatCompletion])
        assert (response.status_code, response.request_id) == (200, "r1")
        assert response.headers["content-type"] == "application/json"
        assert body.sent <= 1  # not read yet
        completion = response.parse()
        assert_type(completion, ChatCompletion)
        assert completion.choices[0].message.content == "x" * 500
        assert response.parse() is completion
        assert json.loads(response.read()) == completion_json("x" * 500)
    assert body.closed
    assert api.sent_json()["stream"] is False


def test_the_body_can_be_read_as_bytes_and_lines(reference_server: BackgroundServer) -> None:
    with AIMLAPI(api_key=reference_server.api_key, base_url=reference_server.base_url) as client:
        with client.chat.completions.with_streaming_response.create(
            model="gemini-pro", messages=HI
        ) as response:
            assert response.http_response.is_stream_consumed is False
            raw = b"".join(response.iter_bytes())
        assert json.loads(raw)["object"] == "chat.completion"
        with client.chat.completions.with_streaming_response.create(
            model="gemini-pro", messages=HI, stream=True
        ) as events:
            lines = [line for line in events.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: {") for line in lines[:-1])


def test_stream_true_parses_to_the_stream(reference_server: BackgroundServer) -> None:
    with (
        AIMLAPI(api_key=reference_server.api_key, base_url=reference_server.base_url) as client,
        client.chat.completions.with_streaming_response.create(
            model="gemini-pro", messages=HI, stream=True
        ) as response,
    ):
        assert_type(response, StreamedResponse[Stream[ChatCompletionChunk]])
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = response.parse()
        assert_type(stream, Stream[ChatCompletionChunk])
        final = stream.get_final_completion()
    assert final.choices[0].message.content
    assert response.is_closed


def test_a_non_2xx_answer_raises_on_entering_and_closes_the_body() -> None:
    api = FakeAPI().script(Reply(status=429, json=error_json(429, "slow down")))
    manager = _fake(api).chat.completions.with_streaming_response.create(
        model="gemini-pro", messages=HI, max_retries=0
    )
    with pytest.raises(RateLimitError, match="slow down"), manager:
        pass
    assert len(api.requests) == 1


def test_a_bad_keyword_is_refused_before_anything_is_sent() -> None:
    api = FakeAPI()
    # A number past a bound of a field this revision has (without one: a model that is no string).
    bounded = [field for field in spec.optional_fields() if spec.out_of_range_value(field) is not None]
    wrong: dict[str, Any] = {bounded[0]: spec.out_of_range_value(bounded[0])} if bounded else {"model": 9}
    with pytest.raises(RequestValidationError, match=next(iter(wrong))):
        _fake(api).chat.completions.with_streaming_response.create(
            **{"model": "gemini-pro", "messages": HI, **wrong}
        )
    assert api.requests == []


def test_the_async_twin_reads_only_when_asked(reference_server: BackgroundServer) -> None:
    async def run() -> tuple[ChatCompletion, list[str]]:
        async with AsyncAIMLAPI(
            api_key=reference_server.api_key, base_url=reference_server.base_url
        ) as client:
            async with client.chat.completions.with_streaming_response.create(
                model="gemini-pro", messages=HI
            ) as response:
                assert_type(response, AsyncStreamedResponse[ChatCompletion])
                assert response.http_response.is_stream_consumed is False
                completion = await response.parse()
                assert json.loads(await response.read())["id"] == completion.id
            async with client.chat.completions.with_streaming_response.create(
                model="gemini-pro", messages=HI, stream=True
            ) as events:
                lines = [line async for line in events.iter_lines() if line]
            async with client.chat.completions.with_streaming_response.create(
                model="gemini-pro", messages=HI, stream=True
            ) as parsed:
                stream = await parsed.parse()
                assert_type(stream, AsyncStream[ChatCompletionChunk])
                assert (await stream.get_final_completion()).id == completion.id
        return completion, lines

    completion, lines = asyncio.run(run())
    assert completion.choices[0].message.content
    assert lines[-1] == "data: [DONE]"


def test_the_async_twin_raises_a_non_2xx_on_entering() -> None:
    api = FakeAPI().script(Reply(status=429, json=error_json(429, "slow down")))

    async def run() -> None:
        transport = httpx.MockTransport(api.handler)
        client = AsyncAIMLAPI(
            api_key=FAKE_KEY,
            base_url="https://api.example.test/v1",
            http_client=httpx.AsyncClient(transport=transport),
        )
        async with client.chat.completions.with_streaming_response.create(
            model="gemini-pro", messages=HI, max_retries=0
        ):
            pass

    with pytest.raises(RateLimitError, match="slow down"):
        asyncio.run(run())
