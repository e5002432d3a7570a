"""``deadline=``: one bound on the whole call (attempts, the waits between them, the stream), with
DeadlineExceededError when it passes. The clock is a fake one that the fake server moves, so no
test waits or depends on the machine's speed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

import aimlapi_gemini
from aimlapi_gemini import APITimeoutError, DeadlineExceededError, InternalServerError, RequestValidationError
from tests.doubles.fakes import Calls, EventBody, FakeAPI, Reply, chunk_event, completion_json, error_json


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The deadline's clock; retry waits (recorded, not slept) move it too."""
    fake = FakeClock()
    monkeypatch.setattr(aimlapi_gemini._deadline, "monotonic", fake)

    def sleep(seconds: float) -> None:
        fake.advance(seconds)

    async def asleep(seconds: float) -> None:
        fake.advance(seconds)

    monkeypatch.setattr(aimlapi_gemini._retry, "sleep", sleep)
    monkeypatch.setattr(aimlapi_gemini._retry, "asleep", asleep)
    return fake


def comments_forever(clock: FakeClock, every: float = 0.5) -> Iterator[bytes]:
    """A stream that stays alive with comments and never sends an event: what httpx's timeouts
    cannot stop, since every read gets its bytes in time. (It does end after 10,000 comments without
    [DONE], so that a broken deadline fails the test instead of hanging it.)"""
    yield chunk_event("first ")
    for _ in range(10_000):
        clock.advance(every)
        yield b": keep-alive\n\n"


def test_a_stream_kept_alive_by_comments_stops_at_the_deadline(
    fake_api: FakeAPI, calls: Calls, clock: FakeClock
) -> None:
    body = EventBody(comments_forever(clock))
    fake_api.script(Reply(events=body))
    outcome = calls.stream(fake_api.client(), timeout=2, deadline=5)
    assert (len(outcome.chunks), outcome.text) == (1, "first ")
    assert isinstance(outcome.error, DeadlineExceededError)
    assert isinstance(outcome.error, APITimeoutError)
    assert outcome.error.deadline == 5
    assert str(outcome.error).startswith("the call's deadline of 5 s passed while reading the response")
    assert 10 <= body.sent <= 12  # 5 s of comments at one per 0.5 s, then it stopped reading
    assert body.closed


def test_the_real_clock_stops_it_too(fake_api: FakeAPI, calls: Calls) -> None:
    def slow_comments() -> Iterator[bytes]:
        for _ in range(2_000):  # 20 s of comments at most
            time.sleep(0.01)
            yield b": keep-alive\n\n"

    body = EventBody(slow_comments())
    fake_api.script(Reply(events=body))
    outcome = calls.stream(fake_api.client(), timeout=2, deadline=0.2)
    assert isinstance(outcome.error, DeadlineExceededError)
    assert body.sent < 2_000


def test_without_a_deadline_the_same_stream_goes_on(
    fake_api: FakeAPI, calls: Calls, clock: FakeClock
) -> None:
    # The twin: only the deadline stops it (here the test stops reading after 200 comments).
    def some_comments() -> Iterator[bytes]:
        for _, piece in zip(range(200), comments_forever(clock), strict=False):
            yield piece
        yield b"data: [DONE]\n\n"

    fake_api.script(Reply(events=EventBody(some_comments())))
    outcome = calls.stream(fake_api.client(), timeout=2)
    assert outcome.error is None
    assert len(outcome.chunks) == 1


def test_a_body_trickling_in_stops_at_the_deadline(fake_api: FakeAPI, calls: Calls, clock: FakeClock) -> None:
    def trickle() -> Iterator[bytes]:
        while True:
            clock.advance(1)
            yield b" "

    fake_api.script(Reply(events=EventBody(trickle()), headers={"content-type": "application/json"}))
    with pytest.raises(DeadlineExceededError, match="deadline of 3 s passed while reading"):
        calls.complete(fake_api.client(), deadline=3)


def test_retries_stop_when_the_next_could_not_start_before_the_deadline(
    fake_api: FakeAPI, calls: Calls, clock: FakeClock
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "busy")))
    with pytest.raises(InternalServerError):  # the last answer, not a bare timeout
        calls.complete(fake_api.client(max_retries=10), deadline=2.0)
    # Waits of ~0.5 then ~1 s fit in 2 s; the next (~2 s) does not.
    assert len(fake_api.requests) == 3


def test_a_timeout_caused_by_the_deadline_says_so(fake_api: FakeAPI, calls: Calls, clock: FakeClock) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        fake_api.requests.append(request)
        clock.advance(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("timed out", request=request)

    client = fake_api.client()
    client.set_httpx_client(
        httpx.Client(base_url="https://api.example.test", transport=httpx.MockTransport(hang))
    )
    client.set_async_httpx_client(
        httpx.AsyncClient(base_url="https://api.example.test", transport=httpx.MockTransport(hang))
    )
    with pytest.raises(DeadlineExceededError, match=r"deadline of 1\.5 s passed waiting for the response"):
        calls.complete(client, timeout=60, deadline=1.5)
    assert len(fake_api.requests) == 1
    assert fake_api.requests[0].extensions["timeout"] == {
        "connect": 1.5,
        "read": 1.5,
        "write": 1.5,
        "pool": 1.5,
    }


def test_each_attempts_timeouts_are_capped_at_the_time_left(
    fake_api: FakeAPI, calls: Calls, clock: FakeClock
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "busy")), Reply(json=completion_json()))
    calls.complete(fake_api.client(timeout=httpx.Timeout(2.0, read=100.0)), deadline=10)
    first, second = (request.extensions["timeout"] for request in fake_api.requests)
    assert first == {"connect": 2.0, "read": 10.0, "write": 2.0, "pool": 2.0}
    assert 9.0 < second["read"] < 9.7  # 10 s minus the ~0.5 s wait
    assert second["connect"] == 2.0


def test_a_call_within_its_deadline_is_unaffected(fake_api: FakeAPI, calls: Calls, clock: FakeClock) -> None:
    fake_api.script(Reply(json=completion_json("in time")))
    assert calls.complete(fake_api.client(), deadline=30).choices[0].message.content == "in time"


@pytest.mark.parametrize("deadline", [0, -1, float("nan"), float("inf")])
def test_a_deadline_must_be_a_positive_number_of_seconds(
    fake_api: FakeAPI, calls: Calls, deadline: float
) -> None:
    with pytest.raises(
        RequestValidationError, match="deadline: expected a positive, finite number"
    ) as caught:
        calls.complete(fake_api.client(), deadline=deadline)
    assert caught.value.path == "deadline"
    assert fake_api.requests == []
