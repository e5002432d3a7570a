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
``error_message`` (the batch's ``ERROR_CODES``, and ``not_sent``): a row is never dropped and
no error is raised for one row. Each request is one call of the client's retry engine with the
batch's rules (the same hooks as ``aimlapi-gemini batch``: 429s pause and slow every actor).
The batch's stops (a 401/403, a Retry-After over the client's cap, no attempt reaching the
server) stop the actor for good and, through a ``ClusterRateLimit``, every actor: rows in flight
finish, the rest get ``not_sent`` with the reason (``ClusterRateLimit.stopped_by``).

Ray Data has no resume: ``unanswered(dataset, "answers/", key="id")`` drops the rows an earlier,
killed or stopped run's Parquet files answer (not its ``not_sent`` rows), so a re-run writing to
the same directory answers each row once.

The limit: one actor (``ClusterRateLimit``) holds the batch's ``RateLimiter`` (``rpm``, ``tpm``,
the number in flight across the cluster, a 429's pause and halving) and hands out permits; each
attempt asks for one and gives it back when its answer is in. Its window runs on the actor's
clock from the moment a permit is given back, after the reply has arrived, so the guarantee is
the batch's: no ``window`` at the server holds more than ``rpm`` arrivals, whatever the number
of actors. Grants are grouped (``_ClusterLimiter``): one message asks for a start for each row
an actor has waiting, and permits go back in one message every ``_FLUSH_AFTER``. One key, one
``ClusterRateLimit``; without one each actor has only its ``concurrency``. Named
(``create(..., name=...)``), it is the cluster's one limit of that name, shared by every job that
asks for it by name.

This module needs Ray Data (``pip install 'aimlapi-gemini[ray]'``); ``import aimlapi_gemini``
never imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import threading
from collections import deque
from collections.abc import Callable, Mapping
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
from ._limiter_actor import Ended, LimiterActor
from ._rows import NOT_SENT, RowResult, RowSource, items_of, response_text, with_results

__all__ = ["ChatCompletions", "ClusterRateLimit", "unanswered"]

# Where a named ClusterRateLimit's actor is registered: a namespace of the package's own, so jobs
# (drivers) in any namespace find it, under a prefix that says what it is.
_LIMIT_NAMESPACE = "aimlapi_gemini"
_LIMIT_NAME_PREFIX = "rate-limit:"
_NAMED_LIMITS: dict[str, Any] = {}
# Permit requests waiting at once in the limiter's actor (an async actor runs them as tasks).
_ACTOR_MAX_CONCURRENCY = 10_000
# The most starts one request to the limiter's actor asks for (its rows waiting at the time).
_MOST_GRANTS = 64

# How long a worker's news (permits given back) wait for more before going in one message: a
# message per 2 ms, not one per event loop turn (a third of the messages on 2 cores, the same
# throughput); a slot freed late is counted late, on the safe side.
_FLUSH_AFTER = 0.002
# How long a collected ChatCompletions waits for its pool to close on a thread of its own.
_POOL_CLOSE_WAIT = 5.0


@functools.cache
def _limiter_actor_class() -> Any:
    """``LimiterActor`` as a Ray actor class, made once per process (each ``ray.remote`` of the
    class is one more class to export to the cluster). Typed Any: ray's stubs type remote() of a
    class as of a function, whose options lack max_concurrency."""
    return ray.remote(LimiterActor)


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
        name: str | None = None,
    ) -> ClusterRateLimit:
        """Start the limiter's actor (``ray.init`` first): at most ``rpm`` requests and ``tpm``
        estimated tokens in any ``window`` seconds, ``concurrency`` in flight across the cluster.
        Its checks run here, so a bad value is a ValueError at once.

        With ``name`` (say, one per API key; never the key itself), the cluster's one limit of that
        name: the first ``create`` starts it, later ones, from this driver or another while its
        creator runs, get the same actor, so jobs on one key stay within its limits together (its
        windows carry over from job to job) and a job does not wait for the limit's worker process
        to start. Asked for with other limits than it holds: ValueError. A stop (``stopped_by``)
        ends at the next ``create``: the re-run after the fix sends again."""
        RateLimiter(concurrency=concurrency, rpm=rpm, tpm=tpm, window=window)
        options: dict[str, Any] = {"num_cpus": 0, "max_concurrency": _ACTOR_MAX_CONCURRENCY}
        if name is None:
            return cls(_limiter_actor_class().options(**options).remote(concurrency, rpm, tpm, window))
        if not name:
            raise ValueError("name must not be empty")
        options.update(name=_LIMIT_NAME_PREFIX + name, namespace=_LIMIT_NAMESPACE, get_if_exists=True)
        actor: Any  # ray's stubs type an actor's methods as plain functions
        try:
            actor = ray.get_actor(options["name"], namespace=_LIMIT_NAMESPACE)
        except ValueError:  # none yet: this one starts it (or finds one started a moment ago)
            actor = _limiter_actor_class().options(**options).remote(concurrency, rpm, tpm, window)
            # Ray ends an actor (named too) once no handle to it is left: this process keeps one
            # for the next job, until it exits.
            _NAMED_LIMITS[name] = actor
            return cls(actor)
        limits = (concurrency, rpm, tpm, window)
        held = tuple(ray.get(actor.join.remote(limits)))
        if held != limits:
            raise ValueError(
                f"the cluster's limit {name!r} holds other limits ({_limits_text(held)}) than asked"
                f" ({_limits_text(limits)}): ask with the same, or use another name"
            )
        return cls(actor)

    def describe(self) -> str:
        """The current limits in a few words (``RateLimiter.describe``)."""
        return str(ray.get(self.actor.describe.remote()))

    def stopped_by(self) -> str | None:
        """Why the job's actors stopped sending (a 401, a Retry-After past the client's cap), or
        None. The limit stays stopped: a re-run after the fix makes a new one (or, for a named
        one, ``create`` with its name ends the stop)."""
        reason: str | None = ray.get(self.actor.stopped_by.remote())
        return reason


def _limits_text(limits: tuple[int, int | None, int | None, float]) -> str:
    concurrency, rpm, tpm, window = limits
    return f"concurrency={concurrency}, rpm={rpm}, tpm={tpm}, window={window:g}"


@define(eq=False)
class _Stop:
    """Why this actor sends nothing more (with a ``ClusterRateLimit``: no actor does); ``event`` is
    its rows' senders' stop, so a retry's wait ends with it."""

    event: asyncio.Event = field(factory=asyncio.Event)
    reason: str | None = None

    def set(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.event.set()


@define(eq=False)
class _RemotePermit(Permit):
    number: int = 0


@define(eq=False)
class _ClusterLimiter:
    """``Limiter`` for a line's attempts, asking the limit's actor. Grouped grants: the rows
    waiting for a start queue here, and one request to the actor at a time asks for a start for
    each of them (it waits for the first and adds those free at once), so a message carries
    several starts when the actor is busy; a start a row no longer wants (the job stopped) goes
    back unused, not counted. What a worker tells the actor (permits given back, successes)
    rides on its next request or goes in one message ``_FLUSH_AFTER`` later. A
    permit given back late only starts its window late, so the limit stays on the safe side."""

    actor: Any
    stop: _Stop
    _waiting: deque[tuple[float, asyncio.Future[tuple[int, float]]]] = field(factory=deque)
    _asking: bool = False
    _ended: list[Ended] = field(factory=list)
    _successes: int = 0
    _flush_scheduled: bool = False

    def _news(self) -> tuple[list[Ended], int]:
        news = (self._ended, self._successes)
        self._ended, self._successes = [], 0
        return news

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(_FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        """Send the news now (a timer still pending finds none)."""
        self._flush_scheduled = False
        if self._ended or self._successes:
            self.actor.report.remote(*self._news())

    async def acquire(self, tokens: float = 0.0, *, stop: asyncio.Event | None = None) -> Permit:
        # ``stop`` is the rows' sender's, ``self.stop.event`` (ChatCompletions makes them one):
        # halt() fails every waiting row at once, with no extra task per wait.
        if self.stop.reason is not None or (stop is not None and stop.is_set()):
            raise Stopped
        granted: asyncio.Future[tuple[int, float]] = asyncio.get_running_loop().create_future()
        self._waiting.append((tokens, granted))
        self._ask()
        try:
            number, started_at = await granted
        except asyncio.CancelledError:
            granted.cancel()  # its start, if one comes, goes back unused
            raise
        return _RemotePermit(started_at=started_at, tokens=tokens, number=number)

    def _ask(self) -> None:
        if self._asking:
            return
        while self._waiting and self._waiting[0][1].done():
            self._waiting.popleft()
        wants = [
            tokens for tokens, granted in itertools.islice(self._waiting, _MOST_GRANTS) if not granted.done()
        ]
        if not wants:
            return
        self._asking = True
        reply: asyncio.Future[Any] = asyncio.ensure_future(self.actor.acquire.remote(wants, *self._news()))
        reply.add_done_callback(self._granted)

    def _granted(self, reply: asyncio.Future[Any]) -> None:
        self._asking = False
        if reply.cancelled() or reply.exception() is not None:
            failure = reply.exception() if not reply.cancelled() else None
            for _, granted in self._waiting:  # the limit's actor is gone: each row says so
                if not granted.done():
                    granted.set_exception(failure or Stopped())
            self._waiting.clear()
            return
        grants, stopped_by = reply.result()
        if stopped_by is not None:
            self.halt(stopped_by, tell_cluster=False)
        for grant in grants:
            while self._waiting and self._waiting[0][1].done():
                self._waiting.popleft()
            if self._waiting and self.stop.reason is None:
                self._waiting.popleft()[1].set_result(grant)
            else:
                self._ended.append((grant[0], None, False))
                self._schedule_flush()
        self._ask()

    def halt(self, reason: str, *, tell_cluster: bool) -> None:
        """Nothing more is sent from here (and with ``tell_cluster``, from any actor): the rows
        waiting for a start get ``Stopped``."""
        self.stop.set(reason)
        for _, granted in self._waiting:
            if not granted.done():
                granted.set_exception(Stopped())
        self._waiting.clear()
        if tell_cluster:
            self.actor.stop.remote(reason)

    def release(self, permit: Permit, *, used_tokens: float | None = None) -> None:
        if permit.released or not isinstance(permit, _RemotePermit):
            return
        permit.released = True
        self._ended.append((permit.number, used_tokens, True))
        self._schedule_flush()

    def succeeded(self) -> None:
        self._successes += 1
        self._schedule_flush()

    def rate_limited_for(self, permit: Permit, pause: float) -> None:
        self.actor.rate_limited_for.remote(permit.started_at, pause)


@define(kw_only=True)
class _StoppingSender(_Sender):
    """The batch's sender whose stop (a 401, a Retry-After past the cap) is the actor's for good,
    and with a ``ClusterRateLimit`` every actor's: ``on_stop`` passes it on."""

    on_stop: Callable[[str], None]

    def stop_run(self, reason: str) -> None:
        super().stop_run(reason)
        self.on_stop(reason)


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
        self._stop = _Stop()
        self._cluster = _ClusterLimiter(limit.actor, self._stop) if limit is not None else None
        self._limiter: Limiter = self._cluster or RateLimiter(concurrency=concurrency)
        self._source = RowSource(request_column, prompt_column, model, defaults)
        self._room: asyncio.Semaphore | None = None  # the actor's concurrency, made on its loop
        # The actor's own loop, on a thread of its own, kept across batches: the client's pool
        # lives on it. Ray Data awaits several batches of an actor at once (an async __call__),
        # so a batch's last rows (a retry's backoff) no longer hold the actor's next batch back.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="aimlapi-ray-mapper", daemon=True)
        self._thread.start()

    async def __call__(self, batch: Any) -> Any:
        rows = items_of(batch, self._source)
        answering = asyncio.run_coroutine_threadsafe(self._answer_all(rows), self._loop)
        results = await asyncio.wrap_future(answering)
        return with_results(batch, results)

    def _stop_all(self, reason: str) -> None:
        """A row's answer stops the job (a 401, a Retry-After past the client's cap): this actor
        sends nothing more, and with a ``ClusterRateLimit`` neither does any other."""
        if self._cluster is not None:
            self._cluster.halt(reason, tell_cluster=True)
        else:
            self._stop.set(reason)

    async def _answer_all(self, rows: list[BatchItem | RowResult]) -> list[RowResult]:
        sender = _StoppingSender(
            client=self._client,
            limiter=self._limiter,
            summary=BatchSummary(),
            stop=self._stop.event,
            on_stop=self._stop_all,
        )
        if self._room is None:
            self._room = asyncio.Semaphore(self._concurrency)  # shared by the batches in flight
        room = self._room

        async def one(row: BatchItem | RowResult) -> RowResult:
            if isinstance(row, RowResult):
                return row
            async with room:
                if self._stop.reason is not None:
                    return RowResult.error(NOT_SENT, f"not sent: {self._stop.reason}")
                return await _answer(sender, row, self._stop)

        return list(await asyncio.gather(*(one(row) for row in rows)))

    def __del__(self) -> None:
        # The actor is going away: its pool's connections, its loop and the loop's thread go with
        # it. Nothing here may raise (an interpreter shutting down may have torn down what
        # closing needs); the collector may call this on any thread, the loop's own included.
        loop = getattr(self, "_loop", None)
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(Exception):
            pool = self._client._async_client
            on_its_thread = threading.current_thread() is self._thread
            if pool is not None:
                closing = asyncio.run_coroutine_threadsafe(pool.aclose(), loop)
                if on_its_thread:
                    loop.call_soon(loop.stop)  # after the close it just queued
                    return
                closing.result(timeout=_POOL_CLOSE_WAIT)
            loop.call_soon_threadsafe(loop.stop)
            if not on_its_thread:
                self._thread.join(timeout=_POOL_CLOSE_WAIT)
                if not self._thread.is_alive():
                    loop.close()


async def _answer(sender: _Sender, item: BatchItem, stop: _Stop) -> RowResult:
    """One row's result: its reply, or its error (one row's surprise is its own error)."""
    try:
        answer = await sender.answer(item)
    except Exception as exc:
        return RowResult.error("client_error", f"{type(exc).__name__}: {exc}")
    if isinstance(answer, _Response):
        return RowResult(response=response_text(answer.content))
    if isinstance(answer, _Deferred):
        # The batch leaves such a line for its next run; a row says why, and unanswered() gives it
        # to the next run.
        reason = sender.summary.stopped_by or stop.reason or "the job stopped"
        return RowResult.error(NOT_SENT, f"not sent (again): {reason}")
    error = answer["error"]
    return RowResult.error(str(error["code"]), str(error["message"]))


def unanswered(dataset: Any, answers: str | os.PathLike[str], *, key: str) -> Any:
    """``dataset`` without the rows whose ``key`` the Parquet files under ``answers`` hold (an
    earlier, killed or stopped run's output; all of it when there is none yet). Write the new
    answers to the same directory (``write_parquet`` appends) and each row is answered once in it,
    however often the job is killed and run again; a file a kill left torn is set aside as
    ``NAME.torn`` and its rows sent again, and rows marked ``not_sent`` (a stopped job's) are taken
    out of their files and sent again. The keys are read on the driver: an id column, not the
    prompts."""
    done = answered_keys(answers, key).keys
    if not done:
        return dataset
    import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow has no type information
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # pyarrow has no type information

    answered = pa.array(list(done))

    def drop_answered(batch: Any) -> Any:  # a pyarrow.Table: one vectorised test per batch
        return batch.filter(pc.invert(pc.is_in(batch.column(key), value_set=answered)))

    return dataset.map_batches(drop_answered, batch_format="pyarrow")
