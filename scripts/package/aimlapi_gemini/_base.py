"""Send one API request: the retry engine. Each attempt's outcome goes to the retry policy
(``_retry.decide``: which statuses and errors are retried, how long to wait first), the call's
deadline caps it, and every httpx failure becomes APIConnectionError / APITimeoutError (or the
body's own typed errors). Status codes are left to the caller, which decides whether they raise
(``sync``) or are returned (``sync_detailed``).

Every attempt carries ``X-Retry-Count`` (0 on the first) and the call's one ``Idempotency-Key``.
The batch runs its lines through ``asend`` too, with ``AttemptHooks``: its limiter before each
attempt, its run-wide rules after each outcome, its stop event in the waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol
from weakref import WeakKeyDictionary

import httpx
from attrs import define, field

from . import _retry
from ._body import aread_body, read_body
from ._deadline import Deadline
from ._exceptions import APIConnectionError, APITimeoutError
from ._json import dumps
from ._logs import logger
from ._open_streams import areclaim, exhausted, reclaim
from ._retry import IDEMPOTENCY_KEY_HEADER, RETRY_COUNT_HEADER, Backoff, Decision, decide
from ._secret import REDACTED, RedactedHeaders, Secret, credential_names, redact_headers

# Per pool, the absolute URL of each path it was sent to: given a relative path, httpx parses and
# joins it with the base URL on every request, a noticeable part of a call's own cost.
_absolute_urls: WeakKeyDictionary[httpx.Client | httpx.AsyncClient, dict[str, tuple[httpx.URL, httpx.URL]]]
_absolute_urls = WeakKeyDictionary()
_MAX_URLS_PER_POOL = 256  # paths with parameters in them vary

# A request extension (carried over to the requests of its redirects): the call's first URL and the
# secrets it may carry, for ``guard_redirect``.
_CREDENTIALS = "aimlapi_gemini.credentials"


def _redacted_repr(headers: Mapping[str, str]) -> str:
    return repr(redact_headers(headers))


def _names_repr(headers: Mapping[str, str]) -> str:
    # The call's own headers may carry a secret under any name; a traceback shows only the names.
    return repr(dict.fromkeys(headers, REDACTED))


@define(frozen=True)
class RequestOptions:
    """Everything about one call that the client (or the call's own arguments) decides."""

    headers: Mapping[str, str] = field(repr=_redacted_repr)
    """The client's headers that its connection pool does not send already (usually none)."""
    secret_headers: Mapping[str, Secret]
    """The same for the credentials (only when the pool was not built by the client)."""
    secrets: tuple[Secret, ...]
    """Values the debug log must not show, whatever header carries them."""
    extra_headers: Mapping[str, str] = field(repr=_names_repr)
    """The call's own headers; they win over the client's and the operation's."""
    timeout: httpx.Timeout
    max_retries: int
    backoff: Backoff
    max_response_bytes: int
    max_event_bytes: int
    deadline: Deadline | None = None


class AttemptHooks(Protocol):
    """What a caller running many calls together (the batch) does around each attempt of one call.
    A hook ends the call by raising: the exception goes to ``asend``'s caller, a response is closed."""

    async def before_attempt(self, attempt: int) -> None:
        """Before attempt ``attempt`` (0 for the first) is built and sent."""

    def after_attempt(
        self,
        attempt: int,
        request: httpx.Request,
        outcome: httpx.Response | httpx.RequestError,
        decision: Decision,
    ) -> None:
        """With each attempt's outcome (a response, its body read; or the httpx error) and what the
        policy decided about it; ``decision.retry`` false: the call ends with this outcome."""

    async def wait(self, seconds: float) -> None:
        """The wait before a retry, instead of ``_retry.asleep``."""


def _absolute_url(http: httpx.Client | httpx.AsyncClient, path: str) -> httpx.URL:
    urls = _absolute_urls.get(http)
    if urls is None:
        urls = _absolute_urls[http] = {}
    base = http.base_url
    known = urls.get(path)
    if known is not None and known[0] is base:
        return known[1]
    if len(urls) >= _MAX_URLS_PER_POOL:
        urls.clear()
    url = http.build_request("GET", path).url
    urls[path] = (base, url)
    return url


def _build(
    http: httpx.Client | httpx.AsyncClient,
    kwargs: Mapping[str, Any],
    options: RequestOptions,
    attempt: int,
    idempotency_key: str | None,
) -> httpx.Request:
    # The pool already sends the client's headers; only what differs goes with the request.
    headers = {**options.headers, **kwargs.get("headers", {}), RETRY_COUNT_HEADER: str(attempt)}
    if idempotency_key is not None:
        headers[IDEMPOTENCY_KEY_HEADER] = idempotency_key
    headers.update(options.extra_headers)
    timeout: httpx.Timeout | httpx._client.UseClientDefault
    if options.deadline is not None:
        timeout = options.deadline.timeout(options.timeout)
    elif options.timeout == http.timeout:
        timeout = httpx.USE_CLIENT_DEFAULT  # the pool's own: httpx need not build another Timeout
    else:
        timeout = options.timeout
    request_kwargs = {**kwargs, "headers": headers, "timeout": timeout}
    if isinstance(kwargs["url"], str):
        request_kwargs["url"] = _absolute_url(http, kwargs["url"])
    if "json" in kwargs:
        try:
            request_kwargs["content"] = dumps(request_kwargs.pop("json")).encode()
        except ValueError as exc:  # NaN or infinity: JSON has no way to say them
            raise ValueError(f"the request body cannot be sent as JSON: {exc}") from None
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
    request = http.build_request(**request_kwargs)
    if options.secret_headers:
        # Set here rather than merged above, so no local variable of ours holds the key.
        overridden = {name.lower() for name in (*kwargs.get("headers", {}), *options.extra_headers)}
        for name, secret in options.secret_headers.items():
            if name.lower() not in overridden:
                request.headers[name] = secret.get_secret_value()
    # Shown redacted wherever the request goes (exc.request, tracebacks); checked on redirects.
    request.headers = RedactedHeaders(request.headers, options.secrets)
    request.extensions[_CREDENTIALS] = (request.url, options.secrets)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "request %s %s headers=%s",
            request.method,
            request.url,
            redact_headers(request.headers, options.secrets),
        )
    return request


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def guard_redirect(request: httpx.Request) -> None:
    """A request hook of the client's pools, run on every request httpx sends, redirects included:
    a redirect to another origin (scheme, host or port) goes without the credentials, whatever
    header carries them (httpx itself drops only ``Authorization``); every request's headers are
    shown redacted."""
    sent = request.extensions.get(_CREDENTIALS)
    if sent is None:  # not one of ours (a pool shared with other code)
        return
    origin, secrets = sent
    if not isinstance(request.headers, RedactedHeaders):  # a redirect's, copied by httpx
        request.headers = RedactedHeaders(request.headers, secrets)
    if _origin(request.url) != _origin(origin):
        for name in credential_names(request.headers, secrets):
            del request.headers[name]


async def aguard_redirect(request: httpx.Request) -> None:
    """``guard_redirect`` as the async hook httpx.AsyncClient awaits."""
    guard_redirect(request)


def _log_outcome(
    request: httpx.Request,
    outcome: httpx.Response | httpx.RequestError,
    attempt: int,
    started: float,
    options: RequestOptions,
) -> None:
    """AIML_API_LOG=info: one line per attempt (a stream's: until its headers came); debug: and the
    response's headers, redacted."""
    if not logger.isEnabledFor(logging.INFO):
        return
    elapsed = time.monotonic() - started
    if isinstance(outcome, httpx.Response):
        result = f"HTTP {outcome.status_code} {outcome.reason_phrase}".rstrip()
    else:
        result = f"{type(outcome).__name__}: {str(outcome) or 'no detail'}"
    logger.info("%s %s: %s (attempt %d, %.3f s)", request.method, request.url, result, attempt + 1, elapsed)
    if isinstance(outcome, httpx.Response) and logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "response %s %s headers=%s",
            request.method,
            request.url,
            redact_headers(outcome.headers, options.secrets),
        )


def _decision(
    attempt: int,
    options: RequestOptions,
    request: httpx.Request,
    outcome: httpx.Response | httpx.RequestError,
) -> Decision:
    """The retry policy's decision (``_retry.decide``), the call's deadline applied, logged."""
    decision = decide(outcome, attempt, options.max_retries, options.backoff)
    if not decision.retry:
        if decision.refused_wait is not None:
            logger.info(
                "not retrying %s %s: the server asks to wait %.0f s, more than %.0f s",
                request.method,
                request.url,
                decision.refused_wait,
                _retry.MAX_RETRY_AFTER,
            )
        return decision
    if options.deadline is not None and options.deadline.remaining() <= decision.wait:
        logger.info("not retrying %s %s: the call's deadline comes first", request.method, request.url)
        return Decision(wait=decision.wait)
    logger.info(
        "retrying %s %s in %.2f s (retry %d of %d) after %s",
        request.method,
        request.url,
        decision.wait,
        attempt + 1,
        options.max_retries,
        f"HTTP {outcome.status_code}" if isinstance(outcome, httpx.Response) else type(outcome).__name__,
    )
    return decision


# httpx's timeout exceptions, by the phase of the request each one is about.
_TIMEOUT_PHASES: tuple[tuple[type[httpx.TimeoutException], str], ...] = (
    (httpx.ConnectTimeout, "connect"),
    (httpx.ReadTimeout, "read"),
    (httpx.WriteTimeout, "write"),
    (httpx.PoolTimeout, "pool"),
)


def _timeout_text(exc: httpx.TimeoutException, request: httpx.Request) -> str:
    """'the read timeout of 600 s': the phase httpx names and its limit, as the request carried it
    (the call's own timeout, capped by its deadline); 'the timeout' when httpx does not say."""
    phase = next((name for kind, name in _TIMEOUT_PHASES if isinstance(exc, kind)), None)
    limits = request.extensions.get("timeout")
    limit = limits.get(phase) if phase is not None and isinstance(limits, dict) else None
    named = f"the {phase} timeout" if phase is not None else "the timeout"
    return f"{named} of {limit:g} s" if isinstance(limit, int | float) else named


def connection_error(
    exc: httpx.RequestError, request: httpx.Request, attempts: int = 1
) -> APIConnectionError:
    """The typed error of a request that got no (usable) response after ``attempts`` attempts."""
    where = f"{request.method} {request.url}"
    tried = f" ({attempts} attempt{'s' if attempts != 1 else ''})"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"request timed out: {_timeout_text(exc, request)} passed ({type(exc).__name__}): {where}{tried}",
            request=request,
        )
    if isinstance(exc, httpx.TooManyRedirects):
        return APIConnectionError(f"too many redirects ({exc}): {where}", request=request)
    detail = str(exc) or type(exc).__name__
    kind = "connection error" if isinstance(exc, httpx.TransportError) else type(exc).__name__
    return APIConnectionError(f"{kind}: {detail}: {where}{tried}", request=request)


def _failure(
    exc: httpx.RequestError,
    attempt: int,
    options: RequestOptions,
    request: httpx.Request,
    hooks: AttemptHooks | None,
    *,
    http: httpx.Client | httpx.AsyncClient,
) -> float:
    """The wait before the next attempt after ``exc``; raises the typed error when there is none."""
    deadline = options.deadline
    if deadline is not None and isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= 0.05:
        raise deadline.exceeded(request, "waiting for the response") from exc
    decision = _decision(attempt, options, request, exc)
    if hooks is not None:
        hooks.after_attempt(attempt, request, exc, decision)
    if not decision.retry:
        if isinstance(exc, httpx.PoolTimeout):
            raise exhausted(exc, http, request) from exc
        raise connection_error(exc, request, attempt + 1) from exc
    return decision.wait


def send(
    http: httpx.Client, kwargs: Mapping[str, Any], options: RequestOptions, *, stream: bool = False
) -> httpx.Response:
    """The final response (any status) after retries, its body read (at most
    ``options.max_response_bytes``); with ``stream`` the body is left unread."""
    idempotency_key = _retry.idempotency_key(options.extra_headers)
    deadline = options.deadline
    attempt = 0
    while True:
        request = _build(http, kwargs, options, attempt, idempotency_key)
        reclaim(http, request)
        started = time.monotonic()
        try:
            if deadline is not None and deadline.passed():
                raise deadline.exceeded(request, f"before attempt {attempt + 1}")
            response = http.send(request, stream=True)
            if deadline is not None:
                deadline.guard(response)
            if not stream:
                read_body(response, options.max_response_bytes)
        except httpx.RequestError as exc:  # no response: retried when transient, else typed
            _log_outcome(request, exc, attempt, started, options)
            delay = _failure(exc, attempt, options, request, None, http=http)
        else:
            _log_outcome(request, response, attempt, started, options)
            decision = _decision(attempt, options, request, response)
            if not decision.retry:
                return response
            delay = decision.wait
            response.close()
        _retry.sleep(delay)
        attempt += 1


async def asend(
    http: httpx.AsyncClient,
    kwargs: Mapping[str, Any],
    options: RequestOptions,
    *,
    stream: bool = False,
    hooks: AttemptHooks | None = None,
) -> httpx.Response:
    """Async twin of ``send``; ``hooks`` (the batch's) run around each attempt."""
    idempotency_key = _retry.idempotency_key(options.extra_headers)
    deadline = options.deadline
    attempt = 0
    while True:
        if hooks is not None:
            await hooks.before_attempt(attempt)
        request = _build(http, kwargs, options, attempt, idempotency_key)
        await areclaim(http, request)
        started = time.monotonic()
        try:
            if deadline is not None and deadline.passed():
                raise deadline.exceeded(request, f"before attempt {attempt + 1}")
            response = await http.send(request, stream=True)
            if deadline is not None:
                deadline.guard(response)
            if not stream:
                await aread_body(response, options.max_response_bytes)
        except httpx.RequestError as exc:  # no response: retried when transient, else typed
            _log_outcome(request, exc, attempt, started, options)
            delay = _failure(exc, attempt, options, request, hooks, http=http)
        else:
            _log_outcome(request, response, attempt, started, options)
            decision = _decision(attempt, options, request, response)
            if hooks is not None:
                try:
                    hooks.after_attempt(attempt, request, response, decision)
                except BaseException:
                    await response.aclose()
                    raise
            if not decision.retry:
                return response
            delay = decision.wait
            await response.aclose()
        if hooks is None:
            await _retry.asleep(delay)
        else:
            await hooks.wait(delay)
        attempt += 1
