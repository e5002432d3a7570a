"""The server the examples run against (fixtures in conftest.py): the reference server on loopback,
scripted per test through a MockAPI's script, behind a middleware that counts requests in flight
and keeps the replies."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from bench_kit.examples import base_url_for, example_env, run_example
from checked_code import EXAMPLES_DIR, ROOT, left_out_examples

from aimlapi_gemini.models import ChatCompletionRequest
from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp
from aimlapi_gemini.testing._server.exchange import Message, Receive, Scope, Send
from aimlapi_gemini.testing._server.mock import MockAPI
from aimlapi_gemini.testing._server.routing import PathRoute
from aimlapi_gemini.testing._server.spec import find_operation


@dataclass
class Watch:
    """ASGI middleware: requests in flight (and the most at once), an optional delay before each
    request is served (so that concurrency shows), requests held unanswered past the first
    `answer_first` (so that a run can be killed midway), and every JSON reply body."""

    delay: float = 0.0
    answer_first: int | None = None
    arrived: int = 0
    in_flight: int = 0
    peak: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.delay, self.answer_first, self.arrived, self.in_flight, self.peak = 0.0, None, 0, 0, 0
        self.replies.clear()

    def holding(self) -> bool:
        return self.answer_first is not None

    async def _held(self, send: Send) -> bool:
        """Whether this request is held: it waits, unanswered, until `answer_first` is lifted, then
        gets a bare 503 (its client is gone by then) without reaching the server."""
        self.arrived += 1
        if self.answer_first is None or self.arrived <= self.answer_first:
            return False
        while self.holding():
            await asyncio.sleep(0.02)
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return True

    def wrap(self, app: ReferenceApp) -> Any:
        # The operation's requests, as the server routes them (a templated path's filled ones too).
        route = PathRoute(find_operation().path)

        async def watched(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not route.matches(scope):
                await app(scope, receive, send)
                return
            if await self._held(send):
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


def left_out(name: str) -> bool:
    """Whether example `name` is left out for this spec: it uses a feature the spec lacks
    (scripts/checked_code.py; test_checked_code.py asserts the features are gone from the client).
    Its test then has nothing to run."""
    return f"{name}.py" in left_out_examples()


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
        assert not left_out(name), f"{name} uses a feature this spec lacks: its test must not run it"
        path = EXAMPLES_DIR / f"{name}.py"
        return run_example(path, base_url_for(path, self.server.base_url), self.server.api_key, *args)

    def start(self, name: str, *args: str) -> subprocess.Popen[str]:
        """The same, started in the background (to be killed)."""
        assert not left_out(name), f"{name} uses a feature this spec lacks: its test must not run it"
        path = EXAMPLES_DIR / f"{name}.py"
        env = example_env(base_url_for(path, self.server.base_url), self.server.api_key)
        return subprocess.Popen(
            [sys.executable, str(path), *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run_ok(self, name: str, *args: str) -> list[str]:
        completed = self.run(name, *args)
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == ""
        return completed.stdout.splitlines()
