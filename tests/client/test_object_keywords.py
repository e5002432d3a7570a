"""The keywords whose JSON is an object or a list take what a user writes for it: a plain dict for a
free-form object (``logit_bias={"42": -5}``, a tool's ``parameters``) beside the model, any sequence
for a list inside a union (``stop``). Each keyword is tested where the spec has it (spec_features);
where a revision drops it, the client must lack it too. The keywords are passed through a
``dict[str, Any]`` so that this file type-checks against any revision; their static types are
checked in tests/client/test_param_type_errors.py (pyright/mypy on snippets). At run time a wrong
value is a ValidationError naming the field before anything is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, ValidationError
from aimlapi_gemini.testing import MockAPI
from tests.doubles.fakes import FAKE_KEY, FakeAPI, Reply, completion_json

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
HI: list[Any] = [spec.user_message("hi")]


def _client(api: FakeAPI) -> AIMLAPI:
    transport = httpx.MockTransport(api.handler)
    return AIMLAPI(
        api_key=FAKE_KEY, base_url="https://api.example.test", http_client=httpx.Client(transport=transport)
    )


def _sent(api: FakeAPI, **keywords: Any) -> dict[str, Any]:
    sent: dict[str, Any] = api.sent_json()
    return {key: sent[key] for key in keywords}


def test_logit_bias_takes_a_plain_dict_and_the_model() -> None:
    if not spec.field_present("logit_bias"):
        return
    api = FakeAPI().script(Reply(json=completion_json()), Reply(json=completion_json()))
    client = _client(api)
    bias: dict[str, Any] = {"logit_bias": {"42": -5, "7": 100}}
    client.chat.completions.create(model="gemini-pro", messages=HI, **bias)
    assert api.sent_json()["logit_bias"] == {"42": -5, "7": 100}
    bias = {"logit_bias": spec.optional_model("LogitBias")({"42": -5.5})}
    client.chat.completions.create(model="gemini-pro", messages=HI, **bias)
    assert api.sent_json(1)["logit_bias"] == {"42": -5.5}


def test_a_tool_takes_its_parameters_as_a_plain_dict() -> None:
    if not (spec.function_tools_present() and spec.field_present("tool_choice")):
        return
    tool, function = spec.optional_model("ChatCompletionTool"), spec.optional_model("FunctionDefinition")
    named = spec.optional_model("NamedToolChoice")
    api = FakeAPI().script(Reply(json=completion_json()), Reply(json=completion_json()))
    client = _client(api)
    as_models: dict[str, Any] = {
        "tools": [
            tool(
                function=function(
                    name="f", description="d", parameters=spec.model_from("FunctionParameters", SCHEMA)
                )
            )
        ],
        "tool_choice": named(function=spec.optional_model("NamedToolChoiceFunction")(name="f")),
    }
    client.chat.completions.create(model="gemini-pro", messages=HI, **as_models)
    parameters = spec.model_from("FunctionParameters", SCHEMA)
    as_dicts: dict[str, Any] = {
        "tools": [
            {"type": "function", "function": {"name": "f", "description": "d", "parameters": SCHEMA}},
            tool(function=function(name="g", description="d", parameters=parameters)),
        ],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }
    client.chat.completions.create(model="gemini-pro", messages=HI, **as_dicts)
    first, second = api.sent_json(0), api.sent_json(1)
    assert first["tools"][0]["function"]["parameters"] == SCHEMA
    assert [tool["function"]["parameters"] for tool in second["tools"]] == [SCHEMA, SCHEMA]
    assert first["tool_choice"] == second["tool_choice"] == {"type": "function", "function": {"name": "f"}}


def test_stop_takes_any_sequence_of_texts_or_one_text() -> None:
    if not spec.field_present("stop"):
        return
    api = FakeAPI().script(*[Reply(json=completion_json()) for _ in range(3)])
    client = _client(api)
    for stop in (("END", "STOP"), ["END"], "END"):
        keywords: dict[str, Any] = {"stop": stop}
        client.chat.completions.create(model="gemini-pro", messages=HI, **keywords)
    assert [api.sent_json(n)["stop"] for n in range(3)] == [["END", "STOP"], ["END"], "END"]


_ASYNC_KEYWORDS: dict[str, tuple[Any, Any]] = {
    # keyword: (what the user passes, the JSON sent)
    "logit_bias": ({"42": -5}, {"42": -5}),
    "stop": (("END",), ["END"]),
    "tools": (
        [{"type": "function", "function": {"name": "f", "description": "d", "parameters": SCHEMA}}],
        [{"type": "function", "function": {"name": "f", "description": "d", "parameters": SCHEMA}}],
    ),
}


def test_the_async_client_takes_the_same(aimlapi_mock: MockAPI) -> None:
    # The keywords this revision has in the shape given (its tools may be no function tools).
    present = [
        keyword
        for keyword, (_, sent) in _ASYNC_KEYWORDS.items()
        if spec.field_present(keyword) and spec.field_accepts(keyword, sent)
    ]
    keywords: dict[str, Any] = {keyword: _ASYNC_KEYWORDS[keyword][0] for keyword in present}

    async def ask() -> None:
        async with AsyncAIMLAPI(api_key=aimlapi_mock.api_key, base_url=aimlapi_mock.base_url) as client:
            await client.chat.completions.create(model="gemini-pro", messages=HI, **keywords)

    asyncio.run(ask())  # the reference server validated the request against the spec
    sent = aimlapi_mock.requests[0].to_dict()
    assert {keyword: sent[keyword] for keyword in present} == {
        keyword: _ASYNC_KEYWORDS[keyword][1] for keyword in present
    }


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
    if not all(spec.field_present(keyword) for keyword in keywords):
        return
    if all(spec.field_accepts(keyword, value) for keyword, value in keywords.items()):
        # A revision's schema admits it after all (a catch-all tool alternative): sent as given.
        api = FakeAPI().script(Reply(json=completion_json()))
        _client(api).chat.completions.create(model="gemini-pro", messages=HI, **keywords)
        assert _sent(api, **keywords) == keywords
        return
    api = FakeAPI()
    with pytest.raises(ValidationError) as caught:
        _client(api).chat.completions.create(model="gemini-pro", messages=HI, **keywords)
    assert caught.value.path.startswith(path), (caught.value.path, str(caught.value))
    assert api.requests == []
