# Copied from scripts/package/aimlapi_gemini/integrations/_limiter_actor.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The actor behind ``integrations.ray.ClusterRateLimit``, in a module of its own that imports
only the batch's ``RateLimiter`` (asyncio, attrs): the limit's actor is a worker process of its
own, started with each job's limit, and what it imports is part of every job's start. Importing
``integrations.ray`` there (the client, httpx, the models, the batch runner) took about 0.2 s of
CPU, on a machine whose cores the job's other workers are starting on at the same moment."""

from __future__ import annotations

import asyncio
import itertools
from typing import TypeAlias

from .._rate_limit import Permit, RateLimiter, Stopped

Ended: TypeAlias = tuple[int, float | None, bool]
"""A permit given back: its number, the tokens its reply used, whether a request was sent with it."""


class LimiterActor:
    """The actor behind ``ClusterRateLimit``: the batch's ``RateLimiter``, permits by number, and
    the cluster's stop (the first reason any actor gave)."""

    def __init__(self, concurrency: int, rpm: int | None, tpm: int | None, window: float) -> None:
        self._limits = (concurrency, rpm, tpm, window)
        self._limiter = RateLimiter(concurrency=concurrency, rpm=rpm, tpm=tpm, window=window)
        self._permits: dict[int, Permit] = {}
        self._numbers = itertools.count()
        self._stop = asyncio.Event()
        self._stopped_by: str | None = None

    def _number(self, permit: Permit) -> tuple[int, float]:
        number = next(self._numbers)
        self._permits[number] = permit
        return number, permit.started_at

    async def acquire(
        self, wants: list[float], ended: list[Ended], successes: int
    ) -> tuple[list[tuple[int, float]], str | None]:
        """Starts for a worker's waiting rows (their token estimates, in order): it waits for the
        first, then adds those the limits allow at once. Each start is one request, counted in
        ``rpm``/``tpm`` from now until its window after its permit comes back, as in the batch.
        With the stop (the reason, second), none."""
        self.report(ended, successes)  # the worker's news first: they may make room for this one
        if self._stopped_by is not None or not wants:
            return [], self._stopped_by
        try:
            grants = [self._number(await self._limiter.acquire(wants[0], stop=self._stop))]
        except Stopped:
            return [], self._stopped_by
        for tokens in wants[1:]:
            permit = self._limiter.try_acquire(tokens)
            if permit is None:
                break
            grants.append(self._number(permit))
        return grants, self._stopped_by

    def report(self, ended: list[Ended], successes: int) -> None:
        """Permits given back (with the tokens their replies used), and successes (AIMD's increase)."""
        for number, used_tokens, sent in ended:
            permit = self._permits.pop(number, None)
            if permit is not None:
                self._limiter.release(permit, used_tokens=used_tokens, sent=sent)
        for _ in range(successes):
            self._limiter.succeeded()

    async def rate_limited_for(self, started_at: float, pause: float) -> None:
        # Only the start time matters (one cut per burst); the permit may be given back already.
        self._limiter.rate_limited_for(Permit(started_at=started_at), pause)

    async def stop(self, reason: str) -> None:
        """No start for anyone from now (a 401, a Retry-After past the client's cap): the waits end."""
        if self._stopped_by is None:
            self._stopped_by = reason
        self._stop.set()

    async def stopped_by(self) -> str | None:
        return self._stopped_by

    async def join(
        self, limits: tuple[int, int | None, int | None, float]
    ) -> tuple[int, int | None, int | None, float]:
        """A job asks for this (named) limit with ``limits``; the ones it holds (concurrency, rpm,
        tpm, window, as created). When they are the same a stop ends here, so the re-run after a
        fix sends again (its windows are kept: the requests they counted still count)."""
        if limits == self._limits and self._stopped_by is not None:
            self._stopped_by = None
            self._stop = asyncio.Event()
        return self._limits

    async def describe(self) -> str:
        return self._limiter.describe()
