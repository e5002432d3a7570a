"""The keywords whose JSON is an object or a list take what a user writes for it: a plain dict for a
free-form object (``logit_bias={"42": -5}``, a tool's ``parameters``) beside the model, any sequence
for a list inside a union (``stop``). mypy --strict checks this file with the rest of tests/ (the
types are the point); the wrong values are in tests/params/test_type_errors.py, and at run time
they are a ValidationError naming the field before anything is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

# tests/runtime is the package `runtime` to pytest and `tests.runtime` to mypy: the fakes are typed there.
from runtime.fakes import FAKE_KEY, FakeAPI, Reply, completion_json  # type: ignore[import-not-found]

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, ValidationError
from aimlapi_gemini.models import (
    ChatCompletionTool,
    FunctionDefinition,
    FunctionParameters,
    LogitBias,
    NamedToolChoice,
    NamedToolChoiceFunction,
)
from aimlapi_gemini.testing import MockAPI

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _client(api: FakeAPI) -> AIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AIMLAPI(
        api_key=FAKE_KEY, base_url="https://api.example.test", http_client=httpx.Client(transport=transport)
    )


def _sent(api: FakeAPI, **keywords: Any) -> dict[str, Any]:
    sent: dict[str, Any] = api.sent_json()
    return {key: sent[key] for key in keywords}


def test_logit_bias_takes_a_plain_dict_and_the_model() -> None:
    api = FakeAPI().script(Reply(json=completion_json()), Reply(json=completion_json()))
    client = _client(api)
    bias: dict[str, int] = {"42": -5, "7": 100}
    client.chat.completions.create(
        model="gemini-pro", messages=[{"role": "user", "content": "hi"}], logit_bias=bias
    )
    assert api.sent_json()["logit_bias"] == {"42": -5, "7": 100}
    client.chat.completions.create(
        model="gemini-pro", messages=[{"role": "user", "content": "hi"}], logit_bias=LogitBias({"42": -5.5})
    )
    assert api.sent_json(1)["logit_bias"] == {"42": -5.5}


def test_a_tool_takes_its_parameters_as_a_plain_dict() -> None:
    api = FakeAPI().script(Reply(json=completion_json()), Reply(json=completion_json()))
    client = _client(api)
    client.chat.completions.create(
        model="gemini-pro",
        messages=[{"role": "user", "content": "hi"}],
        tools=[ChatCompletionTool(function=FunctionDefinition(name="f", description="d", parameters=SCHEMA))],
        tool_choice=NamedToolChoice(function=NamedToolChoiceFunction(name="f")),
    )
    client.chat.completions.create(
        model="gemini-pro",
        messages=[{"role": "user", "content": "hi"}],
        tools=[
            {"type": "function", "function": {"name": "f", "description": "d", "parameters": SCHEMA}},
            ChatCompletionTool(function=FunctionDefinition("d", "g", parameters=FunctionParameters(SCHEMA))),
        ],
        tool_choice={"type": "function", "function": {"name": "f"}},
    )
    first, second = api.sent_json(0), api.sent_json(1)
    assert first["tools"][0]["function"]["parameters"] == SCHEMA
    assert [tool["function"]["parameters"] for tool in second["tools"]] == [SCHEMA, SCHEMA]
    assert first["tool_choice"] == second["tool_choice"] == {"type": "function", "function": {"name": "f"}}


def test_stop_takes_any_sequence_of_texts_or_one_text() -> None:
    api = FakeAPI().script(*[Reply(json=completion_json()) for _ in range(3)])
    client = _client(api)
    for stop in (("END", "STOP"), ["END"], "END"):
        client.chat.completions.create(
            model="gemini-pro", messages=[{"role": "user", "content": "hi"}], stop=stop
        )
    assert [api.sent_json(n)["stop"] for n in range(3)] == [["END", "STOP"], ["END"], "END"]


def test_the_async_client_takes_the_same(aimlapi_mock: MockAPI) -> None:
    async def ask() -> None:
        async with AsyncAIMLAPI(api_key=aimlapi_mock.api_key, base_url=aimlapi_mock.base_url) as client:
            await client.chat.completions.create(
                model="gemini-pro",
                messages=[{"role": "user", "content": "hi"}],
                logit_bias={"42": -5},
                stop=("END",),
                tools=[
                    {"type": "function", "function": {"name": "f", "description": "d", "parameters": SCHEMA}}
                ],
            )

    asyncio.run(ask())  # the reference server validated the request against the spec
    sent = aimlapi_mock.requests[0].to_dict()
    assert (sent["logit_bias"], sent["stop"], sent["tools"][0]["function"]["parameters"]) == (
        {"42": -5},
        ["END"],
        SCHEMA,
    )


# --- the twins: values the spec does not take are refused, naming the field, before sending -----


@pytest.mark.parametrize(
    ("keywords", "path"),
    [
        ({"logit_bias": {"42": 500}}, "logit_bias['42']"),  # above the spec's maximum of 100
        ({"logit_bias": {"42": "high"}}, "logit_bias['42']"),
        ({"logit_bias": ["42"]}, "logit_bias"),
        ({"stop": [1]}, "stop"),
        (
            {
                "tools": [
                    {"type": "function", "function": {"name": "f", "description": "d", "parameters": [1]}}
                ]
            },
            "tools[0]",
        ),
    ],
    ids=[
        "bias-above-maximum",
        "bias-not-a-number",
        "bias-not-an-object",
        "stop-not-texts",
        "parameters-not-an-object",
    ],
)
def test_object_keywords_the_spec_refuses_are_a_validation_error_naming_the_field(
    keywords: dict[str, Any], path: str
) -> None:
    api = FakeAPI()
    with pytest.raises(ValidationError) as caught:
        _client(api).chat.completions.create(
            model="gemini-pro", messages=[{"role": "user", "content": "hi"}], **keywords
        )
    assert caught.value.path.startswith(path), (caught.value.path, str(caught.value))
    assert api.requests == []
