# Copied from scripts/package/aimlapi_gemini/_config.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Defaults for every client, and the environment variables that override them."""

from __future__ import annotations

import os
import re

import httpx

from aimlapi_gemini._spec_facts import (  # the spec's server, re-exported
    DEFAULT_BASE_URL as DEFAULT_BASE_URL,  # noqa: PLC0414
)
from aimlapi_gemini._version import __version__

from ._exceptions import ConfigurationError, MissingAPIKeyError
from ._secret import Secret, header_problem
from ._sse import (
    DEFAULT_MAX_EVENT_BYTES as DEFAULT_MAX_EVENT_BYTES,  # noqa: PLC0414
)  # one event (16 MiB); the SSE decoder enforces it

API_KEY_ENV = "AIML_API_KEY"
BASE_URL_ENV = "AIML_API_BASE_URL"
# Like openai-python: replies can take minutes to generate, but an unreachable host should fail fast.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
# RFC 9110 token characters.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Caps on what one reply may make the client hold in memory (a gzip bomb, a line that never ends).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


# Says which client (and version) sent a request, for the vendor's logs and support questions.
USER_AGENT = f"aimlapi-gemini/{__version__} python-httpx/{httpx.__version__}"


# Where a setting came from, as the messages about it name it (each entry point names its own fix).
BASE_URL_ARGUMENT = "base_url="
BASE_URL_FROM_ENV = f"the {BASE_URL_ENV} environment variable"
TOKEN_ARGUMENT = "token=... to AuthenticatedClient"


def base_url_from_env() -> str:
    """``$AIML_API_BASE_URL`` (checked, a ConfigurationError naming the variable), else the spec's."""
    value = os.environ.get(BASE_URL_ENV)
    return checked_base_url(value, BASE_URL_FROM_ENV) if value else DEFAULT_BASE_URL


def without_version(base_url: str, version_path: str) -> str:
    """``base_url`` without trailing slashes and a trailing ``version_path`` (``/v1``): where the
    spec's paths, which start with the version, go. The vendor documents its base URL with the
    version (``<server>/v1``), so that spelling and the bare root reach the same URLs.
    A URL that is not one is left for the validator to name."""
    text = base_url.rstrip("/")
    try:
        path = httpx.URL(text).path
    except (httpx.InvalidURL, TypeError):
        return text
    if version_path and path.endswith(version_path):
        text = text[: -len(version_path)].rstrip("/")
    return text


def api_key_from_env(argument: str | None = TOKEN_ARGUMENT) -> Secret:
    """``$AIML_API_KEY`` as a Secret; MissingAPIKeyError naming the fix when it is unset or blank:
    the variable, and ``argument`` (the entry point's own keyword, e.g. ``api_key=... to AIMLAPI()``;
    None for the command line, which takes the key from the environment only)."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        fix = f"set the {API_KEY_ENV} environment variable"
        raise MissingAPIKeyError(f"no API key: {fix}" + (f" or pass {argument}" if argument else ""))
    return as_api_key(key, f"the value of {API_KEY_ENV}")


def as_api_key(value: str | Secret, source: str = TOKEN_ARGUMENT) -> Secret:
    """The key without surrounding whitespace (a pasted key often ends in a newline), as a Secret;
    MissingAPIKeyError when it is empty, ConfigurationError when it cannot go into a header, each
    naming ``source`` (where the key came from) and never the key."""
    key = (value.get_secret_value() if isinstance(value, Secret) else value).strip()
    if not key:
        raise MissingAPIKeyError(
            f"the API key is empty: pass a key in {source}, or leave it out to use {API_KEY_ENV}"
        )
    if (problem := header_problem(key)) is not None:
        raise ConfigurationError(
            f"the API key has {problem} and cannot be sent in an HTTP header; check {source}"
        )
    return Secret(key)


def checked_header(name: str, value: str, what: str) -> None:
    """ConfigurationError naming the header (not its value) when it cannot be sent."""
    if not _HEADER_NAME.fullmatch(name):
        raise ConfigurationError(f"{what}: {name!r} is not a valid HTTP header name")
    if (problem := header_problem(value)) is not None:
        raise ConfigurationError(f"{what}: the value of header {name!r} has {problem}")


def checked_base_url(value: str, source: str = BASE_URL_ARGUMENT) -> str:
    """``value``, or a ConfigurationError naming ``source`` (the ``base_url=`` argument, the
    ``AIML_API_BASE_URL`` variable, an option) and what is wrong."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigurationError(f"{_named(source, value)} is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"{_named(source, value)} is not an http:// or https:// URL with a host")
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigurationError(f"{_named(source, value)} has port {url.port}, outside 1-65535")
    return value


def _named(source: str, value: str) -> str:
    # "base_url='ftp://x'" for an argument; "the AIML_API_BASE_URL environment variable ('ftp://x')".
    return f"{source}{value!r}" if source.endswith("=") else f"{source} ({value!r})"


def as_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    """A number is the limit for every phase; None means no limit at all (as in httpx)."""
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)
