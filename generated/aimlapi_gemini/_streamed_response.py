# Copied from scripts/package/aimlapi_gemini/_streamed_response.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""``with_streaming_response``: the OpenAI SDK's raw response whose body is read only when asked.

``client.chat.completions.with_streaming_response.create(...)`` checks its keywords at once and
returns a manager; ``with ... as response`` sends the request (retrying until the status line
arrives; a non-2xx answer is read and raised there, as ``create`` raises it) and closes the
connection on exit. Inside, ``headers`` and ``status_code`` are there, the body is not read:
``iter_bytes()`` / ``iter_text()`` / ``iter_lines()`` read it piece by piece, ``read()`` whole
(under ``max_response_bytes``), ``parse()`` as ``create`` would answer (with ``stream=True``, the
Stream, which reads it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

import httpx

from ._base import RequestOptions, asend, send
from ._body import aiter_decoded, aread_body, iter_decoded, read_body
from ._exceptions import APIConnectionError
from ._json import loads
from ._response import raise_for_status
from ._streaming import AsyncStream, Stream, aconnect_stream, connect_stream

__all__ = [
    "AsyncStreamedResponse",
    "AsyncStreamedResponseManager",
    "StreamedResponse",
    "StreamedResponseManager",
    "aopen_body",
    "aopen_events",
    "open_body",
    "open_events",
]

T = TypeVar("T")


class _Headed:
    """What both flavours show before the body is read."""

    def __init__(self, response: httpx.Response, max_response_bytes: int) -> None:
        self.http_response = response
        self._limit = max_response_bytes

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.http_response.headers.get("x-request-id")
        return request_id

    @property
    def is_closed(self) -> bool:
        return self.http_response.is_closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}]>"


class StreamedResponse(_Headed, Generic[T]):
    """A 2xx answer whose body is not read yet (see the module's docstring)."""

    def __init__(
        self, response: httpx.Response, max_response_bytes: int, parse: Callable[[httpx.Response], T]
    ) -> None:
        super().__init__(response, max_response_bytes)
        self._parse = parse
        self._parsed: list[T] = []

    def read(self) -> bytes:
        """The whole body (read once, at most ``max_response_bytes``: ResponseTooLargeError)."""
        if not _is_read(self.http_response):
            try:
                read_body(self.http_response, self._limit)
            except httpx.TransportError as exc:
                raise _read_failed(exc) from exc
        return self.http_response.content

    def text(self) -> str:
        self.read()
        return self.http_response.text

    def json(self) -> Any:
        return loads(self.read())

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as it arrives, decoded (gzip/deflate inflated in bounded steps)."""
        return iter_decoded(self.http_response)

    def iter_text(self) -> Iterator[str]:
        return self.http_response.iter_text()

    def iter_lines(self) -> Iterator[str]:
        return self.http_response.iter_lines()

    def parse(self) -> T:
        """What ``create`` answers (parsed once): the model (the body read first), or the Stream."""
        if not self._parsed:
            self._parsed.append(self._parse(self.http_response))
        return self._parsed[0]

    def close(self) -> None:
        self.http_response.close()


class AsyncStreamedResponse(_Headed, Generic[T]):
    """Async twin of StreamedResponse."""

    def __init__(
        self,
        response: httpx.Response,
        max_response_bytes: int,
        parse: Callable[[httpx.Response], Awaitable[T]],
    ) -> None:
        super().__init__(response, max_response_bytes)
        self._parse = parse
        self._parsed: list[T] = []

    async def read(self) -> bytes:
        """Async twin of ``StreamedResponse.read``."""
        if not _is_read(self.http_response):
            try:
                await aread_body(self.http_response, self._limit)
            except httpx.TransportError as exc:
                raise _read_failed(exc) from exc
        return self.http_response.content

    async def text(self) -> str:
        await self.read()
        return self.http_response.text

    async def json(self) -> Any:
        return loads(await self.read())

    def iter_bytes(self) -> AsyncIterator[bytes]:
        return aiter_decoded(self.http_response)

    def iter_text(self) -> AsyncIterator[str]:
        return self.http_response.aiter_text()

    def iter_lines(self) -> AsyncIterator[str]:
        return self.http_response.aiter_lines()

    async def parse(self) -> T:
        """Async twin of ``StreamedResponse.parse``."""
        if not self._parsed:
            self._parsed.append(await self._parse(self.http_response))
        return self._parsed[0]

    async def close(self) -> None:
        await self.http_response.aclose()


def _is_read(response: httpx.Response) -> bool:
    try:
        _ = response.content
    except httpx.ResponseNotRead:
        return False
    return True


def _read_failed(exc: httpx.TransportError) -> APIConnectionError:
    return APIConnectionError(f"connection error while reading the body: {exc}", request=exc.request)


class StreamedResponseManager(Generic[T]):
    """``with`` it: the StreamedResponse, its connection closed on exit."""

    def __init__(self, open_response: Callable[[], StreamedResponse[T]]) -> None:
        self._open = open_response
        self._response: StreamedResponse[T] | None = None

    def __enter__(self) -> StreamedResponse[T]:
        self._response = self._open()
        return self._response

    def __exit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()


class AsyncStreamedResponseManager(Generic[T]):
    """Async twin of StreamedResponseManager: ``async with``."""

    def __init__(self, open_response: Callable[[], Awaitable[AsyncStreamedResponse[T]]]) -> None:
        self._open = open_response
        self._response: AsyncStreamedResponse[T] | None = None

    async def __aenter__(self) -> AsyncStreamedResponse[T]:
        self._response = await self._open()
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.close()


# --- how the generated resources open one ------------------------------------------------


def open_body(
    http: httpx.Client,
    kwargs: dict[str, Any],
    options: RequestOptions,
    parse: Callable[[httpx.Response], T],
) -> StreamedResponse[T]:
    """Send, and answer once the status line is in; a non-2xx is read and raised."""
    response = send(http, kwargs, options, stream=True)
    limit = options.max_response_bytes
    try:
        if not response.is_success:
            read_body(response, limit)
            raise_for_status(response)
    except BaseException:
        response.close()
        raise

    def parse_read(opened: httpx.Response) -> T:
        if not _is_read(opened):
            read_body(opened, limit)
        return parse(opened)

    return StreamedResponse(response, limit, parse_read)


async def aopen_body(
    http: httpx.AsyncClient,
    kwargs: dict[str, Any],
    options: RequestOptions,
    parse: Callable[[httpx.Response], T],
) -> AsyncStreamedResponse[T]:
    """Async twin of ``open_body``."""
    response = await asend(http, kwargs, options, stream=True)
    limit = options.max_response_bytes
    try:
        if not response.is_success:
            await aread_body(response, limit)
            raise_for_status(response)
    except BaseException:
        await response.aclose()
        raise

    async def parse_read(opened: httpx.Response) -> T:
        if not _is_read(opened):
            await aread_body(opened, limit)
        return parse(opened)

    return AsyncStreamedResponse(response, limit, parse_read)


def open_events(
    http: httpx.Client,
    kwargs: dict[str, Any],
    options: RequestOptions,
    parse: Callable[[Any], T],
    expected: str,
) -> StreamedResponse[Stream[T]]:
    """An event stream, opened (``connect_stream``); ``parse()`` gives the Stream, which reads it."""
    stream = connect_stream(http, kwargs, options, parse, expected)
    return StreamedResponse(stream.response, options.max_response_bytes, lambda _response: stream)


async def aopen_events(
    http: httpx.AsyncClient,
    kwargs: dict[str, Any],
    options: RequestOptions,
    parse: Callable[[Any], T],
    expected: str,
) -> AsyncStreamedResponse[AsyncStream[T]]:
    """Async twin of ``open_events``."""
    stream = await aconnect_stream(http, kwargs, options, parse, expected)

    async def given(_response: httpx.Response) -> AsyncStream[T]:
        return stream

    return AsyncStreamedResponse(stream.response, options.max_response_bytes, given)
