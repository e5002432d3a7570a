"""A stream whose client has gone is not made to the end: uvicorn drops what is sent to a closed
connection without a word, so the server would keep its thread busy (and, in the tests' process,
its allocations inside their measurements) for nobody."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aimlapi_gemini.testing._server.app import ReferenceApp
from aimlapi_gemini.testing._server.exchange import TRANSPORT_EXTENSION, Exchange


class _Transport:
    """The connection's transport as uvicorn hands it: closing once the client has closed it."""

    def __init__(self, closing: bool) -> None:
        self.closing = closing

    def is_closing(self) -> bool:
        return self.closing


def _exchange(transport: _Transport, sent: list[Any]) -> Exchange:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"headers": [], "extensions": {TRANSPORT_EXTENSION: {"transport": transport}}}
    return Exchange(scope, receive, send, "req-1")


def _run(transport: _Transport) -> tuple[int, list[Any]]:
    made = 0
    sent: list[Any] = []

    async def body() -> AsyncIterator[bytes]:
        nonlocal made
        for _ in range(5):
            made += 1
            yield b"data: {}\n\n"

    asyncio.run(ReferenceApp._stream(_exchange(transport, sent), body()))
    return made, sent


def test_a_stream_to_a_connected_client_is_sent_whole() -> None:
    made, sent = _run(_Transport(closing=False))
    assert made == 5
    assert [message["type"] for message in sent] == ["http.response.start", *["http.response.body"] * 6]
    assert sent[-1]["more_body"] is False


def test_a_stream_whose_client_has_gone_stops_being_made() -> None:
    made, sent = _run(_Transport(closing=True))
    assert made == 1  # the chunk in hand when the loss shows, and no more
    assert [message["type"] for message in sent] == ["http.response.start"]
