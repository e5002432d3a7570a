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
def test_an_invalid_dict_names_the_problem_and_sends_nothing(
    fake_api: FakeAPI, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")) as excinfo:
        create_chat_completion.sync(client=fake_api.client(), body=body)
    assert excinfo.value.__cause__ is None, "the generated parser's frames are not chained in"
    assert fake_api.requests == []


def test_a_body_of_the_wrong_type_is_a_type_error_naming_both_types(fake_api: FakeAPI) -> None:
    with pytest.raises(TypeError, match=r"body must be a ChatCompletionRequest or a mapping .*, not list"):
        create_chat_completion.sync(client=fake_api.client(), body=[UserMessage(role="user", content="hi")])  # type: ignore[arg-type]
