"""The retry policy, in one place: which outcomes are retried, how long to wait first (backoff,
``Retry-After`` and when it means "do not retry"), and the headers that tell a server an attempt
is a retry (``X-Retry-Count``, one ``Idempotency-Key`` per call). ``_base.send`` / ``asend`` run
it for every call, the batch's included (through their hooks).

``sleep`` and ``asleep`` are looked up on this module at every retry, so tests (or callers
with their own scheduler) can replace them.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from attrs import define, field, validators

# Statuses worth another attempt: request timeout, conflict (often a lock), rate limit, server errors.
RETRYABLE_STATUSES = frozenset({408, 409, 429})
# A server asking for a longer pause than this gets no retry: the error is raised at once, with the
# advised wait in its ``retry_after``, and the caller decides whether to wait that long.
MAX_RETRY_AFTER = 120.0

# Sent with every attempt: 0 on the first, 1 on the first retry... (openai-python's
# x-stainless-retry-count), so a server can tell a retry from a new request.
RETRY_COUNT_HEADER = "X-Retry-Count"
# One value per call, the same on all its attempts, so a server that honours it (the IETF
# httpapi-idempotency-key draft; servers may ignore it) can run a retried POST only once. A value the
# caller passes in extra_headers is used instead of a generated one.
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY_LOWER = IDEMPOTENCY_KEY_HEADER.lower()


def idempotency_key(extra_headers: Mapping[str, str]) -> str | None:
    """A new key for one call, or None when the caller's own headers carry one."""
    if extra_headers and any(name.lower() == _IDEMPOTENCY_KEY_LOWER for name in extra_headers):
        return None
    # 128 random bits, like a UUID4, without building a UUID object on every call.
    return f"aimlapi-gemini-{os.urandom(16).hex()}"


def is_transient(exc: httpx.RequestError) -> bool:
    """Timeouts, refused/reset connections and servers hanging up are worth another try; a bad URL,
    an unsupported scheme, too many redirects or an undecodable body are not. Nor is a pool timeout:
    no connection of the client's own pool came free, and another try would wait as long again."""
    if isinstance(exc, httpx.PoolTimeout):
        return False
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, or ``Retry-After`` as seconds or an
    HTTP-date; 0 for a date already past), or None when it said nothing usable."""
    seconds: float | None = None
    if (millis := headers.get("retry-after-ms")) is not None:
        seconds = _number(millis)
        seconds = None if seconds is None else seconds / 1000
    if seconds is None and (value := headers.get("retry-after")) is not None:
        seconds = _number(value)
        if seconds is None:
            seconds = _seconds_until(value, now or datetime.now(UTC))
    if seconds is None or seconds < 0 or seconds == float("inf"):
        return None
    return seconds


def gives_up(headers: Mapping[str, str]) -> float | None:
    """The advised wait when it is longer than MAX_RETRY_AFTER (so no retry), else None."""
    hinted = retry_after(headers)
    return hinted if hinted is not None and hinted > MAX_RETRY_AFTER else None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value  # NaN is not a delay


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates are UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    # A date already past means "now"; HTTP-dates only have whole seconds.
    return max(0.0, (when - now).total_seconds())


def _non_negative(_instance: object, attribute: object, value: float) -> None:
    if value < 0:
        raise ValueError(f"{getattr(attribute, 'name', 'value')} must be >= 0, got {value}")


@define(frozen=True)
class Backoff:
    """Exponential backoff: ``min(initial * factor**retry, maximum)``, minus up to ``jitter`` of it at random
    so that many clients failing together do not retry in lockstep."""

    initial: float = field(default=0.5, validator=_non_negative)
    factor: float = field(default=2.0, validator=validators.ge(1.0))
    maximum: float = field(default=8.0, validator=_non_negative)
    jitter: float = field(default=0.25, validator=[validators.ge(0.0), validators.le(1.0)])

    def delay(
        self,
        retry: int,
        headers: Mapping[str, str] | None = None,
        *,
        now: datetime | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first); the server's own
        Retry-After hint wins when it is above 0 and at most MAX_RETRY_AFTER. ``Retry-After: 0`` or a
        date already past still waits the computed backoff, so that retries never come back to back."""
        hinted = retry_after(headers, now) if headers is not None else None
        if hinted is not None and 0 < hinted <= MAX_RETRY_AFTER:
            return hinted
        # The exponent is capped so that a huge max_retries cannot overflow the float.
        computed = min(self.initial * self.factor ** min(retry, 64), self.maximum)
        return computed * (1 - self.jitter * rand())


@define(frozen=True, slots=True)
class Decision:
    """What the policy makes of one attempt's outcome."""

    retry: bool = False
    """Another attempt follows, after ``wait`` seconds."""
    wait: float = 0.0
    """The wait a retryable outcome calls for (a usable ``Retry-After``, else the backoff), also when
    no attempt is left; 0 when no retry helps (a 2xx, a 4xx, a bad URL...)."""
    refused_wait: float | None = None
    """The server's ``Retry-After`` when it is above MAX_RETRY_AFTER: no retry, whatever is left."""


FINAL = Decision()
"""An outcome no retry helps: the call's answer."""


def decide(
    outcome: httpx.Response | httpx.RequestError, attempt: int, max_retries: int, backoff: Backoff
) -> Decision:
    """The policy's decision after attempt number ``attempt`` (0 for the first) of a call allowed
    ``max_retries`` retries."""
    if isinstance(outcome, httpx.Response):
        if not is_retryable_status(outcome.status_code):
            return FINAL  # the usual answer (a 2xx) costs one set lookup and a comparison
        if (advised := gives_up(outcome.headers)) is not None:
            return Decision(refused_wait=advised)
        wait = backoff.delay(attempt, outcome.headers)
    elif is_transient(outcome):
        wait = backoff.delay(attempt)
    else:
        return FINAL
    return Decision(retry=attempt < max_retries, wait=wait)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


async def asleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
