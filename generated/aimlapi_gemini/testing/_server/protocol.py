# Copied from scripts/package/aimlapi_gemini/testing/_server/protocol.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""uvicorn's h11 protocol with five additions: the connection's transport in the ASGI scope, a
deadline for receiving a request's headers, a vendor-shaped 503 past max_concurrency, a
vendor-shaped 400 (instead of uvicorn's text/plain) for unparsable HTTP or oversized headers,
and a 400 that closes the connection for a request framed both by Content-Length and by
Transfer-Encoding (h11 reads it by Transfer-Encoding and keeps the connection; RFC 9112 §6.1
says a server must close it, as such a request is how requests are smuggled past a proxy).

ASGI has no way to drop a connection without a response (uvicorn turns an exception before
`http.response.start` into a 500), so the reset faults need the socket itself.

uvicorn 0.54 times out only idle kept-alive connections (timeout_keep_alive, armed after a
response); a client that connects and never sends, or sends headers at 1 byte/s, holds its
socket forever. The deadline closes such connections.

uvicorn's own limit_concurrency answers `503 text/plain`, which the spec does not allow (its 503
is an ErrorResponse); the same check is made here with a vendor-shaped body instead.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .errors import error_body, new_request_id
from .exchange import TRANSPORT_EXTENSION, Receive, Scope, Send
from .limits import Limits, limit_text


class HardenedH11Protocol(H11Protocol):
    # Set per server by protocol_class().
    limits: Limits = Limits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        app = self.app

        async def with_transport(scope: Scope, receive: Receive, send: Send) -> None:
            limits = self.limits
            if self._overloaded():
                message = f"Server overloaded: more than {limits.max_concurrency} connections or requests "
                await _send_error(scope, send, 503, message + limit_text(limits, "max_concurrency"))
                return
            # h11 bounds only headers still incomplete; a block that arrived whole is measured here.
            if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > limits.max_header_bytes:
                await _send_error(scope, send, 400, _header_bytes_limit_text(limits))
                return
            if _framed_twice(scope):
                await _send_error(scope, send, 400, _FRAMED_TWICE)  # its Connection: close closes it
                return
            scope.setdefault("extensions", {})[TRANSPORT_EXTENSION] = {"transport": transport}
            await app(scope, receive, send)

        self.app = with_transport
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._waiting_for_headers():
            # The first byte of a later request on a kept-alive connection starts its deadline;
            # later bytes do not extend it.
            if self._header_deadline is None:
                self._arm_header_deadline()
        else:
            self._cancel_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this when h11 cannot parse the request; past max_header_bytes
        # (h11's max_incomplete_event_size) the unparsed bytes are still buffered.
        if len(self.conn.trailing_data[0]) > self.limits.max_header_bytes:
            msg = _header_bytes_limit_text(self.limits)
        request_id = new_request_id()
        body = json.dumps(error_body(400, "/", request_id, msg)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"x-request-id", request_id.encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            output = self.conn.send(event)
            if output:
                self.transport.write(output)
        self.transport.close()

    def _overloaded(self) -> bool:
        # uvicorn's test, with `>`: this request's own task is already in `tasks`.
        limit = self.limits.max_concurrency
        return len(self.connections) > limit or len(self.tasks) > limit

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _arm_header_deadline(self) -> None:
        self._header_deadline = self.loop.call_later(self.limits.header_timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if self._waiting_for_headers():
            # No request to answer yet: just close, as nginx does on client_header_timeout.
            self.transport.close()


_FRAMED_TWICE = "Request has both Content-Length and Transfer-Encoding; send one (RFC 9112 section 6.1)"


def _framed_twice(scope: Scope) -> bool:
    names = {name.lower() for name, _value in scope["headers"]}
    return b"content-length" in names and b"transfer-encoding" in names


def _header_bytes_limit_text(limits: Limits) -> str:
    return f"Request headers larger than {limits.max_header_bytes} bytes " + limit_text(
        limits, "max_header_bytes"
    )


async def _send_error(scope: Scope, send: Send, status: int, message: str) -> None:
    """A vendor-shaped error from outside the app, closing the connection."""
    request_id = new_request_id()
    body = json.dumps(error_body(status, scope.get("path", "/"), request_id, message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def protocol_class(limits: Limits) -> type[HardenedH11Protocol]:
    return type("HardenedH11Protocol", (HardenedH11Protocol,), {"limits": limits})
