"""A parameter the client refuses before sending is one error of the package's tree: a
RequestValidationError, caught as AimlApiError, as the OpenAI SDK's BadRequestError and as ValueError;
its message is one line naming the path, and nothing is sent."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import (
    AIMLAPI,
    AimlApiError,
    APIStatusError,
    AsyncAIMLAPI,
    BadRequestError,
    ChatCompletionRequest,
    RequestValidationError,
    ValidationError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from tests.doubles.fakes import FAKE_KEY, FakeAPI, Reply, completion_json, error_json

# The spec's user message (it may take no text), and the same with a role no revision has.
GOOD: list[Any] = [spec.user_message("hi")]
BAD_ROLE: list[Any] = [{**spec.user_message("hi"), "role": "nobody"}]


def _client(api: FakeAPI) -> AIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AIMLAPI(
        api_key=FAKE_KEY, base_url="https://api.example.test", http_client=httpx.Client(transport=transport)
    )


def _refused(api: FakeAPI, caught_as: type[Exception]) -> Exception:
    with pytest.raises(caught_as) as caught:
        _client(api).chat.completions.create(model="gemini-pro", messages=BAD_ROLE)
    return caught.value


@pytest.mark.parametrize(
    "caught_as", [AimlApiError, BadRequestError, APIStatusError, ValueError, ValidationError]
)
def test_a_bad_parameter_is_caught_by_every_family_it_belongs_to(caught_as: type[Exception]) -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    error = _refused(api, caught_as)
    assert type(error) is RequestValidationError
    assert api.requests == []  # refused before sending


def test_the_message_is_one_line_naming_the_path_and_the_status_is_the_apis_400() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    error = _refused(api, RequestValidationError)
    assert isinstance(error, RequestValidationError)
    assert str(error).startswith(
        "body is not a valid ChatCompletionRequest: messages[0].role: expected one of"
    )
    assert "\n" not in str(error)
    assert error.path == "messages[0].role"
    assert (error.status_code, error.request, error.request_id, error.body) == (400, None, None, None)
    assert error.response.status_code == 400
    assert error.text == str(error)


def test_a_valid_call_is_sent_and_raises_nothing() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))
    _client(api).chat.completions.create(model="gemini-pro", messages=GOOD)
    assert len(api.requests) == 1


def test_a_400_from_the_api_is_a_bad_request_but_not_a_validation_error() -> None:
    """The two stay apart: only the client's own refusal is a ValidationError (and so a ValueError)."""
    api = FakeAPI().script(Reply(status=400, json=error_json(400, "Body validation error: role")))
    error = _refused_by_api(api)
    assert isinstance(error, BadRequestError)
    assert not isinstance(error, ValueError)
    assert len(api.requests) == 1


def _refused_by_api(api: FakeAPI) -> BaseException:
    with pytest.raises(BadRequestError) as caught:
        _client(api).with_options(max_retries=0).chat.completions.create(model="gemini-pro", messages=GOOD)
    return caught.value


def test_the_async_client_and_the_functional_layer_refuse_the_same_way() -> None:
    api = FakeAPI().script(Reply(json=completion_json()))

    async def call_async() -> None:
        transport = httpx.MockTransport(api.handler)
        async with AsyncAIMLAPI(
            api_key=FAKE_KEY,
            base_url="https://api.example.test",
            http_client=httpx.AsyncClient(transport=transport),
        ) as client:
            await client.chat.completions.create(model="gemini-pro", messages=BAD_ROLE)

    with pytest.raises(BadRequestError, match=r"messages\[0\]\.role"):
        asyncio.run(call_async())
    body = {"model": "gemini-pro", "messages": BAD_ROLE}
    with api.client() as client, pytest.raises(BadRequestError, match=r"messages\[0\]\.role"):
        create_chat_completion.sync(client=client, body=body)
    assert api.requests == []


def test_a_model_parsed_by_the_caller_is_a_plain_validation_error() -> None:
    """Nothing was being requested: Model.from_dict stays a ValueError outside the API errors."""
    with pytest.raises(ValidationError) as caught:
        ChatCompletionRequest.from_dict({"model": "gemini-pro", "messages": BAD_ROLE})
    assert not isinstance(caught.value, AimlApiError)
    ChatCompletionRequest.from_dict({"model": "gemini-pro", "messages": GOOD})  # the valid twin


def test_the_error_pickles_with_its_path_and_status() -> None:
    error = _refused(FakeAPI(), RequestValidationError)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RequestValidationError
    assert (str(copy), copy.path, copy.status_code) == (str(error), "messages[0].role", 400)
