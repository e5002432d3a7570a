"""The reference server in a process of its own (its own GIL, as ``spawned`` gives) that records
when each chat request arrives: the chaos row checks ``--rpm`` at the server and times the
sending from the first arrival to the last, without Ray's start-up or the files."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from aimlapi_gemini._spec_facts import CHAT_PATH
from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp, ServerConfig
from aimlapi_gemini.testing._server.exchange import Receive, Scope, Send
from aimlapi_gemini.testing._server.faults import Chaos
from aimlapi_gemini.testing._server.routing import PathRoute

_CHAT_ROUTE = PathRoute(CHAT_PATH)


class _Arrivals:
    """ASGI middleware: the arrival time (``time.monotonic``) of every chat request."""

    def __init__(self, app: ReferenceApp) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _CHAT_ROUTE.matches(scope):
            self.times.append(time.monotonic())
        await self.app(scope, receive, send)


def _serve(api_key: str, chaos: str, connection: Connection) -> None:
    recorders: list[_Arrivals] = []

    def wrap(app: ReferenceApp) -> _Arrivals:
        recorders.append(_Arrivals(app))
        return recorders[0]

    server = BackgroundServer(ServerConfig(api_key=api_key, chaos=Chaos.parse(chaos)), middleware=wrap)
    server.start()
    connection.send(server.base_url)
    connection.recv()  # the job is over
    server.stop()
    connection.send(recorders[0].times)


def most_in_window(arrivals: Sequence[float], window: float) -> int:
    """The most arrivals in any half-open window of ``window`` seconds (``arrivals`` in order);
    the tests' recorder (tests/doubles/recording.py) judges its arrivals by it too."""
    most, start = 0, 0
    for end, arrived in enumerate(arrivals):
        while arrived - arrivals[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


@contextmanager
def recorded_server(api_key: str, chaos: str) -> Iterator[tuple[str, list[float]]]:
    """The server's base URL, and a list that holds its arrival times once the block is left."""
    context: Any = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    process = context.Process(target=_serve, args=(api_key, chaos, there), daemon=True)
    process.start()
    arrivals: list[float] = []
    try:
        yield here.recv(), arrivals
    finally:
        here.send("stop")
        arrivals.extend(here.recv())
        process.join(timeout=10)
