# Copied from scripts/codegen/runtime/_base.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Send one API request: retry transient failures with backoff, and turn every httpx failure into
APIConnectionError / APITimeoutError (or the body's own typed errors). Status codes are left to the
caller, which decides whether they raise (``sync``) or are returned (``sync_detailed``).

Every attempt carries ``X-Retry-Count`` (0 on the first) and the call's one ``Idempotency-Key``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

import httpx
from attrs import define, field

from . import _retry
from ._body import aread_body, read_body
from ._deadline import Deadline
from ._exceptions import APIConnectionError, APITimeoutError
from ._retry import IDEMPOTENCY_KEY_HEADER, RETRY_COUNT_HEADER, Backoff, gives_up, is_retryable_status
from ._secret import REDACTED, Secret, redact_headers

logger = logging.getLogger("aimlapi_gemini")

_IDEMPOTENCY_KEY_LOWER = IDEMPOTENCY_KEY_HEADER.lower()

# What httpx's json= does, with the encoder built once instead of on every request.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)

# Per pool, the absolute URL of each path it was sent to: given a relative path, httpx parses and
# joins it with the base URL on every request, a noticeable part of a call's own cost.
_absolute_urls: WeakKeyDictionary[httpx.Client | httpx.AsyncClient, dict[str, tuple[httpx.URL, httpx.URL]]]
_absolute_urls = WeakKeyDictionary()
_MAX_URLS_PER_POOL = 256  # paths with parameters in them vary


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


def _idempotency_key(options: RequestOptions) -> str | None:
    """A new key for this call, or None when the caller passed their own."""
    if options.extra_headers and any(
        name.lower() == _IDEMPOTENCY_KEY_LOWER for name in options.extra_headers
    ):
        return None
    # 128 random bits, like a UUID4, without building a UUID object on every call.
    return f"aimlapi-gemini-{os.urandom(16).hex()}"


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
            request_kwargs["content"] = _JSON.encode(request_kwargs.pop("json")).encode()
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
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "request %s %s headers=%s",
            request.method,
            request.url,
            redact_headers(request.headers, options.secrets),
        )
    return request


def _is_transient(exc: httpx.TransportError) -> bool:
    # Timeouts, refused/reset connections and servers hanging up are worth another try; a bad URL
    # or an unsupported scheme is not.
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def _retry_delay(
    attempt: int,
    options: RequestOptions,
    request: httpx.Request,
    outcome: httpx.Response | httpx.TransportError,
) -> float | None:
    """Seconds to wait before the next attempt, or None when this outcome is final."""
    if attempt >= options.max_retries:
        return None
    if isinstance(outcome, httpx.Response):
        if not is_retryable_status(outcome.status_code):
            return None
        if (advised := gives_up(outcome.headers)) is not None:
            logger.info(
                "not retrying %s %s: the server asks to wait %.0f s, more than %.0f s",
                request.method,
                request.url,
                advised,
                _retry.MAX_RETRY_AFTER,
            )
            return None
        delay = options.backoff.delay(attempt, outcome.headers)
        reason = f"HTTP {outcome.status_code}"
    else:
        if not _is_transient(outcome):
            return None
        delay = options.backoff.delay(attempt)
        reason = type(outcome).__name__
    if options.deadline is not None and options.deadline.remaining() <= delay:
        logger.info("not retrying %s %s: the call's deadline comes first", request.method, request.url)
        return None
    logger.info(
        "retrying %s %s in %.2f s (retry %d of %d) after %s",
        request.method,
        request.url,
        delay,
        attempt + 1,
        options.max_retries,
        reason,
    )
    return delay


def _connection_error(exc: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
    where = f"{request.method} {request.url}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out ({type(exc).__name__}): {where}", request=request)
    if isinstance(exc, httpx.TooManyRedirects):
        return APIConnectionError(f"too many redirects ({exc}): {where}", request=request)
    detail = str(exc) or type(exc).__name__
    kind = "connection error" if isinstance(exc, httpx.TransportError) else type(exc).__name__
    return APIConnectionError(f"{kind}: {detail}: {where}", request=request)


def _transport_failure(
    exc: httpx.TransportError, attempt: int, options: RequestOptions, request: httpx.Request
) -> float:
    """The wait before the next attempt after ``exc``; raises the typed error when there is none."""
    deadline = options.deadline
    if deadline is not None and isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= 0.05:
        raise deadline.exceeded(request, "waiting for the response") from exc
    delay = _retry_delay(attempt, options, request, exc)
    if delay is None:
        raise _connection_error(exc, request) from exc
    return delay


def send(
    http: httpx.Client, kwargs: Mapping[str, Any], options: RequestOptions, *, stream: bool = False
) -> httpx.Response:
    """The final response (any status) after retries, its body read (at most
    ``options.max_response_bytes``); with ``stream`` the body is left unread."""
    idempotency_key = _idempotency_key(options)
    deadline = options.deadline
    attempt = 0
    while True:
        request = _build(http, kwargs, options, attempt, idempotency_key)
        try:
            if deadline is not None and deadline.passed():
                raise deadline.exceeded(request, f"before attempt {attempt + 1}")
            response = http.send(request, stream=True)
            if deadline is not None:
                deadline.guard(response)
            if not stream:
                read_body(response, options.max_response_bytes)
        except httpx.TransportError as exc:
            delay = _transport_failure(exc, attempt, options, request)
        except httpx.RequestError as exc:  # TooManyRedirects, DecodingError: no retry helps
            raise _connection_error(exc, request) from exc
        else:
            logger.debug("response %s %s: HTTP %d", request.method, request.url, response.status_code)
            wait = _retry_delay(attempt, options, request, response)
            if wait is None:
                return response
            delay = wait
            response.close()
        _retry.sleep(delay)
        attempt += 1


async def asend(
    http: httpx.AsyncClient, kwargs: Mapping[str, Any], options: RequestOptions, *, stream: bool = False
) -> httpx.Response:
    """Async twin of ``send``."""
    idempotency_key = _idempotency_key(options)
    deadline = options.deadline
    attempt = 0
    while True:
        request = _build(http, kwargs, options, attempt, idempotency_key)
        try:
            if deadline is not None and deadline.passed():
                raise deadline.exceeded(request, f"before attempt {attempt + 1}")
            response = await http.send(request, stream=True)
            if deadline is not None:
                deadline.guard(response)
            if not stream:
                await aread_body(response, options.max_response_bytes)
        except httpx.TransportError as exc:
            delay = _transport_failure(exc, attempt, options, request)
        except httpx.RequestError as exc:  # TooManyRedirects, DecodingError: no retry helps
            raise _connection_error(exc, request) from exc
        else:
            logger.debug("response %s %s: HTTP %d", request.method, request.url, response.status_code)
            wait = _retry_delay(attempt, options, request, response)
            if wait is None:
                return response
            delay = wait
            await response.aclose()
        await _retry.asleep(delay)
        attempt += 1
