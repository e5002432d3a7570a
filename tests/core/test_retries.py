"""Retries as a careful client does them: a retry count and one idempotency key on every attempt,
no retry when the server asks for a wait above the cap, never back-to-back retries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from aimlapi_gemini import InternalServerError, RateLimitError
from tests.doubles.fakes import Calls, EventBody, FakeAPI, Reply, completion_json, error_json, sse_body

OK = Reply(json=completion_json("Hi!"))
BUSY = Reply(503, json=error_json(503, "busy"))


def _one(request: httpx.Request, name: str) -> str:
    values = request.headers.get_list(name)
    assert len(values) == 1, (name, values)
    return values[0]


def test_every_attempt_carries_its_retry_count_and_the_calls_idempotency_key(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(BUSY, Reply(raises=httpx.ConnectError), OK)
    calls.complete(fake_api.client())
    assert [_one(r, "X-Retry-Count") for r in fake_api.requests] == ["0", "1", "2"]
    keys = {_one(r, "Idempotency-Key") for r in fake_api.requests}
    assert len(keys) == 1
    assert re.fullmatch(r"aimlapi-gemini-[0-9a-f]{32}", keys.pop())


def test_each_call_has_its_own_idempotency_key(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(OK)
    client = fake_api.client()
    calls.complete(client)
    calls.complete(fake_api.client())
    first, second = (_one(r, "idempotency-key") for r in fake_api.requests)
    assert first != second
    assert [_one(r, "x-retry-count") for r in fake_api.requests] == ["0", "0"]


@pytest.mark.parametrize("name", ["Idempotency-Key", "idempotency-key", "IDEMPOTENCY-KEY"])
def test_a_callers_idempotency_key_replaces_the_generated_one(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], name: str
) -> None:
    fake_api.script(BUSY, OK)
    calls.complete(fake_api.client(), extra_headers={name: "order-7"})
    assert [_one(r, "Idempotency-Key") for r in fake_api.requests] == ["order-7", "order-7"]


def test_opening_a_stream_is_retried_with_the_same_headers(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(BUSY, Reply(events=EventBody(sse_body(2))))
    outcome = calls.stream(fake_api.client())
    assert outcome.error is None
    assert len(outcome.chunks) == 2
    assert [_one(r, "x-retry-count") for r in fake_api.requests] == ["0", "1"]
    assert len({_one(r, "idempotency-key") for r in fake_api.requests}) == 1


@pytest.mark.parametrize(
    "headers", [{"retry-after": "3600"}, {"retry-after": "121"}, {"retry-after-ms": "130000"}]
)
def test_a_wait_above_the_cap_is_not_retried_and_the_error_says_how_long(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], headers: dict[str, str]
) -> None:
    fake_api.script(Reply(429, json=error_json(429, "quota"), headers=headers), OK)
    with pytest.raises(RateLimitError) as caught:
        calls.complete(fake_api.client())
    assert len(fake_api.requests) == 1
    assert sleeps == []
    advised = float(headers.get("retry-after") or int(headers["retry-after-ms"]) / 1000)
    assert caught.value.retry_after == advised


def test_detailed_returns_the_answer_at_once_when_the_wait_is_above_the_cap(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "maintenance"), headers={"retry-after": "600"}), OK)
    response = calls.detailed(fake_api.client())
    assert response.status_code == 503
    assert (len(fake_api.requests), sleeps) == (1, [])


def test_a_wait_at_the_cap_is_honoured(fake_api: FakeAPI, calls: Calls, sleeps: list[float]) -> None:
    fake_api.script(Reply(429, json=error_json(429, "slow"), headers={"retry-after": "120"}), OK)
    assert calls.complete(fake_api.client()).choices[0].message.content == "Hi!"
    assert sleeps == [120.0]


@pytest.mark.parametrize(
    "retry_after",
    ["0", "-3", format_datetime(datetime.now(UTC) - timedelta(minutes=5), usegmt=True)],
    # Fixed ids: a date in the id would differ between the processes that collect the suite.
    ids=["zero", "negative", "a date in the past"],
)
def test_retry_after_zero_or_in_the_past_still_waits_the_backoff(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], retry_after: str
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "busy"), headers={"retry-after": retry_after}))
    with pytest.raises(InternalServerError) as caught:
        calls.complete(fake_api.client())
    assert len(fake_api.requests) == 3
    assert 0.375 <= sleeps[0] <= 0.5  # the first backoff step (with jitter), not 0
    assert 0.75 <= sleeps[1] <= 1.0
    assert caught.value.retry_after in (0.0, None)
