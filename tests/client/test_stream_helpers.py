"""Stream helpers: get_final_completion(), text_deltas(), until_done() and the snapshot kept when a
stream fails, sync and async, over fake replies and the reference server's streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import (
    APIResponseValidationError,
    AsyncStream,
    AuthenticatedClient,
    ChatCompletion,
    ChatCompletionChunk,
    Stream,
    StreamInterruptedError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.testing._server import BackgroundServer
from tests.doubles.fakes import DONE_EVENT, EventBody, FakeAPI, Reply, hello_request

MODES = ["sync", "async"]


def chunk(*choices: dict[str, Any], usage: dict[str, int] | None = None) -> bytes:
    body: dict[str, Any] = {
        "id": "gen-7",
        "object": "chat.completion.chunk",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": list(choices),
    }
    if usage is not None:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n".encode()


def delta(index: int = 0, finish_reason: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish_reason}


USAGE = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def text_events(*pieces: str, usage: dict[str, int] | None = USAGE) -> list[bytes]:
    return [
        chunk(delta(role="assistant", content="")),
        *(chunk(delta(content=piece)) for piece in pieces),
        chunk(delta(finish_reason="stop")),
        chunk(usage=usage),
        DONE_EVENT,
    ]


# One way to drive a helper in both forms: each returns (result, snapshot, error).
Helper = Callable[[Any], Any]


def run(client: AuthenticatedClient, mode: str, use: str, body: Any = None) -> tuple[Any, Any, Any]:
    """Open a stream and call ``use`` on it ("final", "text", "until_done", "iterate-then-final",
    "iterate-all-then-final", "unjoined-then-final")."""
    body = hello_request() if body is None else body
    if mode == "sync":
        with client, create_chat_completion.stream(client=client, body=body) as stream:
            assert isinstance(stream, Stream)
            try:
                return _sync_use(stream, use), stream.current_completion_snapshot, None
            except Exception as exc:
                return None, stream.current_completion_snapshot, exc

    async def go() -> tuple[Any, Any, Any]:
        async with client, create_chat_completion.astream(client=client, body=body) as stream:
            assert isinstance(stream, AsyncStream)
            try:
                return await _async_use(stream, use), stream.current_completion_snapshot, None
            except Exception as exc:
                return None, stream.current_completion_snapshot, exc

    return asyncio.run(go())


def _sync_use(stream: Stream[ChatCompletionChunk], use: str) -> Any:
    if use == "final":
        return stream.get_final_completion()
    if use == "text":
        pieces = list(stream.text_deltas())
        return pieces, stream.get_final_completion()
    if use == "until_done":
        assert stream.until_done() is stream
        assert stream.done
        return stream.get_final_completion()
    if use == "iterate-then-final":  # part of it read by the caller, the rest by the helper
        next(stream)
        return stream.get_final_completion()
    if use == "unjoined-then-final":
        stream.accumulate = False
        return stream.get_final_completion()
    assert use == "iterate-all-then-final"
    for _ in stream:
        pass
    return stream.get_final_completion()


async def _async_use(stream: AsyncStream[ChatCompletionChunk], use: str) -> Any:
    if use == "final":
        return await stream.get_final_completion()
    if use == "text":
        pieces = [piece async for piece in stream.text_deltas()]
        return pieces, await stream.get_final_completion()
    if use == "until_done":
        assert await stream.until_done() is stream
        assert stream.done
        return await stream.get_final_completion()
    if use == "iterate-then-final":
        await anext(stream)
        return await stream.get_final_completion()
    if use == "unjoined-then-final":
        stream.accumulate = False
        return await stream.get_final_completion()
    assert use == "iterate-all-then-final"
    async for _ in stream:
        pass
    return await stream.get_final_completion()


def fake(events: Iterable[bytes | Exception]) -> AuthenticatedClient:
    return FakeAPI().script(Reply(events=EventBody(events))).client()


@pytest.mark.parametrize("mode", MODES)
def test_final_completion_joins_text_role_finish_reason_and_usage(mode: str) -> None:
    completion, snapshot, error = run(fake(text_events("Hel", "lo", " there.")), mode, "final")
    assert error is None
    assert isinstance(completion, ChatCompletion)
    assert (completion.id, completion.object_, completion.created, completion.model) == (
        "gen-7",
        "chat.completion",
        1744217468,
        "google/gemini-pro",
    )
    [choice] = completion.choices
    assert choice.message.content == "Hello there."
    assert choice.message.role == "assistant"
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.to_dict() == USAGE
    assert ChatCompletion.from_dict(snapshot).to_dict() == completion.to_dict()


@pytest.mark.parametrize("mode", MODES)
def test_text_deltas_yields_the_pieces_and_the_final_completion_follows(mode: str) -> None:
    (pieces, completion), _, error = run(fake(text_events("a", "", "b", "c")), mode, "text")
    assert error is None
    assert pieces == ["a", "b", "c"]  # the role chunk's "" and the empty piece are skipped
    assert completion.choices[0].message.content == "abc"


@pytest.mark.parametrize("mode", MODES)
def test_until_done_consumes_the_stream_and_returns_it(mode: str) -> None:
    completion, _, error = run(fake(text_events("x", "y")), mode, "until_done")
    assert error is None
    assert completion.choices[0].message.content == "xy"


@pytest.mark.parametrize("mode", MODES)
def test_choices_are_joined_by_index(mode: str) -> None:
    events = [
        chunk(delta(1, role="assistant", content="B1"), delta(0, role="assistant", content="A1")),
        chunk(delta(0, content="A2")),
        chunk(delta(1, content="B2"), delta(0, finish_reason="length")),
        chunk(delta(1, finish_reason="stop"), usage=USAGE),
        DONE_EVENT,
    ]
    (pieces, completion), _, error = run(fake(events), mode, "text")
    assert error is None
    assert pieces == ["A1", "A2"]  # text_deltas is choice 0's text
    assert [(c.index, c.message.content, c.finish_reason) for c in completion.choices] == [
        (0, "A1A2", "length"),
        (1, "B1B2", "stop"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_tool_calls_split_across_many_chunks_are_joined_by_index(mode: str) -> None:
    first = {
        "index": 0,
        "id": "call_a",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    second = {
        "index": 1,
        "id": "call_b",
        "type": "function",
        "function": {"name": "get_time", "arguments": '{"'},
    }
    arguments_a = '{"city": "Paris", "unit": "c"}'
    events = [chunk(delta(role="assistant", content=None, tool_calls=[first]))]
    events.append(chunk(delta(tool_calls=[second])))
    for start in range(0, len(arguments_a), 3):  # interleaved with the other call's pieces
        events.append(
            chunk(delta(tool_calls=[{"index": 0, "function": {"arguments": arguments_a[start : start + 3]}}]))
        )
        if start == 6:
            events.append(chunk(delta(tool_calls=[{"index": 1, "function": {"arguments": 'tz": "UTC"}'}}])))
    events += [chunk(delta(finish_reason="tool_calls")), chunk(usage=USAGE), DONE_EVENT]
    (pieces, completion), _, error = run(fake(events), mode, "text")
    assert error is None
    assert pieces == []
    message = completion.choices[0].message
    assert message.content is None
    assert completion.choices[0].finish_reason == "tool_calls"
    calls = [(c.id, c.type_, c.function.name, c.function.arguments) for c in message.tool_calls]
    assert calls == [
        ("call_a", "function", "get_weather", arguments_a),
        ("call_b", "function", "get_time", '{"tz": "UTC"}'),
    ]
    assert json.loads(calls[0][3]) == {"city": "Paris", "unit": "c"}


@pytest.mark.parametrize("mode", MODES)
def test_refusal_and_logprobs_are_joined(mode: str) -> None:
    token = {"token": "No", "logprob": -0.1, "bytes": [78, 111], "top_logprobs": []}
    events = [
        chunk({**delta(role="assistant", refusal="No"), "logprobs": {"content": None, "refusal": [token]}}),
        chunk({**delta(refusal=", sorry."), "logprobs": {"content": None, "refusal": [token]}}),
        chunk(delta(finish_reason="content_filter"), usage=USAGE),
        DONE_EVENT,
    ]
    completion, _, error = run(fake(events), mode, "final")
    assert error is None
    choice = completion.choices[0]
    assert choice.message.refusal == "No, sorry."
    assert choice.message.content is None
    assert len(choice.logprobs.refusal) == 2
    assert choice.logprobs.content is None


@pytest.mark.parametrize("mode", MODES)
def test_a_usage_only_last_chunk_gives_the_usage(mode: str) -> None:
    usage = {"prompt_tokens": 11, "completion_tokens": 22, "total_tokens": 33}
    completion, _, error = run(fake(text_events("hi", usage=usage)), mode, "final")
    assert error is None
    assert (completion.usage.prompt_tokens, completion.usage.total_tokens) == (11, 33)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "use", ["final", "text", "until_done", "iterate-then-final", "iterate-all-then-final"]
)
def test_a_stream_without_usage_gives_a_completion_whose_usage_is_none(mode: str, use: str) -> None:
    """Servers report usage in a stream only when asked: the join has none rather than failing."""
    events = [
        chunk(delta(role="assistant", content="h")),
        chunk(delta(content="i")),
        chunk(delta(finish_reason="stop")),
        DONE_EVENT,
    ]
    result, snapshot, error = run(fake(events), mode, use)
    assert error is None
    completion = result[1] if use == "text" else result
    assert isinstance(completion, ChatCompletion)
    assert completion.usage is None
    assert completion.choices[0].message.content == "hi"
    assert "usage" not in snapshot  # the snapshot says only what arrived


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_with_no_chunk_at_all_is_no_completion(mode: str) -> None:
    _, snapshot, error = run(fake([DONE_EVENT]), mode, "final")
    assert isinstance(error, APIResponseValidationError)
    assert "the stream carried no chunk" in str(error)
    assert snapshot is None


@pytest.mark.parametrize("mode", MODES)
def test_a_joined_choice_without_finish_reason_is_rejected_naming_it(mode: str) -> None:
    """The join is validated, not invented: a stream that never finished its choice is no completion."""
    events = [chunk(delta(role="assistant", content="hi")), DONE_EVENT]
    _, snapshot, error = run(fake(events), mode, "final")
    assert isinstance(error, APIResponseValidationError)
    assert "completion joined from 1 chunks" in str(error)
    assert "finish_reason" in str(error)
    assert json.loads(error.text) == {**snapshot, "usage": None}


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_call_without_an_id_is_rejected(mode: str) -> None:
    piece = {"index": 0, "type": "function", "function": {"name": "f", "arguments": "{}"}}
    events = [
        chunk(delta(role="assistant", tool_calls=[piece])),
        chunk(delta(finish_reason="tool_calls"), usage=USAGE),
    ]
    _, _, error = run(fake([*events, DONE_EVENT]), mode, "final")
    assert isinstance(error, APIResponseValidationError)
    assert "id" in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_a_stream_cut_midway_raises_and_keeps_what_arrived(mode: str) -> None:
    events: list[bytes | Exception] = [
        chunk(delta(role="assistant", content="")),
        chunk(delta(content="partial ")),
        chunk(delta(content="answer")),
        httpx.ReadError("connection reset"),
    ]
    _, snapshot, error = run(fake(events), mode, "final")
    assert isinstance(error, StreamInterruptedError)
    assert error.chunks_received == 3
    assert snapshot["choices"][0]["message"]["content"] == "partial answer"
    assert "finish_reason" not in snapshot["choices"][0]
    assert "usage" not in snapshot


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("use", ["iterate-then-final", "iterate-all-then-final"])
def test_chunks_read_by_plain_iteration_are_joined_too(mode: str, use: str) -> None:
    """As the OpenAI SDK's helper: every chunk is joined as it is read, however it is read."""
    completion, snapshot, error = run(fake(text_events("a", "b")), mode, use)
    assert error is None
    assert completion.choices[0].message.content == "ab"
    assert completion.usage.to_dict() == USAGE
    assert ChatCompletion.from_dict(snapshot).to_dict() == completion.to_dict()


@pytest.mark.parametrize("mode", MODES)
def test_with_accumulate_off_nothing_is_joined_and_the_final_completion_is_refused(mode: str) -> None:
    _, snapshot, error = run(fake(text_events("a", "b")), mode, "unjoined-then-final")
    assert isinstance(error, RuntimeError)
    assert "accumulate was turned off" in str(error)
    assert snapshot is None


def test_before_the_first_chunk_the_snapshot_is_none_and_after_it_not() -> None:
    client = fake(text_events("a"))
    with client, create_chat_completion.stream(client=client, body=hello_request()) as stream:
        assert stream.accumulate
        assert stream.current_completion_snapshot is None
        next(stream)
        assert stream.current_completion_snapshot is not None


# Against the reference server: the streamed reply, joined, is the reply it sends whole.

TOOL_REQUEST = {
    "model": "gemini-pro",
    "messages": [spec.user_message("What is the weather in Paris? Use get_weather.")],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The forecast for a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                    "required": ["city", "days"],
                },
            },
        }
    ],
}


def server_client(server: BackgroundServer) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=server.base_url, token=server.api_key)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("with_tools", [True, False], ids=["tool-call", "text"])
def test_the_reference_servers_stream_joins_into_its_whole_reply(
    reference_server: BackgroundServer, mode: str, with_tools: bool
) -> None:
    if with_tools and not spec.function_tools_present():
        return
    body = TOOL_REQUEST if with_tools else {k: v for k, v in TOOL_REQUEST.items() if k != "tools"}
    with server_client(reference_server) as client:
        whole = create_chat_completion.sync(client=client, body=body)
    assert isinstance(whole, ChatCompletion)
    # Usage in the stream as in the whole reply: asked for, whether or not the spec has stream_options.
    streaming = AuthenticatedClient(
        base_url=reference_server.base_url,
        token=reference_server.api_key,
        headers={"X-Stream-Usage": "include"},
    )
    joined, _, error = run(streaming, mode, "final", body)
    assert error is None
    assert joined.to_dict() == whole.to_dict()
    if "tools" in body:
        [call] = joined.choices[0].message.tool_calls
        assert call.function.name == "get_weather"
        assert set(json.loads(call.function.arguments)) == {"city", "days"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("use", ["final", "text", "iterate-all-then-final", "iterate-then-final"])
@pytest.mark.parametrize("usage", ["include", "omit"])
def test_the_reference_servers_stream_with_or_without_usage_gives_the_final_completion(
    reference_server: BackgroundServer, mode: str, use: str, usage: str
) -> None:
    """However it is read (not at all, through text_deltas, iterated wholly or partly), with usage
    or without: the final completion is the whole reply, usage None when the stream had none."""
    body = {"model": "gemini-pro", "messages": [spec.user_message("Tell me about the sea.")]}
    with server_client(reference_server) as client:
        whole = create_chat_completion.sync(client=client, body=body)
    assert isinstance(whole, ChatCompletion)
    client = AuthenticatedClient(
        base_url=reference_server.base_url, token=reference_server.api_key, headers={"X-Stream-Usage": usage}
    )
    result, _, error = run(client, mode, use, body)
    assert error is None
    joined = result[1] if use == "text" else result
    if usage == "include":
        assert joined.to_dict() == whole.to_dict()
    else:
        assert joined.usage is None
        assert joined.to_dict() == {**whole.to_dict(), "usage": None}
    if use == "text":
        assert "".join(result[0]) == whole.choices[0].message.content


def test_the_reference_server_sends_usage_only_when_asked_where_the_spec_has_stream_options(
    reference_server: BackgroundServer,
) -> None:
    """As OpenAI-compatible servers: stream_options.include_usage asks for it; a revision without
    stream_options offers no way to ask, so its streams always carry usage."""
    body: dict[str, Any] = {"model": "gemini-pro", "messages": [spec.user_message("hi")]}
    asked = {**body, "stream_options": {"include_usage": True}}
    with server_client(reference_server) as client:
        with create_chat_completion.stream(client=client, body=body) as plain:
            plain_usage = plain.get_final_completion().usage
        with create_chat_completion.stream(client=client, body=asked) as stream:
            asked_usage = stream.get_final_completion().usage
    assert asked_usage is not None
    assert (plain_usage is None) == spec.field_present("stream_options")


def test_an_unknown_stream_usage_header_value_is_refused(reference_server: BackgroundServer) -> None:
    response = httpx.post(
        reference_server.base_url + spec.chat_path(),
        json={"model": "gemini-pro", "messages": [spec.user_message("hi")], "stream": True},
        headers={"Authorization": f"Bearer {reference_server.api_key}", "X-Stream-Usage": "sometimes"},
    )
    assert response.status_code == 400
    assert "X-Stream-Usage header must be include or omit, got 'sometimes'" in response.text


@pytest.mark.parametrize("mode", MODES)
def test_the_reference_servers_cut_stream_keeps_the_partial_completion(
    reference_server: BackgroundServer, mode: str
) -> None:
    client = AuthenticatedClient(
        base_url=reference_server.base_url,
        token=reference_server.api_key,
        headers={"X-Fault": "stream-cut=5", "X-Reply-Tokens": "20"},
    )
    _, snapshot, error = run(client, mode, "final")
    assert isinstance(error, StreamInterruptedError)
    assert error.chunks_received == 6
    assert len(snapshot["choices"][0]["message"]["content"].split()) == 5
