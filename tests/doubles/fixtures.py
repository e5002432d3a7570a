"""Fixtures of the fakes (fakes.py): a scripted API, retries that do not wait, sync and async calls."""

from __future__ import annotations

import pytest

import aimlapi_gemini
from tests.doubles.fakes import Calls, FakeAPI


@pytest.fixture
def fake_api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries do not wait; the list records every delay asked for."""
    delays: list[float] = []

    async def asleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(aimlapi_gemini._retry, "sleep", delays.append)
    monkeypatch.setattr(aimlapi_gemini._retry, "asleep", asleep)
    return delays


@pytest.fixture(params=["sync", "async"])
def calls(request: pytest.FixtureRequest) -> Calls:
    return Calls(mode=request.param)
