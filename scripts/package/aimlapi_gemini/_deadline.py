"""A per-call ``deadline``: seconds for the whole call, its retries, the waits between them and, for a
stream, every byte of it.

httpx's timeouts bound one network operation each, so a server that keeps sending (a stream kept
alive by comments, a body trickling in) is never timed out. A deadline caps each attempt's timeouts
at the time left, and checks the clock on every chunk of bytes that arrives.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Iterator

import httpx

from ._exceptions import DeadlineExceededError, RequestValidationError

# The clock, looked up at each use so tests can move it.
monotonic = time.monotonic


class Deadline:
    """The moment a call must be over by."""

    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float) -> None:
        number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
        if not (number and seconds > 0 and math.isfinite(seconds)):
            # A call's argument that cannot work: refused before anything is sent, as a bad keyword is.
            raise RequestValidationError(
                f"expected a positive, finite number of seconds, got {seconds!r}", ("deadline",)
            )
        self.seconds = seconds
        self.at = monotonic() + seconds

    def remaining(self) -> float:
        return self.at - monotonic()

    def passed(self) -> bool:
        return monotonic() >= self.at

    def timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """``timeout`` with no phase longer than the time left."""
        left = max(self.remaining(), 0.001)

        def capped(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=capped(timeout.connect),
            read=capped(timeout.read),
            write=capped(timeout.write),
            pool=capped(timeout.pool),
        )

    def exceeded(self, request: httpx.Request | None, during: str) -> DeadlineExceededError:
        where = "" if request is None else f": {request.method} {request.url}"
        return DeadlineExceededError(
            f"the call's deadline of {self.seconds:g} s passed {during}{where}",
            request=request,
            deadline=self.seconds,
        )

    def guard(self, response: httpx.Response) -> None:
        """Make reading ``response`` raise DeadlineExceededError once the deadline has passed."""
        response.stream = _GuardedStream(response.stream, self, response.request)


class _GuardedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that checks the deadline on every chunk, and reports a read timeout that the
    deadline caused as the deadline."""

    def __init__(
        self, inner: httpx.SyncByteStream | httpx.AsyncByteStream, deadline: Deadline, request: httpx.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._request = request

    def _caused(self) -> bool:
        # The read timeout was capped at the time left, so a timeout at (or just before) the
        # deadline is the deadline's doing.
        return self._deadline.remaining() <= 0.05

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._inner, httpx.SyncByteStream)
        try:
            for chunk in self._inner:
                if self._deadline.passed():
                    raise self._deadline.exceeded(self._request, "while reading the response")
                yield chunk
        except httpx.TimeoutException as exc:
            if self._caused():
                raise self._deadline.exceeded(self._request, "while reading the response") from exc
            raise

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._inner, httpx.AsyncByteStream)
        try:
            async for chunk in self._inner:
                if self._deadline.passed():
                    raise self._deadline.exceeded(self._request, "while reading the response")
                yield chunk
        except httpx.TimeoutException as exc:
            if self._caused():
                raise self._deadline.exceeded(self._request, "while reading the response") from exc
            raise

    def close(self) -> None:
        if isinstance(self._inner, httpx.SyncByteStream):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncByteStream):
            await self._inner.aclose()
