"""A reference server's requests as they arrive: the ASGI middleware that records them (the batch's
and the Ray integration's rate-limit tests read the arrival times) and the window count they check."""

from __future__ import annotations

import asyncio
import time

from bench_kit.recorded_server import most_in_window

from aimlapi_gemini._spec_facts import CHAT_PATH
from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp
from aimlapi_gemini.testing._server.exchange import Receive, Scope, Send
from aimlapi_gemini.testing._server.routing import PathRoute

# The paths the chat operation answers (a templated one: any model filled in).
CHAT_ROUTE = PathRoute(CHAT_PATH)


class Recorder:
    """ASGI middleware: the arrival time of every request to the endpoint, an optional delay first."""

    def __init__(self, app: ReferenceApp, delay: float = 0.0) -> None:
        self.app = app
        self.delay = delay
        self.arrivals: list[float] = []
        self.headers: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and CHAT_ROUTE.matches(scope):
            self.arrivals.append(time.monotonic())
            self.headers.append(
                {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
            )
            if self.delay:
                await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


class RecordedServer:
    def __init__(self, server: BackgroundServer, recorder: Recorder) -> None:
        self.server = server
        self.recorder = recorder
        self.base_url = server.base_url
        self.api_key = server.api_key

    @property
    def arrivals(self) -> list[float]:
        return self.recorder.arrivals


# The most arrivals in any half-open window of ``window`` seconds: the bench's own count.
sends_per_window = most_in_window
