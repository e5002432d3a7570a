"""Shared fixtures: the local reference server (the testing kit's _server) on loopback; the
fakes' fixtures (tests/doubles/fixtures.py) for every folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aimlapi_gemini.testing._server import BackgroundServer
from codegen.pipeline import stale_inputs

pytest_plugins = ["tests.doubles.fixtures"]


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


RunInPackage = Callable[[Path, str], list[str]]


@pytest.fixture
def run_in_package(tmp_path: Path) -> RunInPackage:
    """Run Python code in a fresh interpreter whose sys.path starts with a regenerated tree (``out``,
    holding ``aimlapi_gemini``), without the caller's AIML_* settings; its stdout lines."""

    def run(out: Path, code: str) -> list[str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AIML_")}
        env["PYTHONPATH"] = str(out)  # before the installed package on sys.path
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    return run
