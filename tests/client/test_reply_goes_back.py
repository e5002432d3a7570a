"""A reply goes back as it is: ``messages.append(completion.choices[0].message)``, plain and with
tool calls, sync and async, against the reference server over loopback (the kit's MockAPI, which
validates every request against the spec). The spec's ``x-replay-as`` on ChatCompletionMessage
says which request message it is sent as (AssistantMessage).

This file is type-checked by mypy --strict with the rest of tests/ (tests/repo/test_quality.py), so the
appends below are also the proof that a ``list[ChatCompletionMessageParam]`` takes the reply; the
code that must not type-check is in tests/client/test_param_type_errors.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, ChatCompletionRequest, ValidationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import ChatCompletion, ChatCompletionMessage
from aimlapi_gemini.params import ChatCompletionMessageParam
from aimlapi_gemini.testing import MockAPI
from tests.doubles.fakes import completion_json

# Tools, tool results and replayed tool calls are optional parts of the spec: the tests that use
# them run where this revision has them (and check the client lacks them where it has not).
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _over_loopback(mock: MockAPI) -> AIMLAPI:
    return AIMLAPI(api_key=mock.api_key, base_url=mock.base_url, max_retries=0)


def _sent_message(mock: MockAPI, request: int, index: int) -> dict[str, object]:
    message = mock.requests[request].messages[index]
    assert isinstance(message, spec.message_models("assistant"))
    sent: dict[str, object] = message.to_dict()
    return sent


def test_a_plain_reply_is_appended_as_it_is(aimlapi_mock: MockAPI) -> None:
    if not spec.reply_replayed():
        return
    aimlapi_mock.reply(text="Paris.").reply(text="About 2.1 million.")
    messages: list[ChatCompletionMessageParam] = [spec.user_message("Capital of France?")]
    with _over_loopback(aimlapi_mock) as client:
        completion = client.chat.completions.create(model="gemini-pro", messages=messages)
        messages.append(completion.choices[0].message)
        messages.append(spec.user_message("How many people live there?"))
        raw = client.chat.completions.with_raw_response.create(model="gemini-pro", messages=messages)
    assert raw.status_code in (200, 201)
    assert raw.parse().choices[0].message.content == "About 2.1 million."
    # Sent as the assistant message the spec takes: the reply-only fields and nulls left out.
    assert _sent_message(aimlapi_mock, 1, 1) == {"role": "assistant", "content": "Paris."}
    assert [m.role for m in aimlapi_mock.requests[1].messages] == ["user", "assistant", "user"]


def _tool_calls_go_back() -> bool:
    return (
        spec.reply_replayed()
        and spec.field_present("tools")
        and spec.role_present("tool")
        and spec.schema_present("ToolCall")
    )


def test_a_tool_call_reply_is_appended_as_it_is(aimlapi_mock: MockAPI) -> None:
    if not _tool_calls_go_back():
        return
    tools: dict[str, Any] = {"tools": [WEATHER]}
    aimlapi_mock.reply_tool_call(name="get_weather", arguments={"city": "Oslo"}, call_id="call_oslo")
    aimlapi_mock.reply(text="Sunny in Oslo.")
    messages: list[ChatCompletionMessageParam] = [spec.user_message("Weather in Oslo?")]
    with _over_loopback(aimlapi_mock) as client:
        first = client.chat.completions.create(model="gemini-pro", messages=messages, **tools)
        reply = first.choices[0].message
        assert reply.content is None  # a reply that only calls tools has content null
        messages.append(reply)
        tool_result: Any = {"role": "tool", "tool_call_id": "call_oslo", "content": '{"sky": "sunny"}'}
        messages.append(tool_result)
        second = client.chat.completions.create(model="gemini-pro", messages=messages, **tools)
    assert second.choices[0].message.content == "Sunny in Oslo."
    sent = _sent_message(aimlapi_mock, 1, 1)
    assert sent == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_oslo",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
            }
        ],
    }
    assert json.loads(str(sent["tool_calls"][0]["function"]["arguments"])) == {"city": "Oslo"}  # type: ignore[index]


def test_the_async_client_takes_replies_as_they_are(aimlapi_mock: MockAPI) -> None:
    if not _tool_calls_go_back():
        return
    tools: dict[str, Any] = {"tools": [WEATHER]}
    tool_result: Any = {"role": "tool", "tool_call_id": "call_1", "content": "rain"}
    aimlapi_mock.reply_tool_call(name="get_weather", arguments={"city": "Oslo"}, call_id="call_1")
    aimlapi_mock.reply(text="Rain.").reply(text="Yes.")

    async def converse() -> list[str | None]:
        messages: list[ChatCompletionMessageParam] = [spec.user_message("Weather?")]
        async with AsyncAIMLAPI(api_key=aimlapi_mock.api_key, base_url=aimlapi_mock.base_url) as client:
            first = await client.chat.completions.create(model="gemini-pro", messages=messages, **tools)
            messages += [first.choices[0].message, tool_result]
            second = await client.chat.completions.create(model="gemini-pro", messages=messages)
            messages += [second.choices[0].message, spec.user_message("Sure?")]
            third = await client.chat.completions.create(model="gemini-pro", messages=messages)
        return [second.choices[0].message.content, third.choices[0].message.content]

    assert asyncio.run(converse()) == ["Rain.", "Yes."]
    assert _sent_message(aimlapi_mock, 2, 1)["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
        }
    ]
    assert _sent_message(aimlapi_mock, 2, 3) == {"role": "assistant", "content": "Rain."}


def test_a_dict_body_of_the_functional_api_takes_the_reply_too(aimlapi_mock: MockAPI) -> None:
    if not spec.reply_replayed():
        return
    aimlapi_mock.reply(text="Paris.").reply(text="Yes.")
    client = aimlapi_mock.client()
    messages: list[ChatCompletionMessageParam] = [spec.user_message("Capital of France?")]
    first = create_chat_completion.sync(client=client, body={"model": "gemini-pro", "messages": messages})
    messages.append(first.choices[0].message)
    create_chat_completion.sync(client=client, body={"model": "gemini-pro", "messages": messages})
    assert _sent_message(aimlapi_mock, 1, 1) == {"role": "assistant", "content": "Paris."}
    # to_param() is the same message, as a model (for ChatCompletionRequest(...), which takes models).
    assert first.choices[0].message.to_param() == spec.message("assistant", content="Paris.")
    assert isinstance(
        ChatCompletionRequest(model="gemini-pro", messages=[first.choices[0].message.to_param()]),
        ChatCompletionRequest,
    )


# --- what is not a message the API takes back is still refused, naming the path ----------------


def _reply(**fields: object) -> ChatCompletionMessage:
    return ChatCompletionMessage.from_dict({"role": "assistant", "content": None, **fields})


def test_a_reply_the_api_cannot_take_back_is_refused_naming_the_path(aimlapi_mock: MockAPI) -> None:
    # Where requests replay no tool calls at all, a reply's are left out (to_param), not refused.
    if not (spec.reply_replayed() and spec.schema_present("ToolCall")):
        return
    custom = _reply(tool_calls=[{"id": "c1", "type": "custom", "custom": {"name": "grep", "input": "x"}}])
    messages: list[Any] = [spec.user_message("hi"), custom]
    if "custom" in spec.replayed_tool_call_types():
        # The twin: where the request takes custom tool calls back, the reply goes back with its call.
        with _over_loopback(aimlapi_mock) as client:
            client.chat.completions.create(model=spec.model_id(), messages=messages)
        (sent,) = aimlapi_mock.requests
        assert sent.to_dict()["messages"][1]["tool_calls"][0]["type"] == "custom"
        return
    with _over_loopback(aimlapi_mock) as client, pytest.raises(ValidationError) as caught:
        client.chat.completions.create(model=spec.model_id(), messages=messages)
    assert caught.value.path.startswith("messages[1].tool_calls[0]"), caught.value.path
    assert "custom" in str(caught.value)
    assert aimlapi_mock.requests == []  # nothing was sent


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (_reply(role="tool", content="42"), "messages[0]"),  # a role that is no assistant's: a tool message
        (ChatCompletion.from_dict(completion_json("hi")), "messages[0]"),  # a model, but no message
    ],
    ids=["reply-with-another-role", "not-a-message"],
)
def test_what_is_not_a_message_is_a_value_error_naming_the_path(
    aimlapi_mock: MockAPI, message: object, path: str
) -> None:
    with _over_loopback(aimlapi_mock) as client, pytest.raises(ValueError, match=r"messages\[0\]") as caught:
        client.chat.completions.create(model="gemini-pro", messages=[message])  # type: ignore[list-item]
    assert isinstance(caught.value, ValidationError)
    assert caught.value.path.startswith(path)
    assert aimlapi_mock.requests == []
