"""The TypedDicts of aimlapi_gemini.params: dict literals are checked by mypy, and sent as they are.

This file is type-checked by tests/test_quality.py's mypy --strict run (it covers tests/): the
assert_type lines are checks of the generated types. What must NOT type-check is in
test_type_errors.py, which runs mypy on deliberately wrong code and expects each error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, assert_type

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import ChatCompletionRequest, SystemMessage, UserMessage
from aimlapi_gemini.params import (
    AssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionRequestParam,
    ChatCompletionToolParam,
    ImageContentPartParam,
    TextContentPartParam,
    UserMessageParam,
)


def _conversation() -> list[ChatCompletionMessageParam]:
    messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": "Answer briefly."}]
    messages.append({"role": "user", "content": [{"type": "text", "text": "hi"}]})
    return messages


def test_a_typed_dict_body_is_sent_and_answered(reference_server: Any) -> None:
    body: ChatCompletionRequestParam = {"model": "gemini-pro", "messages": _conversation(), "max_tokens": 5}
    with AuthenticatedClient(base_url=reference_server.base_url, token=reference_server.api_key) as client:
        completion = create_chat_completion.sync(client=client, body=body)
    assert completion.choices[0].message.content


def test_the_typed_dicts_are_the_json_the_models_parse() -> None:
    tool: ChatCompletionToolParam = {
        "type": "function",
        "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
    }
    body: ChatCompletionRequestParam = {"model": "gemini-pro", "messages": _conversation(), "tools": [tool]}
    request = ChatCompletionRequest.from_dict(dict(body))
    assert request.to_dict() == {**body, "messages": list(body["messages"]), "tools": [tool]}
    assert isinstance(request.messages[0], SystemMessage)
    assert isinstance(request.messages[1], UserMessage)


def test_a_typed_dict_the_schema_rejects_is_still_rejected_when_it_is_built_at_run_time() -> None:
    import pytest

    from aimlapi_gemini import ValidationError

    # Data from outside (json.loads) is not checked by mypy: from_dict is the run-time check.
    outside: Any = {"model": "gemini-pro", "messages": [{"role": "usr", "content": "hi"}]}
    with pytest.raises(ValidationError, match=r"messages\[0\]"):
        ChatCompletionRequest.from_dict(outside)
    # The request schema admits unknown top-level keys (the API ignores them); the TypedDict is
    # closed, so a typo in a literal is caught before it is silently ignored (test_type_errors.py).
    assert ChatCompletionRequest.from_dict(
        {**outside, "messages": [], "max_token": 5}
    ).additional_properties == {"max_token": 5}


def test_field_types_follow_the_schema() -> None:
    user: UserMessageParam = {"role": "user", "content": "hi"}
    assert_type(user["role"], Literal["user"])
    assert_type(user["content"], str | Sequence[ImageContentPartParam | TextContentPartParam])
    reply: AssistantMessageParam = {"role": "assistant", "content": None}
    assert_type(reply["content"], str | None)
    body: ChatCompletionRequestParam = {"model": "gemini-pro", "messages": [user, reply]}
    assert_type(body["messages"], Sequence[ChatCompletionMessageParam])
    assert body["messages"][1] == {"role": "assistant", "content": None}
    biased: ChatCompletionRequestParam = {**body, "logit_bias": {"42": -5, "7": 2.5}}
    assert_type(biased["logit_bias"], Mapping[str, float] | None)
