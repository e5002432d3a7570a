"""A body may be the model or a plain dict; bad input is one clear error, not a deep traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import ChatCompletionRequest, ValidationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.testing._server.validation import schema_errors
from tests.doubles.fakes import BASE_URL, FAKE_KEY, FakeAPI, Reply, completion_json


def test_a_dict_body_is_sent_exactly_like_the_model(fake_api: FakeAPI) -> None:
    body: dict[str, Any] = {
        "model": "gemini-pro",
        "messages": [spec.user_message("hi")],
        # some optional field this revision has, with a value its schema takes
        **{field: spec.example_value(field) for field in spec.optional_fields()[:1]},
    }
    client = fake_api.script(Reply(json=completion_json())).client()
    create_chat_completion.sync(client=client, body=body)
    create_chat_completion.sync(client=client, body=ChatCompletionRequest.from_dict(body))
    assert fake_api.requests[0].content == fake_api.requests[1].content
    assert fake_api.sent_json(0) == {**body, "stream": False}


def _always() -> bool:
    return True


def _model_choices() -> str:
    # An error lists a Literal's values in sorted order.
    listed = "".join(f"{model_id!r}, " for model_id in sorted(spec.model_ids()))
    return f"one of {listed.removesuffix(', ')} or string" if listed else "string"


# Each case with what of the spec it needs (absent parts are checked absent from the client), and
# its message with the spec's lists filled in ({roles}, {models}).
@pytest.mark.parametrize(
    ("body", "message", "in_spec"),
    [
        (
            {"model": "gemini-pro"},
            "body is not a valid ChatCompletionRequest: missing required field 'messages'",
            _always,
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "robot", "content": "hi"}]},
            "body is not a valid ChatCompletionRequest:"
            " messages[0].role: expected one of {roles}, got 'robot'",
            _always,
        ),
        (
            {"model": "gemini-pro", "messages": [{"role": "tool", "content": "42"}]},
            "body is not a valid ChatCompletionRequest: messages[0]: missing required field 'tool_call_id'",
            lambda: spec.role_present("tool"),
        ),
        (
            # Any model id is a string the API routes (see the overlay); a number is not one.
            {"model": 9, "messages": []},
            "body is not a valid ChatCompletionRequest: model: expected {models}, got integer",
            _always,
        ),
        (
            {"model": "gemini-pro", "messages": [spec.user_message("hi")], "temperature": "hot"},
            "body is not a valid ChatCompletionRequest: temperature: expected number, got string",
            lambda: spec.field_present("temperature"),
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
            lambda: spec.schema_present("ToolCall"),
        ),
    ],
)
def test_an_invalid_dict_names_the_path_and_the_problem_and_sends_nothing(
    fake_api: FakeAPI, body: dict[str, Any], message: str, in_spec: Callable[[], bool]
) -> None:
    if not in_spec():
        return
    message = message.replace("{roles}", spec.role_choices()).replace("{models}", _model_choices())
    if "tool_call_id" in message and spec.role_refusal("tool"):
        message = "body is not a valid ChatCompletionRequest: " + str(spec.role_refusal("tool"))
    if not schema_errors(REQUEST_SCHEMA, body):
        # A spec whose shared message model takes what a per-role one refuses (tool_calls as an
        # extra field): the body is sent as given.
        create_chat_completion.sync(client=fake_api.script(Reply(json=completion_json())).client(), body=body)
        assert fake_api.sent_json(0) == {**body, "stream": False}
        return
    with pytest.raises(ValueError, match=r"^body is not a valid ChatCompletionRequest: ") as excinfo:
        create_chat_completion.sync(client=fake_api.client(), body=body)
    assert str(excinfo.value) == message
    assert excinfo.value.__cause__ is None, "the generated parser's frames are not chained in"
    assert fake_api.requests == []


def test_a_valid_dict_with_every_kind_of_field_is_sent_as_given(fake_api: FakeAPI) -> None:
    """The twin of the test above: what the schema accepts goes out unchanged."""
    if not spec.role_present("system"):
        return  # these bodies hold a system message
    body: dict[str, Any] = {
        "model": "google/gemini-pro",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "assistant", "content": ""},
        ],
    }
    # The optional parts, where this revision of the spec has them.
    if spec.has_schema("ToolCall"):
        body["messages"][1]["tool_calls"] = [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ]
    if "tool" in spec.message_roles():
        body["messages"].append({"role": "tool", "content": "42", "tool_call_id": "c"})
    optional = {
        "temperature": 1,
        "max_tokens": 64.0,
        "stop": ["\n"],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }
    body |= {field: value for field, value in optional.items() if spec.has_request_field(field)}
    create_chat_completion.sync(client=fake_api.script(Reply(json=completion_json())).client(), body=body)
    assert fake_api.sent_json(0) == {**body, "stream": False}


def test_a_body_of_the_wrong_type_is_a_type_error_naming_both_types(fake_api: FakeAPI) -> None:
    with pytest.raises(TypeError, match=r"body must be a ChatCompletionRequest or a mapping .*, not list"):
        create_chat_completion.sync(client=fake_api.client(), body=[spec.user_message_model("hi")])  # type: ignore[arg-type]


# -- A model built by its constructor with mappings where models belong --------------------------


REQUEST_SCHEMA = "#/components/schemas/ChatCompletionRequest"


def _as_json_meant(content: object) -> dict[str, Any]:
    """The JSON the caller of _model_with_mappings means, for the outside validator."""
    return {
        "model": "gemini-pro",
        "messages": [
            {"role": "system", "content": "be brief"},
            spec.user_message("hi"),
            {"role": "user", "content": content},
        ],
    }


def _model_with_mappings(content: object) -> ChatCompletionRequest:
    # mypy is right to refuse these at the call site; at run time they reach to_dict, which calls
    # .to_dict() on each message: the body is read field by field and checked instead.
    messages: Any = [{"role": "system", "content": "be brief"}, spec.user_message_model("hi")]
    messages.append({"role": "user", "content": content})
    return ChatCompletionRequest(model="gemini-pro", messages=messages)


def test_a_model_holding_valid_mappings_is_sent_as_their_json(fake_api: FakeAPI) -> None:
    if not spec.role_present("system"):
        return  # these bodies hold a system message
    client = fake_api.script(Reply(json=completion_json())).client()
    create_chat_completion.sync(client=client, body=_model_with_mappings("and then?"))
    assert fake_api.sent_json(0)["messages"] == [
        {"role": "system", "content": "be brief"},
        spec.user_message("hi"),
        {"role": "user", "content": "and then?"},
    ]
    # jsonschema (the reference server's OAS 3.1 validator) agrees: what was sent fits the schema.
    assert schema_errors(REQUEST_SCHEMA, fake_api.sent_json(0)) == []
    assert fake_api.sent_json(0) == {**_as_json_meant("and then?"), "stream": False}


def test_a_model_holding_an_invalid_mapping_is_a_validation_error_naming_it(fake_api: FakeAPI) -> None:
    if not spec.role_present("system"):
        return  # these bodies hold a system message
    client = fake_api.script(Reply(json=completion_json())).client()
    with pytest.raises(ValidationError) as caught:
        create_chat_completion.sync(client=client, body=_model_with_mappings({"not": "text"}))
    assert str(caught.value) == (
        "body is not a valid ChatCompletionRequest: messages[2].content: expected string or array, got object"
    )
    assert caught.value.__traceback__ is not None
    assert not fake_api.requests
    # ... and jsonschema refuses the same body, at the same place.
    (error,) = schema_errors(REQUEST_SCHEMA, _as_json_meant({"not": "text"}))
    # (where `messages` is one of several lists, the place is in the refusal of one of them)
    assert ["messages", 2] in [list(each.absolute_path)[:2] for each in (error, *error.context)]


def test_a_nested_model_holding_a_mapping_goes_through_the_surface_too(fake_api: FakeAPI) -> None:
    from aimlapi_gemini import AIMLAPI

    if not spec.role_present("system"):
        return
    system_message = spec.message_model("system")

    fake_api.script(Reply(json=completion_json()), Reply(json=completion_json()))
    transport = httpx.MockTransport(fake_api.handler)
    client = AIMLAPI(api_key=FAKE_KEY, base_url=BASE_URL, http_client=httpx.Client(transport=transport))
    # A text part: the one content part every revision's system message takes.
    part: Any = {"type": "text", "text": "be brief"}
    instructions = system_message(content=[part])
    client.chat.completions.create(model="gemini-pro", messages=[spec.user_message_model("hi"), instructions])
    assert fake_api.sent_json(0)["messages"][1] == {"role": "system", "content": [part]}
    wrong_text: Any = {**part, "text": 7}
    broken = system_message(content=[wrong_text])
    with pytest.raises(
        ValidationError, match=r"messages\[0\]\.content\[0\]\.text: expected string, got integer"
    ):
        client.chat.completions.create(model="gemini-pro", messages=[broken])
    assert len(fake_api.requests) == 1
