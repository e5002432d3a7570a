"""Streams and the connections they hold: a stream dropped unread gives its connection back, and a
pool whose connections are all held by open streams fails fast with a message naming them.

A stream's response holds one of its pool's connections until it is closed. A stream that is
created and then neither read to its end nor closed (no ``with`` block) would hold it forever, and
once the pool's connections are all held every later call would wait for the pool timeout (600 s
by default). So:

- each stream is registered here with a finaliser: when it is garbage collected, its response is
  queued to be closed. Closing is deferred to the pool's next request (``reclaim``), not done in the
  finaliser, because the garbage collector can run while the same thread holds the pool's lock;
- before each request, when the pool's open streams fill it, a collection is run (the finalisers
  of the dropped streams queue their responses) and the queued responses are closed;
- when open streams still fill the pool, the request waits at most ``HELD_POOL_WAIT`` seconds for a
  connection (another thread or task may close one), and a pool timeout is not retried: the error
  says how many streams are open and how to close them (``exhausted``).

On aiohttp (the async default) a stream's connection goes back to the pool once the server has sent
it all, read or not; the streams that hold it are those the server is still sending. They are
counted the same way (the open ones may then fill the count and not the pool: the capped wait is
not a wait when a connection is free), and aiohttp's pool wait ends in ``httpx.PoolTimeout`` too
(``_aiohttp._Transport``).

Closing the client closes its pool's streams still open or dropped (``close_all``): a pool closed
under them leaves their connections unreleased, and aiohttp warns of each one whenever it is
collected, in whatever code runs then.
"""

from __future__ import annotations

import gc
import weakref
from collections import deque
from weakref import WeakKeyDictionary, WeakSet

import httpx

from ._exceptions import APITimeoutError

__all__ = ["HELD_POOL_WAIT", "aclose_all", "areclaim", "close_all", "exhausted", "reclaim", "track"]

HELD_POOL_WAIT = 5.0
"""The longest wait for a connection while open streams hold every connection of the pool."""

Pool = httpx.Client | httpx.AsyncClient


class _PoolStreams:
    """One pool's open streams (their responses) and the responses of dropped streams to close."""

    __slots__ = ("__weakref__", "dropped", "open")

    def __init__(self) -> None:
        self.open: WeakSet[httpx.Response] = WeakSet()
        self.dropped: deque[httpx.Response] = deque()

    def open_count(self) -> int:
        return sum(1 for response in list(self.open) if not response.is_closed)


_pools: WeakKeyDictionary[Pool, _PoolStreams] = WeakKeyDictionary()


def _queue(streams: _PoolStreams, response: httpx.Response) -> None:
    # A finaliser: only a deque append (thread-safe, no lock the interrupted code may hold).
    if not response.is_closed:
        streams.dropped.append(response)


def track(http: Pool, owner: object, response: httpx.Response) -> None:
    """Count ``response`` as an open stream of ``http`` and close it once ``owner`` (the Stream
    reading it) is garbage collected without having closed it."""
    streams = _pools.get(http)
    if streams is None:
        streams = _pools[http] = _PoolStreams()
    streams.open.add(response)
    weakref.finalize(owner, _queue, streams, response)


def _limit(http: Pool) -> int | None:
    # httpx's own transport keeps the pool's size on its httpcore pool, httpx-aiohttp's (the async
    # default) the httpx.Limits it was given; other transports (a mock) have no size we know of,
    # and are never judged full.
    transport = getattr(http, "_transport", None)
    limits = getattr(transport, "limits", None)
    if isinstance(limits, httpx.Limits):
        return limits.max_connections
    limit = getattr(getattr(transport, "_pool", None), "_max_connections", None)
    return limit if isinstance(limit, int) else None


def _held(http: Pool, streams: _PoolStreams) -> bool:
    limit = _limit(http)
    return limit is not None and len(streams.open) >= limit and streams.open_count() >= limit


def _cap_pool_wait(request: httpx.Request) -> None:
    timeout = dict(request.extensions.get("timeout", {}))
    pool = timeout.get("pool")
    timeout["pool"] = HELD_POOL_WAIT if pool is None else min(pool, HELD_POOL_WAIT)
    request.extensions["timeout"] = timeout


def reclaim(http: httpx.Client, request: httpx.Request) -> None:
    """Before sending ``request`` on ``http``: close the responses of dropped streams (collecting
    first when open streams fill the pool); when they still do, cap the wait for a connection."""
    streams = _pools.get(http)
    if streams is None:
        return
    if _held(http, streams):
        gc.collect()
    while streams.dropped:
        streams.dropped.popleft().close()
    if _held(http, streams):
        _cap_pool_wait(request)


async def areclaim(http: httpx.AsyncClient, request: httpx.Request) -> None:
    """Async twin of ``reclaim``."""
    streams = _pools.get(http)
    if streams is None:
        return
    if _held(http, streams):
        gc.collect()
    while streams.dropped:
        await streams.dropped.popleft().aclose()
    if _held(http, streams):
        _cap_pool_wait(request)


def _unclosed(http: Pool) -> list[httpx.Response]:
    streams = _pools.pop(http, None)
    if streams is None:
        return []
    responses = [*streams.dropped, *list(streams.open)]
    return [response for response in responses if not response.is_closed]


def close_all(http: httpx.Client) -> None:
    """Before closing ``http``: close the streams of it still open, and those dropped unread."""
    for response in _unclosed(http):
        response.close()


async def aclose_all(http: httpx.AsyncClient) -> None:
    """Async twin of ``close_all``."""
    for response in _unclosed(http):
        await response.aclose()


def exhausted(exc: httpx.PoolTimeout, http: Pool, request: httpx.Request) -> APITimeoutError:
    """The typed error of a request that found no free connection in its pool."""
    streams = _pools.get(http)
    count = 0 if streams is None else streams.open_count()
    where = f"{request.method} {request.url}"
    if count:
        detail = (
            f"{count} streams were opened and never closed; use `with ... as stream:` (or"
            " `async with`), read each stream to its end, or call its close()"
        )
    else:
        detail = "every connection is in use; allow more (httpx.Limits) or wait longer (the pool timeout)"
    return APITimeoutError(f"connection pool exhausted: {detail}: {where}", request=request)
