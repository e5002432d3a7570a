# Copied from scripts/package/aimlapi_gemini/_exceptions.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The exception classes and how an error response becomes one (``errors`` is the public module).

Messages are one line: what failed, the vendor's message, the request id. They never include
request headers, so the API key cannot leak through ``str(exc)``.

Every class pickles (for multiprocessing and task queues): the message and every attribute that
pickles are kept; ``request`` becomes a bare ``httpx.Request`` (method and URL, no headers, so no
key, and no body) and ``response`` a read ``httpx.Response`` (status, headers except the encoding
ones, decoded content, the bare request).
"""

from __future__ import annotations

import pickle
from typing import Any

import httpx

from aimlapi_gemini.models.error_response import ErrorResponse

from ._json import loads
from ._retry import retry_after
from ._validation import Segment, ValidationError

# What the generated from_dict methods raise on a body that does not fit the schema (RecursionError:
# JSON nested deeper than Python's recursion limit).
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)


def _bare_request(request: httpx.Request) -> httpx.Request:
    return httpx.Request(request.method, request.url)


def _read_copy(response: httpx.Response) -> httpx.Response:
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    # The content is decoded already, so the headers that describe the encoding would mislead.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    try:
        request: httpx.Request | None = _bare_request(response.request)
    except RuntimeError:  # a response built without a request
        request = None
    return httpx.Response(response.status_code, headers=headers, content=content, request=request)


def _picklable(value: Any) -> Any:
    if isinstance(value, httpx.Request):
        return _bare_request(value)
    if isinstance(value, httpx.Response):
        return _read_copy(value)
    return value


def _restore(error_class: type[AimlApiError], args: tuple[Any, ...]) -> AimlApiError:
    # Not through __init__: its keyword-only arguments are restored as attributes instead.
    error = error_class.__new__(error_class, *args)
    error.args = args
    return error


class AimlApiError(Exception):
    """Base class of every exception this package raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls cls(*args), which the keyword-only constructors refuse.
        state: dict[str, Any] = {}
        for name, value in vars(self).items():
            kept = _picklable(value)
            try:
                pickle.dumps(kept)
            except Exception:  # anything that does not pickle is left out
                continue
            state[name] = kept
        return _restore, (type(self), self.args), state


class MissingAPIKeyError(AimlApiError):
    """No API key was given and the environment does not provide one."""


class ConfigurationError(AimlApiError):
    """A client setting that cannot work: a base URL that is not a URL, an API key or header that
    cannot be sent in an HTTP header. The message names the problem, never the key."""


class APIError(AimlApiError):
    """The API could not be reached, refused the request, or answered something unusable."""

    def __init__(self, message: str, *, request: httpx.Request | None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIStatusError(APIError):
    """The API answered with a status other than 2xx."""

    def __init__(
        self, message: str, *, response: httpx.Response, body: ErrorResponse | None, request_id: str | None
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code: int = response.status_code
        self.body = body
        self.text: str = response.text
        self.request_id = request_id
        self.retry_after: float | None = retry_after(response.headers)
        """Seconds the server asked the client to wait (``Retry-After``/``retry-after-ms``), or None."""


class BadRequestError(APIStatusError):
    """400: the request body failed validation."""


class RequestValidationError(ValidationError, BadRequestError):
    """A parameter the client refuses before sending (a body field, a keyword, a path parameter
    that does not fit the spec): nothing was sent.

    A ``ValidationError`` (so a ``ValueError``: ``.path``, ``.message``, one line naming the path)
    and a ``BadRequestError``, because the API answers such a body with a 400 and code written for
    the OpenAI SDK catches a bad parameter as ``BadRequestError``. ``status_code`` is that 400;
    no request went out, so ``request`` and ``request_id`` are None and ``response`` is a local
    400 response holding the message (``response.request`` is unset).
    """

    def __init__(self, message: str, segments: tuple[Segment, ...] = (), subject: str = "") -> None:
        ValidationError.__init__(self, message, segments, subject)
        text = str(self)
        self.request = None
        self.response = httpx.Response(400, headers={"content-type": "text/plain"}, text=text)
        self.status_code = 400
        self.body = None
        self.text = text
        self.request_id = None
        self.retry_after = None

    @classmethod
    def of(cls, error: ValidationError, subject: str | None = None) -> RequestValidationError:
        """``error`` (raised by a model's ``from_dict``) as refused before sending, ``subject`` its
        introduction."""
        return cls(error.message, error.segments, error.subject if subject is None else subject)


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (for example, no credits left)."""


class NotFoundError(APIStatusError):
    """404."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429: too many requests, or the free tier's limit."""


class InternalServerError(APIStatusError):
    """5xx: the gateway or the model provider behind it failed."""


class APIConnectionError(APIError):
    """No response: the connection failed or was dropped."""


class APITimeoutError(APIConnectionError):
    """No response within the timeout."""


class DeadlineExceededError(APITimeoutError):
    """The call's ``deadline`` (seconds for the whole call: every attempt, the waits between them
    and the whole stream) passed; ``deadline`` is that number of seconds."""

    def __init__(self, message: str, *, request: httpx.Request | None, deadline: float) -> None:
        super().__init__(message, request=request)
        self.deadline = deadline


class APIResponseValidationError(APIError):
    """A 2xx response (or a stream event) whose body does not match the schema; ``text`` keeps it raw."""

    def __init__(self, message: str, *, response: httpx.Response, text: str) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code: int = response.status_code
        self.text = text


class StreamError(APIError):
    """The server reported an error in the middle of a stream.

    The chunks before it were already yielded; ``chunks_received`` says how many.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        chunks_received: int,
        request_id: str | None,
        body: ErrorResponse | None = None,
        text: str = "",
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.chunks_received = chunks_received
        self.request_id = request_id
        self.body = body
        self.text = text


class StreamInterruptedError(StreamError):
    """The stream stopped (connection cut, read timeout, or end of body) before ``data: [DONE]``."""


class ResponseTooLargeError(APIError):
    """A response body, or one event of a stream, is larger than the client's cap allows.

    ``limit`` is the cap in bytes; ``setting`` names the client option that sets it.
    """

    def __init__(self, message: str, *, response: httpx.Response, limit: int, setting: str) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.limit = limit
        self.setting = setting


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def request_id_of(response: httpx.Response, body: ErrorResponse | None, data: Any = None) -> str | None:
    """The body's requestId (even from a body that is not a whole ErrorResponse), else the header."""
    if body is not None:
        return body.request_id
    found = data.get("requestId") if isinstance(data, dict) else None
    if isinstance(found, str):
        return found
    header: str | None = response.headers.get("x-request-id")
    return header


def parse_error_body(data: Any) -> ErrorResponse | None:
    """The body as the vendor's error object, or None when it is something else."""
    if not isinstance(data, dict):
        return None
    try:
        return ErrorResponse.from_dict(data)
    except PARSE_ERRORS:
        return None


def vendor_message(data: Any) -> str | None:
    """The human message in an error body: the vendor's ``message``, or OpenAI-style ``error.message``."""
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    for candidate in (data.get("message"), error):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def json_or_none(text: str) -> Any:
    try:
        return loads(text)
    except (ValueError, RecursionError):
        return None


def with_request_id(message: str, request_id: str | None) -> str:
    return f"{message} (request id {request_id})" if request_id else message


def make_status_error(response: httpx.Response) -> APIStatusError:
    """The typed error for a non-2xx response whose body has been read."""
    data = json_or_none(response.text)
    body = parse_error_body(data)
    code = response.status_code
    error_class = _STATUS_ERRORS.get(code) or (InternalServerError if code >= 500 else APIStatusError)
    detail = vendor_message(data)
    if detail is None:
        content_type = response.headers.get("content-type", "no content type").partition(";")[0]
        size = len(response.content)
        if size == 0:
            detail = "empty body"
        elif data is None:
            detail = f"non-JSON body ({content_type}, {size} bytes)"
        else:
            detail = f"unrecognised JSON body: {response.text}"
    status = f"HTTP {code} {response.reason_phrase}".rstrip()
    request_id = request_id_of(response, body, data)
    message = with_request_id(f"{status}: {one_line(detail)}", request_id) + _asked_wait(response.headers)
    return error_class(message, response=response, body=body, request_id=request_id)


def _asked_wait(headers: httpx.Headers) -> str:
    """'; the server asks to wait 2.5 s (Retry-After)' when it says how long (a 429, a 503), else ''."""
    seconds = retry_after(headers)
    if seconds is None:
        return ""
    millis = headers.get("retry-after-ms")
    # retry-after-ms wins when it is usable (as in _retry.retry_after), so it is the one named.
    usable = millis is not None and retry_after({"retry-after-ms": millis}) is not None
    header = "retry-after-ms" if usable else "Retry-After"
    return f"; the server asks to wait {round(seconds, 3):g} s ({header})"
