"""Shared fixtures: the local reference server (scripts/reference_server) on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codegen.pipeline import stale_inputs
from reference_server import BackgroundServer


def pytest_sessionstart(session: pytest.Session) -> None:
    """Tests import the generated package, a copy of the sources: when the copy is older than the
    sources (an edited runtime module, template, spec...), stop at once rather than test old code."""
    stale = stale_inputs()
    if stale:
        pytest.exit(
            f"generated/ is stale ({', '.join(stale)} changed since it was generated): run `make generate`",
            returncode=1,
        )


@pytest.fixture(scope="session")
def reference_server() -> Iterator[BackgroundServer]:
    """The reference server on a free 127.0.0.1 port; has `.base_url`, `.api_key` and `.app`."""
    with BackgroundServer() as server:
        yield server
