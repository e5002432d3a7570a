"""Turn a finished response into a model or a typed error.

The generated ``from_dict`` methods raise ValidationError (a ValueError naming the JSON path) on
bodies that do not match the schema; this is the one place that turns it into
APIResponseValidationError, the raw body kept and the path in the message. A large body is parsed
with the garbage collector paused (``_collector``: most of a large parse's time was collections).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import TypeVar

import httpx

from ._collector import LARGE_BODY_BYTES, paused
from ._exceptions import PARSE_ERRORS, APIResponseValidationError, make_status_error, one_line

T = TypeVar("T")


def http_status(code: int) -> HTTPStatus | int:
    """HTTPStatus when the code is a standard one; proxies also send others (520, 499...)."""
    try:
        return HTTPStatus(code)
    except ValueError:
        return code


def raise_for_status(response: httpx.Response) -> None:
    if not response.is_success:
        raise make_status_error(response)


def parse_body(response: httpx.Response, parse: Callable[[httpx.Response], T], expected: str) -> T:
    """``parse(response)``, or APIResponseValidationError with the raw body when it does not fit."""
    try:
        return paused(parse, response) if len(response.content) >= LARGE_BODY_BYTES else parse(response)
    except PARSE_ERRORS as exc:
        raise validation_error(response, response.text, expected, exc) from exc


def parse_or_none(response: httpx.Response, parse: Callable[[httpx.Response], T]) -> T | None:
    """For raw access: a body that does not fit is reported as None (the bytes stay available)."""
    try:
        return paused(parse, response) if len(response.content) >= LARGE_BODY_BYTES else parse(response)
    except PARSE_ERRORS:
        return None


def validation_error(
    response: httpx.Response, text: str, expected: str, exc: BaseException, where: str = "body"
) -> APIResponseValidationError:
    if isinstance(exc, KeyError):
        reason = f"missing field {exc}"
    else:
        # A path can be long (choices[0].message.tool_calls[0].function.arguments): keep it whole.
        reason = one_line(str(exc), 300) or type(exc).__name__
    content_type = response.headers.get("content-type", "no content type").partition(";")[0]
    message = (
        f"HTTP {response.status_code} {where} is not a valid {expected} ({reason});"
        f" {content_type}, {len(text)} chars: {one_line(text, 80)!r}"
    )
    return APIResponseValidationError(message, response=response, text=text)
