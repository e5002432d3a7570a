"""Test doubles for the client runtime tests: a scripted fake API behind httpx.MockTransport, the
payloads it sends, and a way to make every call in its sync and its async form.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import spec_features as spec
from attrs import define, field

import aimlapi_gemini
from aimlapi_gemini import (
    AuthenticatedClient,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Response,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion

# Distinctive, so that a leak shows up in any text searched for it.
FAKE_KEY = "sk-aiml-DO-NOT-LEAK-7f3a9c1e5b2d"
BASE_URL = "https://api.example.test"
HELLO_MODEL = "gemini-pro"
# Where a hello_request goes: the spec's chat path, a path parameter filled from the body's model.
HELLO_PATH = spec.chat_path(HELLO_MODEL)
CHAT_URL = BASE_URL + HELLO_PATH


def completion_json(content: str = "Hello there.") -> dict[str, Any]:
    return {
        "id": "gen-1744217468-abc",
        "object": "chat.completion",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 2, "total_tokens": 2},
    }


def error_json(status: int, message: str, request_id: str = "req-42") -> dict[str, Any]:
    return {
        "message": message,
        "path": "/v1/chat/completions",
        "requestId": request_id,
        "statusCode": status,
        "timestamp": "2025-04-09T17:04:28.123Z",
    }


def chunk_event(content: str, index: int = 0) -> bytes:
    chunk = {
        "id": "gen-1",
        "object": "chat.completion.chunk",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": [{"index": index, "delta": {"content": content}, "finish_reason": None}],
    }
    return f"data: {json.dumps(chunk)}\n\n".encode()


DONE_EVENT = b"data: [DONE]\n\n"


def sse_body(count: int, *, done: bool = True) -> Iterator[bytes]:
    """``count`` content chunks ("t0 ", "t1 "...), generated lazily, then ``[DONE]``."""
    for number in range(count):
        yield chunk_event(f"t{number} ")
    if done:
        yield DONE_EVENT


class EventBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent piece by piece, for sync and async clients; an exception among the
    pieces is raised at that point (a connection dropped mid-body). Records whether it was closed."""

    def __init__(self, pieces: Iterable[bytes | Exception]) -> None:
        self._pieces = pieces
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._pieces:
            if isinstance(piece, Exception):
                raise piece
            self.sent += 1
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


@define
class Reply:
    """One scripted answer of the fake API."""

    status: int = 200
    json: Any = None
    text: str | None = None
    headers: dict[str, str] = field(factory=dict)
    events: EventBody | None = None
    raises: type[httpx.TransportError] | None = None

    def to_response(self, request: httpx.Request) -> httpx.Response:
        if self.raises is not None:
            raise self.raises("scripted transport failure", request=request)
        if self.events is not None:
            headers = {"content-type": "text/event-stream", **self.headers}
            return httpx.Response(self.status, headers=headers, stream=self.events)
        if self.text is not None:
            return httpx.Response(self.status, headers=self.headers, text=self.text)
        return httpx.Response(self.status, headers=self.headers, json=self.json)


@define
class FakeAPI:
    """Answers requests with the scripted replies in order (the last one repeats) and keeps them."""

    replies: list[Reply] = field(factory=list)
    requests: list[httpx.Request] = field(factory=list)

    def script(self, *replies: Reply) -> FakeAPI:
        self.replies = list(replies)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        return reply.to_response(request)

    def client(self, **options: Any) -> AuthenticatedClient:
        transport = httpx.MockTransport(self.handler)
        return AuthenticatedClient(
            base_url=BASE_URL, token=FAKE_KEY, httpx_args={"transport": transport}, **options
        )

    def sent_json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def hello_request(text: str = "Hello") -> ChatCompletionRequest:
    """A request with one user message, as the spec takes it (its model class is the spec's)."""
    return ChatCompletionRequest.from_dict({"model": HELLO_MODEL, "messages": [spec.user_message(text)]})


# A short sound file (a hundredth of a second of silence), for APIs whose user messages take audio.
SOUND_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "hello.wav"


def chat_args(text: str = "Hello") -> list[str]:
    """The chat command's message, as the spec takes a user message: the text, or where its user
    messages take no text, a sound file (`--audio FILE`)."""
    return [text] if spec.user_takes_text() else ["--audio", str(SOUND_FILE)]


@define
class StreamOutcome:
    chunks: list[ChatCompletionChunk]
    error: Exception | None

    @property
    def text(self) -> str:
        deltas = [chunk.choices[0].delta for chunk in self.chunks if chunk.choices]
        return "".join(delta.content for delta in deltas if delta and isinstance(delta.content, str))


@define
class Calls:
    """Each call made the way a user makes it, in the sync or the async flavour, closing the client
    after it (every async call runs in its own event loop, to which the async pool belongs)."""

    mode: str

    def _run(self, client: AuthenticatedClient, make: Callable[[], Any]) -> Any:
        async def run() -> Any:
            async with client:
                return await make()

        return asyncio.run(run())

    def complete(self, client: AuthenticatedClient, **kwargs: Any) -> ChatCompletion:
        kwargs.setdefault("body", hello_request())
        if self.mode == "sync":
            with client:
                return create_chat_completion.sync(client=client, **kwargs)
        result: ChatCompletion = self._run(
            client, lambda: create_chat_completion.asyncio(client=client, **kwargs)
        )
        return result

    def detailed(self, client: AuthenticatedClient, **kwargs: Any) -> Response[Any]:
        kwargs.setdefault("body", hello_request())
        if self.mode == "sync":
            with client:
                return create_chat_completion.sync_detailed(client=client, **kwargs)
        result: Response[Any] = self._run(
            client, lambda: create_chat_completion.asyncio_detailed(client=client, **kwargs)
        )
        return result

    def stream(
        self, client: AuthenticatedClient, *, stop_after: int | None = None, **kwargs: Any
    ) -> StreamOutcome:
        """The chunks received (all, or the first ``stop_after`` before leaving the block) and the
        exception that ended the stream, if any."""
        kwargs.setdefault("body", hello_request())
        outcome = StreamOutcome(chunks=[], error=None)
        if self.mode == "sync":
            try:
                with client, create_chat_completion.stream(client=client, **kwargs) as chunks:
                    for chunk in chunks:
                        outcome.chunks.append(chunk)
                        if len(outcome.chunks) == stop_after:
                            break
            except aimlapi_gemini.APIError as exc:
                outcome.error = exc
            return outcome

        async def consume() -> None:
            try:
                async with create_chat_completion.astream(client=client, **kwargs) as chunks:
                    async for chunk in chunks:
                        outcome.chunks.append(chunk)
                        if len(outcome.chunks) == stop_after:
                            break
            except aimlapi_gemini.APIError as exc:
                outcome.error = exc

        self._run(client, consume)
        return outcome
