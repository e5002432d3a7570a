"""One request/response exchange over ASGI: reading the body, sending replies, dropping the link."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Key of the ASGI scope extension through which runner.py hands the app the connection's
# asyncio transport, so that faults can close the socket without any HTTP response.
TRANSPORT_EXTENSION = "reference_server.transport"


class BodyTooLarge(Exception):
    """The request body went past the byte limit given to Exchange.read_body."""


class Exchange:
    def __init__(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        self.scope = scope
        self._receive = receive
        self._send = send
        self.request_id = request_id
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}

    async def read_body(self, max_bytes: int | None = None) -> bytes:
        """The whole body, read chunk by chunk; past `max_bytes` it stops reading and raises
        BodyTooLarge, so an oversized body never sits in memory."""
        body = bytearray()
        while True:
            message = await self._receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if max_bytes is not None and len(body) > max_bytes:
                raise BodyTooLarge
            if not message.get("more_body", False):
                break
        return bytes(body)

    async def start(self, status: int, content_type: str, headers: dict[str, str] | None = None) -> None:
        pairs = {"content-type": content_type, "x-request-id": self.request_id, **(headers or {})}
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs.items()]
        await self._send({"type": "http.response.start", "status": status, "headers": raw})

    async def write(self, chunk: bytes, *, more: bool = True) -> None:
        await self._send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def send_bytes(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        await self.start(status, content_type, {"content-length": str(len(body)), **(headers or {})})
        await self.write(body, more=False)

    async def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        await self.send_bytes(status, "application/json", json.dumps(payload).encode(), headers)

    async def send_error(
        self, status: int, message: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        await self.send_json(
            status, error_body(status, self.scope["path"], self.request_id, message), headers
        )

    @property
    def gone(self) -> bool:
        """Whether the client has closed the connection (uvicorn then drops what is sent silently)."""
        transport = self.scope.get("extensions", {}).get(TRANSPORT_EXTENSION, {}).get("transport")
        return transport is not None and bool(transport.is_closing())

    async def abort(self) -> None:
        """Close the connection at once, whatever has been sent so far."""
        transport = self.scope.get("extensions", {}).get(TRANSPORT_EXTENSION, {}).get("transport")
        if transport is None:
            # In-process ASGI has no socket to close; an exception is the closest equivalent.
            raise ConnectionResetError("reference server dropped the connection (fault injection)")
        transport.abort()
        # The transport reports the loss on the next loop turn; once uvicorn has seen it, it does
        # not log an unfinished response as an application error.
        await asyncio.sleep(0)
