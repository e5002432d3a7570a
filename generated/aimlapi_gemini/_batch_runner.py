# Copied from scripts/package/aimlapi_gemini/_batch_runner.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The batch runner: every input line sent once through one shared limiter, every answer one
output line (``_batch_io`` has the file formats, ``_rate_limit`` the limiter).

Each line is one call of the client's retry engine (``_base.asend``: its statuses and transport
errors, ``Backoff``, ``Retry-After``, one ``Idempotency-Key`` for all of the line's attempts) with
the run's hooks (``_LineAttempts``): each attempt waits for the limiter like a new request, a 429
pauses and slows every request, not only the one that got it, a stop cuts a retry's wait short,
and an answer every other line would get too stops the run.

Stopping: ``stop`` (an ``asyncio.Event``; ``run_batch`` sets it on the first Ctrl-C) stops
taking new lines; the ones in flight get ``grace`` seconds to finish and be written, then are
cancelled (a second Ctrl-C cancels at once). A cancelled line has no output line, so the next
run sends it. Nothing is written in halves, so the file is consistent however the run ends.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import httpx
from attrs import define, field

# The client's retry engine and policy imported as the generated client imports them, so that the
# options it builds and the Backoff it takes are the very classes the engine's signatures name.
from aimlapi_gemini._base import asend, connection_error
from aimlapi_gemini._config import api_key_from_env, as_api_key
from aimlapi_gemini._retry import MAX_RETRY_AFTER, Backoff, Decision
from aimlapi_gemini._sdk_client import AsyncAPIClient, SyncAPIClient
from aimlapi_gemini._secret import Secret
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.client import AuthenticatedClient
from aimlapi_gemini.models.chat_completion import ChatCompletion
from aimlapi_gemini.types import UNSET

from ._batch_io import (
    BatchFileError,
    BatchItem,
    InvalidLine,
    OutputWriter,
    ReadStats,
    Shard,
    compact_output,
    error_record,
    invalid_record,
    lock_output,
    read_items,
    scan_output,
)
from ._exceptions import (
    AimlApiError,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ResponseTooLargeError,
    json_or_none,
    make_status_error,
)
from ._rate_limit import Limiter, Permit, RateLimiter, Stopped
from ._response import parse_or_none

if TYPE_CHECKING:
    from ._batch_progress import ProgressBar

DEFAULT_CONCURRENCY = 16
# Ten retries: at a 20% failure rate a line fails all eleven attempts with odds 0.2**11, about one
# in 50 million lines (five retries: 0.2**6, one in 16,000, so a 1,000-line run leaves an error
# line about one time in sixteen). The backoff caps each wait at 8 s, so a line gives up after
# about a minute at worst.
DEFAULT_MAX_RETRIES = 10
# Workers are tasks; far beyond what one connection pool serves well (see the README's bench), a
# huge number only costs memory.
MAX_CONCURRENCY = 1024
DEFAULT_GRACE = 30.0
# The key is wrong (401) or may not do this (403, e.g. no credits left): every other line would get
# the same answer, so the run stops after the lines in flight, as on Ctrl-C.
STOPPING_STATUSES = frozenset({401, 403})
_KEPT_INVALID = 100
# Connection failures of one line, with no attempt of the run ever connected, that stop the run:
# three attempts span about 1.5 s of backoff, rather than a minute of retries for every line.
UNREACHABLE_ATTEMPTS = 3


class InvalidInputError(BatchFileError):
    """``strict=True`` and an input line is invalid; ``line`` is the first one found."""

    def __init__(self, path: Path, line: InvalidLine) -> None:
        super().__init__(f"{path}: {line}")
        self.path = path
        self.line = line

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickling passes self.args (the message) to __init__; ours takes the parts.
        return (type(self), (self.path, self.line))


@define
class BatchSummary:
    """What one run did. Counts are lines of this run (and shard)."""

    succeeded: int = 0
    """Lines answered 2xx (a ``response`` line)."""
    failed: int = 0
    """Lines that got an ``error`` line after their retries (or at once: 4xx)."""
    invalid: int = 0
    """Input lines not sent (reported with their line numbers in ``invalid_lines``)."""
    already_done: int = 0
    """Lines skipped because the output answers them already (resume)."""
    failed_before: int = 0
    """Of ``already_done``, the lines whose output line is an error (``errors_only_retry`` sends
    them again)."""
    other_shard: int = 0
    unfinished: int = 0
    """Lines taken from the input but left without an output line, so the next run sends them:
    waiting for the limiter or for a retry when the run stopped, still in flight when the grace
    period ran out, or answered with a Retry-After too long to wait. Lines never read are not
    counted anywhere."""
    retries: int = 0
    rate_limited: int = 0
    """429 answers seen (each slowed the whole run)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    wall_time: float = 0.0
    interrupted: bool = False
    """Stopped by ``stop`` (Ctrl-C) before the end of the input."""
    stopped_by: str | None = None
    """Why the run stopped early: a 401/403's error message (STOPPING_STATUSES), a Retry-After
    longer than the client waits, or a server no attempt could connect to."""
    repaired: str | None = None
    """What was done to a torn last line of the output, if there was one."""
    compacted: int = 0
    """Superseded lines removed from the output (``errors_only_retry``: only the last line per id stays)."""
    invalid_lines: list[InvalidLine] = field(factory=list)
    """The first 100 invalid lines."""
    interrupted_by: str | None = None
    """The signal ``run_batch`` was stopped by: ``"SIGINT"`` (Ctrl-C), ``"SIGTERM"``, ``"SIGHUP"``."""

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed + self.invalid

    @property
    def ok(self) -> bool:
        """Every line of this run was answered with a response."""
        return (
            self.failed == 0
            and self.failed_before == 0
            and self.invalid == 0
            and self.unfinished == 0
            and not self.interrupted
            and self.stopped_by is None
        )

    def line(self) -> str:
        """The summary in one line (the CLI prints it at the end)."""
        parts = [f"{self.succeeded} ok", f"{self.failed} errors", f"{self.invalid} invalid"]
        if self.already_done:
            parts.append(f"{self.already_done} done before")
        if self.failed_before:
            parts.append(f"{self.failed_before} of them errors (--errors-only-retry sends them again)")
        if self.other_shard:
            parts.append(f"{self.other_shard} in other shards")
        if self.unfinished:
            parts.append(f"{self.unfinished} unfinished")
        parts.append(f"{self.retries} retries ({self.rate_limited} rate-limited)")
        tokens = (
            f"{self.total_tokens} tokens ({self.prompt_tokens} prompt, {self.completion_tokens} completion)"
        )
        state = "interrupted" if self.interrupted else "stopped" if self.stopped_by else "done"
        return f"batch {state}: {', '.join(parts)}; {tokens}; {self.wall_time:.1f} s"


ProgressCallback = Callable[["BatchSummary", RateLimiter], None]
BatchClient = AuthenticatedClient | SyncAPIClient | AsyncAPIClient
"""What ``client=`` takes: the functional layer's client, or an ``AIMLAPI`` / ``AsyncAIMLAPI``."""


@define(frozen=True, slots=True)
class _Response:
    """A 2xx reply validated as a ChatCompletion; its bytes go to the output as they came."""

    status_code: int
    request_id: str | None
    content: bytes


@define(frozen=True, slots=True)
class _Deferred:
    """A line left without an output line (the next run sends it)."""


_DEFERRED = _Deferred()


@define
class _Sender:
    """What sending one line takes (``answer``): the client, the limiter, the stop. The batch's
    ``_Run`` is one; the Ray integration makes one per batch of rows (with a cluster-wide limiter)."""

    client: AuthenticatedClient
    limiter: Limiter
    summary: BatchSummary
    stop: asyncio.Event
    halted: list[bool] = field(factory=lambda: [False])
    """Set by the SIGINT handler itself, so a Ctrl-C is seen before the event loop runs again."""
    sending: set[asyncio.Task[Any]] = field(factory=set)
    """Workers whose line has been sent (a request or a retry wait in flight)."""
    reached: bool = False
    """Some attempt got an HTTP response (the server is there)."""

    def stopping(self) -> bool:
        return self.stop.is_set() or self.halted[0]

    async def answer(self, item: BatchItem) -> _Response | _Deferred | dict[str, Any]:
        """The 2xx reply, or the error line after the retries (``_DEFERRED``: no line)."""
        attempts = _LineAttempts(self, item.estimated_tokens)
        http = self.client.get_async_httpx_client()
        kwargs = create_chat_completion._with_stream(
            create_chat_completion._get_kwargs(body=item.request), stream=False
        )
        try:
            try:
                response = await asend(http, kwargs, self.client._request_options(http), hooks=attempts)
            except _Unfinished:
                return _DEFERRED
            except APIConnectionError as exc:  # no response after the retries
                failure = "timeout" if isinstance(exc, APITimeoutError) else "connection_error"
                return error_record(item.custom_id, failure, exc.message)
            except AimlApiError as exc:  # a body over the size cap, a Content-Encoding lie: final
                return error_record(item.custom_id, _error_code(exc), str(exc))
            code = response.status_code
            request_id = response.headers.get("x-request-id")
            if 200 <= code < 300:
                parsed = parse_or_none(response, create_chat_completion._parse_success)
                if isinstance(parsed, ChatCompletion):
                    usage = parsed.usage
                    if usage is not None:  # a reply without usage keeps the estimate it was admitted with
                        attempts.release(used_tokens=usage.total_tokens)
                        self._count_tokens(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
                    self.limiter.succeeded()
                    return _Response(code, request_id, response.content)
            return _error_line(item.custom_id, response, request_id)
        finally:
            # Whatever happened (an exception too), the permit goes back; releasing twice
            # does nothing, so the success path's release with the reply's tokens wins.
            attempts.release()

    def stop_run(self, reason: str) -> None:
        if self.summary.stopped_by is None:
            self.summary.stopped_by = reason
        self.stop.set()

    def _count_tokens(self, prompt: int, completion: int, total: int) -> None:
        self.summary.prompt_tokens += prompt
        self.summary.completion_tokens += completion
        self.summary.total_tokens += total


@define(kw_only=True)
class _Run(_Sender):
    """One batch run: the sender, the output file, the workers."""

    limiter: RateLimiter
    writer: OutputWriter
    on_invalid: Callable[[InvalidLine], None] | None
    on_progress: ProgressCallback | None
    strict: bool
    concurrency: int = DEFAULT_CONCURRENCY
    written_unkeyed: set[str] = field(factory=set)
    """Messages of the error lines without a custom_id the output holds (each written once)."""
    strict_failure: InvalidLine | None = None
    workers: list[asyncio.Task[Any]] = field(factory=list)
    idle: asyncio.Event = field(factory=asyncio.Event)
    _active: int = 0

    def spawn(self, items: Iterator[BatchItem | InvalidLine]) -> None:
        task = asyncio.create_task(self.worker(items))
        self.workers.append(task)
        self._active += 1
        task.add_done_callback(self._worker_done)

    def _worker_done(self, _task: asyncio.Task[Any]) -> None:
        self._active -= 1
        if self._active == 0:
            self.idle.set()

    async def worker(self, items: Iterator[BatchItem | InvalidLine]) -> None:
        # Items come from one generator shared by every worker; it never awaits, so no two take
        # the same line. Nothing is taken once the run is stopping: with --strict no line after
        # the invalid one is sent. Workers are started one per line taken, up to concurrency.
        while not self.stopping():
            item = next(items, None)
            if item is None:
                return
            if isinstance(item, InvalidLine):
                self._invalid(item)
                if self.strict:  # no line: the next run stops at it again until it is fixed
                    self.strict_failure = self.strict_failure or item
                    self.stop.set()
                    return
            else:
                if len(self.workers) < self.concurrency:
                    self.spawn(items)
                try:
                    answer = await self._answer_or_error(item)
                finally:
                    if (task := asyncio.current_task()) is not None:
                        self.sending.discard(task)
                # No await between the answer and the write: a cancelled line has no line at all.
                if isinstance(answer, _Response):
                    self.writer.write_response(
                        item.custom_id, answer.status_code, answer.request_id, answer.content
                    )
                    self.summary.succeeded += 1
                elif isinstance(answer, _Deferred):
                    self.summary.unfinished += 1
                else:
                    self.writer.write(answer)
                    self.summary.failed += 1
            if self.on_progress is not None:
                self.on_progress(self.summary, self.limiter)

    async def _answer_or_error(self, item: BatchItem) -> _Response | _Deferred | dict[str, Any]:
        try:
            return await self.answer(item)
        except Exception as exc:  # one line's surprise must not end the run
            return error_record(item.custom_id, "client_error", f"{type(exc).__name__}: {exc}")

    def _invalid(self, item: InvalidLine) -> None:
        self.summary.invalid += 1
        if len(self.summary.invalid_lines) < _KEPT_INVALID:
            self.summary.invalid_lines.append(item)
        if not self.strict:
            record = invalid_record(item)
            message = record["error"]["message"]
            if item.output_id is not None or message not in self.written_unkeyed:
                self.writer.write(record)
                if item.output_id is None:
                    self.written_unkeyed.add(message)
        if self.on_invalid is not None:
            self.on_invalid(item)


class _Unfinished(Exception):
    """Ends a line without an output line (the next run sends it); raised by its hooks."""


@define(eq=False)
class _LineAttempts:
    """The run's hooks on the retry engine (``_base.AttemptHooks``) for the attempts of one line."""

    run: _Sender
    tokens: float
    permit: Permit | None = None
    """The limiter's grant for the attempt in flight."""

    async def before_attempt(self, attempt: int) -> None:
        # A stop ends a retry's wait at once: one waiting a minute for --rpm must not hold up a
        # Ctrl-C for the grace period (the next run sends it). A first attempt's wait is cancelled
        # by _drive instead (it is no line in flight yet).
        stop = self.run.stop if attempt > 0 else None
        try:
            self.permit = await self.run.limiter.acquire(self.tokens, stop=stop)
        except Stopped:
            raise _Unfinished from None
        if attempt == 0:
            # From here the line is in flight: a stop lets it finish (within the grace period).
            task = asyncio.current_task()
            if task is not None:
                self.run.sending.add(task)

    def after_attempt(
        self,
        attempt: int,
        request: httpx.Request,
        outcome: httpx.Response | httpx.RequestError,
        decision: Decision,
    ) -> None:
        run = self.run
        if isinstance(outcome, httpx.Response):
            run.reached = True
            code = outcome.status_code
            if code == 429:
                run.summary.rate_limited += 1
            if decision.refused_wait is not None:
                # The server asks for a pause longer than the client waits (MAX_RETRY_AFTER): every
                # other line would get the same answer, so the run stops; this line has no output
                # line and goes with the next run.
                if self.permit is not None:
                    run.limiter.rate_limited_for(self.permit, decision.refused_wait)
                run.stop_run(
                    f"HTTP {code} with Retry-After {decision.refused_wait:g} s, longer than the "
                    f"{MAX_RETRY_AFTER:g} s the client waits ({make_status_error(outcome).message});"
                    " run again after it"
                )
                raise _Unfinished
            if code == 429 and self.permit is not None:
                run.limiter.rate_limited_for(self.permit, decision.wait)  # a pause and a cut for all
            elif code in STOPPING_STATUSES:
                run.stop_run(make_status_error(outcome).message)  # this line still gets its error line
        else:
            unreachable = isinstance(outcome, httpx.ConnectError | httpx.ConnectTimeout)
            run.reached = run.reached or not unreachable
            if (
                unreachable
                and not run.reached
                and (not decision.retry or attempt + 1 >= UNREACHABLE_ATTEMPTS)
            ):
                # A line failed to connect UNREACHABLE_ATTEMPTS times (or all its attempts) and no
                # attempt of the run ever connected: a wrong base URL or a server that is down,
                # which every other line would meet the same way.
                message = connection_error(outcome, request, attempt + 1).message
                run.stop_run(f"no attempt reached the server: {message}")
                raise _Unfinished
        if decision.retry:
            self.release()  # the wait holds no place in flight; the window runs from now

    async def wait(self, seconds: float) -> None:
        run = self.run
        run.summary.retries += 1
        # The wait ends early when the run stops: a retry is a new send, and none is sent then.
        with suppress(TimeoutError):
            await asyncio.wait_for(run.stop.wait(), timeout=seconds)
        if run.stopping():
            raise _Unfinished

    def release(self, *, used_tokens: float | None = None) -> None:
        if self.permit is not None:
            self.run.limiter.release(self.permit, used_tokens=used_tokens)


def _error_code(exc: AimlApiError) -> str:
    if isinstance(exc, ResponseTooLargeError):
        return "response_too_large"
    if isinstance(exc, APIResponseValidationError):
        return "invalid_response"
    return "client_error"


def _error_line(custom_id: str, response: httpx.Response, request_id: str | None) -> dict[str, Any]:
    """The error line of a final answer that is not a ChatCompletion: ``response`` holds it as it
    came (the body parsed when it is JSON, else its text), ``error`` says what failed."""
    code = response.status_code
    text = response.content.decode("utf-8", "replace")
    data = json_or_none(text)
    body = data if data is not None else text
    if 200 <= code < 300:
        answer = {"status_code": code, "request_id": request_id, "body": body}
        return error_record(
            custom_id, "invalid_response", f"HTTP {code} body is not a valid ChatCompletion", answer
        )
    error = make_status_error(response)
    answer = {"status_code": code, "request_id": error.request_id or request_id, "body": body}
    return error_record(custom_id, "http_error", error.message, answer)


def _default_client(
    base_url: str | None, concurrency: int, api_key: str | Secret | None
) -> AuthenticatedClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    kwargs: dict[str, Any] = {"httpx_args": {"limits": limits}}
    if base_url is not None:
        kwargs["base_url"] = base_url
    # Read and checked here, so that a message names this entry point's own fix.
    kwargs["token"] = (
        api_key_from_env("api_key=... to run_batch()")
        if api_key is None
        else as_api_key(api_key, "api_key=...")
    )
    return AuthenticatedClient(**kwargs)


def _low_level(client: BatchClient) -> AuthenticatedClient:
    """The functional layer's client of ``client`` (an ``AIMLAPI`` / ``AsyncAIMLAPI`` holds one)."""
    if isinstance(client, SyncAPIClient | AsyncAPIClient):
        return client.authenticated_client
    return client


def _wants_bar(progress: bool | None) -> bool:
    if progress is None:
        from ._batch_progress import wants_bar

        return wants_bar()
    return progress


async def arun_batch(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    client: BatchClient | None = None,
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    rpm: int | None = None,
    tpm: int | None = None,
    window: float = 60.0,
    max_retries: int = DEFAULT_MAX_RETRIES,
    backoff: Backoff | None = None,
    timeout: float | None = None,
    shard: Shard | str | None = None,
    errors_only_retry: bool = False,
    strict: bool = False,
    fsync: bool = False,
    grace: float = DEFAULT_GRACE,
    stop: asyncio.Event | None = None,
    on_invalid: Callable[[InvalidLine], None] | None = None,
    on_progress: ProgressCallback | None = None,
    progress: bool | None = False,
    _abort: asyncio.Event | None = None,
    _halted: list[bool] | None = None,
) -> BatchSummary:
    """Send every line of ``input_path`` (JSON Lines; see ``aimlapi_gemini.batch``) and append one
    answer line per ``custom_id`` to ``output_path``, skipping the ids it answers already.

    ``client``: an ``AuthenticatedClient``, ``AIMLAPI`` or ``AsyncAIMLAPI`` (its async pool, key,
    base URL, timeout); by default one from ``api_key`` (else ``$AIML_API_KEY``) and ``base_url``
    (else ``$AIML_API_BASE_URL``) with a pool of ``concurrency`` connections; ``api_key`` and
    ``base_url`` with ``client`` are a TypeError (the client has its own). ``rpm`` / ``tpm``: never
    more requests / estimated tokens started in any ``window`` seconds. ``max_retries``: per line,
    after 408, 409, 429, 5xx and transient transport errors. ``shard``: ``"K/N"`` or a ``Shard``.
    ``errors_only_retry``: send again only the ids whose latest output line is an error; at the end
    only each id's last line stays. ``strict``: an invalid line stops the run (``InvalidInputError``
    after the lines in flight are written); else it is skipped and reported to ``on_invalid``.
    ``fsync``: each line is also on the disk before the next (slower; a ``kill -9`` loses nothing
    either way). ``stop``, ``grace``: see the module docstring. ``on_progress`` is called after
    every line. ``progress``: a tqdm bar on stderr (lines done of the input's total, rate, ETA,
    counts, the limiter): True always, False never (the default), None only when stdout and stderr
    are terminals (the CLI's choice).

    Raises ``BatchFileError`` when the output holds a line that is not a batch output line.
    """
    started = time.monotonic()
    source, target = Path(input_path), Path(output_path)
    if isinstance(shard, str):
        shard = Shard.parse(shard)
    if max_retries < 0:
        raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    if not source.is_file():
        raise BatchFileError(f"{source}: no such input file")
    if client is not None and (api_key is not None or base_url is not None):
        raise TypeError("pass api_key and base_url to the client, or leave client out, not both")
    summary = BatchSummary()
    # A second run on the same output would send the same ids again: it is refused at once.
    with lock_output(target) as lock:
        state = scan_output(target)
        summary.repaired = state.repaired
        if state.superseded:  # left by an --errors-only-retry run that was killed before compacting
            summary.compacted += compact_output(target, lock)
        limiter = RateLimiter(concurrency=concurrency, rpm=rpm, tpm=tpm, window=window)
        stop = stop if stop is not None else asyncio.Event()
        abort = _abort if _abort is not None else asyncio.Event()
        if client is None:
            client, own_pool = _default_client(base_url, concurrency, api_key), True
        else:
            client = _low_level(client)
            own_pool = client._async_client is None
        # A copy with the run's retries, backoff and timeout, so the caller's client keeps its own; a
        # pool it has is shared, and one made here (on this event loop, which may not outlive the
        # run) is closed at the end.
        http_client = client.with_options(
            max_retries=max_retries,
            backoff=backoff or Backoff(),
            timeout=UNSET if timeout is None else timeout,
        )
        stats = ReadStats()
        items = read_items(
            source, shard=shard, done=state.done_ids(errors_only_retry=errors_only_retry), stats=stats
        )
        bar = _progress_bar(source) if _wants_bar(progress) else None
        with OutputWriter(target, fsync=fsync) as writer:
            run = _Run(
                client=http_client,
                limiter=limiter,
                writer=writer,
                summary=summary,
                on_invalid=on_invalid,
                on_progress=_both(on_progress, None if bar is None else bar.update),
                strict=strict,
                stop=stop,
                concurrency=concurrency,
                written_unkeyed=set(state.unkeyed),
                halted=_halted if _halted is not None else [False],
            )
            try:
                await _drive(run, items, grace, abort)
            finally:
                summary.already_done, summary.other_shard = stats.already_done, stats.other_shard
                summary.failed_before = stats.failed_before
                if bar is not None:
                    bar.close()
                if own_pool:
                    await http_client.get_async_httpx_client().aclose()
        summary.interrupted = run.stopping() and run.strict_failure is None and summary.stopped_by is None
        if errors_only_retry or summary.compacted:
            after = scan_output(target)
            if after.superseded:
                summary.compacted += compact_output(target, lock)
        summary.wall_time = time.monotonic() - started
        if run.strict_failure is not None:
            raise InvalidInputError(source, run.strict_failure)
        return summary


def _progress_bar(source: Path) -> ProgressBar:
    from ._batch_io import count_lines
    from ._batch_progress import ProgressBar  # tqdm is imported only when a bar is drawn

    return ProgressBar(count_lines(source))


def _both(first: ProgressCallback | None, second: ProgressCallback | None) -> ProgressCallback | None:
    if first is None or second is None:
        return first or second

    def call(summary: BatchSummary, limiter: RateLimiter) -> None:
        first(summary, limiter)
        second(summary, limiter)

    return call


async def _drive(
    run: _Run, items: Iterator[BatchItem | InvalidLine], grace: float, abort: asyncio.Event
) -> None:
    # One worker to begin with; each line taken starts another, up to the concurrency, so a
    # 10-line input never has more than 11 tasks whatever --concurrency says.
    run.spawn(items)
    everything: asyncio.Future[Any] = asyncio.create_task(run.idle.wait())
    stopping: asyncio.Future[Any] = asyncio.create_task(run.stop.wait())
    aborting: asyncio.Future[Any] = asyncio.create_task(abort.wait())
    try:
        await asyncio.wait({everything, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not everything.done():
            # Stopped: no worker takes another line. A line still waiting for the limiter was never
            # sent: it goes now (the next run sends it); the ones in flight get the grace period.
            for worker in run.workers:
                if not worker.done() and worker not in run.sending:
                    worker.cancel()
                    run.summary.unfinished += 1
            await asyncio.wait({everything, aborting}, timeout=grace, return_when=asyncio.FIRST_COMPLETED)
        for worker in run.workers:
            if not worker.done() and not worker.cancelled() and worker in run.sending:
                worker.cancel()
                run.summary.unfinished += 1
        await asyncio.gather(*run.workers, return_exceptions=True)
        for worker in run.workers:
            if not worker.cancelled() and (error := worker.exception()) is not None:
                raise error  # a fault of the runner itself (each line's own are error lines)
    finally:
        for task in (*run.workers, everything, stopping, aborting):
            task.cancel()
        await asyncio.gather(*run.workers, everything, stopping, aborting, return_exceptions=True)


class BatchOptions(TypedDict, total=False):
    """``run_batch``'s keywords: ``arun_batch``'s (see there), so type checkers check them too."""

    client: BatchClient | None
    api_key: str | Secret | None
    base_url: str | None
    concurrency: int
    rpm: int | None
    tpm: int | None
    window: float
    max_retries: int
    backoff: Backoff | None
    timeout: float | None
    shard: Shard | str | None
    errors_only_retry: bool
    strict: bool
    fsync: bool
    grace: float
    stop: asyncio.Event | None
    on_invalid: Callable[[InvalidLine], None] | None
    on_progress: ProgressCallback | None
    progress: bool | None


def run_batch(
    input_path: str | os.PathLike[str], output_path: str | os.PathLike[str], **options: Unpack[BatchOptions]
) -> BatchSummary:
    """``arun_batch`` on a new event loop. In the main thread the first Ctrl-C (SIGINT), SIGTERM
    or SIGHUP stops taking lines and waits ``grace`` seconds for the ones in flight (so a ``kill``,
    a closed terminal or a service manager's stop keep the answers paid for, as Ctrl-C does); a
    second one cancels them. ``BatchSummary.interrupted_by`` names the signal."""
    return asyncio.run(_run_with_signals(input_path, output_path, options))


# The signals that stop a run as Ctrl-C does (SIGHUP: not on Windows).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


async def _run_with_signals(
    input_path: str | os.PathLike[str], output_path: str | os.PathLike[str], options: BatchOptions
) -> BatchSummary:
    stop = options.get("stop") or asyncio.Event()
    options = {**options, "stop": stop}
    abort = asyncio.Event()
    halted = [False]
    received: list[int] = []
    loop = asyncio.get_running_loop()
    handled = threading.current_thread() is threading.main_thread()

    def interrupted() -> None:
        (abort if stop.is_set() else stop).set()

    def on_signal(signum: int, _frame: object) -> None:
        # A Python-level handler runs at once, even while the output is scanned (no event loop
        # turn then): the flag keeps every worker from taking a line; the events follow.
        first = not halted[0]
        halted[0] = True
        received.append(signum)
        loop.call_soon_threadsafe(interrupted if first or stop.is_set() else abort.set)

    previous: dict[int, Any] = {}
    if handled:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, on_signal)
    try:
        summary = await arun_batch(input_path, output_path, _abort=abort, _halted=halted, **options)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received and summary.interrupted:
        summary.interrupted_by = signal.Signals(received[0]).name
    return summary
