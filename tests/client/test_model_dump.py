"""The OpenAI SDK's calls on every model: model_dump (keys are the JSON names; exclude_unset,
exclude_none, exclude_defaults, include/exclude, mode), model_dump_json, to_json, the JSON names
`type` / `object` as attributes; and a reply dumped with model_dump goes back into `messages`.

This file is type-checked by mypy --strict with the rest of tests/: the assert_type lines are
checks of the generated types (what must not type-check is in tests/params/test_type_errors.py)."""

from __future__ import annotations

import json
import pickle
from typing import Any, assert_type

import pytest
import spec_features as spec

from aimlapi_gemini import (
    AIMLAPI,
    ChatCompletion,
    ChatCompletionChunk,
    RequestValidationError,
)
from aimlapi_gemini._model_dump import ReplyDump
from aimlapi_gemini.models import ChatCompletionMessage, ChatCompletionRequest
from aimlapi_gemini.params import ChatCompletionMessageParam
from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.types import UNSET

REPLY = {
    "id": "gen-1",
    "object": "chat.completion",
    "created": 1744217468,
    "model": "google/gemini-pro",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": "Hi ünïcode", "refusal": None},
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


def _completion() -> ChatCompletion:
    return ChatCompletion.from_dict(json.loads(json.dumps(REPLY)))


def test_model_dump_keys_are_the_json_names_and_unset_fields_are_none() -> None:
    completion = _completion()
    dumped = completion.model_dump()
    assert_type(dumped, dict[str, Any])
    assert dumped["object"] == "chat.completion"  # the attribute is object_
    assert "object_" not in dumped
    message = dumped["choices"][0]["message"]
    assert message["refusal"] is None  # given as null
    assert message["tool_calls"] is None  # left unset: None, as in pydantic's dump
    assert dumped["system_fingerprint"] is None
    assert dumped == completion.model_dump(by_alias=True)


def test_exclude_unset_drops_only_what_was_not_given() -> None:
    dumped = _completion().model_dump(exclude_unset=True)
    assert dumped == REPLY  # exactly the JSON it was read from, given nulls included
    message = dumped["choices"][0]["message"]
    assert "tool_calls" not in message
    assert message["refusal"] is None


def test_exclude_none_drops_nulls_and_unset_fields() -> None:
    message = _completion().choices[0].message.model_dump(exclude_none=True)
    assert message == {"role": "assistant", "content": "Hi ünïcode"}


def test_exclude_defaults_drops_optional_fields_at_their_default_but_not_fixed_values() -> None:
    user = spec.user_message("hi")
    dumped = spec.message_model("user").from_dict(user).model_dump(exclude_defaults=True)
    assert dumped == user  # role is required: its value stays
    if spec.feature_present("message_field:user:name"):
        named = spec.message_model("user").from_dict({**user, "name": "ann"})
        assert named.model_dump(exclude_defaults=True)["name"] == "ann"


def test_include_and_exclude_name_top_level_fields() -> None:
    completion = _completion()
    assert set(completion.model_dump(include={"id", "object"})) == {"id", "object"}
    assert "choices" not in completion.model_dump(exclude={"choices"})
    assert "choices" in completion.model_dump(exclude={"usage": True})


def test_mode_json_gives_json_values_and_other_modes_are_refused() -> None:
    completion = _completion()
    assert json.loads(json.dumps(completion.model_dump(mode="json"))) == completion.model_dump(mode="json")
    with pytest.raises(ValueError, match="mode must be 'python' or 'json', not 'yaml'"):
        completion.model_dump(mode="yaml")


def test_model_dump_json_is_compact_utf8_json_and_indents_when_asked() -> None:
    completion = _completion()
    text = completion.model_dump_json(exclude_unset=True)
    assert json.loads(text) == REPLY
    assert "\n" not in text
    assert ", " not in text
    assert "ünïcode" in text
    assert completion.model_dump_json(indent=4).startswith('{\n    "id"')


def test_to_json_is_the_sdks_indented_json_of_what_was_set() -> None:
    completion = _completion()
    assert completion.to_json().startswith('{\n  "id": "gen-1"')
    assert json.loads(completion.to_json()) == REPLY
    assert json.loads(completion.to_json(indent=None, exclude_none=True))["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Hi ünïcode",
    }
    assert completion.to_dict() == REPLY


def test_type_and_object_read_by_their_json_names() -> None:
    completion = _completion()
    assert completion.object == completion.object_ == "chat.completion"
    chunk = ChatCompletionChunk.from_dict({**REPLY, "object": "chat.completion.chunk", "choices": []})
    assert chunk.object == "chat.completion.chunk"
    with pytest.raises(AttributeError):
        completion.object = "chat.completion"  # type: ignore[misc]  # read-only: set object_


def test_the_dump_of_a_reply_is_a_plain_dict_that_pickles() -> None:
    dumped = _completion().choices[0].message.model_dump()
    assert_type(dumped, ReplyDump[ChatCompletionMessage])
    assert isinstance(dumped, dict)
    assert dumped == {
        "role": "assistant",
        "content": "Hi ünïcode",
        **dict.fromkeys(dumped.keys() - {"role", "content"}),
    }
    assert pickle.loads(pickle.dumps(dumped)) == dumped


@pytest.mark.parametrize("exclude_none", [True, False])
def test_a_dumped_reply_goes_back_into_messages(exclude_none: bool) -> None:
    if not spec.reply_replayed():
        return
    with BackgroundServer() as server, AIMLAPI(api_key=server.api_key, base_url=server.base_url) as client:
        messages: list[ChatCompletionMessageParam] = [spec.user_message("Hi")]
        first = client.chat.completions.create(model="gemini-pro", messages=messages)
        messages.append(first.choices[0].message.model_dump(exclude_none=exclude_none))
        messages.append(spec.user_message("And then?"))
        second = client.chat.completions.create(model="gemini-pro", messages=messages)
    assert second.choices[0].message.content
    # What goes out for the dump is what goes out for the reply itself.
    request = ChatCompletionRequest.from_dict(
        {"model": "gemini-pro", "messages": [first.choices[0].message.to_param_dict()]}
    )
    assert request.messages[0].to_dict() == first.choices[0].message.to_param().to_dict()


def test_a_dumped_reply_changed_into_something_else_is_refused_before_sending() -> None:
    if not spec.reply_replayed():
        return
    dumped = _completion().choices[0].message.model_dump(exclude_none=True)
    dumped["content"] = 5  # no longer a reply the API could have sent
    with (
        BackgroundServer() as server,
        AIMLAPI(api_key=server.api_key, base_url=server.base_url) as client,
        pytest.raises(RequestValidationError, match=r"messages\[1\]\.content"),
    ):
        client.chat.completions.create(model="gemini-pro", messages=[spec.user_message("Hi"), dumped])


def test_a_plain_dict_dump_of_another_model_is_not_a_reply() -> None:
    """Only a reply's dump is sent as the reply would be: a usage dump is no message."""
    whole_usage = _completion().usage
    assert whole_usage is not None
    usage = whole_usage.model_dump()
    assert not isinstance(usage, ReplyDump)
    assert all(value is not UNSET for value in _completion().model_dump().values())  # UNSET never leaks
