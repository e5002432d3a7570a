"""``client.chat.completions.stream(...)``: the OpenAI SDK's stream events, sync and async, against the
reference server and the fakes. The ``assert_type`` lines are checked by mypy --strict with the rest of
tests/ (the SDK's idiom ``chunk.choices[0].delta.content`` among them)."""

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
    AsyncChatCompletionStream,
    AsyncChatCompletionStreamManager,
    ChatCompletion,
    ChatCompletionSnapshot,
    ChatCompletionStream,
    ChatCompletionStreamEvent,
    ChatCompletionStreamManager,
    RateLimitError,
    RequestValidationError,
    StreamInterruptedError,
)
from aimlapi_gemini.params import ChatCompletionMessageParam
from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.types import Unset
from tests.doubles.fakes import DONE_EVENT, FAKE_KEY, EventBody, FakeAPI, Reply, error_json

HI: list[ChatCompletionMessageParam] = [spec.user_message("Tell me about lighthouses")]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def _client(server: BackgroundServer) -> AIMLAPI:
    return AIMLAPI(api_key=server.api_key, base_url=server.base_url, max_retries=0)


def _async_client(server: BackgroundServer) -> AsyncAIMLAPI:
    return AsyncAIMLAPI(api_key=server.api_key, base_url=server.base_url, max_retries=0)


def _fake(api: FakeAPI) -> AIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AIMLAPI(
        api_key=FAKE_KEY,
        base_url="https://api.example.test/v1",
        http_client=httpx.Client(transport=transport),
    )


def _async_fake(api: FakeAPI) -> AsyncAIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AsyncAIMLAPI(
        api_key=FAKE_KEY,
        base_url="https://api.example.test/v1",
        http_client=httpx.AsyncClient(transport=transport),
    )


def _read_sync(
    server: BackgroundServer, **kwargs: Any
) -> tuple[list[ChatCompletionStreamEvent], ChatCompletion]:
    with _client(server) as client, client.chat.completions.stream(model="gemini-pro", **kwargs) as stream:
        events = list(stream)
        return events, stream.get_final_completion()


def _read_async(
    server: BackgroundServer, **kwargs: Any
) -> tuple[list[ChatCompletionStreamEvent], ChatCompletion]:
    async def run() -> tuple[list[ChatCompletionStreamEvent], ChatCompletion]:
        async with (
            _async_client(server) as client,
            client.chat.completions.stream(model="gemini-pro", **kwargs) as stream,
        ):
            events = [event async for event in stream]
            return events, await stream.get_final_completion()

    return asyncio.run(run())


READERS = {"sync": _read_sync, "async": _read_async}


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    chunk = {
        "id": "gen-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "google/gemini-pro",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _fake_events(api: FakeAPI, mode: str) -> tuple[list[ChatCompletionStreamEvent], ChatCompletion]:
    if mode == "sync":
        with _fake(api).chat.completions.stream(model="gemini-pro", messages=HI) as stream:
            return list(stream), stream.get_final_completion()

    async def run() -> tuple[list[ChatCompletionStreamEvent], ChatCompletion]:
        async with _async_fake(api).chat.completions.stream(model="gemini-pro", messages=HI) as stream:
            return [event async for event in stream], await stream.get_final_completion()

    return asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_text_stream_gives_chunk_then_content_events_and_content_done_last(
    reference_server: BackgroundServer, mode: str
) -> None:
    events, final = READERS[mode](reference_server, messages=HI)
    types = [event.type for event in events]
    assert types[0] == "chunk"
    assert types[-1] == "content.done"
    assert set(types) == {"chunk", "content.delta", "content.done"}
    assert types.count("chunk") == types.count("content.delta") + 1  # the last chunk only ends it
    deltas = [event for event in events if event.type == "content.delta"]
    text = ""
    for event in deltas:
        text += event.delta
        assert event.snapshot == text  # the text so far, this piece included
    done = [event for event in events if event.type == "content.done"]
    assert [event.content for event in done] == [text]
    assert final.choices[0].message.content == text
    snapshot = [event for event in events if event.type == "chunk"][-1].snapshot
    assert snapshot.choices[0].message.content == text
    assert snapshot.choices[0].finish_reason == final.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_tool_call_stream_gives_argument_deltas_then_their_done(
    reference_server: BackgroundServer, mode: str
) -> None:
    if not spec.function_tools_present():
        return
    ask = [spec.user_message("The weather in Paris?")]
    events, final = READERS[mode](reference_server, messages=ask, tools=TOOLS)
    deltas = [event for event in events if event.type == "tool_calls.function.arguments.delta"]
    done = [event for event in events if event.type == "tool_calls.function.arguments.done"]
    call = final.choices[0].message.tool_calls
    assert not isinstance(call, Unset)
    assert call
    arguments = call[0].to_dict()["function"]["arguments"]
    assert len(deltas) > 1
    assert {(event.name, event.index) for event in deltas} == {("get_weather", 0)}
    assert "".join(event.arguments_delta for event in deltas) == deltas[-1].arguments == arguments
    assert [(event.name, event.index, event.arguments) for event in done] == [("get_weather", 0, arguments)]
    assert events.index(done[0]) > events.index(deltas[-1])
    assert not [event for event in events if event.type.startswith("content.")]  # no text
    assert json.loads(arguments)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_text_then_two_tool_calls_end_each_part_when_the_next_begins(mode: str) -> None:
    call = {"type": "function", "function": {"name": "f", "arguments": ""}}
    body = EventBody(
        [
            _chunk({"role": "assistant", "content": "Let me look."}),
            _chunk({"tool_calls": [{"index": 0, "id": "a", **call}]}),
            _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x": 1}'}}]}),
            _chunk({"tool_calls": [{"index": 1, "id": "b", **call}]}),
            _chunk({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}),
            _chunk({}, "tool_calls"),
            DONE_EVENT,
        ]
    )
    events, final = _fake_events(FakeAPI().script(Reply(events=body)), mode)
    ends = [
        (
            event.type,
            getattr(event, "index", None),
            getattr(event, "arguments", getattr(event, "content", None)),
        )
        for event in events
        if event.type.endswith(".done")
    ]
    assert ends == [
        ("content.done", 0, "Let me look."),
        ("tool_calls.function.arguments.done", 0, '{"x": 1}'),
        ("tool_calls.function.arguments.done", 1, "{}"),
    ]
    # Each ends with the chunk that starts the next part, after that chunk's own events (as the SDK).
    kinds = [event.type for event in events]
    assert kinds[2:5] == ["chunk", "tool_calls.function.arguments.delta", "content.done"]
    assert final.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_refusal_gives_refusal_deltas_and_its_done(mode: str) -> None:
    body = EventBody(
        [
            _chunk({"role": "assistant", "refusal": "I can"}),
            _chunk({"refusal": "not."}),
            _chunk({}, "stop"),
            DONE_EVENT,
        ]
    )
    events, final = _fake_events(FakeAPI().script(Reply(events=body)), mode)
    refusals = [(event.delta, event.snapshot) for event in events if event.type == "refusal.delta"]
    assert refusals == [("I can", "I can"), ("not.", "I cannot.")]
    assert [event.refusal for event in events if event.type == "refusal.done"] == ["I cannot."]
    assert final.choices[0].message.refusal == "I cannot."
    assert not [event for event in events if event.type.startswith("content.")]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("usage", ["include", "omit"])
def test_the_final_completion_has_usage_only_when_the_stream_sent_it(
    reference_server: BackgroundServer, mode: str, usage: str
) -> None:
    _, final = READERS[mode](reference_server, messages=HI, extra_headers={"X-Stream-Usage": usage})
    assert (final.usage is None) == (usage == "omit")
    assert final.choices[0].message.content


def _collect_text(stream: ChatCompletionStream, seen: list[str]) -> None:
    seen.extend(event.delta for event in stream if event.type == "content.delta")


async def _acollect_text(stream: AsyncChatCompletionStream, seen: list[str]) -> None:
    async for event in stream:  # one by one: what arrived before a failure stays in `seen`
        if event.type == "content.delta":
            seen.append(event.delta)


def test_a_stream_cut_midway_raises_typed_and_keeps_the_snapshot(reference_server: BackgroundServer) -> None:
    seen: list[str] = []
    with (
        _client(reference_server) as client,
        client.chat.completions.stream(
            model="gemini-pro", messages=HI, extra_headers={"X-Fault": "stream-cut=3"}
        ) as stream,
    ):
        with pytest.raises(StreamInterruptedError) as raised:
            _collect_text(stream, seen)
        snapshot = stream.current_completion_snapshot
    assert raised.value.chunks_received == 4  # the role chunk and three pieces
    assert seen
    assert snapshot.choices[0].message.content == "".join(seen)
    assert snapshot.choices[0].finish_reason is None


def test_an_async_stream_cut_midway_raises_typed_and_keeps_the_snapshot(
    reference_server: BackgroundServer,
) -> None:
    async def run() -> tuple[str, ChatCompletionSnapshot]:
        seen: list[str] = []
        async with (
            _async_client(reference_server) as client,
            client.chat.completions.stream(
                model="gemini-pro", messages=HI, extra_headers={"X-Fault": "stream-cut=3"}
            ) as stream,
        ):
            with pytest.raises(StreamInterruptedError):
                await _acollect_text(stream, seen)
            return "".join(seen), stream.current_completion_snapshot

    seen, snapshot = asyncio.run(run())
    assert seen
    assert snapshot.choices[0].message.content == seen


def test_until_done_reads_to_the_end_and_returns_the_stream(reference_server: BackgroundServer) -> None:
    with (
        _client(reference_server) as client,
        client.chat.completions.stream(model="gemini-pro", messages=HI) as stream,
    ):
        assert stream.until_done() is stream
        assert stream.current_completion_snapshot.choices[0].finish_reason == "stop"
        assert list(stream) == []  # nothing left
        final = stream.get_final_completion()
    assert final.choices[0].message.content == stream.current_completion_snapshot.choices[0].message.content


def test_async_until_done_reads_to_the_end(reference_server: BackgroundServer) -> None:
    async def run() -> ChatCompletion:
        async with (
            _async_client(reference_server) as client,
            client.chat.completions.stream(model="gemini-pro", messages=HI) as stream,
        ):
            assert await stream.until_done() is stream
            return await stream.get_final_completion()

    assert asyncio.run(run()).choices[0].finish_reason == "stop"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_close_early_stops_the_events_and_frees_the_connection(mode: str) -> None:
    body = EventBody(_chunk({"content": f"t{n} "}) for n in range(1000))
    api = FakeAPI().script(Reply(events=body))
    if mode == "sync":
        with _fake(api).chat.completions.stream(model="gemini-pro", messages=HI) as stream:
            first = next(stream)
            stream.close()
            assert list(stream) == []
    else:

        async def run() -> ChatCompletionStreamEvent:
            async with _async_fake(api).chat.completions.stream(model="gemini-pro", messages=HI) as stream:
                event = await anext(stream)
                await stream.close()
                assert [event async for event in stream] == []
                return event

        first = asyncio.run(run())
    assert first.type == "chunk"
    assert body.closed
    assert body.sent < 1000


def test_leaving_the_block_closes_the_stream_unread() -> None:
    body = EventBody(_chunk({"content": "x"}) for _ in range(1000))
    with _fake(FakeAPI().script(Reply(events=body))).chat.completions.stream(model="gemini-pro", messages=HI):
        pass
    assert body.closed
    assert body.sent < 1000


def test_the_keywords_are_checked_when_called_and_nothing_is_sent() -> None:
    api = FakeAPI()
    with pytest.raises(RequestValidationError, match=r"messages\[0\]"):
        _fake(api).chat.completions.stream(model="gemini-pro", messages=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]
    assert api.requests == []


def test_valid_keywords_and_the_call_s_options_are_sent_with_stream_true() -> None:
    api = FakeAPI().script(Reply(events=EventBody([_chunk({"content": "ok"}, "stop"), DONE_EVENT])))
    manager = _fake(api).chat.completions.stream(
        model="gemini-pro",
        messages=HI,
        extra_headers={"X-Trace": "t1"},
        extra_body={"seed": 7},
        timeout=5.0,
        max_retries=0,
        deadline=30.0,
    )
    assert api.requests == []  # sent on entering the block
    with manager as stream:
        assert stream.get_final_completion().choices[0].message.content == "ok"
    sent = api.sent_json()
    assert (sent["stream"], sent["seed"], sent["messages"]) == (True, 7, HI)
    assert api.requests[0].headers["x-trace"] == "t1"
    assert api.requests[0].headers["accept"] == "text/event-stream"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_non_2xx_answer_raises_on_entering_the_block(mode: str) -> None:
    api = FakeAPI().script(Reply(status=429, json=error_json(429, "slow down")))
    if mode == "sync":
        manager = _fake(api).chat.completions.stream(model="gemini-pro", messages=HI, max_retries=0)
        with pytest.raises(RateLimitError, match="slow down"), manager:
            pass
    else:

        async def run() -> None:
            manager = _async_fake(api).chat.completions.stream(model="gemini-pro", messages=HI, max_retries=0)
            async with manager:
                pass

        with pytest.raises(RateLimitError, match="slow down"):
            asyncio.run(run())
    assert len(api.requests) == 1


def test_the_stream_s_types_are_the_sdk_s(reference_server: BackgroundServer) -> None:
    with _client(reference_server) as client:
        manager = client.chat.completions.stream(model="gemini-pro", messages=HI)
        assert_type(manager, ChatCompletionStreamManager)
        with manager as stream:
            assert_type(stream, ChatCompletionStream)
            event = next(stream)
            assert_type(event, ChatCompletionStreamEvent)
            assert event.type == "chunk"
            # The SDK's idiom: delta is always there (the spec requires it), its content typed.
            content = event.chunk.choices[0].delta.content
            assert_type(content, str | None | Unset)
            assert content == ""  # the role chunk's
            assert_type(event.snapshot, ChatCompletionSnapshot)
            assert_type(stream.get_final_completion(), ChatCompletion)

    async def run() -> None:
        async with _async_client(reference_server) as client:
            async_manager = client.chat.completions.stream(model="gemini-pro", messages=HI)
            assert_type(async_manager, AsyncChatCompletionStreamManager)
            async with async_manager as stream:
                assert_type(stream, AsyncChatCompletionStream)

    asyncio.run(run())
