"""Section 3 (issue #21): what parsing costs against msgspec, the fastest validating decoder.

CPU time, no I/O. The large reply through the client's own parse (``_response.parse_body``, what a
call does with a finished body) against msgspec Structs of the same schemas; a small reply and a
stream chunk through the client's parse against msgspec decoding into attrs twins of the models;
a stream through the client (an in-memory transport serving recorded bytes) against a bare SSE
split and msgspec Struct decoding of the same bytes; peak memory of the large parse."""

from __future__ import annotations

import json
import statistics
import tracemalloc
from collections.abc import Callable

import httpx

from .measure import Row, interleaved_samples, spread
from .msgspec_types import struct_decoder, twin_decoder
from .payloads import API_KEY, large_completion, request_body

GOAL = "#21"
LARGE_LIMIT = 1.5
SMALL_LIMIT = 1.2
STREAM_LIMIT = 3.5
MEMORY_LIMIT = 6.0

SMALL_REPLY = {
    "id": "chatcmpl-AyPQ5lRGJzVbg1Ae4E3xAfGnXG7Tb",
    "object": "chat.completion",
    "created": 1744217468,
    "model": "google/gemini-pro",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Paris is the capital of France, famous for the Eiffel Tower and the Louvre.",
                "refusal": None,
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 21, "completion_tokens": 18, "total_tokens": 39},
    "system_fingerprint": "fp_3a1d2e4f5b",
}


def _chunk(i: int) -> dict[str, object]:
    return {
        "id": "chatcmpl-AyPQ5lRGJzVbg1Ae4E3xAfGnXG7Tb",
        "object": "chat.completion.chunk",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": [{"index": 0, "delta": {"content": f"word{i} "}, "logprobs": None, "finish_reason": None}],
    }


def _stream_bytes(chunks: int) -> bytes:
    events = [f"data: {json.dumps(_chunk(i))}\n\n".encode() for i in range(chunks)]
    return b"".join(events) + b"data: [DONE]\n\n"


def _response(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": "application/json"})


def _ratio_row(name: str, ours: list[float], theirs: list[float], baseline: str, limit: float | None) -> Row:
    """A judged row against ``limit``; with none, an information row."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    ratio = statistics.median(ratios)
    return Row(
        "3 models",
        name,
        statistics.median(ours) * 1e6,
        "µs",
        baseline,
        ratio,
        "" if limit is None else f"<= {limit}",
        None if limit is None else ratio <= limit,
        goal="" if limit is None else GOAL,
        spread=spread(ratios),
    )


def bench_parse_cost(rounds: int) -> list[Row]:
    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini._response import parse_body
    from aimlapi_gemini._wire import model_of
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionChunk, ChatCompletionRequest

    large = json.dumps(large_completion()).encode()
    small = json.dumps(SMALL_REPLY).encode()
    chunk_text = json.dumps(_chunk(0))
    chunk = chunk_text.encode()
    reply_struct, chunk_struct = struct_decoder("ChatCompletion"), struct_decoder("ChatCompletionChunk")
    reply_twin, chunk_twin = twin_decoder("ChatCompletion"), twin_decoder("ChatCompletionChunk")
    reply_lean, chunk_lean = (
        twin_decoder("ChatCompletion", lean=True),
        twin_decoder("ChatCompletionChunk", lean=True),
    )
    large_response, small_response = _response(large), _response(small)

    def parse(response: httpx.Response) -> object:
        return parse_body(response, create_chat_completion._parse_success, "ChatCompletion")

    samples = interleaved_samples(
        {
            "large ours": lambda: parse(large_response),
            "large struct": lambda: reply_struct.decode(large),
            "small ours": lambda: [parse(small_response) for _ in range(100)],
            "small twin": lambda: [reply_twin.decode(small) for _ in range(100)],
            "small lean": lambda: [reply_lean.decode(small) for _ in range(100)],
            # What a stream does with each event's text (_streaming.Stream._decode).
            "chunk ours": lambda: [model_of(ChatCompletionChunk, chunk_text) for _ in range(100)],
            "chunk twin": lambda: [chunk_twin.decode(chunk) for _ in range(100)],
            "chunk lean": lambda: [chunk_lean.decode(chunk) for _ in range(100)],
        },
        rounds=rounds * 3,
        number=5,
    )
    cpu = samples.cpu
    rows = [
        _ratio_row(
            f"parse large ChatCompletion ({len(large) // 1000} KB) / msgspec Struct",
            cpu["large ours"],
            cpu["large struct"],
            "msgspec Struct",
            LARGE_LIMIT,
        ),
        _ratio_row(
            f"parse small reply ({len(small)} B) x100 / msgspec into attrs twins",
            cpu["small ours"],
            cpu["small twin"],
            "msgspec attrs twins",
            SMALL_LIMIT,
        ),
        _ratio_row(
            f"parse one stream chunk ({len(chunk)} B) x100 / msgspec into attrs twins",
            cpu["chunk ours"],
            cpu["chunk twin"],
            "msgspec attrs twins",
            SMALL_LIMIT,
        ),
        # The same without the generated classes' additional_properties: what its dict per
        # object costs (the garbage collector runs for them), shown, not judged.
        _ratio_row(
            f"parse small reply ({len(small)} B) x100 / msgspec into lean twins",
            cpu["small ours"],
            cpu["small lean"],
            "msgspec lean twins",
            None,
        ),
        _ratio_row(
            f"parse one stream chunk ({len(chunk)} B) x100 / msgspec into lean twins",
            cpu["chunk ours"],
            cpu["chunk lean"],
            "msgspec lean twins",
            None,
        ),
    ]

    # A stream through the client, from bytes in memory, against a bare split + Struct decode.
    chunks = 2000
    stream = _stream_bytes(chunks)
    request = ChatCompletionRequest.from_dict(request_body())

    def serve(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream, headers={"content-type": "text/event-stream"})

    with AuthenticatedClient(
        base_url="http://bench.invalid", token=API_KEY, httpx_args={"transport": httpx.MockTransport(serve)}
    ) as client:

        def through_client() -> int:
            with create_chat_completion.stream(client=client, body=request) as events:
                return sum(1 for _ in events)

        def bare() -> int:
            n = 0
            for event in stream.split(b"\n\n"):
                data = event[6:]
                if data and data != b"[DONE]":
                    chunk_struct.decode(data)
                    n += 1
            return n

        if through_client() != chunks or bare() != chunks:
            raise SystemExit("bench: the stream rows did not see every chunk")
        stream_samples = interleaved_samples(
            {"client": through_client, "bare": bare}, rounds=rounds * 3, number=2
        )
    rows.append(
        _ratio_row(
            f"stream CPU per chunk ({chunks:,} chunks) / bare SSE split + msgspec Struct",
            [s / chunks for s in stream_samples.cpu["client"]],
            [s / chunks for s in stream_samples.cpu["bare"]],
            "bare split + Struct",
            STREAM_LIMIT,
        )
    )
    rows.append(_memory_row(lambda: parse(large_response), len(large), rounds))
    return rows


def _memory_row(parse: Callable[[], object], size: int, rounds: int) -> Row:
    peaks = []
    for _ in range(rounds):
        tracemalloc.start()
        parsed = parse()
        peaks.append(tracemalloc.get_traced_memory()[1] / size)
        tracemalloc.stop()
        del parsed
    ratio = statistics.median(peaks)
    return Row(
        "3 models",
        "peak memory of the large parse / reply size",
        statistics.median(peaks) * size / 2**20,
        "MiB",
        "reply size",
        ratio,
        f"<= {MEMORY_LIMIT}",
        ratio <= MEMORY_LIMIT,
        goal=GOAL,
        spread=spread(peaks),
    )
