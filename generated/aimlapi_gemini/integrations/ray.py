# Copied from scripts/package/aimlapi_gemini/integrations/ray.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Chat completions inside a Ray Data pipeline: ``ChatCompletions``, a callable class for
``Dataset.map_batches``, and ``ClusterRateLimit``, one key's limits shared by every actor.

```python
import ray
from aimlapi_gemini.integrations.ray import ChatCompletions, ClusterRateLimit

limit = ClusterRateLimit.create(rpm=600, concurrency=32)
answered = ray.data.read_parquet("prompts/").map_batches(
    ChatCompletions,
    fn_constructor_kwargs={"model": "gemini-pro", "limit": limit},  # the key: $AIML_API_KEY
    compute=ray.data.ActorPoolStrategy(size=4),  # actors (concurrency=4 before Ray 2.51)
    batch_size=64,
)
answered.write_parquet("answers/")
```

Each row's request is its ``request`` column (a ``ChatCompletionRequest`` as JSON text or a
mapping) or its ``prompt`` column (text, one user message to ``model``), checked as the batch
checks a line. Each row gets ``response`` (the reply's JSON text) or ``error_code`` +
``error_message`` (the batch's ``ERROR_CODES``): a row is never dropped and no error is raised
for one row (one the batch would leave for its next run, as when a 401 ends a retry's wait, is
``http_error``, or ``connection_error`` when no attempt reached the server). Each request is
one call of the client's retry engine with the batch's rules (the same hooks as
``aimlapi-gemini batch``: 429s pause and slow every actor, 401/403 and a Retry-After over the
client's cap end the batch's other retries).

Ray Data has no resume: ``unanswered(dataset, "answers/", key="id")`` drops the rows an earlier,
killed run's Parquet files answer, so a re-run writing to the same directory answers each row once.

The limit: one actor (``ClusterRateLimit``) holds the batch's ``RateLimiter`` (``rpm``, ``tpm``,
the number in flight across the cluster, a 429's pause and halving) and hands out permits; each
attempt asks for one and gives it back when its answer is in. Its window runs on the actor's
clock from the moment a permit is given back, after the reply has arrived, so the guarantee is
the batch's: no ``window`` at the server holds more than ``rpm`` arrivals, whatever the number
of actors. One message to the actor per request (``_ClusterLimiter`` sends permits back with
the next request for one). One key, one ``ClusterRateLimit``; without one each actor has only
its ``concurrency``.

This module needs Ray Data (``pip install 'aimlapi-gemini[ray]'``); ``import aimlapi_gemini``
never imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import Mapping
from typing import Any

try:
    import ray
except ImportError as exc:  # pragma: no cover - the message is tested in a fresh interpreter
    raise ImportError(
        "aimlapi_gemini.integrations.ray needs Ray Data: pip install 'aimlapi-gemini[ray]'"
    ) from exc

import httpx
from attrs import define, field

from aimlapi_gemini._config import api_key_from_env, as_api_key
from aimlapi_gemini._retry import Backoff
from aimlapi_gemini._secret import Secret
from aimlapi_gemini.client import AuthenticatedClient
from aimlapi_gemini.types import UNSET

from .._batch_io import BatchItem
from .._batch_runner import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_RETRIES,
    BatchSummary,
    _Deferred,
    _Response,
    _Sender,
)
from .._rate_limit import Limiter, Permit, RateLimiter, Stopped
from ._answers import answered_keys
from ._rows import RowResult, RowSource, items_of, response_text, with_results

__all__ = ["ChatCompletions", "ClusterRateLimit", "unanswered"]

# Permit requests waiting at once in the limiter's actor (an async actor runs them as tasks).
_ACTOR_MAX_CONCURRENCY = 10_000


class _LimiterActor:
    """The actor behind ``ClusterRateLimit``: the batch's ``RateLimiter``, permits by number."""

    def __init__(self, concurrency: int, rpm: int | None, tpm: int | None, window: float) -> None:
        self._limiter = RateLimiter(concurrency=concurrency, rpm=rpm, tpm=tpm, window=window)
        self._permits: dict[int, Permit] = {}
        self._numbers = itertools.count()

    async def acquire(
        self, tokens: float, ended: list[tuple[int, float | None]], successes: int
    ) -> tuple[int, float]:
        self.report(ended, successes)  # the worker's news first: they may make room for this one
        permit = await self._limiter.acquire(tokens)
        number = next(self._numbers)
        self._permits[number] = permit
        return number, permit.started_at

    def report(self, ended: list[tuple[int, float | None]], successes: int) -> None:
        """Permits given back (with the tokens their replies used), and successes (AIMD's increase)."""
        for number, used_tokens in ended:
            permit = self._permits.pop(number, None)
            if permit is not None:
                self._limiter.release(permit, used_tokens=used_tokens)
        for _ in range(successes):
            self._limiter.succeeded()

    async def rate_limited_for(self, started_at: float, pause: float) -> None:
        # Only the start time matters (one cut per burst); the permit may be given back already.
        self._limiter.rate_limited_for(Permit(started_at=started_at), pause)

    async def describe(self) -> str:
        return self._limiter.describe()


@define(frozen=True)
class ClusterRateLimit:
    """One key's limits for a whole cluster: a handle to the actor holding them (it pickles, so it
    goes to every ``ChatCompletions`` actor in ``fn_constructor_kwargs``)."""

    actor: Any

    @classmethod
    def create(
        cls,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        window: float = 60.0,
    ) -> ClusterRateLimit:
        """Start the limiter's actor (``ray.init`` first): at most ``rpm`` requests and ``tpm``
        estimated tokens in any ``window`` seconds, ``concurrency`` in flight across the cluster.
        Its checks run here, so a bad value is a ValueError at once."""
        RateLimiter(concurrency=concurrency, rpm=rpm, tpm=tpm, window=window)
        # ray's stubs type remote() of a class as of a function, whose options lack max_concurrency.
        actor_class: Any = ray.remote(_LimiterActor)
        remote = actor_class.options(num_cpus=0, max_concurrency=_ACTOR_MAX_CONCURRENCY)
        return cls(remote.remote(concurrency, rpm, tpm, window))

    def describe(self) -> str:
        """The current limits in a few words (``RateLimiter.describe``)."""
        return str(ray.get(self.actor.describe.remote()))


@define(eq=False)
class _RemotePermit(Permit):
    number: int = 0


@define(eq=False)
class _ClusterLimiter:
    """``Limiter`` for a line's attempts, asking the limit's actor. What a worker tells the actor
    (permits given back, successes) waits for its next ``acquire`` or the end of the event loop's
    turn, whichever comes first, and goes in one message: one message per request instead of
    three (which held the throughput to 0.6x of the batch's on 2 cores). A permit given back late
    only starts its window late, so the limit stays on the safe side."""

    actor: Any
    _ended: list[tuple[int, float | None]] = field(factory=list)
    _successes: int = 0
    _flush_scheduled: bool = False

    def _news(self) -> tuple[list[tuple[int, float | None]], int]:
        news = (self._ended, self._successes)
        self._ended, self._successes = [], 0
        return news

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._ended or self._successes:
            self.actor.report.remote(*self._news())

    async def acquire(self, tokens: float = 0.0, *, stop: asyncio.Event | None = None) -> Permit:
        granted: asyncio.Future[Any] = asyncio.ensure_future(self.actor.acquire.remote(tokens, *self._news()))
        if stop is not None:
            stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait([granted, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not granted.done():
                # Given back as soon as it is granted: a permit nobody holds must not count forever.
                granted.add_done_callback(self._give_back)
                raise Stopped
        number, started_at = await granted
        return _RemotePermit(started_at=started_at, tokens=tokens, number=number)

    def _give_back(self, granted: asyncio.Future[Any]) -> None:
        if not granted.cancelled() and granted.exception() is None:
            self._ended.append((granted.result()[0], None))
            self._schedule_flush()

    def release(self, permit: Permit, *, used_tokens: float | None = None) -> None:
        if permit.released or not isinstance(permit, _RemotePermit):
            return
        permit.released = True
        self._ended.append((permit.number, used_tokens))
        self._schedule_flush()

    def succeeded(self) -> None:
        self._successes += 1
        self._schedule_flush()

    def rate_limited_for(self, permit: Permit, pause: float) -> None:
        self.actor.rate_limited_for.remote(permit.started_at, pause)


class ChatCompletions:
    """A callable class for ``Dataset.map_batches`` (see the module docstring): each actor builds
    one async client and sends up to ``concurrency`` rows at once, within ``limit`` when given.

    ``api_key`` (else ``$AIML_API_KEY`` on the actor), ``base_url`` (else ``$AIML_API_BASE_URL``):
    the client's; ``max_retries``, ``backoff``, ``timeout``: per request, as ``run_batch``'s.
    ``request_column`` / ``prompt_column``: where each row's request is; ``model`` and
    ``defaults`` (fields such as ``max_tokens``) make a body of a prompt."""

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        limit: ClusterRateLimit | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff | None = None,
        timeout: float | None = None,
        request_column: str = "request",
        prompt_column: str = "prompt",
        model: str | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be 1 or more, got {concurrency}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        token = (
            api_key_from_env("api_key=... in fn_constructor_kwargs")
            if api_key is None
            else as_api_key(api_key, "api_key=...")
        )
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        kwargs: dict[str, Any] = {"token": token, "httpx_args": {"limits": limits}}
        if base_url is not None:
            kwargs["base_url"] = base_url
        self._client = AuthenticatedClient(**kwargs).with_options(
            max_retries=max_retries,
            backoff=backoff or Backoff(),
            timeout=UNSET if timeout is None else timeout,
        )
        self._concurrency = concurrency
        self._limiter: Limiter = (
            _ClusterLimiter(limit.actor) if limit is not None else RateLimiter(concurrency=concurrency)
        )
        self._source = RowSource(request_column, prompt_column, model, defaults)
        # The actor's own loop, kept across batches: the client's pool lives on it.
        self._loop = asyncio.new_event_loop()

    def __call__(self, batch: Any) -> Any:
        rows = items_of(batch, self._source)
        results = self._loop.run_until_complete(self._answer_all(rows))
        return with_results(batch, results)

    async def _answer_all(self, rows: list[BatchItem | RowResult]) -> list[RowResult]:
        sender = _Sender(
            client=self._client, limiter=self._limiter, summary=BatchSummary(), stop=asyncio.Event()
        )
        room = asyncio.Semaphore(self._concurrency)

        async def one(row: BatchItem | RowResult) -> RowResult:
            if isinstance(row, RowResult):
                return row
            async with room:
                return await _answer(sender, row)

        return list(await asyncio.gather(*(one(row) for row in rows)))

    def __del__(self) -> None:
        # The actor is going away: its pool's connections and its loop go with it. Nothing here
        # may raise (an interpreter shutting down may have torn down what closing needs).
        loop = getattr(self, "_loop", None)
        if loop is None or loop.is_closed() or loop.is_running():
            return
        with contextlib.suppress(Exception):
            pool = self._client._async_client
            if pool is not None:
                loop.run_until_complete(pool.aclose())
        loop.close()


async def _answer(sender: _Sender, item: BatchItem) -> RowResult:
    """One row's result: its reply, or its error (one row's surprise is its own error)."""
    try:
        answer = await sender.answer(item)
    except Exception as exc:
        return RowResult.error("client_error", f"{type(exc).__name__}: {exc}")
    if isinstance(answer, _Response):
        return RowResult(response=response_text(answer.content))
    if isinstance(answer, _Deferred):
        # The batch leaves such a line for its next run; a row has no next run, so it says why.
        reason = sender.summary.stopped_by or "the batch stopped"
        code = "connection_error" if reason.startswith("no attempt reached") else "http_error"
        return RowResult.error(code, f"not sent again: {reason}")
    error = answer["error"]
    return RowResult.error(str(error["code"]), str(error["message"]))


def unanswered(dataset: Any, answers: str | os.PathLike[str], *, key: str) -> Any:
    """``dataset`` without the rows whose ``key`` the Parquet files under ``answers`` hold (an
    earlier, killed run's output; all of it when there is none yet). Write the new answers to the
    same directory (``write_parquet`` appends) and each row is answered once in it, however often
    the job is killed and run again; a file a kill left torn is set aside as ``NAME.torn`` and its
    rows sent again. The keys are read on the driver: an id column, not the prompts."""
    done = answered_keys(answers, key).keys
    if not done:
        return dataset
    import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow has no type information
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # pyarrow has no type information

    answered = pa.array(list(done))

    def drop_answered(batch: Any) -> Any:  # a pyarrow.Table: one vectorised test per batch
        return batch.filter(pc.invert(pc.is_in(batch.column(key), value_set=answered)))

    return dataset.map_batches(drop_answered, batch_format="pyarrow")
