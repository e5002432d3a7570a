"""One connection pool per client, whatever the threads; a new one in a child after os.fork() and
in another event loop (issue 19)."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
import warnings
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import AsyncAIMLAPI, AuthenticatedClient, ConfigurationError

HELLO = [spec.user_message_model()]


class _SlowClient(httpx.Client):
    """An httpx.Client that takes a while to build, so that threads starting together overlap."""

    def __init__(self, **kwargs: Any) -> None:
        time.sleep(0.02)
        super().__init__(**kwargs)


def _first_calls_together(client: AuthenticatedClient, threads: int) -> list[httpx.Client]:
    start = threading.Barrier(threads)
    pools: list[httpx.Client] = []

    def first_call() -> None:
        start.wait()
        pools.append(client.get_httpx_client())

    workers = [threading.Thread(target=first_call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return pools


@pytest.mark.parametrize("threads", [16, 32])
def test_threads_making_their_first_call_together_share_one_pool(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    monkeypatch.setattr(httpx, "Client", _SlowClient)
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token="k")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pools = _first_calls_together(client, threads)
        assert len(pools) == threads
        assert len({id(pool) for pool in pools}) == 1
        client.get_httpx_client().close()
        assert pools[0].is_closed
        del pools
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_child_process_after_fork_builds_its_own_pool() -> None:
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token="k")
    parent_pool = client.get_httpx_client()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, without running pytest's teardown
        fresh = client.get_httpx_client()
        verdict = b"new" if fresh is not parent_pool and fresh is client.get_httpx_client() else b"same"
        os.write(write_end, verdict)
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    verdict = os.read(read_end, 16)
    os.close(read_end)
    assert os.WEXITSTATUS(status) == 0
    assert verdict == b"new"
    assert client.get_httpx_client() is parent_pool  # the parent keeps its own
    client.get_httpx_client().close()


def test_an_async_client_works_across_asyncio_run_calls(reference_server: Any) -> None:
    client = AsyncAIMLAPI(api_key=reference_server.api_key, base_url=reference_server.base_url, max_retries=0)

    async def ask(then_close: bool) -> str | None:
        completion = await client.chat.completions.create(model="gemini-pro", messages=HELLO)
        if then_close:
            await client.close()
        return completion.choices[0].message.content

    first = asyncio.run(ask(then_close=False))
    with warnings.catch_warnings():
        # The first loop's connections cannot be closed once it is: they go with its pool.
        warnings.simplefilter("ignore", ResourceWarning)
        second = asyncio.run(ask(then_close=True))
        gc.collect()
    assert first
    assert second


def test_a_given_async_pool_used_in_another_loop_is_a_one_line_typed_error(reference_server: Any) -> None:
    client = AsyncAIMLAPI(
        api_key=reference_server.api_key,
        base_url=reference_server.base_url,
        max_retries=0,
        http_client=httpx.AsyncClient(),
    )

    async def ask(then_close: bool) -> Any:
        completion = await client.chat.completions.create(model="gemini-pro", messages=HELLO)
        if then_close:
            await client.close()
        return completion

    assert asyncio.run(ask(then_close=True)).choices
    with pytest.raises(ConfigurationError, match="used in another event loop") as caught:
        asyncio.run(ask(then_close=False))
    assert "\n" not in str(caught.value)
