"""Fixtures: `api`, one test's scripted view of the reference server the examples run against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.testing._server.mock import MockAPI

from .served import ExampleAPI, Watch


@pytest.fixture(scope="module")
def watched_server() -> Iterator[tuple[BackgroundServer, Watch]]:
    watch = Watch()
    with BackgroundServer(middleware=watch.wrap) as server:
        yield server, watch


@pytest.fixture
def api(watched_server: tuple[BackgroundServer, Watch]) -> Iterator[ExampleAPI]:
    server, watch = watched_server
    watch.reset()
    with MockAPI(api_key=server.api_key) as mock:
        server.app.script = mock.script  # what MockAPI does for its own loopback server
        try:
            yield ExampleAPI(server, mock, watch)
        finally:
            server.app.script = None
