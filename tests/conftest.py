"""Shared fixtures: the local reference server (scripts/reference_server) on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reference_server import BackgroundServer


@pytest.fixture(scope="session")
def reference_server() -> Iterator[BackgroundServer]:
    """The reference server on a free 127.0.0.1 port; has `.base_url`, `.api_key` and `.app`."""
    with BackgroundServer() as server:
        yield server
