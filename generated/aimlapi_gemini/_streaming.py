# Copied from scripts/codegen/runtime/_streaming.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Typed iterators over a ``text/event-stream`` response.

Events are parsed one at a time as the bytes arrive (httpx-sse), so memory stays constant however
long the stream is. ``data: [DONE]`` ends the stream; an error event, a cut connection or a body that
ends without ``[DONE]`` raises after every chunk before it has been yielded.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Generic, NoReturn, TypeVar

import httpx
from httpx_sse import EventSource, ServerSentEvent

from ._base import RequestOptions, asend, send
from ._body import aread_body, read_body
from ._config import DEFAULT_MAX_EVENT_BYTES
from ._exceptions import (
    PARSE_ERRORS,
    APIConnectionError,
    StreamError,
    StreamInterruptedError,
    json_or_none,
    one_line,
    parse_error_body,
    request_id_of,
    vendor_message,
    with_request_id,
)
from ._response import raise_for_status, validation_error

T = TypeVar("T")

_DONE = "[DONE]"


class _EventDecoder(Generic[T]):
    """What Stream and AsyncStream share: one server-sent event in, one chunk (or nothing) out."""

    def __init__(self, response: httpx.Response, parse: Callable[[Any], T], expected: str) -> None:
        self.response = response
        self.chunks_received = 0
        """How many chunks have been yielded so far."""
        self.done = False
        """Whether the server ended the stream properly with ``data: [DONE]``."""
        self._parse = parse
        self._expected = expected

    def _decode(self, sse: ServerSentEvent) -> T | None:
        if sse.event == "error":
            raise self._error_event(sse.data, json_or_none(sse.data))
        data = sse.data.strip()
        if sse.event != "message" or not data:
            return None  # keep-alives and event kinds this client does not know
        if data == _DONE:
            self.done = True
            return None
        where = f"stream event after {self.chunks_received} chunks"
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise validation_error(self.response, data, self._expected, exc, where) from exc
        if isinstance(payload, dict) and payload.get("error"):
            raise self._error_event(data, payload)
        try:
            chunk = self._parse(payload)
        except PARSE_ERRORS as exc:
            raise validation_error(self.response, data, self._expected, exc, where) from exc
        self.chunks_received += 1
        return chunk

    def _error_event(self, text: str, payload: Any) -> StreamError:
        body = parse_error_body(payload) or parse_error_body(
            payload.get("error") if isinstance(payload, dict) else None
        )
        request_id = request_id_of(self.response, body, payload)
        detail = one_line(vendor_message(payload) or text or "no details")
        return StreamError(
            with_request_id(f"stream error after {self.chunks_received} chunks: {detail}", request_id),
            response=self.response,
            chunks_received=self.chunks_received,
            request_id=request_id,
            body=body,
            text=text,
        )

    def _interrupted(self, cause: httpx.RequestError | None) -> StreamInterruptedError:
        reason = "the body ended without [DONE]" if cause is None else f"{type(cause).__name__}: {cause}"
        request_id = request_id_of(self.response, None)
        message = f"stream interrupted after {self.chunks_received} chunks: {one_line(reason)}"
        return StreamInterruptedError(
            with_request_id(message, request_id),
            response=self.response,
            chunks_received=self.chunks_received,
            request_id=request_id,
        )


class Stream(_EventDecoder[T], Iterator[T]):
    """The chunks of one streamed response, in order; iterate it once."""

    def __init__(self, response: httpx.Response, parse: Callable[[Any], T], expected: str) -> None:
        super().__init__(response, parse, expected)
        self._iterator = self._iterate()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        return next(self._iterator)

    def _iterate(self) -> Generator[T, None, None]:
        try:
            for sse in EventSource(self.response).iter_sse():
                chunk = self._decode(sse)
                if self.done:
                    return
                if chunk is not None:
                    yield chunk
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise self._interrupted(exc) from exc
        raise self._interrupted(None)

    def close(self) -> None:
        self._iterator.close()
        self.response.close()


class AsyncStream(_EventDecoder[T], AsyncIterator[T]):
    """Async twin of Stream."""

    def __init__(self, response: httpx.Response, parse: Callable[[Any], T], expected: str) -> None:
        super().__init__(response, parse, expected)
        self._iterator = self._iterate()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        return await anext(self._iterator)

    async def _iterate(self) -> AsyncGenerator[T, None]:
        events = EventSource(self.response).aiter_sse()
        try:
            async for sse in events:
                chunk = self._decode(sse)
                if self.done:
                    return
                if chunk is not None:
                    yield chunk
            raise self._interrupted(None)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise self._interrupted(exc) from exc
        finally:
            # An abandoned async generator is otherwise only closed by the garbage collector.
            await events.aclose()

    async def aclose(self) -> None:
        await self._iterator.aclose()
        await self.response.aclose()


def _accepting_events(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {**kwargs, "headers": {**kwargs.get("headers", {}), "Accept": "text/event-stream"}}


def _is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def _reject(response: httpx.Response, expected: str) -> NoReturn:
    """Raise the error for an opened response that is not a stream of chunks (its body is read)."""
    raise_for_status(response)
    content_type = response.headers.get("content-type", "no content type")
    reason = ValueError(f"expected text/event-stream, got {content_type}")
    raise validation_error(response, response.text, f"stream of {expected}", reason)


def _read_failed(response: httpx.Response, exc: httpx.TransportError) -> APIConnectionError:
    return APIConnectionError(
        f"connection error while reading the HTTP {response.status_code} error body: {exc}",
        request=response.request,
    )


@contextmanager
def open_stream(
    http: httpx.Client,
    kwargs: Mapping[str, Any],
    options: RequestOptions,
    parse: Callable[[Any], T],
    expected: str,
    *,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
) -> Iterator[Stream[T]]:
    """Open the stream (retrying like any request until the status line arrives) and close it on exit."""
    response = send(http, _accepting_events(kwargs), options, stream=True)
    stream: Stream[T] | None = None
    try:
        if not (response.is_success and _is_event_stream(response)):
            try:
                read_body(response, options.max_response_bytes)
            except httpx.TransportError as exc:
                raise _read_failed(response, exc) from exc
            _reject(response, expected)
        stream = Stream(response, parse, expected)
        yield stream
    finally:
        if stream is not None:
            stream.close()
        response.close()


@asynccontextmanager
async def aopen_stream(
    http: httpx.AsyncClient,
    kwargs: Mapping[str, Any],
    options: RequestOptions,
    parse: Callable[[Any], T],
    expected: str,
    *,
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
) -> AsyncIterator[AsyncStream[T]]:
    """Async twin of ``open_stream``."""
    response = await asend(http, _accepting_events(kwargs), options, stream=True)
    stream: AsyncStream[T] | None = None
    try:
        if not (response.is_success and _is_event_stream(response)):
            try:
                await aread_body(response, options.max_response_bytes)
            except httpx.TransportError as exc:
                raise _read_failed(response, exc) from exc
            _reject(response, expected)
        stream = AsyncStream(response, parse, expected)
        yield stream
    finally:
        if stream is not None:
            await stream.aclose()
        await response.aclose()
