"""What the generated resources (``client.chat.completions``...) share: keyword arguments into a
request body, ``extra_body`` / ``extra_query``, streams that open at once, raw responses.

The resources only arrange the functional layer (``api/<tag>/<operation>.py``): its ``_get_kwargs``
builds the request, ``_base.send`` sends it, its ``_parsed_or_raise`` reads the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import httpx

from ._exceptions import RequestValidationError
from ._request_body import as_json
from ._streaming import aconnect_stream, connect_stream
from ._validation import json_type

__all__ = [
    "RawResponse",
    "aconnect_stream",
    "as_json_fields",
    "connect_stream",
    "raw_stream",
    "stream_flag",
    "with_extras",
]

T = TypeVar("T")


def as_json_fields(fields: Mapping[str, Any], unset: type) -> dict[str, Any]:
    """The keyword arguments given (those of type ``unset`` left out), keyed by JSON name, as plain
    JSON values."""
    return {name: as_json(value) for name, value in fields.items() if not isinstance(value, unset)}


def stream_flag(value: object) -> bool:
    """The ``stream`` keyword, checked before sending like the body's keywords: True or False
    (``stream="yes"`` would otherwise be sent as it is, and ``stream=None`` send a JSON null)."""
    if type(value) is not bool:
        raise RequestValidationError(f"expected boolean, got {json_type(value)}", ("stream",))
    return value


def with_extras(
    kwargs: dict[str, Any], extra_query: Mapping[str, object] | None, extra_body: Mapping[str, object] | None
) -> dict[str, Any]:
    """``extra_body`` merged into the JSON body (its keys win), ``extra_query`` into the query."""
    if extra_body:
        if not isinstance(kwargs.get("json"), dict):
            raise TypeError("extra_body needs an operation whose body is a JSON object")
        kwargs["json"] = {**kwargs["json"], **as_json(extra_body)}
    if extra_query:
        kwargs["params"] = {**kwargs.get("params", {}), **extra_query}
    return kwargs


class _Opened(Protocol):
    @property
    def response(self) -> httpx.Response: ...


S = TypeVar("S", bound=_Opened)


def raw_stream(stream: S) -> RawResponse[S]:
    """An opened stream as a RawResponse: status, headers and request id now, ``parse()`` the stream."""
    return RawResponse(stream.response, lambda _response: stream)


class RawResponse(Generic[T]):
    """A 2xx answer before parsing: ``status_code``, ``headers``, ``request_id``, ``content``,
    ``http_response``; ``parse()`` gives the model (APIResponseValidationError when the body does
    not fit). For ``stream=True`` it comes once the status line is in: ``parse()`` gives the
    Stream (read it, or close it: a ``with`` block), and the body is read through it, so
    ``content`` raises httpx.ResponseNotRead. Non-2xx answers raise APIStatusError as ``create`` does."""

    def __init__(self, response: httpx.Response, parse: Callable[[httpx.Response], T]) -> None:
        self.http_response = response
        self._parse = parse
        self._parsed: list[T] = []

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        return self.http_response.content

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.http_response.headers.get("x-request-id")
        return request_id

    def parse(self) -> T:
        """The body as a model (parsed once)."""
        if not self._parsed:
            self._parsed.append(self._parse(self.http_response))
        return self._parsed[0]

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}]>"
