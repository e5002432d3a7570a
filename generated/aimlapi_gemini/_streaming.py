# Copied from scripts/package/aimlapi_gemini/_streaming.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Typed iterators over a ``text/event-stream`` response.

Events are decoded as the bytes arrive (``_sse``), so memory stays constant however long the
stream is, and one event may not exceed ``max_event_bytes``. Every event whose data is a chunk is
yielded, whatever its event type; ``data: [DONE]`` ends the stream. An error event, data that is
neither a chunk nor ``[DONE]``, an event over the cap, a cut connection, a body that cannot be
decoded, or one that ends without ``[DONE]`` raises, after every chunk before it has been yielded.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Self, TypeVar

import httpx

from ._accumulate import CompletionAccumulator, final_completion
from ._base import RequestOptions, asend, send
from ._body import aiter_decoded, aread_body, iter_decoded, read_body
from ._exceptions import (
    PARSE_ERRORS,
    APIConnectionError,
    APIResponseValidationError,
    ResponseTooLargeError,
    StreamError,
    StreamInterruptedError,
    json_or_none,
    one_line,
    parse_error_body,
    request_id_of,
    vendor_message,
    with_request_id,
)
from ._json import loads
from ._open_streams import track
from ._response import raise_for_status, validation_error
from ._sse import DEFAULT_MAX_EVENT_BYTES, EventTooLargeError, ServerSentEvent, SSEDecoder
from ._wire import fast_decoder

if TYPE_CHECKING:
    from aimlapi_gemini.models import ChatCompletion

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "AsyncStream",
    "Stream",
    "aconnect_stream",
    "aopen_stream",
    "connect_stream",
    "open_stream",
]

T = TypeVar("T")

_DONE = "[DONE]"
_DONE_BYTES = _DONE.encode()
# Deeply nested JSON makes json.loads (or a model's from_dict) recurse past the interpreter's limit.
_CHUNK_ERRORS = (*PARSE_ERRORS, RecursionError)


class _EventDecoder(Generic[T]):
    """What Stream and AsyncStream share: body bytes in, server-sent events, chunks (or errors) out."""

    def __init__(
        self, response: httpx.Response, parse: Callable[[Any], T], expected: str, max_event_bytes: int
    ) -> None:
        self.response = response
        self.chunks_received: int = 0
        """How many chunks have been yielded so far."""
        self.done: bool = False
        """Whether the server ended the stream properly with ``data: [DONE]``."""
        self._parse = parse
        # A model's from_dict: its class, whose chunks msgspec may parse first (_wire).
        owner = getattr(parse, "__self__", None)
        fast = fast_decoder(owner) if isinstance(owner, type) else None
        self._fast_decode: Callable[[bytes], Any] | None = fast[0] if fast else None
        self._fast_convert: Callable[[Any], T] = fast[1] if fast else parse
        self._fast_refusals: tuple[type[BaseException], ...] = fast[2] if fast else ()
        self._expected = expected
        self._events = SSEDecoder(max_event_bytes)
        # Every chunk is joined as it is decoded, however the stream is read (plain iteration,
        # text_deltas()), so get_final_completion() works after any of them, as the OpenAI SDK's
        # stream helper does. None once ``accumulate`` is turned off.
        self._accumulator: CompletionAccumulator | None = CompletionAccumulator()

    @property
    def accumulator(self) -> CompletionAccumulator | None:
        """The join of the chunks so far (None with ``accumulate`` off): what ``.stream()``'s
        events read their snapshots from."""
        return self._accumulator

    @property
    def accumulate(self) -> bool:
        """Whether chunks are joined for ``get_final_completion()`` (on by default). Turn it off
        before reading an endless stream whose completion you will not ask for: memory then stays
        constant, and the helpers that need the join raise ``RuntimeError``."""
        return self._accumulator is not None

    @accumulate.setter
    def accumulate(self, value: bool) -> None:
        if not value:
            self._accumulator = None
        elif self._accumulator is None:
            self._accumulator = CompletionAccumulator()

    def _feed(self, raw: bytes) -> tuple[list[ServerSentEvent], EventTooLargeError | None]:
        """The events completed by ``raw``; when one is too large, those before it and the error."""
        try:
            return self._events.feed(raw), None
        except EventTooLargeError as exc:
            return exc.events, exc

    def _decode_data(self, payload: bytes) -> T | None:
        """``_decode`` of a plain message event's data (``SSEDecoder.feed_data``'s), which msgspec
        refused: the iterators try msgspec's path inline first (nearly every event of a stream)."""
        return self._decode(ServerSentEvent("message", payload, self._events.last_event_id))

    def _decode(self, sse: ServerSentEvent) -> T | None:
        """The chunk an event carries, or None for ``[DONE]`` (then ``done`` is set) and keep-alives."""
        raw = sse.raw
        if sse.event == "error":
            text = sse.data
            raise self._error_event(text, json_or_none(text))
        if raw == _DONE_BYTES:
            self.done = True
            return None
        decode = self._fast_decode
        if decode is not None:
            try:
                wire = decode(raw)  # as sent: invalid UTF-8 is refused, and decided below
            except self._fast_refusals:
                pass  # from_dict decides below
            else:  # _add, inline: the path of nearly every chunk
                chunk = self._fast_convert(wire)
                self.chunks_received += 1
                joined = self._accumulator
                if joined is not None:
                    joined.add(chunk)
                return chunk
        data = sse.data
        try:
            payload = loads(data)
        except (ValueError, RecursionError) as exc:
            stripped = data.strip()
            if stripped == _DONE:  # "[DONE]" with spaces or line ends around it
                self.done = True
                return None
            if not stripped:
                return None  # an event with empty data carries nothing: a keep-alive
            raise self._invalid(data, exc) from exc
        if isinstance(payload, dict) and payload.get("error"):
            raise self._error_event(data, payload)
        try:
            chunk = self._parse(payload)
        except _CHUNK_ERRORS as exc:
            raise self._invalid(data, exc) from exc
        return self._add(chunk)

    def _add(self, chunk: T) -> T:
        self.chunks_received += 1
        joined = self._accumulator
        if joined is not None:
            joined.add(chunk)
        return chunk

    def _invalid(self, data: str, exc: BaseException) -> APIResponseValidationError:
        where = f"stream event after {self.chunks_received} chunks"
        return validation_error(self.response, data, self._expected, exc, where)

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

    def _too_large(self, exc: EventTooLargeError) -> ResponseTooLargeError:
        limit = exc.limit
        message = (
            f"stream event exceeds max_event_bytes={limit} ({_size(limit)})"
            f" after {self.chunks_received} chunks"
        )
        return ResponseTooLargeError(
            with_request_id(message, request_id_of(self.response, None)),
            response=self.response,
            limit=limit,
            setting="max_event_bytes",
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


def _no_data(raw: bytes) -> None:
    """``SSEDecoder.feed_data`` for a chunk model without msgspec's path: every event via ``feed``."""
    return None


def _size(limit: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if limit >= 1 << shift and limit % (1 << shift) == 0:
            return f"{limit >> shift} {unit}"
    return f"{limit} bytes"


class Stream(_EventDecoder[T], Iterator[T]):
    """The chunks of one streamed response, in order; iterate it once."""

    def __init__(
        self,
        response: httpx.Response,
        parse: Callable[[Any], T],
        expected: str,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        super().__init__(response, parse, expected, max_event_bytes)
        self._iterator = self._iterate()

    def __iter__(self) -> Iterator[T]:
        # The generator itself, so that a for loop does not go through __next__ for every chunk.
        return self._iterator

    def __next__(self) -> T:
        return next(self._iterator)

    def _iterate(self) -> Generator[T, None, None]:
        decode, decode_data = self._decode, self._decode_data
        fast_decode, convert, refusals = self._fast_decode, self._fast_convert, self._fast_refusals
        feed_data = self._events.feed_data if fast_decode is not None else _no_data
        try:
            for raw in iter_decoded(self.response):  # gzip/deflate inflated in bounded steps
                payloads = feed_data(raw)
                if payloads is not None:  # the common chunk: plain data events only
                    for payload in payloads:
                        # _decode_data, inline (a call less per chunk): msgspec's path, else _decode.
                        try:
                            wire = fast_decode(payload)  # type: ignore[misc]  # not None: feed_data answered
                        except refusals:
                            chunk = decode_data(payload)
                            if chunk is not None:
                                yield chunk
                            elif self.done:
                                return
                            continue
                        chunk = convert(wire)
                        self.chunks_received += 1
                        joined = self._accumulator  # read each time: ``accumulate`` may change
                        if joined is not None:
                            joined.add(chunk)
                        yield chunk
                    continue
                events, too_large = self._feed(raw)
                for sse in events:
                    chunk = decode(sse)
                    if chunk is not None:
                        yield chunk
                    elif self.done:
                        return
                if too_large is not None:
                    raise self._too_large(too_large) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise self._interrupted(exc) from exc
        finally:
            # At the end, on an error or on close(): a stream used without `with` frees its connection.
            self.response.close()
        raise self._interrupted(None)

    def close(self) -> None:
        self._iterator.close()
        self.response.close()

    # Helpers (openai-python's ChatCompletionStream names). They pull chunks from the same
    # generator as iteration; every chunk, however it was read, is joined (see ``accumulate``).

    def text_deltas(self) -> Iterator[str]:
        """The text pieces of choice 0 as they arrive (empty pieces skipped); the stream's other
        chunks are joined too, so ``get_final_completion()`` still works afterwards."""
        for chunk in self._iterator:
            piece = _text_of_first_choice(chunk)
            if piece:
                yield piece

    def until_done(self) -> Self:
        """Read the stream to its end (joining the chunks) and return it, as openai-python does."""
        for _ in self._iterator:
            pass
        return self

    def get_final_completion(self) -> ChatCompletion:
        """Read the rest of the stream (nothing when it was read to the end already, by iterating
        it or a helper) and return the whole reply as a validated ``ChatCompletion``; its ``usage``
        is None when the stream reported none (ask with ``stream_options={"include_usage": True}``
        where the spec has it).

        Errors propagate as when iterating; ``current_completion_snapshot`` then holds what arrived.
        """
        accumulator = _accumulating(self)
        self.until_done()
        return final_completion(accumulator, self.response)

    @property
    def current_completion_snapshot(self) -> dict[str, Any] | None:
        """The completion joined so far, as a ``ChatCompletion``-shaped dict (None before the first
        chunk, or with ``accumulate`` off); after a failure mid-stream, everything that arrived before it."""
        return None if self._accumulator is None else self._accumulator.snapshot()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncStream(_EventDecoder[T], AsyncIterator[T]):
    """Async twin of Stream."""

    def __init__(
        self,
        response: httpx.Response,
        parse: Callable[[Any], T],
        expected: str,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        super().__init__(response, parse, expected, max_event_bytes)
        self._iterator = self._iterate()

    def __aiter__(self) -> AsyncIterator[T]:
        # The async generator itself: an async for then costs no __anext__ coroutine per chunk.
        return self._iterator

    async def __anext__(self) -> T:
        return await anext(self._iterator)

    async def _iterate(self) -> AsyncGenerator[T, None]:
        decode, decode_data = self._decode, self._decode_data
        fast_decode, convert, refusals = self._fast_decode, self._fast_convert, self._fast_refusals
        feed_data = self._events.feed_data if fast_decode is not None else _no_data
        # An async generator, which must be closed explicitly; gzip/deflate inflated in bounded steps.
        body = aiter_decoded(self.response)
        try:
            async for raw in body:
                payloads = feed_data(raw)
                if payloads is not None:  # the common chunk: plain data events only
                    for payload in payloads:
                        # _decode_data, inline (a call less per chunk): msgspec's path, else _decode.
                        try:
                            wire = fast_decode(payload)  # type: ignore[misc]  # not None: feed_data answered
                        except refusals:
                            chunk = decode_data(payload)
                            if chunk is not None:
                                yield chunk
                            elif self.done:
                                return
                            continue
                        chunk = convert(wire)
                        self.chunks_received += 1
                        joined = self._accumulator  # read each time: ``accumulate`` may change
                        if joined is not None:
                            joined.add(chunk)
                        yield chunk
                    continue
                events, too_large = self._feed(raw)
                for sse in events:
                    chunk = decode(sse)
                    if chunk is not None:
                        yield chunk
                    elif self.done:
                        return
                if too_large is not None:
                    raise self._too_large(too_large) from None
            raise self._interrupted(None)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise self._interrupted(exc) from exc
        finally:
            # An abandoned async generator is otherwise only closed by the garbage collector; the
            # response is closed too, so a stream used without `async with` frees its connection.
            await body.aclose()
            await self.response.aclose()

    async def aclose(self) -> None:
        await self._iterator.aclose()
        await self.response.aclose()

    # Helpers: async twins of Stream's.

    async def text_deltas(self) -> AsyncIterator[str]:
        """Async twin of ``Stream.text_deltas``."""
        async for chunk in self._iterator:
            piece = _text_of_first_choice(chunk)
            if piece:
                yield piece

    async def until_done(self) -> Self:
        """Async twin of ``Stream.until_done``."""
        async for _ in self._iterator:
            pass
        return self

    async def get_final_completion(self) -> ChatCompletion:
        """Async twin of ``Stream.get_final_completion``."""
        accumulator = _accumulating(self)
        await self.until_done()
        return final_completion(accumulator, self.response)

    @property
    def current_completion_snapshot(self) -> dict[str, Any] | None:
        """As ``Stream.current_completion_snapshot``."""
        return None if self._accumulator is None else self._accumulator.snapshot()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _accumulating(stream: Stream[Any] | AsyncStream[Any]) -> CompletionAccumulator:
    """The stream's accumulator; refuses when ``accumulate`` is off or was off for some chunks."""
    accumulator = stream._accumulator
    if accumulator is None or accumulator.chunks != stream.chunks_received:
        missed = stream.chunks_received - (0 if accumulator is None else accumulator.chunks)
        raise RuntimeError(
            f"the stream's chunks are not joined (accumulate was turned off; {missed} of its"
            f" {stream.chunks_received} chunks went unjoined), so there is no final completion"
        )
    return accumulator


def _text_of_first_choice(chunk: Any) -> str | None:
    for choice in chunk.choices:
        if choice.index == 0:
            delta = choice.delta
            content = getattr(delta, "content", None)  # delta may be None or UNSET
            return content if isinstance(content, str) else None
    return None


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


def connect_stream(
    http: httpx.Client,
    kwargs: Mapping[str, Any],
    options: RequestOptions,
    parse: Callable[[Any], T],
    expected: str,
    *,
    max_event_bytes: int | None = None,
) -> Stream[T]:
    """Open a stream now (retrying until the status line arrives); it closes itself when iterated to
    the end or on error, and on leaving a ``with`` block or ``close()``. ``max_event_bytes``: the
    cap on one event, by default the options'."""
    response = send(http, _accepting_events(kwargs), options, stream=True)
    try:
        if not (response.is_success and _is_event_stream(response)):
            try:
                read_body(response, options.max_response_bytes)
            except httpx.TransportError as exc:
                raise _read_failed(response, exc) from exc
            _reject(response, expected)
        stream = Stream(
            response,
            parse,
            expected,
            max_event_bytes=options.max_event_bytes if max_event_bytes is None else max_event_bytes,
        )
    except BaseException:
        response.close()
        raise
    track(http, stream, response)  # dropped unread, it still gives its connection back
    return stream


async def aconnect_stream(
    http: httpx.AsyncClient,
    kwargs: Mapping[str, Any],
    options: RequestOptions,
    parse: Callable[[Any], T],
    expected: str,
    *,
    max_event_bytes: int | None = None,
) -> AsyncStream[T]:
    """Async twin of ``connect_stream``."""
    response = await asend(http, _accepting_events(kwargs), options, stream=True)
    try:
        if not (response.is_success and _is_event_stream(response)):
            try:
                await aread_body(response, options.max_response_bytes)
            except httpx.TransportError as exc:
                raise _read_failed(response, exc) from exc
            _reject(response, expected)
        stream = AsyncStream(
            response,
            parse,
            expected,
            max_event_bytes=options.max_event_bytes if max_event_bytes is None else max_event_bytes,
        )
    except BaseException:
        await response.aclose()
        raise
    track(http, stream, response)  # dropped unread, it still gives its connection back
    return stream


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
    stream = connect_stream(http, kwargs, options, parse, expected, max_event_bytes=max_event_bytes)
    try:
        yield stream
    finally:
        stream.close()


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
    stream = await aconnect_stream(http, kwargs, options, parse, expected, max_event_bytes=max_event_bytes)
    try:
        yield stream
    finally:
        await stream.aclose()
