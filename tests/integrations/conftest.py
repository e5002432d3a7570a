"""A local Ray (two CPUs, no dashboard) for the module that needs one, reference servers that
record their requests' arrivals (and may script a fault for the n-th request), and the request
bodies the rows carry, as the spec takes them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import ray
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp, ServerConfig
from aimlapi_gemini.testing._server.exchange import Receive, Scope, Send
from aimlapi_gemini.testing._server.faults import Chaos
from tests.doubles.recording import CHAT_ROUTE, RecordedServer, Recorder

ServerFactory = Callable[..., RecordedServer]


def chat_body(text: str, max_tokens: int) -> dict[str, Any]:
    """A request of one user message holding ``text`` as the spec takes it (where it takes no text,
    the message its schema builds), with ``max_tokens`` where the spec has the field."""
    body: dict[str, Any] = {"model": spec.model_id(), "messages": [spec.user_message(text)]}
    if spec.has_request_field("max_tokens"):
        body["max_tokens"] = max_tokens
    return body


Script = Callable[[int], list[tuple[bytes, bytes]]]
"""Headers to add to the n-th chat request (0 first): an ``X-Fault``, a wrong key."""


class Scripted:
    """ASGI middleware: the n-th chat request gets ``script(n)``'s headers over its own."""

    def __init__(self, app: ReferenceApp, script: Script) -> None:
        self.app = app
        self.script = script
        self.seen = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and CHAT_ROUTE.matches(scope):
            extra = self.script(self.seen)
            self.seen += 1
            if extra:
                names = {name for name, _ in extra}
                kept = [(name, value) for name, value in scope["headers"] if name not in names]
                scope = {**scope, "headers": kept + extra}
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """``make_server(chaos=Chaos(...), script=...)``: a reference server recording arrivals and
    headers (as sent: before ``script``'s)."""
    started: list[BackgroundServer] = []

    def make(*, chaos: Chaos | None = None, script: Script | None = None) -> RecordedServer:
        recorders: list[Recorder] = []

        def wrap(app: ReferenceApp) -> Recorder:
            inner: Any = app if script is None else Scripted(app, script)
            recorders.append(Recorder(inner))
            return recorders[0]

        server = BackgroundServer(ServerConfig(chaos=chaos), middleware=wrap).start()
        started.append(server)
        return RecordedServer(server, recorders[0])

    yield make
    for server in started:
        server.stop()
