# Copied from scripts/codegen/runtime/_config.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Defaults for every client, and the environment variables that override them."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version

import httpx

from ._exceptions import MissingAPIKeyError

API_KEY_ENV = "AIML_API_KEY"
BASE_URL_ENV = "AIML_API_BASE_URL"
DEFAULT_BASE_URL = "https://api.aimlapi.com"
# Like openai-python: replies can take minutes to generate, but an unreachable host should fail fast.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2


def _package_version() -> str:
    try:
        return version("aimlapi-gemini")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0.0.0"


# Says which client (and version) sent a request, for the vendor's logs and support questions.
USER_AGENT = f"aimlapi-gemini/{_package_version()} python-httpx/{httpx.__version__}"


def base_url_from_env() -> str:
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def api_key_from_env() -> str:
    key = os.environ.get(API_KEY_ENV)
    if not key:
        raise MissingAPIKeyError(
            f"no API key: set the {API_KEY_ENV} environment variable or pass token=... to AuthenticatedClient"
        )
    return key


def as_timeout(value: float | httpx.Timeout | None) -> httpx.Timeout:
    """A number is the limit for every phase; None means no limit at all (as in httpx)."""
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)
