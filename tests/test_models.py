"""The generated models against the documented fixtures: what users parse and send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aimlapi_gemini.models import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    FunctionMessage,
    SystemMessage,
    ToolMessage,
    UserMessage,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_docs_page_reply_parses_into_chat_completion_and_round_trips() -> None:
    reply = _fixture("docs_example_response.json")
    completion = ChatCompletion.from_dict(reply)
    assert completion.model == "google/gemini-pro"
    assert completion.choices[0].message.content == "Hello! 👋 How can I assist you today? 😊"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].logprobs is None
    assert completion.usage.prompt_tokens == 0
    assert completion.to_dict() == reply


def test_docs_page_request_round_trips() -> None:
    body = _fixture("docs_example_request.json")
    assert ChatCompletionRequest.from_dict(body).to_dict() == body


@pytest.mark.parametrize(
    ("message", "expected_type"),
    [
        ({"role": "system", "content": "Be brief."}, SystemMessage),
        ({"role": "system", "content": [{"type": "text", "text": "Be brief."}]}, SystemMessage),
        ({"role": "user", "content": "Hi", "name": "ann"}, UserMessage),
        (
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
                ],
            },
            UserMessage,
        ),
        (
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            AssistantMessage,
        ),
        ({"role": "tool", "content": "42", "tool_call_id": "call_1"}, ToolMessage),
        ({"role": "function", "content": "42", "name": "f"}, FunctionMessage),
    ],
)
def test_each_message_kind_is_chosen_by_role_and_round_trips(
    message: dict[str, Any], expected_type: type
) -> None:
    body = {"model": "gemini-pro", "messages": [message]}
    request = ChatCompletionRequest.from_dict(body)
    assert type(request.messages[0]) is expected_type
    assert request.to_dict() == body


def test_unknown_role_names_the_role_and_the_expected_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown role 'developer'; expected one of: system, user, tool"):
        ChatCompletionRequest.from_dict(
            {"model": "gemini-pro", "messages": [{"role": "developer", "content": "x"}]}
        )


def test_a_message_of_one_role_is_not_parsed_as_another() -> None:
    """Dispatch is by role: a malformed tool message fails as a tool message, never as a user one."""
    with pytest.raises(KeyError, match="tool_call_id"):
        ChatCompletionRequest.from_dict(
            {"model": "gemini-pro", "messages": [{"role": "tool", "content": "x"}]}
        )


def test_a_built_request_sends_only_what_the_user_set() -> None:
    """Server-side defaults (stream, max_tokens) must not be pinned into every request body."""
    request = ChatCompletionRequest(model="gemini-pro", messages=[UserMessage(role="user", content="hi")])
    assert request.to_dict() == {"model": "gemini-pro", "messages": [{"role": "user", "content": "hi"}]}
