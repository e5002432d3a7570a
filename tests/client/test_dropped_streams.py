"""A stream created and never read nor closed gives its connection back once it is dropped, and a
pool whose connections open streams hold fails fast, naming them, instead of waiting 600 s (issue 19).

Against the reference server on loopback, with a pool of two connections so that a leak shows at
the third call."""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import AIMLAPI, APITimeoutError, AsyncAIMLAPI, _open_streams
from aimlapi_gemini._aiohttp import DEFAULT_CONNECTION_LIMITS, DefaultAioHttpClient
from aimlapi_gemini.testing._server import BackgroundServer

HELLO = [spec.user_message_model()]
POOL = httpx.Limits(max_connections=2)


def _client(server: Any) -> AIMLAPI:
    return AIMLAPI(
        api_key=server.api_key, base_url=server.base_url, max_retries=2, http_client=httpx.Client(limits=POOL)
    )


# The async pools: httpx's own and aiohttp's (the default's transport), each with POOL's size.
ASYNC_POOLS = {"httpx": httpx.AsyncClient, "aiohttp": DefaultAioHttpClient}


def _async_client(server: Any, pool: str = "httpx") -> AsyncAIMLAPI:
    return AsyncAIMLAPI(
        api_key=server.api_key,
        base_url=server.base_url,
        max_retries=2,
        http_client=ASYNC_POOLS[pool](limits=POOL),
    )


# Fail fast, not hang: the wait it replaces was the pool timeout (600 s), retried. The bound is
# loose, as a loaded machine stretches a 0.3 s wait; that a pool timeout is not retried is the
# retry policy's own test (tests/core).
HANG_GUARD = 10.0


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(_open_streams, "HELD_POOL_WAIT", 0.3)
    return 0.3


def test_dropped_streams_give_their_connections_back(reference_server: Any) -> None:
    with _client(reference_server) as client:
        for _ in range(10):  # five times the pool
            client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True)
        completion = client.chat.completions.create(model="gemini-pro", messages=HELLO)
    assert completion.choices


@pytest.mark.parametrize("pool", list(ASYNC_POOLS))
def test_dropped_async_streams_give_their_connections_back(reference_server: Any, pool: str) -> None:
    async def run() -> Any:
        async with _async_client(reference_server, pool) as client:
            for _ in range(40):
                await client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True)
            return await client.chat.completions.create(model="gemini-pro", messages=HELLO)

    assert asyncio.run(run()).choices


def test_open_streams_filling_the_pool_fail_fast_naming_them(
    reference_server: Any, short_wait: float
) -> None:
    with _client(reference_server) as client:
        kept = [
            client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True) for _ in range(2)
        ]
        started = time.monotonic()
        with pytest.raises(
            APITimeoutError, match="2 streams were opened and never closed; use `with"
        ) as caught:
            client.chat.completions.create(model="gemini-pro", messages=HELLO)
        waited = time.monotonic() - started
        assert "connection pool exhausted" in str(caught.value)
        assert waited < HANG_GUARD
        for stream in kept:
            stream.close()
        assert client.chat.completions.create(model="gemini-pro", messages=HELLO).choices


def test_open_async_streams_filling_the_pool_fail_fast_naming_them(
    reference_server: Any, short_wait: float
) -> None:
    async def run() -> None:
        async with _async_client(reference_server) as client:
            kept = [
                await client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True)
                for _ in range(2)
            ]
            with pytest.raises(APITimeoutError, match="2 streams were opened and never closed"):
                await client.chat.completions.create(model="gemini-pro", messages=HELLO)
            for stream in kept:
                await stream.aclose()
            assert (await client.chat.completions.create(model="gemini-pro", messages=HELLO)).choices

    asyncio.run(run())


def test_on_aiohttp_unread_streams_the_server_finished_do_not_hold_the_pool(
    reference_server: Any, short_wait: float
) -> None:
    # aiohttp gives a connection back once the whole response has arrived, read or not: the same
    # two unread streams that fill httpx's pool above leave room for the next call.
    async def run() -> Any:
        async with _async_client(reference_server, "aiohttp") as client:
            kept = [
                await client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True)
                for _ in range(2)
            ]
            await asyncio.sleep(0.1)  # the streams' last bytes arrive
            completion = await client.chat.completions.create(model="gemini-pro", messages=HELLO)
            for stream in kept:
                await stream.aclose()
            return completion

    assert asyncio.run(run()).choices


def test_streams_read_to_their_end_do_not_count_as_open(reference_server: Any, short_wait: float) -> None:
    with _client(reference_server) as client:
        read = []
        for _ in range(5):
            stream = client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True)
            assert list(stream)
            read.append(stream)  # kept, but closed by reading to the end
        assert client.chat.completions.create(model="gemini-pro", messages=HELLO).choices


# A stream the server is still sending: a reply of many tokens, one every half second.
STILL_SENDING = {"X-Stream-Delay": "0.5", "X-Reply-Tokens": "500"}


@pytest.fixture
def own_server() -> Iterator[BackgroundServer]:
    """A reference server of the test's own, stopped with it: the streams it is still sending end
    there, instead of going on in the shared server through later tests (whose memory they swell)."""
    with BackgroundServer() as server:
        yield server


def test_on_aiohttp_open_streams_the_server_is_still_sending_fail_fast_naming_them(
    own_server: BackgroundServer, short_wait: float
) -> None:
    # aiohttp holds the connection of a stream still arriving, read or not: with the pool full of
    # them a call waited for aiohttp's connect timeout (the pool timeout, 600 s), retried.
    async def run() -> float:
        async with _async_client(own_server, "aiohttp") as client:
            kept = [
                await client.chat.completions.create(
                    model="gemini-pro", messages=HELLO, stream=True, extra_headers=STILL_SENDING
                )
                for _ in range(2)
            ]
            started = time.monotonic()
            with pytest.raises(APITimeoutError, match="2 streams were opened and never closed"):
                await asyncio.wait_for(client.chat.completions.create(model="gemini-pro", messages=HELLO), 30)
            waited = time.monotonic() - started
            for stream in kept:
                await stream.aclose()
            assert (await client.chat.completions.create(model="gemini-pro", messages=HELLO)).choices
            return waited

    assert asyncio.run(run()) < HANG_GUARD


def _default_async_client(server: Any) -> AsyncAIMLAPI:
    client = AsyncAIMLAPI(api_key=server.api_key, base_url=server.base_url, max_retries=2)
    assert isinstance(client.authenticated_client.get_async_httpx_client(), DefaultAioHttpClient)
    return client


def test_on_the_default_async_pool_streams_beyond_its_size_fail_fast_naming_them(
    own_server: BackgroundServer, short_wait: float
) -> None:
    """The default async client (aiohttp, 100 connections) as a careless user meets it."""
    size = DEFAULT_CONNECTION_LIMITS.max_connections
    assert size is not None

    async def run() -> float:
        async with _default_async_client(own_server) as client:
            kept = [
                await client.chat.completions.create(
                    model="gemini-pro", messages=HELLO, stream=True, extra_headers=STILL_SENDING
                )
                for _ in range(size)
            ]
            started = time.monotonic()
            with pytest.raises(APITimeoutError, match=f"{size} streams were opened and never closed"):
                await asyncio.wait_for(
                    client.chat.completions.create(
                        model="gemini-pro", messages=HELLO, stream=True, extra_headers=STILL_SENDING
                    ),
                    30,
                )
            waited = time.monotonic() - started
            for stream in kept:
                await stream.aclose()
            return waited

    assert asyncio.run(run()) < HANG_GUARD


def test_on_the_default_async_pool_dropped_streams_beyond_its_size_leave_room(
    own_server: BackgroundServer, short_wait: float
) -> None:
    size = DEFAULT_CONNECTION_LIMITS.max_connections
    assert size is not None

    async def run() -> Any:
        async with _default_async_client(own_server) as client:
            for _ in range(size + 10):  # opened, never read, dropped at once
                await client.chat.completions.create(
                    model="gemini-pro", messages=HELLO, stream=True, extra_headers=STILL_SENDING
                )
            call = client.chat.completions.create(model="gemini-pro", messages=HELLO)
            return await asyncio.wait_for(call, 10)

    assert asyncio.run(run()).choices


@pytest.mark.parametrize("keep", [True, False], ids=["kept", "dropped"])
def test_closing_the_client_closes_the_streams_still_open_on_it(
    own_server: BackgroundServer, keep: bool
) -> None:
    # A pool closed under a stream the server is still sending leaves aiohttp's connection
    # unreleased, and aiohttp warns of it (a ResourceWarning, an error here) whenever it is
    # collected, in whatever code runs then.
    async def run() -> list[Any]:
        async with _default_async_client(own_server) as client:
            streams = [
                await client.chat.completions.create(
                    model="gemini-pro", messages=HELLO, stream=True, extra_headers=STILL_SENDING
                )
                for _ in range(3)
            ]
            if not keep:
                del streams[:]
                gc.collect()  # queued to close at the pool's next request, which never comes
        return streams

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        streams = asyncio.run(run())
        assert all(stream.response.is_closed for stream in streams)
        del streams
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
