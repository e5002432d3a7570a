"""``DefaultAioHttpClient``: an ``httpx.AsyncClient`` whose transport is aiohttp (httpx-aiohttp).

For many concurrent calls aiohttp's connection pool is faster than httpx's own. Needs the extra:
``pip install 'aimlapi-gemini[aiohttp]'``; importing this module without it raises an ImportError
that says so.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._config import DEFAULT_TIMEOUT

try:
    from httpx_aiohttp import HttpxAiohttpClient
except ImportError as exc:  # the optional extra is not installed
    raise ImportError(
        "DefaultAioHttpClient needs the aiohttp extra: pip install 'aimlapi-gemini[aiohttp]'"
    ) from exc

__all__ = ["DEFAULT_CONNECTION_LIMITS", "DefaultAioHttpClient"]

# The limits of the client's own httpx pools (httpx's defaults), so that switching transports
# changes the transport only. aiohttp applies max_connections and keepalive_expiry.
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class DefaultAioHttpClient(HttpxAiohttpClient):
    """An ``httpx.AsyncClient`` on aiohttp, with the client's default timeout and pool limits.

    ``AsyncAIMLAPI(http_client=DefaultAioHttpClient())``, or with the functional API
    ``AuthenticatedClient(...).set_async_httpx_client(DefaultAioHttpClient())``; any
    ``httpx.AsyncClient`` argument (``limits=``, ``timeout=``...) may be given.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        kwargs.setdefault("limits", DEFAULT_CONNECTION_LIMITS)
        super().__init__(**kwargs)
