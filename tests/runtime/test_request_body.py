"""A body may be the model or a plain dict; bad input is one clear error, not a deep traceback."""

from __future__ import annotations

from typing import Any

import pytest

from aimlapi_gemini import ChatCompletionRequest, UserMessage
from aimlapi_gemini.api.chat_completions import create_chat_completion

from .fakes import FakeAPI, Reply, completion_json


def test_a_dict_body_is_sent_exactly_like_the_model(fake_api: FakeAPI) -> None:
    body: dict[str, Any] = {
        "model": "gemini-pro",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5,
    }
    client = fake_api.script(Reply(json=completion_json())).client()
    create_chat_completion.sync(client=client, body=body)
    create_chat_completion.sync(client=client, body=ChatCompletionRequest.from_dict(body))
    assert fake_api.requests[0].content == fake_api.requests[1].content
    assert fake_api.sent_json(0) == {**body, "stream": False}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"model": "gemini-pro"},
            "body is not a valid ChatCompletionRequest: missing required field 'messages'",
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "robot", "content": "hi"}]},
            "body is not a valid ChatCompletionRequest: messages[0].role: expected one of 'system', 'user',"
            " 'tool', 'function', 'assistant', got 'robot'",
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "tool", "content": "42"}]},
            "body is not a valid ChatCompletionRequest: messages[0]: missing required field 'tool_call_id'",
        ),
        (
            # Any model id is a string the API routes (see the overlay); a number is not one.
            {"model": 9, "messages": []},
            "body is not a valid ChatCompletionRequest: model: expected one of 'gemini-pro',"
            " 'google/gemini-pro' or string, got integer",
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "user", "content": "hi"}], "temperature": "hot"},
            "body is not a valid ChatCompletionRequest: temperature: expected number, got string",
        ),
        (
            {
                "model": "gemini-pro",
                "messages": [
                    {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function"}]}
                ],
            },
            "body is not a valid ChatCompletionRequest:"
            " messages[0].tool_calls[0]: missing required field 'function'",
        ),
    ],
)
def test_an_invalid_dict_names_the_path_and_the_problem_and_sends_nothing(
    fake_api: FakeAPI, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"^body is not a valid ChatCompletionRequest: ") as excinfo:
        create_chat_completion.sync(client=fake_api.client(), body=body)
    assert str(excinfo.value) == message
    assert excinfo.value.__cause__ is None, "the generated parser's frames are not chained in"
    assert fake_api.requests == []


def test_a_valid_dict_with_every_kind_of_field_is_sent_as_given(fake_api: FakeAPI) -> None:
    """The twin of the test above: what the schema accepts goes out unchanged."""
    body: dict[str, Any] = {
        "model": "google/gemini-pro",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "content": "42", "tool_call_id": "c"},
        ],
        "temperature": 1,
        "max_tokens": 64.0,
        "stop": ["\n"],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }
    create_chat_completion.sync(client=fake_api.script(Reply(json=completion_json())).client(), body=body)
    assert fake_api.sent_json(0) == {**body, "stream": False}


def test_a_body_of_the_wrong_type_is_a_type_error_naming_both_types(fake_api: FakeAPI) -> None:
    with pytest.raises(TypeError, match=r"body must be a ChatCompletionRequest or a mapping .*, not list"):
        create_chat_completion.sync(client=fake_api.client(), body=[UserMessage(role="user", content="hi")])  # type: ignore[arg-type]
