# Copied from scripts/package/aimlapi_gemini/_aiohttp.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""``DefaultAioHttpClient``: an ``httpx.AsyncClient`` whose transport is aiohttp (httpx-aiohttp).

For many concurrent calls aiohttp's connection pool is faster than httpx's own. Needs the extra:
``pip install 'aimlapi-gemini[aiohttp]'``; importing this module without it raises an ImportError
that says so.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx
from httpx._types import CertTypes

from ._config import DEFAULT_TIMEOUT

try:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport, HttpxAiohttpClient
except ImportError as exc:  # the optional extra is not installed
    raise ImportError(
        "DefaultAioHttpClient needs the aiohttp extra: pip install 'aimlapi-gemini[aiohttp]'"
    ) from exc

__all__ = ["DEFAULT_CONNECTION_LIMITS", "DefaultAioHttpClient"]

# The limits of the client's own httpx pools (httpx's defaults), so that switching transports
# changes the transport only. aiohttp applies max_connections and keepalive_expiry.
DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class _Transport(AiohttpTransport):
    """httpx-aiohttp's transport, with its errors told apart as httpx's own pool tells them.

    httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` to ``httpx.ConnectTimeout``, so a
    connection the server reset or closed mid-request read as "never reached the server" (the
    batch runner stops a run on that). Here only a timeout or a failure to connect stays one. And
    aiohttp's wait for a free connection (httpx's pool timeout, aiohttp's ``connect``) ends in the
    same error as a slow connect: when the pool was full, it is httpx's ``PoolTimeout`` here, which
    is not retried and whose message names the open streams holding the pool (``_open_streams``)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ConnectionTimeoutError) and self._pool_full():
                raise httpx.PoolTimeout(str(exc), request=request) from cause
            if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(
                cause, aiohttp.ServerTimeoutError | aiohttp.ClientConnectorError
            ):
                raise httpx.ReadError(str(exc) or type(cause).__name__, request=request) from cause
            raise

    def _pool_full(self) -> bool:
        # aiohttp says how many connections it allows but not how many are in use: its set of
        # acquired connections is read where it is; an aiohttp without it is never judged full.
        connector = getattr(self.client, "connector", None)
        acquired = getattr(connector, "_acquired", None)
        limit = getattr(connector, "limit", 0)
        return isinstance(acquired, set) and isinstance(limit, int) and 0 < limit <= len(acquired)


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

    def _init_transport(  # noqa: PLR0917 - httpx's own signature, positional arguments included
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = DEFAULT_CONNECTION_LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
        **ignored: Any,  # as httpx-aiohttp's own: arguments a later httpx may add
    ) -> httpx.AsyncBaseTransport:
        if transport is not None:
            return transport
        return _Transport(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2, limits=limits
        )
