"""The retry engine itself: ``_retry.decide`` (the policy) and ``_base.send`` / ``asend`` running
it, with and without the hooks the batch plugs in. All on httpx.MockTransport: no sockets."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from attrs import define, field

from aimlapi_gemini import Backoff
from aimlapi_gemini._base import AttemptHooks, asend, send
from aimlapi_gemini._exceptions import APIConnectionError
from aimlapi_gemini._retry import FINAL, MAX_RETRY_AFTER, Decision, decide, idempotency_key, is_transient
from tests.doubles.fakes import EventBody, FakeAPI, Reply, completion_json, error_json, sse_body

NO_JITTER = Backoff(jitter=0.0)  # waits of 0.5, 1, 2, 4, 8 s
OK = Reply(json=completion_json())
BUSY = Reply(503, json=error_json(503, "busy"))
KWARGS: dict[str, Any] = {"method": "POST", "url": "/v1/chat/completions", "json": {"model": "m"}}
REQUEST = httpx.Request("POST", "https://api.example.test/v1/chat/completions")


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


# --- the policy -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 400, 401, 403, 404, 413, 422])
def test_an_answer_no_retry_helps_is_final_with_no_wait(status: int) -> None:
    assert decide(response(status), 0, 5, NO_JITTER) is FINAL
    assert (FINAL.retry, FINAL.wait, FINAL.refused_wait) == (False, 0.0, None)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503, 520])
def test_a_retryable_status_is_retried_after_the_backoff(status: int) -> None:
    assert decide(response(status), 0, 5, NO_JITTER) == Decision(retry=True, wait=0.5)
    assert decide(response(status), 2, 5, NO_JITTER) == Decision(retry=True, wait=2.0)


def test_the_last_attempt_is_final_but_still_says_the_wait_it_calls_for() -> None:
    # The batch tells its limiter about a 429 on a line's last attempt too: everyone pauses.
    assert decide(response(429, **{"retry-after": "3"}), 2, 2, NO_JITTER) == Decision(retry=False, wait=3.0)


def test_an_attempt_before_the_last_is_retried() -> None:
    assert decide(response(429, **{"retry-after": "3"}), 1, 2, NO_JITTER) == Decision(retry=True, wait=3.0)


@pytest.mark.parametrize("attempt", [0, 5])
def test_a_retry_after_above_the_cap_is_refused_whatever_attempts_are_left(attempt: int) -> None:
    decision = decide(response(503, **{"retry-after": "121"}), attempt, 5, NO_JITTER)
    assert decision == Decision(retry=False, wait=0.0, refused_wait=121.0)


def test_a_retry_after_at_the_cap_is_waited_for() -> None:
    decision = decide(response(503, **{"retry-after": str(MAX_RETRY_AFTER)}), 0, 5, NO_JITTER)
    assert decision == Decision(retry=True, wait=MAX_RETRY_AFTER)


def test_a_retry_after_on_a_status_no_retry_helps_is_ignored() -> None:
    assert decide(response(400, **{"retry-after": "3600"}), 0, 5, NO_JITTER) is FINAL


@pytest.mark.parametrize(
    "error", [httpx.ConnectError("x"), httpx.ReadTimeout("x"), httpx.RemoteProtocolError("x")]
)
def test_a_transient_transport_error_is_retried(error: httpx.RequestError) -> None:
    assert is_transient(error)
    assert decide(error, 1, 5, NO_JITTER) == Decision(retry=True, wait=1.0)


@pytest.mark.parametrize(
    "error",
    [httpx.UnsupportedProtocol("x"), httpx.TooManyRedirects("x", request=REQUEST), httpx.DecodingError("x")],
)
def test_an_error_no_retry_helps_is_final(error: httpx.RequestError) -> None:
    assert not is_transient(error)
    assert decide(error, 0, 5, NO_JITTER) is FINAL


def test_each_call_gets_a_new_random_idempotency_key() -> None:
    first, second = idempotency_key({}), idempotency_key({"X-Other": "1"})
    assert first is not None
    assert second is not None
    assert re.fullmatch(r"aimlapi-gemini-[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize("name", ["Idempotency-Key", "idempotency-key"])
def test_a_callers_idempotency_key_means_no_generated_one(name: str) -> None:
    assert idempotency_key({name: "order-7"}) is None


# --- the engine -------------------------------------------------------------------------------


@define
class RecordingHooks:
    """Hooks that record each call; ``raise_after`` / ``raise_in_wait``: end the call there."""

    events: list[tuple[Any, ...]] = field(factory=list)
    raise_after: int | None = None
    raise_in_wait: bool = False

    async def before_attempt(self, attempt: int) -> None:
        self.events.append(("before", attempt))

    def after_attempt(
        self,
        attempt: int,
        request: httpx.Request,
        outcome: httpx.Response | httpx.RequestError,
        decision: Decision,
    ) -> None:
        what = outcome.status_code if isinstance(outcome, httpx.Response) else type(outcome).__name__
        self.events.append(("after", attempt, request.headers["x-retry-count"], what, decision.retry))
        if self.raise_after == attempt:
            raise LookupError("the hook ends the call")

    async def wait(self, seconds: float) -> None:
        self.events.append(("wait", seconds))
        if self.raise_in_wait:
            raise LookupError("the wait was cut short")


def _hooks(hooks: RecordingHooks) -> AttemptHooks:
    return hooks  # mypy checks here that the recorder is the engine's AttemptHooks


def run_async(
    fake: FakeAPI, hooks: RecordingHooks | None = None, *, stream: bool = False, **options: Any
) -> httpx.Response:
    client = fake.client(backoff=NO_JITTER, **options)

    async def go() -> httpx.Response:
        async with client:
            http = client.get_async_httpx_client()
            options = client._request_options(http)
            return await asend(
                http, KWARGS, options, stream=stream, hooks=None if hooks is None else _hooks(hooks)
            )

    return asyncio.run(go())


def test_hooks_run_around_every_attempt_and_replace_the_sleep(sleeps: list[float]) -> None:
    fake = FakeAPI().script(BUSY, Reply(raises=httpx.ConnectError), OK)
    hooks = RecordingHooks()
    assert run_async(fake, hooks).status_code == 200
    assert hooks.events == [
        ("before", 0),
        ("after", 0, "0", 503, True),
        ("wait", 0.5),
        ("before", 1),
        ("after", 1, "1", "ConnectError", True),
        ("wait", 1.0),
        ("before", 2),
        ("after", 2, "2", 200, False),
    ]
    assert sleeps == []  # the hooks' wait, not _retry.asleep
    assert len({request.headers["idempotency-key"] for request in fake.requests}) == 1


def test_without_hooks_the_same_attempts_sleep_the_same_waits(sleeps: list[float]) -> None:
    fake = FakeAPI().script(BUSY, Reply(raises=httpx.ConnectError), OK)
    assert run_async(fake).status_code == 200
    assert sleeps == [0.5, 1.0]
    assert [request.headers["x-retry-count"] for request in fake.requests] == ["0", "1", "2"]


def test_the_sync_engine_makes_the_same_decisions(sleeps: list[float]) -> None:
    fake = FakeAPI().script(BUSY, Reply(raises=httpx.ConnectError), OK)
    with fake.client(backoff=NO_JITTER) as client:
        http = client.get_httpx_client()
        assert send(http, KWARGS, client._request_options(http)).status_code == 200
    assert sleeps == [0.5, 1.0]
    assert len({request.headers["idempotency-key"] for request in fake.requests}) == 1


def test_an_answer_at_once_calls_each_hook_once_and_waits_for_nothing() -> None:
    hooks = RecordingHooks()
    assert run_async(FakeAPI().script(OK), hooks).status_code == 200
    assert hooks.events == [("before", 0), ("after", 0, "0", 200, False)]


def test_a_hook_raising_after_a_response_ends_the_call_with_its_exception() -> None:
    fake = FakeAPI().script(BUSY, OK)
    hooks = RecordingHooks(raise_after=0)
    with pytest.raises(LookupError, match="the hook ends the call"):
        run_async(fake, hooks)
    assert len(fake.requests) == 1
    assert [event[0] for event in hooks.events] == ["before", "after"]


def test_a_response_a_hook_ends_the_call_on_is_closed() -> None:
    body = EventBody(sse_body(3))
    with pytest.raises(LookupError):
        run_async(FakeAPI().script(Reply(503, events=body)), RecordingHooks(raise_after=0), stream=True)
    assert body.closed
    assert body.sent == 0  # closed unread: the stream was left for the caller


def test_a_response_the_hooks_let_through_is_left_open_for_the_caller() -> None:
    body = EventBody(sse_body(3))
    answer = run_async(FakeAPI().script(Reply(200, events=body)), RecordingHooks(), stream=True)
    assert answer.status_code == 200
    assert not body.closed


def test_a_hook_raising_after_a_transport_error_ends_the_call_with_its_exception() -> None:
    fake = FakeAPI().script(Reply(raises=httpx.ConnectError), OK)
    with pytest.raises(LookupError, match="the hook ends the call"):
        run_async(fake, RecordingHooks(raise_after=0))
    assert len(fake.requests) == 1


def test_a_wait_that_raises_ends_the_call_before_another_attempt() -> None:
    fake = FakeAPI().script(BUSY, OK)
    hooks = RecordingHooks(raise_in_wait=True)
    with pytest.raises(LookupError, match="cut short"):
        run_async(fake, hooks)
    assert len(fake.requests) == 1
    assert hooks.events[-1] == ("wait", 0.5)


def test_the_last_failure_is_the_typed_error_after_the_hooks_saw_it_final() -> None:
    fake = FakeAPI().script(Reply(raises=httpx.ConnectError))
    hooks = RecordingHooks()
    with pytest.raises(APIConnectionError, match="connection error: scripted transport failure"):
        run_async(fake, hooks, max_retries=1)
    assert hooks.events[-1] == ("after", 1, "1", "ConnectError", False)
    assert len(fake.requests) == 2


def test_the_last_answer_is_returned_after_the_hooks_saw_it_final() -> None:
    hooks = RecordingHooks()
    assert run_async(FakeAPI().script(BUSY), hooks, max_retries=1).status_code == 503
    assert hooks.events[-1] == ("after", 1, "1", 503, False)


def test_a_refused_retry_after_reaches_the_hooks_with_the_wait_asked_for() -> None:
    seen: list[Decision] = []

    class Keep(RecordingHooks):
        def after_attempt(
            self,
            attempt: int,
            request: httpx.Request,
            outcome: httpx.Response | httpx.RequestError,
            decision: Decision,
        ) -> None:
            seen.append(decision)

    fake = FakeAPI().script(Reply(429, json=error_json(429, "quota"), headers={"retry-after": "600"}), OK)
    assert run_async(fake, Keep()).status_code == 429
    assert seen == [Decision(retry=False, wait=0.0, refused_wait=600.0)]


def test_a_pool_timeout_is_not_retried_but_other_timeouts_are() -> None:
    # No connection of the client's own pool came free: another try would wait as long again
    # (the fail-fast of streams left open, tests/client/test_dropped_streams.py).
    assert not is_transient(httpx.PoolTimeout("pool full", request=REQUEST))
    assert is_transient(httpx.ConnectTimeout("slow connect", request=REQUEST))
    assert is_transient(httpx.ReadTimeout("slow read", request=REQUEST))
