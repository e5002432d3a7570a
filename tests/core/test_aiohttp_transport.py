"""DefaultAioHttpClient (the aiohttp extra, installed by the dev extra so this always runs): calls,
streams and failures through httpx-aiohttp against the reference server, as through httpx."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import uuid

import httpx
import pytest
import spec_features as spec
from httpx_aiohttp import AiohttpTransport

from aimlapi_gemini import (
    APIConnectionError,
    AuthenticatedClient,
    ChatCompletion,
    StreamInterruptedError,
)
from aimlapi_gemini._aiohttp import DEFAULT_CONNECTION_LIMITS, DefaultAioHttpClient
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.testing._server import BackgroundServer
from tests.doubles.fakes import hello_request


def aiohttp_client(server: BackgroundServer, **options: object) -> AuthenticatedClient:
    client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, **options)  # type: ignore[arg-type]
    return client.set_async_httpx_client(DefaultAioHttpClient())


def test_it_is_importable_from_the_package_and_has_the_default_limits_and_timeout() -> None:
    import aimlapi_gemini

    assert aimlapi_gemini.DefaultAioHttpClient is DefaultAioHttpClient
    pool = DefaultAioHttpClient()
    assert isinstance(pool, httpx.AsyncClient)
    transport = pool._transport
    assert isinstance(transport, AiohttpTransport)
    assert transport.limits == DEFAULT_CONNECTION_LIMITS
    assert pool.timeout == httpx.Timeout(600.0, connect=5.0)
    custom = DefaultAioHttpClient(limits=httpx.Limits(max_connections=7))
    assert custom._transport.limits.max_connections == 7  # type: ignore[attr-defined]


def test_without_the_extra_the_import_error_names_it() -> None:
    script = (
        "import sys; sys.modules['httpx_aiohttp'] = None\n"
        "import aimlapi_gemini\n"
        "try:\n"
        "    from aimlapi_gemini import DefaultAioHttpClient\n"
        "except ImportError as exc:\n"
        "    print('ImportError:', exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "ImportError: DefaultAioHttpClient needs the aiohttp extra" in result.stdout
    assert "pip install 'aimlapi-gemini[aiohttp]'" in result.stdout


def test_an_unknown_package_attribute_is_still_an_attribute_error() -> None:
    import aimlapi_gemini

    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(aimlapi_gemini, "NoSuchThing")  # noqa: B009 - the name must not be checked statically


def test_concurrent_calls_through_aiohttp_match_httpx(reference_server: BackgroundServer) -> None:
    bodies = [hello_request(f"question {n}") for n in range(40)]

    async def run() -> list[ChatCompletion]:
        async with aiohttp_client(reference_server) as client:
            replies = await asyncio.gather(
                *(create_chat_completion.asyncio(client=client, body=body) for body in bodies)
            )
        return [reply for reply in replies if isinstance(reply, ChatCompletion)]

    through_aiohttp = asyncio.run(run())
    with AuthenticatedClient(base_url=reference_server.base_url, token=reference_server.api_key) as plain:
        through_httpx = [create_chat_completion.sync(client=plain, body=body) for body in bodies]
    assert len(through_aiohttp) == 40
    assert [r.to_dict() for r in through_aiohttp] == [
        r.to_dict() for r in through_httpx if isinstance(r, ChatCompletion)
    ]


def test_a_stream_through_aiohttp_is_decoded_and_joined(reference_server: BackgroundServer) -> None:
    async def run() -> tuple[list[str], ChatCompletion]:
        # The usage chunk asked for, whether or not the spec has stream_options.
        client = aiohttp_client(
            reference_server, headers={"X-Reply-Tokens": "300", "X-Stream-Usage": "include"}
        )
        async with client, create_chat_completion.astream(client=client, body=hello_request()) as stream:
            pieces = [piece async for piece in stream.text_deltas()]
            return pieces, await stream.get_final_completion()

    pieces, completion = asyncio.run(run())
    assert len("".join(pieces).split()) == 300
    assert completion.choices[0].message.content == "".join(pieces)
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 300


def test_a_stream_cut_through_aiohttp_is_a_typed_interruption(reference_server: BackgroundServer) -> None:
    fault = {"X-Fault": "stream-cut=5", "X-Fault-Id": uuid.uuid4().hex, "X-Reply-Tokens": "20"}

    async def run() -> tuple[BaseException | None, int]:
        client = aiohttp_client(reference_server, headers=fault)
        received = 0
        async with client:
            try:
                async with create_chat_completion.astream(client=client, body=hello_request()) as stream:
                    async for _chunk in stream:
                        received += 1
            except StreamInterruptedError as exc:
                return exc, received
        return None, received

    error, received = asyncio.run(run())
    assert isinstance(error, StreamInterruptedError)
    assert received == error.chunks_received == 6


def test_a_refused_connection_through_aiohttp_is_a_connection_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def run() -> None:
        client = AuthenticatedClient(base_url=f"http://127.0.0.1:{port}", token="k", max_retries=0)
        async with client.set_async_httpx_client(DefaultAioHttpClient()):
            await create_chat_completion.asyncio(client=client, body=hello_request())

    with pytest.raises(APIConnectionError):
        asyncio.run(run())


# The default async pool (_aiohttp_default.default_async_pool): aiohttp, for both layers.

MANY_IN_FLIGHT = 300  # above the pool's 100 connections, as in the collapse httpx's pool shows


def test_the_default_async_client_completes_hundreds_of_concurrent_calls(
    reference_server: BackgroundServer,
) -> None:
    from aimlapi_gemini import AsyncAIMLAPI

    async def run() -> tuple[httpx.AsyncBaseTransport, list[ChatCompletion]]:
        async with AsyncAIMLAPI(
            api_key=reference_server.api_key, base_url=reference_server.base_url
        ) as client:
            replies = await asyncio.gather(
                *(
                    client.chat.completions.create(model="gemini-pro", messages=[spec.user_message(f"q {n}")])
                    for n in range(MANY_IN_FLIGHT)
                )
            )
            transport = client.authenticated_client.get_async_httpx_client()._transport
        return transport, replies

    transport, replies = asyncio.run(run())
    assert isinstance(transport, AiohttpTransport)
    assert len(replies) == MANY_IN_FLIGHT
    assert all(isinstance(reply, ChatCompletion) and reply.choices for reply in replies)


def test_the_functional_client_builds_its_async_pool_on_aiohttp_with_its_settings() -> None:
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token="k", timeout=7.0)
    pool = client.get_async_httpx_client()
    assert isinstance(pool, DefaultAioHttpClient)
    assert pool.timeout == httpx.Timeout(7.0)
    assert pool._transport.limits == DEFAULT_CONNECTION_LIMITS  # type: ignore[attr-defined]


def test_a_transport_given_in_httpx_args_is_used_instead_of_aiohttp() -> None:
    given = httpx.AsyncHTTPTransport()
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token="k", httpx_args={"transport": given})
    assert client.get_async_httpx_client()._transport is given


def test_without_httpx_aiohttp_the_default_async_pool_is_httpx_own() -> None:
    script = (
        "import sys; sys.modules['httpx_aiohttp'] = None\n"
        "from aimlapi_gemini import AuthenticatedClient\n"
        "pool = AuthenticatedClient(base_url='http://127.0.0.1:9', token='k').get_async_httpx_client()\n"
        "print(type(pool).__name__, type(pool._transport).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["AsyncClient", "AsyncHTTPTransport"]


def test_importing_the_package_does_not_import_aiohttp() -> None:
    script = "import sys, aimlapi_gemini\nprint('aiohttp' in sys.modules, 'httpx_aiohttp' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
