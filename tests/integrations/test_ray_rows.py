"""ChatCompletions called directly on a batch (no cluster): each format Ray Data hands over, the
request and prompt columns, the checks a row's body gets, and the result columns."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow has no type information
import pytest
import spec_features as spec

from aimlapi_gemini import Backoff
from aimlapi_gemini.integrations.ray import ChatCompletions
from aimlapi_gemini.models.chat_completion import ChatCompletion
from aimlapi_gemini.testing._server import BackgroundServer

from .conftest import chat_body


def body(text: str) -> dict[str, Any]:
    return chat_body(text, max_tokens=5)


def mapper(server: BackgroundServer, **options: Any) -> ChatCompletions:
    return ChatCompletions(
        api_key=server.api_key, base_url=server.base_url, backoff=Backoff(initial=0.01), **options
    )


def run(mapper: ChatCompletions, batch: Any) -> Any:
    """What Ray Data does with a batch: await the mapper's ``__call__`` (a coroutine)."""
    return asyncio.run(mapper(batch))


def object_column(values: list[Any]) -> np.ndarray[Any, Any]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def test_valid_rows_get_a_response_and_no_error(reference_server: BackgroundServer) -> None:
    batch = {"request": object_column([json.dumps(body("a")), body("b")]), "key": np.array([1, 2])}
    out = run(mapper(reference_server), batch)
    assert list(out["key"]) == [1, 2]  # the input's columns stay
    for text in out["response"]:
        assert isinstance(ChatCompletion.from_dict(json.loads(text)), ChatCompletion)
    assert list(out["error_code"]) == [None, None]
    assert list(out["error_message"]) == [None, None]


def test_invalid_rows_get_their_error_columns_and_are_not_sent(
    reference_server: BackgroundServer,
) -> None:
    rows = [
        "not json",
        json.dumps({"model": spec.model_id()}),  # no messages
        json.dumps({**body("c"), "stream": True}),
        json.dumps(body("valid")),
        None,
    ]
    out = run(mapper(reference_server), {"request": object_column(rows)})
    codes = list(out["error_code"])
    assert codes == ["invalid_request", "invalid_request", "invalid_request", None, "invalid_request"]
    messages = list(out["error_message"])
    assert "not JSON" in messages[0]
    assert "messages" in messages[1]
    assert "stream: true" in messages[2]
    assert out["response"][3] is not None
    assert [text is None for text in out["response"]] == [True, True, True, False, True]


def test_a_struct_column_of_numpy_arrays_is_checked_as_plain_values(
    reference_server: BackgroundServer,
) -> None:
    # Ray Data's numpy format hands a struct column's lists over as numpy arrays.
    cell = {"model": spec.model_id(), "messages": object_column([spec.user_message("hi")])}
    out = run(mapper(reference_server), {"request": object_column([cell])})
    assert out["error_code"][0] is None
    assert out["response"][0] is not None


@pytest.mark.parametrize("kind", ["pandas", "pyarrow"])
def test_pandas_and_arrow_batches_come_back_in_their_format(
    reference_server: BackgroundServer, kind: str
) -> None:
    requests = [json.dumps(body("a")), "{"]
    batch: Any = pd.DataFrame({"request": requests}) if kind == "pandas" else pa.table({"request": requests})
    out = run(mapper(reference_server), batch)
    assert type(out) is type(batch)
    rows = out.to_dict("records") if kind == "pandas" else out.to_pylist()
    # pandas shows an empty cell as its NA (NaN in a string column), Arrow as None.
    assert pd.isna(rows[0]["error_code"])
    assert json.loads(rows[0]["response"])["object"] == "chat.completion"
    assert rows[1]["error_code"] == "invalid_request"
    assert pd.isna(rows[1]["response"])


def test_a_prompt_column_becomes_one_user_message_to_the_model(reference_server: BackgroundServer) -> None:
    defaults = {"max_tokens": 3} if spec.has_request_field("max_tokens") else {}
    prompts = {"prompt": object_column(["hello", 7])}
    out = run(mapper(reference_server, model=spec.model_id(), defaults=defaults), prompts)
    if spec.user_takes_text():
        assert out["error_code"][0] is None
        assert out["response"][0] is not None
    else:
        # A user message that takes no text (audio only) has no place for the prompt: not sent.
        assert out["error_code"][0] == "invalid_request"
        assert out["error_message"][0] == "prompt: this API's user messages take no text"
        assert out["response"][0] is None
    assert out["error_code"][1] == "invalid_request"
    assert "prompt must be text" in out["error_message"][1]


def test_a_prompt_column_without_a_model_is_an_error_on_every_row(reference_server: BackgroundServer) -> None:
    out = run(mapper(reference_server), {"prompt": object_column(["hello", "there"])})
    assert list(out["error_code"]) == ["invalid_request", "invalid_request"]
    assert all("model=" in message for message in out["error_message"])


def test_a_batch_without_a_request_or_prompt_column_is_an_error_on_every_row(
    reference_server: BackgroundServer,
) -> None:
    out = run(mapper(reference_server), {"text": object_column(["a", "b"])})
    assert list(out["error_code"]) == ["invalid_request", "invalid_request"]
    assert list(out["response"]) == [None, None]


def test_a_final_http_error_is_a_typed_error_column(reference_server: BackgroundServer) -> None:
    wrong_key = ChatCompletions(api_key="not-the-key", base_url=reference_server.base_url, max_retries=0)
    out = run(wrong_key, {"request": object_column([json.dumps(body("a"))])})
    assert out["error_code"][0] == "http_error"
    assert out["response"][0] is None
    assert "not-the-key" not in out["error_message"][0]  # the key never shows


def test_no_server_leaves_the_rows_not_sent_for_the_next_run() -> None:
    # As the batch leaves its lines when no attempt reached the server: the next run sends them.
    unreachable = ChatCompletions(
        api_key="k", base_url="http://127.0.0.1:9", max_retries=1, backoff=Backoff(0)
    )
    out = run(unreachable, {"request": object_column([json.dumps(body("a")), json.dumps(body("b"))])})
    assert list(out["error_code"]) == ["not_sent", "not_sent"]
    assert all("no attempt reached the server" in message for message in out["error_message"])
    assert list(out["response"]) == [None, None]


@pytest.mark.parametrize(("option", "value"), [("concurrency", 0), ("max_retries", -1)])
def test_bad_options_are_refused_when_the_actor_starts(option: str, value: int) -> None:
    options: dict[str, Any] = {option: value}
    with pytest.raises(ValueError, match=option):
        ChatCompletions(api_key="k", **options)


def test_the_module_is_not_imported_with_the_package_and_names_its_extra_without_ray() -> None:
    code = (
        "import sys\n"
        "import aimlapi_gemini\n"
        "assert 'aimlapi_gemini.integrations' not in sys.modules and 'ray' not in sys.modules\n"
        "sys.modules['ray'] = None  # as if ray were not installed\n"
        "try:\n"
        "    import aimlapi_gemini.integrations.ray\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'aimlapi-gemini[ray]'" in result.stdout


def test_a_mapper_collected_on_a_thread_running_a_loop_closes_its_pool(
    reference_server: BackgroundServer,
) -> None:
    """The collector may drop a mapper on any thread, also one running a loop of its own (Ray's,
    the testing kit's): its pool still closes, with no coroutine left unawaited (warnings are
    errors here, and an unraisable one fails the test)."""
    held = [mapper(reference_server)]
    run(held[0], {"request": object_column([json.dumps(body("a"))])})
    pool = held[0]._client._async_client
    assert pool is not None
    assert not pool.is_closed

    async def collect_here() -> None:
        held.clear()
        gc.collect()

    asyncio.run(collect_here())
    assert pool.is_closed
