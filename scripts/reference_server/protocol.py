"""uvicorn's h11 protocol with two additions: the connection's transport in the ASGI scope, and
a deadline for receiving a request's headers.

ASGI has no way to drop a connection without a response (uvicorn turns an exception before
`http.response.start` into a 500), so the reset faults need the socket itself.

uvicorn 0.54 times out only idle kept-alive connections (timeout_keep_alive, armed after a
response); a client that connects and never sends, or sends headers at 1 byte/s, holds its
socket forever. The deadline closes such connections.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .exchange import TRANSPORT_EXTENSION, Receive, Scope, Send


class HardenedH11Protocol(H11Protocol):
    # Seconds allowed for a request's headers; protocol_class() sets it per server.
    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        app = self.app

        async def with_transport(scope: Scope, receive: Receive, send: Send) -> None:
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

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _arm_header_deadline(self) -> None:
        self._header_deadline = self.loop.call_later(self.header_timeout, self._header_deadline_passed)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if self._waiting_for_headers():
            # No request to answer yet: just close, as nginx does on client_header_timeout.
            self.transport.close()


def protocol_class(header_timeout: float) -> type[HardenedH11Protocol]:
    return type("HardenedH11Protocol", (HardenedH11Protocol,), {"header_timeout": header_timeout})
