"""An httpx transport (sync and async) that serves an ASGI app in-process, without sockets.

httpx's own ASGITransport is async only and reads the whole response before returning it, so a
stream's chunks, its delays and a cut in the middle could not be seen. Here the body streams:
the async side runs the app on the caller's event loop, the sync side on a private loop thread.
A dropped connection (exchange.abort() raises ConnectionResetError in-process) surfaces as
httpx.RemoteProtocolError, and a wait longer than the request's read timeout as httpx.ReadTimeout,
as they do over a socket (where httpcore enforces the timeout; here nothing else would).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future
from typing import Any

import httpx

from .exchange import Message, Receive, Scope, Send

ASGIApp = Callable[[Scope, Receive, Send], Any]
# What the app emits, in order: ASGI messages, then None (done) or the exception it raised.
_Event = Message | BaseException | None


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeout.get("read")


def _timed_out(request: httpx.Request) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"no data from the app within {_read_timeout(request)} s", request=request)


def _scope(request: httpx.Request) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.url.scheme,
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 0),
        "server": (request.url.host, request.url.port or 80),
    }


async def _drive(app: ASGIApp, request: httpx.Request, body: bytes, emit: Callable[[_Event], None]) -> None:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        emit(message)

    try:
        await app(_scope(request), receive, send)
    except asyncio.CancelledError:
        raise
    except BaseException as exc:  # handed to the reader, which raises it in the client's thread
        emit(exc)
    else:
        emit(None)


def _failure(event: BaseException, request: httpx.Request, started: bool) -> BaseException:
    if isinstance(event, ConnectionResetError):
        what = (
            "peer closed connection without sending complete message body"
            if started
            else ("Server disconnected without sending a response.")
        )
        return httpx.RemoteProtocolError(what, request=request)
    return event


def _start(event: _Event, request: httpx.Request) -> Message:
    if isinstance(event, BaseException):
        raise _failure(event, request, started=False)
    if event is None or event["type"] != "http.response.start":
        raise httpx.RemoteProtocolError("the app ended without a response", request=request)
    return event


def _response(
    start: Message, request: httpx.Request, stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
    return httpx.Response(start["status"], headers=headers, stream=stream, request=request)


def _body_chunk(event: _Event, request: httpx.Request) -> bytes | None:
    """The bytes of a body message; None at the end of the body."""
    if isinstance(event, BaseException):
        raise _failure(event, request, started=True)
    if event is None:
        return None
    return bytes(event.get("body", b"")) if event["type"] == "http.response.body" else b""


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, events: queue.Queue[_Event], future: Future[None], request: httpx.Request) -> None:
        self._events, self._future, self._request = events, future, request

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                event = self._events.get(timeout=_read_timeout(self._request))
            except queue.Empty:
                raise _timed_out(self._request) from None
            chunk = _body_chunk(event, self._request)
            if chunk is None:
                return
            if chunk:
                yield chunk
            if isinstance(event, dict) and not event.get("more_body", False):
                return

    def close(self) -> None:
        self._future.cancel()  # a reader that leaves early stops the app, as closing a socket would


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(
        self, events: asyncio.Queue[_Event], task: asyncio.Task[None], request: httpx.Request
    ) -> None:
        self._events, self._task, self._request = events, task, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            try:
                event = await asyncio.wait_for(self._events.get(), _read_timeout(self._request))
            except TimeoutError:
                raise _timed_out(self._request) from None
            chunk = _body_chunk(event, self._request)
            if chunk is None:
                return
            if chunk:
                yield chunk
            if isinstance(event, dict) and not event.get("more_body", False):
                return

    async def aclose(self) -> None:
        self._task.cancel()


class InProcessTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Serve `app` to httpx.Client and httpx.AsyncClient alike; `close()` stops the loop thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _loop_thread(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="mock-api-loop", daemon=True)
                self._thread.start()
                self._loop = loop
            return self._loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        events: queue.Queue[_Event] = queue.Queue()
        future = asyncio.run_coroutine_threadsafe(
            _drive(self.app, request, body, events.put), self._loop_thread()
        )
        try:
            start = _start(events.get(timeout=_read_timeout(request)), request)
        except queue.Empty:
            future.cancel()
            raise _timed_out(request) from None
        return _response(start, request, _SyncBody(events, future, request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        events: asyncio.Queue[_Event] = asyncio.Queue()
        task = asyncio.get_running_loop().create_task(_drive(self.app, request, body, events.put_nowait))
        try:
            start = _start(await asyncio.wait_for(events.get(), _read_timeout(request)), request)
        except TimeoutError:
            task.cancel()
            raise _timed_out(request) from None
        except BaseException:
            task.cancel()
            raise
        return _response(start, request, _AsyncBody(events, task, request))

    def close(self) -> None:
        """Called by every httpx client that closes; the transport outlives them (see shutdown)."""

    def shutdown(self) -> None:
        """Stop the loop thread (a later sync request starts a new one)."""
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    async def aclose(self) -> None:
        """As close(): nothing to release on the caller's loop."""
