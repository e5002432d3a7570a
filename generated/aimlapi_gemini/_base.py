# Copied from scripts/codegen/runtime/_base.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Send one API request: retry transient failures with backoff, and turn transport failures into
APIConnectionError / APITimeoutError. Status codes are left to the caller, which decides whether
they raise (``sync``) or are returned (``sync_detailed``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
from attrs import define

from . import _retry
from ._exceptions import APIConnectionError, APITimeoutError
from ._retry import Backoff, is_retryable_status

logger = logging.getLogger("aimlapi_gemini")

_SECRET_HEADER_PARTS = ("authorization", "api-key", "apikey", "token", "cookie", "secret")


@define(frozen=True)
class RequestOptions:
    """Everything about one call that the client (or the call's own arguments) decides."""

    headers: Mapping[str, str]
    """The client's headers (with the credentials)."""
    extra_headers: Mapping[str, str]
    """The call's own headers; they win over the client's and the operation's."""
    timeout: httpx.Timeout
    max_retries: int
    backoff: Backoff


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy safe to log or print: credentials replaced by a marker."""
    return {
        name: "<redacted>" if any(part in name.lower() for part in _SECRET_HEADER_PARTS) else value
        for name, value in headers.items()
    }


def _build(
    http: httpx.Client | httpx.AsyncClient, kwargs: Mapping[str, Any], options: RequestOptions
) -> httpx.Request:
    headers = {**options.headers, **kwargs.get("headers", {}), **options.extra_headers}
    request_kwargs = {key: value for key, value in kwargs.items() if key != "headers"}
    request = http.build_request(**request_kwargs, headers=headers, timeout=options.timeout)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("request %s %s headers=%s", request.method, request.url, redact_headers(request.headers))
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
        delay = options.backoff.delay(attempt, outcome.headers)
        reason = f"HTTP {outcome.status_code}"
    else:
        if not _is_transient(outcome):
            return None
        delay = options.backoff.delay(attempt)
        reason = type(outcome).__name__
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


def _connection_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    where = f"{request.method} {request.url}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out ({type(exc).__name__}): {where}", request=request)
    detail = str(exc) or type(exc).__name__
    return APIConnectionError(f"connection error: {detail}: {where}", request=request)


def send(
    http: httpx.Client, kwargs: Mapping[str, Any], options: RequestOptions, *, stream: bool = False
) -> httpx.Response:
    """The final response (any status) after retries; with ``stream`` its body is not read yet."""
    attempt = 0
    while True:
        request = _build(http, kwargs, options)
        try:
            response = http.send(request, stream=stream)
        except httpx.TransportError as exc:
            delay = _retry_delay(attempt, options, request, exc)
            if delay is None:
                raise _connection_error(exc, request) from exc
        else:
            logger.debug("response %s %s: HTTP %d", request.method, request.url, response.status_code)
            delay = _retry_delay(attempt, options, request, response)
            if delay is None:
                return response
            response.close()
        _retry.sleep(delay)
        attempt += 1


async def asend(
    http: httpx.AsyncClient, kwargs: Mapping[str, Any], options: RequestOptions, *, stream: bool = False
) -> httpx.Response:
    """Async twin of ``send``."""
    attempt = 0
    while True:
        request = _build(http, kwargs, options)
        try:
            response = await http.send(request, stream=stream)
        except httpx.TransportError as exc:
            delay = _retry_delay(attempt, options, request, exc)
            if delay is None:
                raise _connection_error(exc, request) from exc
        else:
            logger.debug("response %s %s: HTTP %d", request.method, request.url, response.status_code)
            delay = _retry_delay(attempt, options, request, response)
            if delay is None:
                return response
            await response.aclose()
        await _retry.asleep(delay)
        attempt += 1
