"""A body may be the model or a plain dict; bad input is one clear error, not a deep traceback."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from aimlapi_gemini import AuthenticatedClient, ChatCompletionRequest, UserMessage
from aimlapi_gemini.api.chat_completions import create_chat_completion

_REPLY = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": "google/gemini-pro",
    "choices": [],
    "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
}


def _client(sent: list[bytes]) -> AuthenticatedClient:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json=_REPLY)

    return AuthenticatedClient(
        base_url="http://test", token="k", httpx_args={"transport": httpx.MockTransport(handler)}
    )


def test_a_dict_body_is_sent_exactly_like_the_model() -> None:
    body: dict[str, Any] = {
        "model": "gemini-pro",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5,
    }
    sent: list[bytes] = []
    client = _client(sent)
    create_chat_completion.sync(client=client, body=body)
    create_chat_completion.sync(client=client, body=ChatCompletionRequest.from_dict(body))
    assert sent[0] == sent[1]
    assert json.loads(sent[0]) == {**body, "stream": False}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"model": "gemini-pro"},
            "body is not a valid ChatCompletionRequest: missing required field 'messages'",
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "robot", "content": "hi"}]},
            "body is not a valid ChatCompletionRequest: unknown role 'robot'; expected one of: system, user",
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "tool", "content": "42"}]},
            "body is not a valid ChatCompletionRequest: missing required field 'tool_call_id'",
        ),
        (
            {"model": "gpt-9", "messages": []},
            "body is not a valid ChatCompletionRequest: Unexpected value 'gpt-9'",
        ),
    ],
)
def test_an_invalid_dict_names_the_problem_and_sends_nothing(body: dict[str, Any], message: str) -> None:
    sent: list[bytes] = []
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")) as excinfo:
        create_chat_completion.sync(client=_client(sent), body=body)
    assert excinfo.value.__cause__ is None, "the generated parser's frames are not chained in"
    assert sent == []


def test_a_body_of_the_wrong_type_is_a_type_error_naming_both_types() -> None:
    with pytest.raises(TypeError, match=r"body must be a ChatCompletionRequest or a mapping .*, not list"):
        create_chat_completion.sync(client=_client([]), body=[UserMessage(role="user", content="hi")])  # type: ignore[arg-type]
