"""stream() / astream() against a scripted fake API: typed chunks, [DONE], errors after the chunks
already yielded, closing early, retries while opening, constant memory; how events become chunks
(any event name, [DONE] variants, the BOM, data that is not a chunk) and the cap on one event."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from aimlapi_gemini import (
    APIResponseValidationError,
    AsyncStream,
    BadRequestError,
    ChatCompletionChunk,
    ErrorResponse,
    ResponseTooLargeError,
    Stream,
    StreamError,
    StreamInterruptedError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from tests.doubles.fakes import (
    BASE_URL,
    DONE_EVENT,
    Calls,
    EventBody,
    FakeAPI,
    Reply,
    StreamOutcome,
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


def test_a_body_that_lies_about_its_encoding_is_an_interruption(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(headers={"content-encoding": "gzip"}, events=EventBody([b"data: not gzip\n\n"])))
    outcome = calls.stream(fake_api.client())
    assert outcome.chunks == []
    assert isinstance(outcome.error, StreamInterruptedError)
    assert "DecodingError" in str(outcome.error)


def test_an_honestly_compressed_stream_is_decoded(fake_api: FakeAPI, calls: Calls) -> None:
    body = gzip.compress(b"".join(sse_body(3)))
    fake_api.script(Reply(headers={"content-encoding": "gzip"}, events=EventBody([body[:20], body[20:]])))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "t0 t1 t2 "


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
        chunks.accumulate = False  # the join for get_final_completion() grows with the reply
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
            chunks.accumulate = False
            async for _chunk in chunks:
                total += 1
        return total

    yield asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_10000_chunk_stream_runs_in_constant_memory(mode: str) -> None:
    """Peak traced memory must not grow with the stream's length: 5x the chunks, about the same
    peak (with ``accumulate`` off: the join kept for get_final_completion() is the reply's size)."""
    count = _sync_count if mode == "sync" else _async_count
    small = _stream_peak(count(FakeAPI(), 2_000))
    large = _stream_peak(count(FakeAPI(), 10_000))
    assert large < small * 1.5, (small, large)


# How events become chunks.


def test_named_events_carrying_a_chunk_are_yielded(fake_api: FakeAPI, calls: Calls) -> None:
    named = [b"event: " + name + b"\n" + chunk_event(f"{name.decode()} ") for name in (b"completion", b"x")]
    fake_api.script(stream_of(*named, b"event: message\n" + chunk_event("m "), DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "completion x m "


@pytest.mark.parametrize(
    "event",
    [
        b"event: progress\ndata: 50%\n\n",
        b"data: hello\n\n",
        b"data: 42\n\n",
        b'data: "a string"\n\n',
        b"data: []\n\n",
        b"data: {}\n\n",
        b"data: null\n\n",
        b"data: [DONE]x\n\n",
        b"data: [done]\n\n",
        b"data: DONE\n\n",
        b"data: [DONE]\ndata: [DONE]\n\n",
    ],
)
def test_data_that_is_neither_a_chunk_nor_done_is_a_typed_error(
    fake_api: FakeAPI, calls: Calls, event: bytes
) -> None:
    # Never a silent end: the stream would otherwise look complete with what came before.
    fake_api.script(stream_of(*sse_body(2, done=False), event, *sse_body(1)))
    outcome = calls.stream(fake_api.client())
    assert outcome.text == "t0 t1 "
    assert isinstance(outcome.error, APIResponseValidationError)
    data = event.partition(b"data: ")[2].removesuffix(b"\n\n").replace(b"\ndata: ", b"\n").decode()
    assert outcome.error.text == data
    assert "stream event after 2 chunks is not a valid ChatCompletionChunk" in str(outcome.error)


@pytest.mark.parametrize(
    "done",
    [
        b"data: [DONE]\n\n",
        b"data:[DONE]\n\n",
        b"data:  [DONE]  \n\n",
        b"data: [DONE]\t\n\n",
        b"data: [DONE]\r\n\r\n",
        b"data: [DONE]\r\r",
        b"event: done\ndata: [DONE]\n\n",
        b"id: 9\nretry: 10\ndata: [DONE]\n\n",
    ],
)
def test_done_variants_end_the_stream(fake_api: FakeAPI, calls: Calls, done: bytes) -> None:
    fake_api.script(stream_of(*sse_body(2, done=False), done, chunk_event("after done"), b"data: junk\n\n"))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "t0 t1 "


def test_done_without_its_blank_line_at_the_end_of_the_body_is_an_interruption(
    fake_api: FakeAPI, calls: Calls
) -> None:
    # The spec discards an event the body ends inside, so the stream did not end properly.
    fake_api.script(stream_of(*sse_body(1, done=False), b"data: [DONE]\n"))
    outcome = calls.stream(fake_api.client())
    assert len(outcome.chunks) == 1
    assert isinstance(outcome.error, StreamInterruptedError)


@pytest.mark.parametrize("cuts", [[], [1, 2, 12]], ids=["whole", "split"])
def test_a_leading_bom_does_not_lose_the_first_chunk(
    fake_api: FakeAPI, calls: Calls, cuts: list[int]
) -> None:
    first = b"\xef\xbb\xbf" + chunk_event("t0 ")
    pieces = [first[start:end] for start, end in zip([0, *cuts], [*cuts, len(first)], strict=True)]
    fake_api.script(stream_of(*pieces, chunk_event("t1 "), DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "t0 t1 "


def test_a_chunk_spread_over_several_data_lines(fake_api: FakeAPI, calls: Calls) -> None:
    chunk = json.loads(chunk_event("multi ")[len(b"data: ") :])
    lines = json.dumps(chunk, indent=1).splitlines()
    event = "".join(f"data: {line}\n" for line in lines).encode() + b"\n"
    fake_api.script(stream_of(b": comment\n", event, b"retry: 5\nid: 1\nfoo: bar\n" + DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "multi "


def test_json_too_deep_to_parse_is_a_validation_error(fake_api: FakeAPI, calls: Calls) -> None:
    deep = b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n"
    fake_api.script(stream_of(*sse_body(1, done=False), deep, DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.text == "t0 "
    assert isinstance(outcome.error, APIResponseValidationError)
    assert "recursion" in str(outcome.error)
    assert len(outcome.error.text) == 200_000


def test_a_chunk_with_whitespace_around_it_is_yielded(fake_api: FakeAPI, calls: Calls) -> None:
    spaced = chunk_event("t0 ").replace(b"data: ", b"data:  \t").replace(b"\n\n", b" \t\n\n")
    fake_api.script(stream_of(spaced, DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert outcome.text == "t0 "


def test_a_chunk_with_anything_else_after_it_is_a_validation_error(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(stream_of(chunk_event("t0 ").replace(b"\n\n", b" {}\n\n"), DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.chunks == []
    assert isinstance(outcome.error, APIResponseValidationError)
    assert "Extra data" in str(outcome.error)


def test_chunks_in_the_same_piece_as_a_bad_event_come_first(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(stream_of(b"".join(sse_body(3, done=False)) + b"data: nope\n\n" + DONE_EVENT))
    outcome = calls.stream(fake_api.client())
    assert outcome.text == "t0 t1 t2 "
    assert isinstance(outcome.error, APIResponseValidationError)


# Streams built directly on a response: split bodies and the event cap (max_event_bytes).


def _response(pieces: Sequence[bytes | Exception]) -> httpx.Response:
    request = httpx.Request("POST", f"{BASE_URL}/v1/chat/completions")
    headers = {"content-type": "text/event-stream", "x-request-id": "req-7"}
    return httpx.Response(200, headers=headers, stream=EventBody(pieces), request=request)


def _drain(pieces: Sequence[bytes | Exception], mode: str, **options: int) -> StreamOutcome:
    outcome = StreamOutcome(chunks=[], error=None)
    parse, expected = ChatCompletionChunk.from_dict, "ChatCompletionChunk"
    if mode == "sync":
        stream = Stream(_response(pieces), parse, expected, **options)
        try:
            outcome.chunks.extend(stream)
        except ResponseTooLargeError as exc:
            outcome.error = exc
        finally:
            stream.close()
        return outcome

    async def consume() -> None:
        astream = AsyncStream(_response(pieces), parse, expected, **options)
        try:
            async for chunk in astream:
                outcome.chunks.append(chunk)
        except ResponseTooLargeError as exc:
            outcome.error = exc
        finally:
            await astream.aclose()

    asyncio.run(consume())
    return outcome


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_parser_that_recurses_too_deep_is_a_validation_error(mode: str) -> None:
    def too_deep(payload: Any) -> ChatCompletionChunk:
        raise RecursionError("maximum recursion depth exceeded")

    response = _response([*sse_body(1)])
    error: APIResponseValidationError | None = None
    if mode == "sync":
        with pytest.raises(APIResponseValidationError) as caught:
            list(Stream(response, too_deep, "ChatCompletionChunk"))
        error = caught.value
    else:

        async def consume() -> None:
            async for _chunk in AsyncStream(response, too_deep, "ChatCompletionChunk"):
                pass

        with pytest.raises(APIResponseValidationError) as caught:
            asyncio.run(consume())
        error = caught.value
    assert "maximum recursion depth exceeded" in str(error)


def utf8_chunk_event(content: str) -> bytes:
    """chunk_event with the content as raw UTF-8 rather than JSON escapes."""
    chunk = json.loads(chunk_event(content)[len(b"data: ") :])
    return b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"


SPLIT_BODY = b"".join(
    [
        b"\xef\xbb\xbf: hi\r\n",
        utf8_chunk_event("h\u00e9llo ").replace(b"\n", b"\r\n"),
        b"event: completion\r" + utf8_chunk_event("\U0001f30d\u20ac ").replace(b"\n", b"\r"),
        utf8_chunk_event("\u65e5\u672c "),
        DONE_EVENT,
    ]
)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stream_split_at_every_byte_boundary(mode: str) -> None:
    # With a BOM, CRLF, CR, an event name, and cuts inside 2-, 3- and 4-byte characters.
    texts = {
        position: _drain([SPLIT_BODY[:position], SPLIT_BODY[position:]], mode).text
        for position in range(len(SPLIT_BODY) + 1)
    }
    assert set(texts.values()) == {"h\u00e9llo \U0001f30d\u20ac \u65e5\u672c "}, texts


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_1_mib_chunk_in_64_kib_pieces(mode: str) -> None:
    body = utf8_chunk_event("\u00e9" * 2**19) + DONE_EVENT  # pieces cut characters in two
    outcome = _drain([body[i : i + 65_535] for i in range(0, len(body), 65_535)], mode)
    assert outcome.error is None
    assert outcome.text == "\u00e9" * 2**19


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_event_over_the_cap_raises_after_the_chunks_before_it(mode: str) -> None:
    pieces = [b"".join(sse_body(2, done=False)) + b"data: " + b"x" * 5000, b"x" * 10_000, b"\n\n", DONE_EVENT]
    outcome = _drain(pieces, mode, max_event_bytes=4096)
    assert outcome.text == "t0 t1 "
    error = outcome.error
    assert isinstance(error, ResponseTooLargeError)
    assert error.limit == 4096
    assert error.setting == "max_event_bytes"
    assert error.response.status_code == 200
    assert str(error) == "stream event exceeds max_event_bytes=4096 (4 KiB) after 2 chunks (request id req-7)"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_events_under_the_cap_pass_and_done_before_a_large_event_ends_cleanly(mode: str) -> None:
    event = chunk_event("t0 ")
    assert _drain([event, DONE_EVENT], mode, max_event_bytes=len(event) - 2).text == "t0 "
    assert isinstance(_drain([event], mode, max_event_bytes=len(event) - 3).error, ResponseTooLargeError)
    outcome = _drain([event + DONE_EVENT + b"data: " + b"x" * 100], mode, max_event_bytes=len(event))
    assert outcome.error is None
    assert outcome.text == "t0 "


def _endless_line(total: int, piece: int = 65_536) -> Iterator[bytes]:
    """Two chunks, then ``total`` bytes of a line that never ends, in fresh pieces as a socket gives."""
    yield from sse_body(2, done=False)
    yield b"data: "
    for _ in range(total // piece):
        yield b"x" * piece


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_50_mb_line_without_a_line_end_is_refused_at_the_default_cap_in_bounded_memory(mode: str) -> None:
    fake_api = FakeAPI().script(Reply(events=EventBody(_endless_line(50 * 10**6))))
    tracemalloc.start()
    try:
        outcome = Calls(mode).stream(fake_api.client())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.text == "t0 t1 "
    assert isinstance(outcome.error, ResponseTooLargeError)
    assert str(outcome.error) == "stream event exceeds max_event_bytes=16777216 (16 MiB) after 2 chunks"
    assert peak < 16 * 2**20 + 4 * 2**20, peak  # about the cap, not the 50 MB sent (nor a copy)
