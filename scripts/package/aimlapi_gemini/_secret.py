"""Keeping the API key out of reprs, tracebacks and logs.

The key lives in a ``Secret``, whose ``repr``/``str`` say ``<redacted>``, so a traceback formatted with
its frames' locals (pytest ``--showlocals``, Sentry, rich) cannot show it. Before it is stored it is
checked to fit in an HTTP header, with a message that names the problem but not the key.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping

import httpx

REDACTED = "<redacted>"

# Header names whose values are credentials whatever their value (custom names are caught by value),
# compared without case, dashes and underscores: "X-API-Key", "api_key", "X-Auth", "Auth-Token".
_SECRET_HEADER_PARTS = (
    "auth",
    "apikey",
    "accesskey",
    "privatekey",
    "token",
    "cookie",
    "secret",
    "password",
    "passwd",
    "credential",
    "session",
    "signature",
)


class Secret:
    """A string that does not show itself: ``str()`` and ``repr()`` give ``<redacted>``;
    ``get_secret_value()`` gives the string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


def header_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as an HTTP header value, without quoting it; None when it can.

    httpx encodes header values as ASCII and h11 refuses control characters (a newline would end
    the header), so only printable ASCII (space included) goes.
    """
    if value.isascii() and value.isprintable():
        return None
    for position, char in enumerate(value):
        if not char.isascii():
            return f"a non-ASCII character at position {position}"
        if not char.isprintable():
            return f"a control character (code {ord(char)}) at position {position}"
    return None  # pragma: no cover  (isascii and isprintable hold for every character)


def is_credential_name(name: str) -> bool:
    """Whether a header of this name carries a credential, whatever its value."""
    folded = name.lower().replace("-", "").replace("_", "")
    return any(part in folded for part in _SECRET_HEADER_PARTS)


def _hidden(secrets: Iterable[Secret]) -> list[str]:
    return [secret.get_secret_value() for secret in secrets if secret]


def _carries(name: str, value: str, hidden: list[str]) -> bool:
    return is_credential_name(name) or any(secret in value for secret in hidden)


def redact_headers(headers: Mapping[str, str], secrets: Iterable[Secret] = ()) -> dict[str, str]:
    """A copy safe to log or print: values of credential-like header names, and values that contain
    one of ``secrets`` (a key sent under a custom header name or in ``extra_headers``), replaced."""
    hidden = _hidden(secrets)
    return {name: REDACTED if _carries(name, value, hidden) else value for name, value in headers.items()}


def credential_names(headers: httpx.Headers, secrets: Iterable[Secret] = ()) -> list[str]:
    """The names of the headers that carry a credential: by name, or holding one of ``secrets``."""
    hidden = _hidden(secrets)
    return [name for name, value in headers.items() if _carries(name, value, hidden)]


class RedactedHeaders(httpx.Headers):
    """A request's headers, sent as they are, shown with their credentials redacted: httpx hides
    only ``Authorization`` in a repr, and a request goes into tracebacks and exceptions
    (``exc.request.headers``) with the key under any header name."""

    def __init__(self, headers: httpx.Headers, secrets: tuple[Secret, ...]) -> None:
        super().__init__(headers)
        self.secrets = secrets

    def __repr__(self) -> str:
        return f"Headers({redact_headers(self, self.secrets)!r})"
