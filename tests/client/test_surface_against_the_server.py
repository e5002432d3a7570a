"""The new surface against the reference server (the spec's stand-in for the API)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, BadRequestError, ChatCompletion
from aimlapi_gemini._spec_facts import VERSION_PATH

HELLO = [spec.user_message_model("Hello")]


def _client(server: Any, suffix: str = VERSION_PATH) -> AIMLAPI:
    return AIMLAPI(api_key=server.api_key, base_url=server.base_url + suffix, max_retries=0)


def _some_optional() -> dict[str, Any]:
    """An optional field this revision of the spec has, with a value its schema takes."""
    return {field: spec.example_value(field) for field in spec.optional_fields()[:1]}


def _past_a_bound() -> dict[str, Any]:
    """A number past a bound of a field this revision has (without one: a model that is no string)."""
    bounded = [field for field in spec.optional_fields() if spec.out_of_range_value(field) is not None]
    return {bounded[0]: spec.out_of_range_value(bounded[0])} if bounded else {"model": 9}


@pytest.mark.parametrize("suffix", ["", VERSION_PATH, VERSION_PATH + "/"])
def test_one_question_with_and_without_v1(reference_server: Any, suffix: str) -> None:
    with _client(reference_server, suffix) as client:
        completion = client.chat.completions.create(model="gemini-pro", messages=HELLO, **_some_optional())
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.role == "assistant"


def test_a_stream_without_with(reference_server: Any) -> None:
    with _client(reference_server) as client:
        stream = client.chat.completions.create(model="google/gemini-pro", messages=HELLO, stream=True)
        chunks = list(stream)
    assert chunks
    assert stream.done
    assert stream.response.is_closed


def test_an_unknown_model_id_reaches_the_server(reference_server: Any) -> None:
    with _client(reference_server) as client:
        raw = client.chat.completions.with_raw_response.create(model="someone/else", messages=HELLO)
    assert raw.status_code in (200, 201)
    assert raw.parse().choices


def test_what_the_server_rejects_is_its_typed_error(reference_server: Any) -> None:
    with _client(reference_server) as client, pytest.raises(BadRequestError):
        client.chat.completions.create(model="gemini-pro", messages=HELLO, extra_body=_past_a_bound())


def test_the_async_client(reference_server: Any) -> None:
    async def main() -> list[str]:
        server = reference_server
        async with AsyncAIMLAPI(api_key=server.api_key, base_url=server.base_url) as client:
            stream = await client.chat.completions.create(model="gemini-pro", messages=HELLO, stream=True)
            ids = [chunk.id async for chunk in stream]
            completion = await client.chat.completions.create(model="gemini-pro", messages=HELLO)
            return [*ids, completion.id]

    assert len(asyncio.run(main())) >= 2
