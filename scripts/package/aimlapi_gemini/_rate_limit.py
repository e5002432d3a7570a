"""The batch runner's limiter: how many requests may be in flight and when the next may start.

Three limits, all shared by every request of one run (retries included):

- ``rpm``: a sliding log of requests. What the limit is about is when a request *arrives at the
  server*, which the client cannot see: a granted request may still wait for a connection (a
  cold pool opens them all at once, and they arrive late and bunched). So a request counts in
  the window from the moment it is granted until ``window`` seconds after it ended (its reply, or
  its failure, came back), the latest moment it can have arrived. A new request starts only when
  fewer than ``rpm`` are counted, so any two arrivals ``rpm`` apart in order are more than
  ``window`` apart at the server: no window of that length (60 s by default; tests pass a short
  one) ever holds more than ``rpm`` arrivals. The cost is each request's latency added to its
  60 s. A fixed-window counter would allow 2x at the edges.
- ``tpm``: the same log weighted by tokens, estimated from the request while it is in flight and
  logged at the reply's ``usage.total_tokens`` when it ends. A request estimated above ``tpm`` on
  its own starts when nothing else is counted, so it cannot wait forever.
- concurrency, adapted to the server (AIMD, as TCP does): a 429 halves the allowed number in
  flight and pauses every start until its ``Retry-After`` has passed; each success adds
  ``1/limit`` back, so it climbs by about one per round of requests up to ``concurrency``.
  Only a 429 for a request started after the last cut cuts again: one burst of 429s (the
  requests that were in flight together) counts as one signal, not as many halvings.

Waiters queue on one FIFO lock, so the limits are granted in arrival order; with room to spare a
start takes no lock at all. A wait ends at once when the run stops (``acquire``'s ``stop``): a
retry waiting a minute for ``rpm`` must not hold up a Ctrl-C.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from attrs import define, field


class Stopped(Exception):
    """``acquire``'s ``stop`` was set before the start was granted: nothing was taken."""


@define(eq=False)
class Permit:
    """One granted start: when, and the tokens it was estimated at."""

    started_at: float
    tokens: float = 0.0
    released: bool = False


class Limiter(Protocol):
    """What a line's attempts ask of a limiter: ``RateLimiter``, or the Ray integration's proxy
    to one ``RateLimiter`` in an actor that every worker of a cluster shares."""

    async def acquire(self, tokens: float = 0.0, *, stop: asyncio.Event | None = None) -> Permit: ...

    def release(self, permit: Permit, *, used_tokens: float | None = None) -> None: ...

    def succeeded(self) -> None: ...

    def rate_limited_for(self, permit: Permit, pause: float) -> None: ...


@define(eq=False)
class RateLimiter:
    """See the module docstring. ``clock`` is seconds on a monotonic clock."""

    concurrency: int
    rpm: int | None = None
    tpm: int | None = None
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    min_concurrency: int = 1
    limit: float = field(init=False)
    """The number in flight currently allowed (``concurrency`` until the first 429)."""
    in_flight: int = field(init=False, default=0)
    paused_until: float = field(init=False, default=0.0)
    rate_limited: int = field(init=False, default=0)
    """How many 429s the run saw."""
    _ends: deque[float] = field(init=False, factory=deque)
    """When each request of the window ended, in order (the requests in flight are ``in_flight``)."""
    _token_log: deque[tuple[float, float]] = field(init=False, factory=deque)
    _token_sum: float = field(init=False, default=0.0)
    _pending_tokens: float = field(init=False, default=0.0)
    _last_cut: float = field(init=False, default=float("-inf"))
    _gate: asyncio.Lock = field(init=False, factory=asyncio.Lock)
    _released: asyncio.Event = field(init=False, factory=asyncio.Event)

    def __attrs_post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, got {self.concurrency}")
        for name in ("rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be 1 or more, got {value}")
        if not self.window > 0:
            raise ValueError(f"window must be above 0 seconds, got {self.window}")
        self.limit = float(self.concurrency)

    @property
    def slots(self) -> int:
        return max(self.min_concurrency, int(self.limit))

    def _forget(self, now: float) -> None:
        horizon = now - self.window
        ends = self._ends
        while ends and ends[0] <= horizon:
            ends.popleft()
        log = self._token_log
        while log and log[0][0] <= horizon:
            self._token_sum -= log.popleft()[1]

    def _wait(self, now: float, tokens: float) -> float:
        """Seconds until the time limits (pause, rpm, tpm) allow a start; 0 when they do now;
        infinity when only a request in flight ending can make room."""
        self._forget(now)
        wait = self.paused_until - now
        if self.rpm is not None:
            room = self.rpm - self.in_flight  # each one in flight counts until it ends
            if room <= 0:
                return float("inf")
            if len(self._ends) >= room:
                wait = max(wait, self._ends[-room] + self.window - now)
        if self.tpm is not None:
            held = self._pending_tokens
            if held + self._token_sum + tokens > self.tpm:
                if held + tokens <= self.tpm:
                    # The first moment enough of the log has expired for this request to fit.
                    remaining = self._token_sum
                    for ended, used in self._token_log:
                        remaining -= used
                        if held + remaining + tokens <= self.tpm:
                            wait = max(wait, ended + self.window - now)
                            break
                elif held > 0:
                    return float("inf")
                elif self._token_log:  # larger than tpm on its own: it waits for an empty log
                    wait = max(wait, self._token_log[-1][0] + self.window - now)
        return max(wait, 0.0)

    def _take(self, now: float, tokens: float) -> Permit:
        self.in_flight += 1
        if self.tpm is not None:
            self._pending_tokens += tokens
        return Permit(started_at=now, tokens=tokens)

    def try_acquire(self, tokens: float = 0.0) -> Permit | None:
        """A start now if the limits allow one and nobody waits before it, else None (a grouped
        grant: the Ray integration's actor adds these to one it waited for)."""
        if not self._gate.locked() and self.in_flight < self.slots:
            now = self.clock()
            if self._wait(now, tokens) == 0:
                return self._take(now, tokens)
        return None

    async def acquire(self, tokens: float = 0.0, *, stop: asyncio.Event | None = None) -> Permit:
        """Wait until a request estimated at ``tokens`` may start, and count it as started.
        Raises ``Stopped`` as soon as ``stop`` is set while it waits."""
        granted = self.try_acquire(tokens)
        if granted is not None:
            return granted
        async with self._gate:
            while True:
                if stop is not None and stop.is_set():
                    raise Stopped
                now = self.clock()
                wait = self._wait(now, tokens)
                if self.in_flight >= self.slots or wait == float("inf"):
                    self._released.clear()
                    await self._pause(None, stop)
                elif wait > 0:
                    await self._pause(wait, stop)
                else:
                    return self._take(now, tokens)

    async def _pause(self, seconds: float | None, stop: asyncio.Event | None) -> None:
        """``seconds``, or until a release when None; either way no longer than until ``stop``."""
        if stop is None:
            await (self._released.wait() if seconds is None else asyncio.sleep(seconds))
            return
        waits = [asyncio.ensure_future(stop.wait())]
        if seconds is None:
            waits.append(asyncio.ensure_future(self._released.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    def release(self, permit: Permit, *, used_tokens: float | None = None, sent: bool = True) -> None:
        """The request is over (its reply or failure is here): from now its window runs.
        ``used_tokens`` (the reply's usage) replaces its estimate. A second call does nothing.
        ``sent=False``: the start was granted but never used (no request, so no arrival to count)."""
        if permit.released:
            return
        permit.released = True
        self.in_flight -= 1
        if not sent:
            if self.tpm is not None:
                self._pending_tokens -= permit.tokens
            self._released.set()
            return
        now = self.clock()
        if self.rpm is not None:
            self._ends.append(now)
        if self.tpm is not None:
            self._pending_tokens -= permit.tokens
            used = permit.tokens if used_tokens is None else float(used_tokens)
            self._token_log.append((now, used))
            self._token_sum += used
        self._released.set()

    def succeeded(self) -> None:
        """Additive increase: about one more in flight per round of successes."""
        if self.limit < self.concurrency:
            self.limit = min(float(self.concurrency), self.limit + 1.0 / self.limit)

    def rate_limited_for(self, permit: Permit, pause: float) -> None:
        """A 429: pause every start for ``pause`` seconds and, once per burst, halve the limit."""
        self.rate_limited += 1
        now = self.clock()
        self.paused_until = max(self.paused_until, now + pause)
        if permit.started_at > self._last_cut:
            self.limit = max(float(self.min_concurrency), self.limit / 2)
            self._last_cut = now

    def describe(self) -> str:
        """The current limits in a few words (the progress bar shows them)."""
        parts = [f"{self.in_flight}/{self.slots} in flight"]
        if self.rpm is not None:
            parts.append(f"rpm {self.rpm}")
        if self.tpm is not None:
            parts.append(f"tpm {self.tpm}")
        if self.paused_until > self.clock():
            parts.append("paused (429)")
        return ", ".join(parts)
