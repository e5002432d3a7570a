"""Fixtures of the contract suites: the server under test (local reference server, or live)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract_kit.tally import CASES
from contract_kit.target import Target, live_target

from aimlapi_gemini.testing._server import BackgroundServer


@pytest.fixture(scope="session")
def contract_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    live = live_target()
    if live is None:
        server: BackgroundServer = request.getfixturevalue("reference_server")
        yield Target(server.base_url, server.api_key, server)
        return
    if not live.api_key:
        pytest.skip("CONTRACT_BASE_URL is set but AIML_API_KEY is not: nothing is sent to the live server")
    yield Target(live.base_url, live.api_key, None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CASES:
        counts = ", ".join(f"{name}: {count}" for name, count in sorted(CASES.items()))
        terminalreporter.write_line(f"contract cases ({sum(CASES.values())}): {counts}")
