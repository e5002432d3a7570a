"""stream() / astream() against a scripted fake API: typed chunks, [DONE], errors after the chunks
already yielded, closing early, retries while opening, constant memory."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from aimlapi_gemini import (
    APIResponseValidationError,
    BadRequestError,
    ChatCompletionChunk,
    ErrorResponse,
    StreamError,
    StreamInterruptedError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion

from .fakes import (
    DONE_EVENT,
    Calls,
    EventBody,
    FakeAPI,
    Reply,
    chunk_event,
    error_json,
    hello_request,
    sse_body,
)


def stream_of(*pieces: bytes | Exception) -> Reply:
    return Reply(events=EventBody(pieces))


def test_chunks_arrive_typed_and_done_ends_the_stream(fake_api: FakeAPI, calls: Calls) -> None:
    # Anything after [DONE] is never read as a chunk.
    fake_api.script(stream_of(*sse_body(3), chunk_event("after done")))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert all(isinstance(chunk, ChatCompletionChunk) for chunk in outcome.chunks)
    assert outcome.text == "t0 t1 t2 "


def test_stream_sets_the_flag_and_asks_for_events(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(stream_of(*sse_body(1)))
    calls.stream(fake_api.client(), body=hello_request())
    assert fake_api.sent_json()["stream"] is True
    assert fake_api.requests[0].headers["accept"] == "text/event-stream"


def test_keep_alives_are_skipped(fake_api: FakeAPI, calls: Calls) -> None:
    # A comment, a blank line alone, an event with empty data, one with only whitespace.
    fake_api.script(stream_of(b": ping\n\n", b"\n", b"data:\n\n", b"data:  \n\n", *sse_body(2)))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "t0 t1 "


def test_an_error_event_raises_after_the_chunks_before_it(fake_api: FakeAPI, calls: Calls) -> None:
    error_event = (
        b"event: error\ndata: " + httpx.Response(200, json=error_json(500, "provider failed")).content
    )
    fake_api.script(stream_of(*sse_body(4, done=False), error_event + b"\n\n"))
    outcome = calls.stream(fake_api.client())
    assert outcome.text == "t0 t1 t2 t3 "
    error = outcome.error
    assert type(error) is StreamError
    assert error.chunks_received == 4
    assert isinstance(error.body, ErrorResponse)
    assert error.request_id == "req-42"
    assert str(error) == "stream error after 4 chunks: provider failed (request id req-42)"


def test_a_data_object_with_an_error_key_is_an_error_too(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(stream_of(*sse_body(2, done=False), b'data: {"error": {"message": "overloaded"}}\n\n'))
    outcome = calls.stream(fake_api.client())
    assert len(outcome.chunks) == 2
    assert isinstance(outcome.error, StreamError)
    assert str(outcome.error) == "stream error after 2 chunks: overloaded"


def test_a_cut_connection_raises_after_the_chunks_received(fake_api: FakeAPI, calls: Calls) -> None:
    cut = httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    fake_api.script(stream_of(*sse_body(5, done=False), cut))
    outcome = calls.stream(fake_api.client())
    assert outcome.text == "t0 t1 t2 t3 t4 "
    assert isinstance(outcome.error, StreamInterruptedError)
    assert outcome.error.chunks_received == 5
    assert str(outcome.error) == (
        "stream interrupted after 5 chunks: RemoteProtocolError: peer closed connection without sending"
        " complete message body"
    )


def test_a_body_that_ends_without_done_is_an_interruption(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(stream_of(*sse_body(2, done=False)))
    outcome = calls.stream(fake_api.client())
    assert len(outcome.chunks) == 2
    assert isinstance(outcome.error, StreamInterruptedError)
    assert "without [DONE]" in str(outcome.error)


def test_an_invalid_chunk_is_a_validation_error_with_the_raw_event(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(stream_of(*sse_body(1, done=False), b'data: {"id": "x"}\n\n', DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert len(outcome.chunks) == 1
    assert isinstance(outcome.error, APIResponseValidationError)
    assert outcome.error.text == '{"id": "x"}'
    assert "stream event after 1 chunks is not a valid ChatCompletionChunk" in str(outcome.error)


def test_leaving_the_block_early_closes_the_connection(fake_api: FakeAPI, calls: Calls) -> None:
    body = EventBody(sse_body(1000))
    fake_api.script(Reply(events=body))
    outcome = calls.stream(fake_api.client(), stop_after=3)
    assert len(outcome.chunks) == 3
    assert outcome.error is None
    assert body.closed
    assert body.sent < 1000  # the rest was never read


def test_opening_retries_like_any_request(fake_api: FakeAPI, calls: Calls, sleeps: list[float]) -> None:
    fake_api.script(
        Reply(503, json=error_json(503, "busy")), Reply(raises=httpx.ConnectError), stream_of(*sse_body(2))
    )
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert len(outcome.chunks) == 2
    assert len(sleeps) == 2


def test_an_error_status_when_opening_is_the_typed_status_error(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(400, json=error_json(400, "Body validation error: max_tokens", "r-9")))
    outcome = calls.stream(fake_api.client())
    assert isinstance(outcome.error, BadRequestError)
    assert outcome.error.request_id == "r-9"
    assert outcome.error.text.startswith('{"message":"Body validation error')
    assert sleeps == []


def test_a_json_answer_to_a_stream_request_is_a_validation_error(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(200, json={"id": "x"}))
    outcome = calls.stream(fake_api.client())
    assert isinstance(outcome.error, APIResponseValidationError)
    assert outcome.error.text == '{"id":"x"}'
    assert "expected text/event-stream, got application/json" in str(outcome.error)


def _stream_peak(client_stream: Iterator[int]) -> int:
    tracemalloc.start()
    try:
        consumed = sum(client_stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert consumed > 0
    return peak


def _sync_count(fake_api: FakeAPI, count: int) -> Iterator[int]:
    fake_api.script(Reply(events=EventBody(sse_body(count))))  # generated lazily
    with (
        fake_api.client() as client,
        create_chat_completion.stream(client=client, body=hello_request()) as chunks,
    ):
        for _chunk in chunks:
            yield 1


def _async_count(fake_api: FakeAPI, count: int) -> Iterator[int]:
    fake_api.script(Reply(events=EventBody(sse_body(count))))  # generated lazily

    async def run() -> int:
        total = 0
        async with (
            fake_api.client() as client,
            create_chat_completion.astream(client=client, body=hello_request()) as chunks,
        ):
            async for _chunk in chunks:
                total += 1
        return total

    yield asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_10000_chunk_stream_runs_in_constant_memory(mode: str) -> None:
    """Peak traced memory must not grow with the stream's length: 5x the chunks, about the same peak."""
    count = _sync_count if mode == "sync" else _async_count
    small = _stream_peak(count(FakeAPI(), 2_000))
    large = _stream_peak(count(FakeAPI(), 10_000))
    assert large < small * 1.5, (small, large)
