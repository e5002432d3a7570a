"""The generated models against the documented fixtures: what users parse and send."""

from __future__ import annotations

import copy
import enum
import json
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx
import pytest
import spec_features as spec

import aimlapi_gemini.models
from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini._validation import MISSING, ValidationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.errors import APIResponseValidationError
from aimlapi_gemini.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessageCustomToolCall,
    ChatCompletionMessageToolCall,
    ChatCompletionRequest,
)
from aimlapi_gemini.types import UNSET
from tests.doubles.fakes import chunk_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_docs_page_reply_parses_into_chat_completion_and_round_trips() -> None:
    reply = _fixture("docs_example_response.json")
    completion = ChatCompletion.from_dict(reply)
    assert completion.model == "google/gemini-pro"
    assert completion.choices[0].message.content == "Hello! 👋 How can I assist you today? 😊"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.choices[0].logprobs is None
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 0
    assert completion.to_dict() == reply


def test_docs_page_request_round_trips() -> None:
    """The docs page's request (a text message) round-trips where the spec takes it, and is refused
    at its message where it does not (user messages of audio only); a request of the spec's own
    user message round-trips in every revision."""
    body = _fixture("docs_example_request.json")
    if spec.field_accepts("messages", body["messages"]):
        assert ChatCompletionRequest.from_dict(body).to_dict() == body
    else:
        with pytest.raises(ValidationError, match=r"^messages\[0\]"):
            ChatCompletionRequest.from_dict(body)
    own = {**body, "messages": [spec.user_message("Hello")]}
    assert ChatCompletionRequest.from_dict(own).to_dict() == own


def _always() -> bool:
    return True


@pytest.mark.parametrize(
    ("message", "in_spec"),
    [
        ({"role": "system", "content": "Be brief."}, lambda: spec.role_present("system")),
        (
            {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
            lambda: spec.role_present("system"),
        ),
        ({"role": "user", "content": "Hi", "name": "ann"}, _always),
        (
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
                ],
            },
            lambda: spec.part_present("user", "image_url"),
        ),
        (
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            lambda: spec.schema_present("ToolCall"),
        ),
        (
            {"role": "tool", "content": "42", "tool_call_id": "call_1"},
            lambda: spec.role_present("tool"),
        ),
        (
            {"role": "function", "content": "42", "name": "f"},
            lambda: spec.role_present("function"),
        ),
    ],
)
def test_each_message_kind_is_chosen_by_role_and_round_trips(
    message: dict[str, Any], in_spec: Callable[[], bool]
) -> None:
    """Kinds a revision drops are checked absent from the client instead (by in_spec); a message
    its model does not take so (no `name`, no such content) is refused as the spec refuses it."""
    if not in_spec():
        return
    body = {"model": "gemini-pro", "messages": [message]}
    if not spec.field_accepts("messages", [message]):
        with pytest.raises(ValidationError, match=r"^messages\[0\]"):
            ChatCompletionRequest.from_dict(body)
        return
    request = ChatCompletionRequest.from_dict(body)
    # Its role's own model, or one it shares where the spec offers a list of that too (taken first).
    assert type(request.messages[0]) in spec.message_models(message["role"])
    assert request.to_dict() == body


def test_unknown_role_names_the_path_the_role_and_the_expected_ones() -> None:
    roles = spec.message_roles()
    expected = spec.role_choices()
    # A role some APIs have (developer) where this revision lacks it, else one none has.
    unknown = next(role for role in ("developer", "narrator") if role not in roles)
    with pytest.raises(
        ValidationError,
        match=r"^messages\[0\]\.role: expected one of " + re.escape(expected) + rf", got '{unknown}'$",
    ):
        ChatCompletionRequest.from_dict(
            {"model": "gemini-pro", "messages": [{"role": unknown, "content": "x"}]}
        )


@pytest.mark.parametrize(
    ("role", "own_field"), [("tool", "tool_call_id"), ("function", "name"), ("user", "content")]
)
def test_a_message_of_one_role_is_not_parsed_as_another(role: str, own_field: str) -> None:
    """Dispatch is by role: a malformed tool message fails as a tool message, never as a user one."""
    if not spec.role_present(role):
        return
    message = {"role": role, "content": "x"}
    message.pop(own_field, None)
    # Where a list of a shared model lacks the role, its refusal of the role is the furthest one.
    refusal = spec.role_refusal(role) or f"messages[0]: missing required field '{own_field}'"
    with pytest.raises(ValidationError, match="^" + re.escape(refusal) + "$"):
        ChatCompletionRequest.from_dict({"model": "gemini-pro", "messages": [message]})


def test_a_built_request_sends_only_what_the_user_set() -> None:
    """Server-side defaults (stream, max_tokens) must not be pinned into every request body."""
    request = ChatCompletionRequest(model="gemini-pro", messages=[spec.user_message_model("hi")])
    assert request.to_dict() == {"model": "gemini-pro", "messages": [spec.user_message("hi")]}


# Validation: every kind of check, with its path, and its "accepts" twin.


def _rich_completion() -> dict[str, Any]:
    """A reply with the nested parts that can go wrong: a function and a custom tool call, logprobs,
    usage details, nulls (the same document seeds tests/contract/test_client_accepts_exactly_schema.py)."""
    document: dict[str, Any] = _fixture("rich_completion.json")
    return document


def _mutated(change: Any) -> dict[str, Any]:
    document = _rich_completion()
    change(document)
    return document


_CHOICE = "choices[0]"
_CALLS = "choices[0].message.tool_calls"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # required fields, at the root and deep down
        (lambda d: d.pop("usage"), "missing required field 'usage'"),
        (
            lambda d: d["choices"][0]["message"]["tool_calls"][1].pop("id"),
            f"{_CALLS}[1]: missing required field 'id'",
        ),
        (lambda d: d["choices"][0].pop("message"), f"{_CHOICE}: missing required field 'message'"),
        # scalars
        (lambda d: d["usage"].update(total_tokens="3"), "usage.total_tokens: expected integer, got string"),
        (lambda d: d.update(created=1.5), "created: expected integer, got number"),
        (lambda d: d.update(created=True), "created: expected integer, got boolean"),
        (
            lambda d: d["choices"][0]["logprobs"]["content"][0].update(logprob=True),
            f"{_CHOICE}.logprobs.content[0].logprob: expected number, got boolean",
        ),
        (
            lambda d: d["choices"][0]["logprobs"]["content"][0].update(logprob="-0.5"),
            f"{_CHOICE}.logprobs.content[0].logprob: expected number, got string",
        ),
        (lambda d: d.update(id=7), "id: expected string, got integer"),
        # enums
        (
            lambda d: d.update(object="chat.reply"),
            "object: expected one of 'chat.completion', got 'chat.reply'",
        ),
        (
            lambda d: d["choices"][0].update(finish_reason="done"),
            f"{_CHOICE}.finish_reason: expected one of 'content_filter', 'function_call', 'length', 'stop',"
            " 'tool_calls', got 'done'",
        ),
        # nullability: a required non-nullable field given null; a nullable one given another type
        (lambda d: d.update(created=None), "created: expected integer, got null"),
        (lambda d: d.update(usage=[]), "usage: expected object or null, got array"),
        (
            lambda d: d["choices"][0]["message"].update(content={}),
            f"{_CHOICE}.message.content: expected string or null, got object",
        ),
        # arrays and their items
        (lambda d: d.update(choices={}), "choices: expected array, got object"),
        (
            lambda d: d["choices"][0]["logprobs"]["content"][0]["bytes"].append("b"),
            f"{_CHOICE}.logprobs.content[0].bytes[1]: expected integer, got string",
        ),
        (
            lambda d: d["choices"][0]["logprobs"]["content"][0]["top_logprobs"][0].update(token=None),
            f"{_CHOICE}.logprobs.content[0].top_logprobs[0].token: expected string, got null",
        ),
        # nested objects
        (lambda d: d["choices"].append("x"), "choices[1]: expected object, got string"),
        # unions: one bad tool call is an error at its path, not a list of raw dicts
        (
            lambda d: d["choices"][0]["message"]["tool_calls"].append(3),
            f"{_CALLS}[2]: expected object, got integer",
        ),
        (
            lambda d: d["choices"][0]["message"]["tool_calls"][0].update(type="python"),
            f"{_CALLS}[0].type: expected one of 'function', 'custom', got 'python'",
        ),
        (
            lambda d: d["choices"][0]["message"]["tool_calls"][0].pop("type"),
            f"{_CALLS}[0]: missing required field 'type'",
        ),
        (
            lambda d: d["choices"][0]["message"]["tool_calls"][0]["function"].update(arguments={}),
            f"{_CALLS}[0].function.arguments: expected string, got object",
        ),
        (
            lambda d: d["choices"][0]["message"].update(tool_calls="call_1"),
            f"{_CHOICE}.message.tool_calls: expected array or null, got string",
        ),
    ],
)
def test_a_reply_that_contradicts_the_schema_is_an_error_naming_the_path(change: Any, message: str) -> None:
    document = _mutated(change)
    with pytest.raises(ValidationError) as excinfo:
        ChatCompletion.from_dict(document)
    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, ValueError)
    assert f"{excinfo.value.path}: {excinfo.value.message}".lstrip(": ") == message


@pytest.mark.parametrize(
    ("change", "check"),
    [
        # integer takes 1.0 (JSON Schema: a zero fractional part), as an int
        (
            lambda d: d.update(created=1744217468.0),
            lambda c: type(c.created) is int and c.created == 1744217468,
        ),
        # number takes integers, kept as given so the document round-trips
        (
            lambda d: d["choices"][0]["logprobs"]["content"][0].update(logprob=0),
            lambda c: c.choices[0].logprobs.content[0].logprob == 0,
        ),
        # nullable fields take null, optional ones may be absent
        (lambda d: d["choices"][0].update(logprobs=None), lambda c: c.choices[0].logprobs is None),
        (lambda d: d["choices"][0].pop("logprobs"), lambda c: c.choices[0].logprobs is UNSET),
        (
            lambda d: d["choices"][0]["message"].update(content="hi"),
            lambda c: c.choices[0].message.content == "hi",
        ),
        (
            lambda d: d["choices"][0]["message"].update(tool_calls=None),
            lambda c: c.choices[0].message.tool_calls is None,
        ),
        # every enum value
        (
            lambda d: d["choices"][0].update(finish_reason="length"),
            lambda c: c.choices[0].finish_reason == "length",
        ),
        # empty arrays
        (
            lambda d: d["choices"][0]["message"].update(tool_calls=[]),
            lambda c: c.choices[0].message.tool_calls == [],
        ),
        # unknown fields are kept, at every level
        (lambda d: d.update(provider="google"), lambda c: c.additional_properties == {"provider": "google"}),
        (
            lambda d: d["choices"][0]["message"]["tool_calls"][0].update(index=0),
            lambda c: c.choices[0].message.tool_calls[0].additional_properties == {"index": 0},
        ),
    ],
)
def test_a_reply_that_fits_the_schema_parses_and_round_trips(change: Any, check: Any) -> None:
    document = _mutated(change)
    completion = ChatCompletion.from_dict(document)
    assert check(completion)
    assert completion.to_dict() == document
    # each tool call is the model its `type` names
    assert all(
        isinstance(
            call,
            ChatCompletionMessageToolCall
            if call.type_ == "function"
            else ChatCompletionMessageCustomToolCall,
        )
        for call in completion.choices[0].message.tool_calls or []
    )


def test_python_values_that_serialise_as_the_json_type_are_accepted_in_plain_form() -> None:
    class Role(str, enum.Enum):  # noqa: UP042 (the tricky case: its str() is "Role.USER")
        USER = "user"

    message = {**spec.user_message("hi"), "role": Role.USER}
    body = MappingProxyType({"model": "gemini-pro", "messages": (message,)})
    request = ChatCompletionRequest.from_dict(body)
    role: object = request.messages[0].role
    assert type(role) is str
    assert request.to_dict() == {"model": "gemini-pro", "messages": [spec.user_message("hi")]}


def _model_type_error() -> str:
    listed = sorted(spec.model_ids())  # an error lists a Literal's values in sorted order
    if not listed:
        return "model: expected string, got integer"
    return "model: expected one of " + ", ".join(map(repr, listed)) + " or string, got integer"


def _a_part_value_of_the_wrong_type() -> tuple[dict[str, Any], str]:
    """A request whose user message holds a content part with a number where the part takes a
    string (a text part's text where the spec has text parts), and the error naming its path; where
    the content takes no parts, a list of them refused as content of the wrong type."""
    kinds = spec.content_part_types("user")
    if not kinds:
        listed = {**spec.user_message("hi"), "content": [{"type": "text", "text": "hi"}]}
        refusal = f"messages[0].content: expected {' or '.join(spec.content_types('user'))}, got array"
        return {"model": "gemini-pro", "messages": [listed]}, refusal
    part = spec.content_part_example("user", "text" if "text" in kinds else kinds[0])
    path = ["content[0]"]
    holder = part
    # The first string value below the part's discriminator, however deep its schema puts it.
    while True:
        name, value = next((k, v) for k, v in holder.items() if k != "type" and isinstance(v, (str, dict)))
        path.append(name)
        if isinstance(value, str):
            holder[name] = 1
            break
        holder = value
    message = {**spec.user_message("hi"), "content": [part]}
    refusal = f"messages[0].{'.'.join(path)}: expected string, got integer"
    return {"model": "gemini-pro", "messages": [message]}, refusal


def _content_of_the_wrong_type() -> tuple[dict[str, Any], str]:
    """A user message whose content is a number, and the error listing the types the spec takes."""
    message = {**spec.user_message("hi"), "content": 5}
    refusal = f"messages[0].content: expected {' or '.join(spec.content_types('user'))}, got integer"
    return {"model": "gemini-pro", "messages": [message]}, refusal


_TOOL_WITH_NUMBER_NAME = [{"type": "function", "function": {"name": 1, "description": "d"}}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "gemini-pro"}, "missing required field 'messages'"),
        _a_part_value_of_the_wrong_type(),
        _content_of_the_wrong_type(),
        ({"model": "gemini-pro", "messages": [], "stream": 1}, "stream: expected boolean, got integer"),
    ],
)
def test_a_request_dict_that_contradicts_the_schema_is_a_value_error_naming_the_path(
    body: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        ChatCompletionRequest.from_dict(body)


@pytest.mark.parametrize("role", ["system", "user"])
def test_an_unexpected_message_field_is_refused_where_the_spec_closes_the_message(role: str) -> None:
    """A message whose schema allows no other fields refuses one; an open one keeps it as sent."""
    if not spec.role_present(role):  # checked refused by role_present
        return
    # The role's message as the spec takes it (a user one may take no text), and one field more.
    taken = spec.user_message("hi") if role == "user" else {"role": role, "content": "hi"}
    message = {**taken, "colour": "red"}
    body = {"model": "gemini-pro", "messages": [message]}
    if spec.message_schema(role).get("additionalProperties") is False:
        with pytest.raises(ValueError, match="^" + re.escape("messages[0]: unexpected field 'colour'") + "$"):
            ChatCompletionRequest.from_dict(body)
    else:
        assert ChatCompletionRequest.from_dict(body).to_dict()["messages"] == [message]


def test_a_model_that_is_no_string_is_a_value_error_naming_the_ids_the_spec_lists() -> None:
    # Any model id is a string the API routes (see the overlay); a number is not one.
    with pytest.raises(ValueError, match="^" + re.escape(_model_type_error()) + "$"):
        ChatCompletionRequest.from_dict({"model": 9, "messages": []})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_tokens", "64", "max_tokens: expected integer, got string"),
        ("stop", ["a", None], "stop[1]: expected string, got null"),
        (
            "tool_choice",
            "sometimes",
            "tool_choice: expected one of 'auto', 'none', 'required' or object, got 'sometimes'",
        ),
        ("logit_bias", {"42": "up"}, "logit_bias['42']: expected number, got string"),
        # minimum/maximum of request fields: test_a_number_past_a_bound_the_spec_gives_...
        ("logit_bias", {"7": -101}, "logit_bias['7']: expected a number >= -100 and <= 100, got -101"),
        ("tools", _TOOL_WITH_NUMBER_NAME, "tools[0].function.name: expected string, got integer"),
    ],
)
def test_an_optional_field_that_contradicts_the_schema_is_a_value_error_naming_the_path(
    field: str, value: Any, message: str
) -> None:
    """Fields a revision drops are checked absent from the client instead; a value a revision's
    schema admits after all (a catch-all tool alternative) must then be taken, as the spec says."""
    if not spec.field_present(field):
        return
    body = {"model": "gemini-pro", "messages": [], field: value}
    if spec.field_accepts(field, value):
        assert ChatCompletionRequest.from_dict(body).to_dict()[field] == value
        return
    with pytest.raises(ValueError, match="^" + re.escape(field)) as caught:
        ChatCompletionRequest.from_dict(body)
    if field in ("tools", "tool_choice") and not spec.function_tools_present():
        # Tools of another shape than OpenAI's: refused as that shape says, naming the field.
        assert str(caught.value).startswith(f"{field}"), str(caught.value)
        return
    assert str(caught.value) == message


@pytest.mark.parametrize("side", ["below the minimum", "above the maximum"])
def test_a_number_past_a_bound_the_spec_gives_is_a_value_error_naming_the_bounds(side: str) -> None:
    """Each bounded request field (its bounds read from the spec) refuses a number past one and
    takes the bound itself."""
    checked = []
    for field, (integer, low, high) in spec.bounded_fields().items():
        bound = low if side == "below the minimum" else high
        if bound is None:
            continue
        step = 1 if integer else 0.5
        value = bound - step if side == "below the minimum" else bound + step
        limits = ([f">= {low:g}"] if low is not None else []) + ([f"<= {high:g}"] if high is not None else [])
        message = f"{field}: expected a number {' and '.join(limits)}, got {value!r}"
        with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
            ChatCompletionRequest.from_dict({"model": "gemini-pro", "messages": [], field: value})
        at_bound = ChatCompletionRequest.from_dict({"model": "gemini-pro", "messages": [], field: bound})
        assert at_bound.to_dict()[field] == bound
        checked.append(field)
    if spec.field_present("temperature"):
        assert "temperature" in checked  # bounded on both sides in every revision that has it


_FITTING_OPTIONAL_FIELDS: dict[str, Any] = {
    "max_tokens": 64,
    "stop": ["a", "b"],
    "tool_choice": "auto",
    "logit_bias": {"42": -100, "7": 100},
    "temperature": 2,
    "top_p": 0.1,
    "presence_penalty": -2,
    "tools": [
        {
            "type": "function",
            "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
        }
    ],
}


def _user_message_of_parts() -> dict[str, Any]:
    """A user message whose content is a list of parts: a text part where the spec has them, else
    the first kind of part it names (audio); the spec's user message where it takes no list."""
    kinds = spec.content_part_types("user")
    if not kinds:
        return dict(spec.user_message("hi"))
    part = {"type": "text", "text": "hi"} if "text" in kinds else spec.content_part_example("user", kinds[0])
    return {**spec.user_message("hi"), "content": [part]}


def test_a_request_dict_that_fits_the_schema_round_trips() -> None:
    body = {"model": spec.model_id(), "messages": [_user_message_of_parts()], "stream": False}
    body |= {
        field: value
        for field, value in _FITTING_OPTIONAL_FIELDS.items()
        if spec.has_request_field(field) and spec.field_accepts(field, value)
    }
    # Fields of a later revision (or of another shape or range there) get a value picked from their schema.
    body |= {field: spec.example_value(field) for field in spec.optional_fields() if field not in body}
    assert ChatCompletionRequest.from_dict(body).to_dict() == body


def test_a_free_form_function_parameters_field_takes_a_plain_mapping_and_parses_it() -> None:
    """Fields typed as a model of only additional properties are dicts to users: parameters."""
    if not spec.schema_present("FunctionDefinition"):
        return
    function_definition = spec.optional_model("FunctionDefinition")
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    if not spec.free_form("FunctionParameters"):
        # A revision that spells the parameters out as a typed object: the mapping is parsed.
        parsed = function_definition.from_dict(
            {"name": "lookup", "description": "Look up.", "parameters": schema}
        )
        assert isinstance(parsed.parameters, spec.optional_model("FunctionParameters"))
        assert parsed.to_dict()["parameters"] == schema
        return
    definition = function_definition(name="lookup", description="Look up.", parameters=schema)
    assert isinstance(definition.parameters, spec.optional_model("FunctionParameters"))
    assert definition.to_dict() == {"name": "lookup", "description": "Look up.", "parameters": schema}
    with pytest.raises(ValueError, match=r"^parameters: expected FunctionParameters or a mapping, got list$"):
        function_definition(name="lookup", description="Look up.", parameters=[1])


def test_a_free_form_logit_bias_field_takes_a_plain_mapping_and_parses_it() -> None:
    if not spec.field_present("logit_bias"):
        return
    fields: dict[str, Any] = {"logit_bias": {"42": -5}}
    request = ChatCompletionRequest(model="gemini-pro", messages=[], **fields)
    assert isinstance(request.to_dict()["logit_bias"], dict)
    assert isinstance(getattr(request, "logit_bias"), spec.optional_model("LogitBias"))  # noqa: B009
    assert request.to_dict()["logit_bias"] == {"42": -5}
    wrong: dict[str, Any] = {"logit_bias": {"42": "up"}}
    with pytest.raises(ValueError, match=r"^logit_bias\['42'\]: expected number, got string$"):
        ChatCompletionRequest(model="gemini-pro", messages=[], **wrong)


def test_validation_errors_pickle_with_their_path() -> None:
    error = ValidationError("expected integer, got string", ("usage", "total_tokens"), "subject")
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.path, again.message) == (str(error), "usage.total_tokens", error.message)
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


def test_unset_is_one_object_after_a_pickle_or_a_copy() -> None:
    # Code that tests `x is UNSET` (the stream's join does) works on models from another process.
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET
    assert copy.copy(UNSET) is UNSET
    chunk = ChatCompletionChunk.from_dict(json.loads(chunk_event("hi")[len(b"data: ") :]))
    for again in (pickle.loads(pickle.dumps(chunk)), copy.deepcopy(chunk)):
        assert again == chunk
        assert again.usage is UNSET


def _mock_client(transport: httpx.MockTransport) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url="https://api.example.test", token="k", httpx_args={"transport": transport}
    )


def test_the_endpoint_reports_a_bad_reply_with_its_path_and_keeps_the_raw_body() -> None:
    document = _mutated(lambda d: d["choices"][0]["message"]["tool_calls"][0].pop("id"))
    text = json.dumps(document)
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, text=text, headers={"content-type": "application/json"})
    )
    client = AuthenticatedClient(
        base_url="https://api.example.test", token="k", httpx_args={"transport": transport}
    )
    body = {"model": "gemini-pro", "messages": [spec.user_message("hi")]}
    with client, pytest.raises(APIResponseValidationError) as excinfo:
        create_chat_completion.sync(client=client, body=body)
    assert "(choices[0].message.tool_calls[0]: missing required field 'id')" in str(excinfo.value)
    assert excinfo.value.text == text
    cause = excinfo.value.__cause__
    assert isinstance(cause, ValidationError)
    assert (cause.path, cause.message) == ("choices[0].message.tool_calls[0]", "missing required field 'id'")
    # the twin: the same reply with the id parses
    transport_ok = httpx.MockTransport(lambda request: httpx.Response(200, json=_rich_completion()))
    with AuthenticatedClient(
        base_url="https://api.example.test", token="k", httpx_args={"transport": transport_ok}
    ) as ok:
        assert create_chat_completion.sync(client=ok, body=body).to_dict() == _rich_completion()


# --- Discriminators default to their one value (issue #10 item 4) ---------------------------------


def test_a_one_value_discriminator_defaults_so_messages_and_parts_need_only_their_data() -> None:
    # Each model a user or system message may be (the system role where the spec has it).
    roles_checked = ("user", "system") if spec.role_present("system") else ("user",)
    # Each role's content as the spec takes it (a user's may take no text), in JSON and as models.
    sent = {"user": spec.user_message("hi")["content"], "system": "hi"}
    built = {"user": spec.user_message_model("hi").content, "system": "hi"}
    checked = 0
    for name, roles, _ in spec.message_kinds():
        for role in (role for role in roles_checked if role in roles):
            model = getattr(aimlapi_gemini.models, name)
            checked += 1
            expected = {"role": role, "content": sent[role]}
            if len(roles) > 1:
                # A role that is an enum of several has no default: the message must say which it is.
                with pytest.raises(TypeError, match="role"):
                    model(content=built[role])
                assert model(role=role, content=built[role]).to_dict() == expected
            else:
                assert model(content=built[role]).to_dict() == expected
    assert checked >= len(roles_checked)
    if spec.schema_present("TextContentPart"):
        assert spec.optional_model("TextContentPart")(text="x").to_dict() == {"type": "text", "text": "x"}


def test_a_one_value_discriminator_defaults_in_tool_definitions() -> None:
    if not spec.schema_present("ChatCompletionTool"):
        return
    required = spec.schemas()["FunctionDefinition"].get("required", ())
    # Parameters, where a revision requires them, as the smallest schema.
    parameters: dict[str, Any] = {"parameters": {"type": "object"}} if "parameters" in required else {}
    function = spec.optional_model("FunctionDefinition")(description="d", name="f", **parameters)
    tool = spec.optional_model("ChatCompletionTool")(function=function)
    assert tool.to_dict()["type"] == "function"


def test_a_one_value_discriminator_defaults_and_the_other_required_fields_stay_positional() -> None:
    if not spec.role_present("tool"):
        return
    assert spec.optional_model("ToolMessage")("42", "call_1").to_dict() == {
        "role": "tool",
        "content": "42",
        "tool_call_id": "call_1",
    }


def test_a_wrong_or_missing_discriminator_is_still_rejected_by_from_dict() -> None:
    user_message = spec.message_model("user")
    content = spec.user_message("hi")["content"]
    with pytest.raises(ValidationError, match="role"):
        user_message.from_dict({"role": "robot", "content": content})
    # The default is for constructing in Python; the JSON must say what it is.
    with pytest.raises(ValidationError, match="role"):
        user_message.from_dict({"content": content})
    # The twin: with its role, the same JSON parses.
    assert user_message.from_dict({"role": "user", "content": content}).to_dict() == spec.user_message("hi")
    # A wrong one given explicitly (past the type checker) does not survive the request's check.
    sneaky = user_message(content=spec.user_message_model("hi").content, role="assistant")
    request = ChatCompletionRequest(model="gemini-pro", messages=[sneaky])
    with pytest.raises(ValidationError):
        ChatCompletionRequest.from_dict(
            {**request.to_dict(), "messages": [{"role": "bogus", "content": content}]}
        )


def test_messages_takes_a_list_of_one_message_kind() -> None:
    only_user = [spec.user_message_model("s")]
    request = ChatCompletionRequest(model="gemini-pro", messages=only_user)
    assert request.to_dict()["messages"] == [spec.user_message("s")]
    # from_dict still builds a list, and a tuple of messages serialises the same.
    assert isinstance(ChatCompletionRequest.from_dict(request.to_dict()).messages, list)
    as_tuple = ChatCompletionRequest(model="gemini-pro", messages=(spec.user_message_model("s"),))
    assert as_tuple.to_dict() == request.to_dict()


# --- Readability (issue #10 item 9) ------------------------------------------------------------------


def test_unset_prints_as_its_name_and_reprs_leave_unset_fields_out() -> None:
    assert repr(UNSET) == "UNSET"
    user_class = spec.class_of_role("user")
    message = spec.user_message_model("hi")
    # The content as its own repr shows it: 'hi', or where user messages take no text, a list.
    content = repr(message.content)
    assert repr(message) == f"{user_class}(role='user', content={content})"
    # Content parts are models shown the same way (unset fields left out), never as objects.
    parts = repr(spec.message_model("user").from_dict(_user_message_of_parts()))
    assert "object at 0x" not in parts
    assert "UNSET" not in parts
    assert "object at 0x" not in repr(ChatCompletion.from_dict(_fixture("docs_example_response.json")))
    if "name" in spec.message_fields("user"):
        named = spec.message_model("user").from_dict({**spec.user_message("hi"), "name": "ann"})
        assert repr(named) == f"{user_class}(role='user', content={content}, name='ann')"
    # None is a value (JSON null), unlike UNSET: it is shown (where an assistant's content may be null).
    if spec.field_accepts("messages", [{"role": "assistant", "content": None}]):
        assert "content=None" in repr(spec.message("assistant", content=None))


def test_help_lists_the_fields_with_their_descriptions() -> None:
    import pydoc

    text = pydoc.plain(pydoc.render_doc(ChatCompletionRequest))
    attributes = " ".join(text.partition("Attributes:")[2].replace("|", " ").split())
    # The fields this revision has, each described as the spec describes it (its first sentence).
    described = [
        (field, " ".join(str(spec.field_schema(field)["description"]).split(".")[0].split()))
        for field in spec.request_fields()
        if "description" in spec.field_schema(field)
    ]
    assert "messages" in dict(described)
    for field, description in described:
        assert re.search(rf"\b{field} \([^)]*\): {re.escape(description)}", attributes), field
    # A field the spec does not describe is not invented.
    assert not re.search(r"\bmax_token \(", attributes)


# --- A reply goes back as is (issue #10 item 5) -----------------------------------------------------


def test_to_param_keeps_text_and_tool_calls_and_drops_what_the_request_rejects() -> None:
    from aimlapi_gemini.models import ChatCompletionMessage

    if not spec.reply_replayed():
        return
    # Any: a revision whose replies do not go back has no to_param (reply_replayed checks that).
    said: Any = ChatCompletionMessage.from_dict({"role": "assistant", "content": "hello"})
    text = said.to_param()
    assert text.to_dict() == {"role": "assistant", "content": "hello"}
    if not spec.schema_present("ToolCall"):  # requests that replay no tool calls
        return
    reply: Any = ChatCompletionMessage.from_dict(
        {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "annotations": [],
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        }
    )
    param = reply.to_param()
    assert isinstance(param, spec.message_model("assistant"))
    assert param.to_dict() == {
        "role": "assistant",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
    }


def test_to_param_rejects_a_reply_the_request_cannot_take() -> None:
    from aimlapi_gemini.models import ChatCompletionMessage

    if not spec.reply_replayed():
        return
    # The response schema takes any role; a request's assistant message only "assistant".
    reply: Any = ChatCompletionMessage.from_dict({"role": "tool", "content": "x"})
    with pytest.raises(ValidationError, match="role"):
        reply.to_param()


def test_a_tool_call_reply_appended_and_sent_back_is_accepted(reference_server: Any) -> None:
    if not (spec.function_tools_present() and spec.role_present("tool")):
        return
    with AuthenticatedClient(base_url=reference_server.base_url, token=reference_server.api_key) as client:
        _tool_call_round_trip(client)


def _tool_call_round_trip(client: AuthenticatedClient) -> None:
    tool_message = spec.optional_model("ToolMessage")
    weather = spec.optional_model("FunctionDefinition")(
        description="The weather in a city.",
        name="get_weather",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    )
    messages: list[Any] = [spec.message("user", content="get_weather in Paris?")]
    tools = [spec.optional_model("ChatCompletionTool")(function=weather)]
    optional: dict[str, Any] = {"tools": tools}
    request = ChatCompletionRequest(model="gemini-pro", messages=messages, **optional)
    first = create_chat_completion.sync(client=client, body=request)
    reply: Any = first.choices[0].message
    assert not isinstance(reply.tool_calls, type(UNSET))
    assert reply.tool_calls
    messages.append(reply.to_param())
    for call in reply.tool_calls:
        messages.append(tool_message(content='{"celsius": 21}', tool_call_id=call.id))
    request.messages = messages
    second = create_chat_completion.sync_detailed(client=client, body=request)
    assert second.status_code == 200, second.content
    assert isinstance(second.parsed, ChatCompletion)
    assert second.parsed.choices[0].message.content


@pytest.mark.parametrize("free_form", ["FunctionParameters", "LogitBias"])
def test_a_free_form_object_takes_its_content_as_its_argument(free_form: str) -> None:
    if not spec.schema_present(free_form):
        return
    content: dict[str, Any] = {"type": "object", "properties": {"city": {"type": "string"}}}
    if free_form == "LogitBias":
        content = {"42": -5}
    # A revision may spell the object out as a typed model: then it parses its content instead.
    assert spec.model_from(free_form, content).to_dict() == content


def test_models_with_declared_fields_keep_extra_fields_out_of_their_constructor() -> None:
    # Models with declared fields keep extra fields out of their constructor.
    content = spec.user_message_model("hi").content
    with pytest.raises(TypeError):
        spec.message_model("user")(role="user", content=content, additional_properties={"x": 1})
