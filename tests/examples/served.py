"""The server the examples run against (fixtures in conftest.py): the reference server on loopback,
scripted per test through a MockAPI's script, behind a middleware that counts requests in flight
and keeps the replies."""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass, field
from typing import Any

from bench_kit.examples import EXAMPLES_DIR, run_example

from aimlapi_gemini.models import ChatCompletionRequest
from reference_server import BackgroundServer, ReferenceApp
from reference_server.exchange import Message, Receive, Scope, Send
from reference_server.mock import MockAPI


@dataclass
class Watch:
    """ASGI middleware: requests in flight (and the most at once), an optional delay before each
    request is served (so that concurrency shows), and every JSON reply body."""

    delay: float = 0.0
    in_flight: int = 0
    peak: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.delay, self.in_flight, self.peak = 0.0, 0, 0
        self.replies.clear()

    def wrap(self, app: ReferenceApp) -> Any:
        async def watched(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["path"] != "/v1/chat/completions":
                await app(scope, receive, send)
                return
            self.in_flight += 1  # one event loop: no lock needed
            self.peak = max(self.peak, self.in_flight)
            body = bytearray()

            async def keep(message: Message) -> None:
                if message["type"] == "http.response.body":
                    body.extend(message.get("body", b""))
                await send(message)

            try:
                await asyncio.sleep(self.delay)
                await app(scope, receive, keep)
            finally:
                self.in_flight -= 1
            if body.startswith(b"{"):
                self.replies.append(json.loads(body))

        return watched


@dataclass
class ExampleAPI:
    """One test's view: script replies on `mock`, run an example, read what the server saw."""

    server: BackgroundServer
    mock: MockAPI
    watch: Watch

    @property
    def requests(self) -> list[ChatCompletionRequest]:
        return self.mock.requests

    def run(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`python examples/<name>.py <args>` against this server, as a user runs it."""
        base_url = f"{self.server.base_url}/v1"  # the form the vendor documents
        return run_example(EXAMPLES_DIR / f"{name}.py", base_url, self.server.api_key, *args)

    def run_ok(self, name: str, *args: str) -> list[str]:
        completed = self.run(name, *args)
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == ""
        return completed.stdout.splitlines()
