# Copied from scripts/package/aimlapi_gemini/_sdk_client.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The OpenAI-SDK-shaped clients' machinery: settings in, one AuthenticatedClient out.

``AIMLAPI`` / ``AsyncAIMLAPI`` (generated in ``resources.py``, one attribute per resource of the
spec) subclass these. Every call goes through the functional layer's AuthenticatedClient
(``client.authenticated_client``), which keeps the key, the pool, retries and timeouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import httpx

from aimlapi_gemini._spec_facts import VERSION_PATH
from aimlapi_gemini.types import UNSET, Unset

from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    api_key_from_env,
    as_api_key,
    base_url_from_env,
    checked_base_url,
    without_version,
)
from ._http_client import AuthenticatedClient
from ._open_streams import aclose_all, close_all
from ._secret import Secret

__all__ = ["AsyncAPIClient", "SyncAPIClient", "api_root", "shown_base_url"]


def api_root(base_url: str | httpx.URL) -> str:
    """``base_url`` checked, without trailing slashes and a trailing ``VERSION_PATH``: where the spec's
    paths start (the clients show it with the version: ``shown_base_url``)."""
    return without_version(checked_base_url(str(base_url)), VERSION_PATH)


def shown_base_url(root: str) -> httpx.URL:
    """The base URL as the OpenAI SDK shows it: the root, the version, a trailing slash."""
    return httpx.URL(root + VERSION_PATH + "/")


class _APIClient:
    _http_client: httpx.Client | httpx.AsyncClient | None

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
    ) -> None:
        root = api_root(base_url if base_url is not None else base_url_from_env())
        settings: dict[str, Any] = {
            "base_url": root,
            "timeout": DEFAULT_TIMEOUT if isinstance(timeout, Unset) else timeout,
            "max_retries": max_retries,
            "headers": dict(default_headers or {}),
        }
        # Read and checked here, so that a message names this client's own fix (api_key=..., not
        # AuthenticatedClient's token=...).
        settings["token"] = (
            api_key_from_env(self._key_argument()) if api_key is None else as_api_key(api_key, "api_key=...")
        )
        self.authenticated_client = AuthenticatedClient(**settings)
        """The functional layer's client: ``create_chat_completion.sync(client=this, ...)``."""
        self._http_client = http_client
        if http_client is not None:
            # This client's base URL wins, as in the OpenAI SDK: a plain httpx.Client() has none.
            http_client.base_url = httpx.URL(root)

    @classmethod
    def _key_argument(cls) -> str:
        return f"api_key=... to {cls.__name__}()"

    @property
    def base_url(self) -> httpx.URL:
        """The base URL as the OpenAI SDK shows it (the root, the spec's version segment
        ``_spec_facts.VERSION_PATH``, a slash), whether or not it was given with the version;
        requests go to the spec's paths under it, the version once."""
        return shown_base_url(self.authenticated_client._base_url)

    @property
    def api_key(self) -> Secret:
        """The key, as a Secret (``.get_secret_value()`` gives the string)."""
        key: Secret = self.authenticated_client.token
        return key

    @property
    def timeout(self) -> httpx.Timeout:
        timeout: httpx.Timeout = self.authenticated_client._timeout
        return timeout

    @property
    def max_retries(self) -> int:
        retries: int = self.authenticated_client.max_retries
        return retries

    def with_options(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | Unset = UNSET,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
    ) -> Self:
        """A copy with other settings. It shares this client's connection pool unless ``base_url``
        or ``http_client`` changes; ``default_headers`` are added to this client's."""
        copy = object.__new__(type(self))
        copy.__dict__.update(
            {
                name: value
                for name, value in self.__dict__.items()
                if name in ("authenticated_client", "_http_client")
            }
        )
        if base_url is not None or http_client is not None:
            low = self.authenticated_client
            copy.__init__(  # type: ignore[misc]
                api_key=api_key if api_key is not None else low.token,
                base_url=base_url if base_url is not None else self.base_url,
                timeout=low._timeout if isinstance(timeout, Unset) else timeout,
                max_retries=low.max_retries if isinstance(max_retries, Unset) else max_retries,
                default_headers={**low._headers, **(default_headers or {})},
                http_client=http_client,
            )
            return copy
        self._open_pool()  # built now if no call made it yet, so that the copy shares it
        low = self.authenticated_client.with_options(
            timeout=timeout, max_retries=max_retries, headers=default_headers
        )
        if api_key is not None:
            low = low._derive(token=as_api_key(api_key, "api_key=..."))
        copy.authenticated_client = low
        return copy

    copy = with_options

    def _open_pool(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        if "authenticated_client" not in self.__dict__:  # a constructor that failed (traceback locals)
            return f"{type(self).__name__}(<not built>)"
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"


class SyncAPIClient(_APIClient):
    """Settings as keywords, all optional:

    ``api_key``: default ``$AIML_API_KEY`` (MissingAPIKeyError when neither is set); kept as a Secret.

    ``base_url``: default ``$AIML_API_BASE_URL``, else the spec's server
    (``_spec_facts.DEFAULT_BASE_URL``); with or without the version segment the spec's paths start
    with (``_spec_facts.VERSION_PATH``), the same URLs are reached.

    ``timeout``: seconds or an ``httpx.Timeout`` per request (default 600 s, 5 s to connect);
    ``max_retries``: retries after connection errors, 408, 409, 429 and 5xx (default 2);
    ``default_headers``: sent with every request; ``http_client``: an ``httpx.Client`` to send with
    (its transport and limits; its base URL is set to this client's).

    ``with client:`` closes the connections at the end, as ``client.close()`` does.
    """

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )
        if http_client is not None:
            self.authenticated_client.set_httpx_client(http_client)

    def _open_pool(self) -> None:
        self.authenticated_client.get_httpx_client()

    def close(self) -> None:
        """Close the connection pool (shared with the copies made by ``with_options``) and the
        streams still open on it."""
        http = self.authenticated_client.get_httpx_client()
        close_all(http)
        http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncAPIClient(_APIClient):
    """Async twin of SyncAPIClient (``http_client`` is an ``httpx.AsyncClient``); ``async with``,
    ``await client.close()`` (or ``aclose()``)."""

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )
        if http_client is not None:
            self.authenticated_client.set_async_httpx_client(http_client)

    def _open_pool(self) -> None:
        self.authenticated_client.get_async_httpx_client()

    async def aclose(self) -> None:
        """Close the connection pool (shared with the copies made by ``with_options``) and the
        streams still open on it."""
        http = self.authenticated_client.get_async_httpx_client()
        await aclose_all(http)
        await http.aclose()

    async def close(self) -> None:
        """The same as ``aclose()``, as the OpenAI SDK names it."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
