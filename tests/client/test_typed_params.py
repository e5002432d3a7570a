"""The TypedDicts of aimlapi_gemini.params: dict literals are checked by mypy, and sent as they are.

This file is type-checked by tests/repo/test_quality.py's mypy --strict run (it covers tests/): the
assert_type lines are checks of the generated types. What must NOT type-check is in
test_type_errors.py, which runs mypy on deliberately wrong code and expects each error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, assert_type

import spec_features as spec

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import ChatCompletionRequest
from aimlapi_gemini.params import ChatCompletionMessageParam, ChatCompletionRequestParam

if TYPE_CHECKING:
    # Only annotations name the per-role TypedDicts (a revision may have one message model).
    from aimlapi_gemini.params import AssistantMessageParam, UserMessageParam


def _conversation() -> list[ChatCompletionMessageParam]:
    """A system message and a user message with a text part, as far as the spec takes them."""
    messages: list[ChatCompletionMessageParam] = []
    if spec.role_present("system"):
        messages.append({"role": "system", "content": "Answer briefly."})
    if spec.part_present("user", "text"):
        messages.append({"role": "user", "content": [{"type": "text", "text": "hi"}]})
    else:
        messages.append(spec.user_message("hi"))
    return messages


def test_a_typed_dict_body_is_sent_and_answered(reference_server: Any) -> None:
    body: ChatCompletionRequestParam = {"model": "gemini-pro", "messages": _conversation()}
    with AuthenticatedClient(base_url=reference_server.base_url, token=reference_server.api_key) as client:
        completion = create_chat_completion.sync(client=client, body=body)
    assert completion.choices[0].message.content


def test_the_typed_dicts_are_the_json_the_models_parse() -> None:
    body: ChatCompletionRequestParam = {"model": "gemini-pro", "messages": _conversation()}
    request = ChatCompletionRequest.from_dict(dict(body))
    assert request.to_dict() == {**body, "messages": list(body["messages"])}
    conversation: list[Any] = _conversation()
    roles = [message["role"] for message in conversation]
    assert [type(message) for message in request.messages] == [spec.message_model(role) for role in roles]


def test_a_tool_typed_dict_is_the_json_the_model_parses() -> None:
    # The static type of a tool literal is checked in test_type_errors.py (only where tools exist).
    if not spec.function_tools_present():
        return
    tool = {
        "type": "function",
        "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
    }
    body = {"model": "gemini-pro", "messages": _conversation(), "tools": [tool]}
    request = ChatCompletionRequest.from_dict(body)
    assert request.to_dict() == {**body, "messages": list(_conversation())}
    assert isinstance(request.to_dict()["tools"][0], dict)


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
    # The content parts' static type (which parts a revision has) is in test_type_errors.py.
    assert isinstance(user["content"], str)
    # An assistant message's content is null or text (a revision may add parts: its static type
    # follows the spec, so only null is asserted here, which every revision takes).
    reply: AssistantMessageParam = {"role": "assistant", "content": None}
    assert reply["content"] is None
    body: ChatCompletionRequestParam = {"model": "gemini-pro", "messages": [user, reply]}
    assert_type(body["messages"], Sequence[ChatCompletionMessageParam])
    assert body["messages"][1] == {"role": "assistant", "content": None}
    assert_type(body["model"], str)
