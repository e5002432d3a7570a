"""The generation plan's rules (scripts/codegen/plan/) on small inputs: no regeneration, milliseconds."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from codegen import plan, template_plan
from codegen.errors import GenerationError


def _model(name: str, *required: str, **literals: str) -> plan.ModelFacts:
    return plan.ModelFacts(name, required, literals)


# --- discriminator ---------------------------------------------------------------------------

MESSAGES = [
    _model("SystemMessage", "role", "content", role="system"),
    _model("UserMessage", "role", "content", role="user"),
    _model("AssistantMessage", "role", role="assistant"),
]


def test_a_property_every_variant_requires_with_a_distinct_value_discriminates() -> None:
    assert plan.discriminator(MESSAGES) == plan.Discriminator("role", ("system", "user", "assistant"))


def test_the_first_variant_s_order_picks_among_several_tags() -> None:
    variants = [
        _model("A", "kind", "type", kind="a", type="x"),
        _model("B", "type", "kind", kind="b", type="y"),
    ]
    assert plan.discriminator(variants) == plan.Discriminator("kind", ("a", "b"))


@pytest.mark.parametrize(
    ("why", "variants"),
    [
        ("two variants share the value", [*MESSAGES, _model("Other", "role", role="user")]),
        ("a variant lacks the literal", [*MESSAGES, _model("Free", "role")]),
        ("a variant is no model", [*MESSAGES, None]),
        ("one variant is no union", MESSAGES[:1]),
        ("nothing required", [_model("A"), _model("B")]),
    ],
)
def test_no_discriminator_when_no_property_tells_every_variant_apart(
    why: str, variants: list[plan.ModelFacts | None]
) -> None:
    assert plan.discriminator(variants) is None, why


def test_the_tool_choice_alternatives_sharing_type_function_have_no_discriminator() -> None:
    variants = [
        _model("NamedToolChoice", "type", "function", type="function"),
        _model("AllowedTools", "type", "allowed_tools", type="allowed_tools"),
        _model("FunctionNameChoice", "type", "function", type="function"),
    ]
    assert plan.discriminator(variants) is None
    assert plan.discriminator(variants[:2]) == plan.Discriminator("type", ("function", "allowed_tools"))


def test_required_literals_are_the_required_single_string_enums() -> None:
    schema = {
        "required": ["type", "mode", "name", "count", "empty"],
        "properties": {
            "type": {"type": "string", "enum": ["function"]},
            "mode": {"type": "string", "enum": ["auto", "required"]},
            "name": {"type": "string"},
            "count": {"type": "integer", "enum": [1]},
            "empty": {"type": "string", "enum": [""]},
            "optional": {"type": "string", "enum": ["never"]},
        },
    }
    assert plan.required_literals(schema) == {"type": "function"}
    assert plan.required_literals({"properties": schema["properties"]}) == {}


def test_literal_pairs_follow_the_required_order() -> None:
    facts = _model("M", "type", "kind", "name", kind="k", type="t")
    assert facts.literal_pairs == (("type", "t"), ("kind", "k"))


class _Untrusted:
    def __init__(self, value: str) -> None:
        self._value = value

    def get_untrusted_value(self) -> str:
        return self._value


class _Schema:
    def __init__(self, enum: list[Any] | None) -> None:
        self.enum = enum


class _Prop:
    """The shape of openapi-python-client's ModelProperty that template_plan reads."""

    def __init__(
        self, template: str, name: str, required: list[str], enums: dict[str, list[Any] | None]
    ) -> None:
        self.template = template
        self.class_info = type("ClassInfo", (), {"name": name})()
        self.data = type(
            "Data",
            (),
            {
                "required": [_Untrusted(key) for key in required],
                "properties": {_Untrusted(key): _Schema(enum) for key, enum in enums.items()},
            },
        )()


def test_model_facts_are_read_off_the_generator_s_model_property() -> None:
    prop = _Prop("model_property.py.jinja", "ToolCall", ["type", "id"], {"type": ["function"], "id": None})
    assert template_plan.model_facts(prop) == _model("ToolCall", "type", "id", type="function")
    assert template_plan.model_facts(_Prop("list_property.py.jinja", "L", [], {})) is None


def test_fail_raises_a_generation_error_with_the_reason() -> None:
    with pytest.raises(GenerationError, match=r"^the reason$"):
        template_plan.fail("the reason")


# --- the model of a stream's chunks ----------------------------------------------------------

CHUNK_REF = "#/components/schemas/Chunk"
EVENT_REF = "#/components/schemas/Event"
CHUNK = plan.ModelName("chunk", "Chunk")
MODELS = {CHUNK_REF: CHUNK, EVENT_REF: plan.ModelName("event", "Event")}
JSON_TEXT = {"type": "string", "contentMediaType": "application/json", "contentSchema": {"$ref": CHUNK_REF}}
DONE = {"type": "string", "const": "[DONE]"}


def _event(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"data": data, "event": {"type": "string"}}, "required": ["data"]}


def _spec(
    stream_schema: dict[str, Any] | None, event: dict[str, Any] | None = None, status: str = "200"
) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": CHUNK_REF}}}
    if stream_schema is not None:
        content["text/event-stream"] = {"schema": stream_schema}
    schemas = {"Chunk": {"type": "object"}, "Event": event or _event(JSON_TEXT)}
    return {
        "paths": {"/v1/x": {"post": {"responses": {status: {"content": content}, "400": {}}}}},
        "components": {"schemas": schemas},
    }


def _chunk(spec: dict[str, Any]) -> plan.ModelName | None:
    return plan.stream_chunk(spec, "/v1/x", "post", "create_x", MODELS)


@pytest.mark.parametrize(
    ("form", "stream_schema", "event"),
    [
        ("a $ref to the event", {"$ref": EVENT_REF}, None),
        ("the event inline", _event(JSON_TEXT), None),
        ("an anyOf member", {"anyOf": [{"type": "string"}, {"$ref": EVENT_REF}]}, None),
        ("a oneOf member", {"oneOf": [{"type": "string"}, _event(JSON_TEXT)]}, None),
        ("an if's else", {"if": {"type": "string"}, "then": {}, "else": {"$ref": EVENT_REF}}, None),
        ("data's if/else", {"$ref": EVENT_REF}, _event({"if": DONE, "then": DONE, "else": JSON_TEXT})),
        ("data's anyOf", {"$ref": EVENT_REF}, _event({"anyOf": [DONE, JSON_TEXT]})),
    ],
)
def test_the_chunk_model_is_found_through_each_schema_form(
    form: str, stream_schema: dict[str, Any], event: dict[str, Any] | None
) -> None:
    assert _chunk(_spec(stream_schema, event)) == CHUNK, form


def test_a_2xx_range_streams_too_and_an_operation_without_a_stream_has_no_chunk_model() -> None:
    assert _chunk(_spec({"$ref": EVENT_REF}, status="2XX")) == CHUNK
    assert _chunk(_spec(None)) is None
    assert _chunk(_spec({"$ref": EVENT_REF}, status="default")) is None  # not 2xx only


@pytest.mark.parametrize(
    ("stream_schema", "event", "reason"),
    [
        ({"type": "string"}, None, plan.NO_EVENT),
        ({"anyOf": [{"type": "string"}]}, None, plan.NO_EVENT),
        ({"$ref": EVENT_REF}, _event({"$ref": CHUNK_REF}), plan.NO_EVENT),  # data is no inline schema
        ({"$ref": EVENT_REF}, _event({"type": "string"}), plan.NO_CHUNK),
        ({"$ref": EVENT_REF}, _event({**JSON_TEXT, "contentMediaType": "text/plain"}), plan.NO_CHUNK),
        ({"$ref": EVENT_REF}, _event({**JSON_TEXT, "contentSchema": {"$ref": "#/nowhere"}}), plan.NO_CHUNK),
    ],
)
def test_an_event_stream_that_names_no_chunk_model_stops_the_generation(
    stream_schema: dict[str, Any], event: dict[str, Any] | None, reason: str
) -> None:
    with pytest.raises(GenerationError) as raised:
        _chunk(_spec(stream_schema, event))
    assert str(raised.value) == (
        f"no stream chunk model for create_x's 2xx text/event-stream response: {reason}"
    )


# --- path parameters ---------------------------------------------------------------------


def test_a_path_parameter_named_like_a_body_property_is_filled_from_the_body() -> None:
    decided = plan.path_parameters(["model"], ["messages", "model", "stream"])
    assert decided == plan.PathParameters(from_body=("model",), own=())


def test_a_path_parameter_no_body_property_names_is_the_callers() -> None:
    decided = plan.path_parameters(["deployment", "model"], ["messages", "model"])
    assert decided == plan.PathParameters(from_body=("model",), own=("deployment",))


def test_without_one_json_object_body_every_path_parameter_is_the_callers() -> None:
    assert plan.path_parameters(["model"], None) == plan.PathParameters(from_body=(), own=("model",))


# --- replies the API takes back (x-replay-as) ------------------------------------------------

ASSISTANT = plan.ModelName("assistant_message", "AssistantMessage")
REPLY = plan.ModelName("chat_completion_message", "ChatCompletionMessage")


def test_a_reply_is_replayed_as_the_request_model_it_names() -> None:
    replays = plan.replays([(ASSISTANT, None), (REPLY, "AssistantMessage")])
    assert replays.target_of("ChatCompletionMessage") == ASSISTANT
    assert replays.replies_to("AssistantMessage") == (REPLY,)
    assert replays.target_of("AssistantMessage") is None
    assert replays.replies_to("ChatCompletionMessage") == ()


def test_a_replay_naming_no_model_stops_the_generation() -> None:
    with pytest.raises(
        GenerationError, match=r"^x-replay-as of ChatCompletionMessage names Gone, which is no model$"
    ):
        plan.replays([(ASSISTANT, None), (REPLY, "Gone")])


def test_a_model_import_is_relative_to_the_package_or_a_subpackage() -> None:
    assert plan.model_import(REPLY) == "from .models.chat_completion_message import ChatCompletionMessage"
    assert (
        plan.model_import(REPLY, "..") == "from ..models.chat_completion_message import ChatCompletionMessage"
    )


# --- the OpenAI-SDK-shaped surface -----------------------------------------------------------

BODY = plan.ModelName("chat_request", "ChatRequest")
CANNOT = r"^resources\.py\.jinja cannot arrange create_chat: "
NO_REPLAYS = plan.replays([])


def _keyword(
    name: str, type_string: str = "str", kind: str = "other", *models: plan.HeldModel
) -> plan.KeywordFacts:
    return plan.KeywordFacts(
        name=name,
        python_name=name,
        type_string=type_string,
        kind=kind,
        description=f"The {name}.",
        models=models,
        imports=tuple(plan.model_import(plan.ModelName(model.name.lower(), model.name)) for model in models),
    )


MESSAGES_KEYWORD = _keyword(
    "messages",
    "list[UserMessage | AssistantMessage]",
    "list",
    plan.HeldModel("UserMessage", True),
    plan.HeldModel("AssistantMessage", True),
)
STREAM_KEYWORD = _keyword("stream", "bool | Unset")


def _operation(**changes: Any) -> plan.OperationFacts:
    facts = plan.OperationFacts(
        name="create_chat",
        summary="Chat.",
        tag="chat",
        other_parameters=False,
        bodies=1,
        json_model_body=BODY,
        body_properties=(MESSAGES_KEYWORD, STREAM_KEYWORD),
        success_types=("ChatCompletion", "ChatCompletion"),
        success_imports=("from .models.chat_completion import ChatCompletion",),
        path_parameters=(),
        chunk=CHUNK,
    )
    return dataclasses.replace(facts, **changes)


def test_an_operation_that_streams_takes_its_body_s_properties_but_the_stream_flag() -> None:
    decided = plan.operation_plan(_operation(), NO_REPLAYS)
    assert [keyword.facts.name for keyword in decided.keywords] == ["messages"]
    assert decided.chunk == "Chunk"
    assert decided.stream_doc == "The stream."
    assert decided.success == "ChatCompletion"  # each type once
    assert decided.module == "_chat_create_chat"
    assert decided.module_import == "from .api.chat import create_chat as _chat_create_chat"


def test_an_operation_that_does_not_stream_takes_its_stream_property_as_a_keyword() -> None:
    decided = plan.operation_plan(_operation(chunk=None), NO_REPLAYS)
    assert [keyword.facts.name for keyword in decided.keywords] == ["messages", "stream"]
    assert (decided.chunk, decided.stream_doc) == ("", "The stream.")


def test_an_operation_that_streams_without_a_stream_flag_cannot_be_arranged() -> None:
    with pytest.raises(
        GenerationError,
        match=rf"{CANNOT}it streams, but its body has no stream flag$",
    ):
        plan.operation_plan(_operation(body_properties=(MESSAGES_KEYWORD,)), NO_REPLAYS)


@pytest.mark.parametrize("clash", ["timeout", "extra_body", "stream", "messages"])
def test_a_path_parameter_named_like_another_keyword_cannot_be_arranged(clash: str) -> None:
    parameter = plan.ParameterFacts(clash, "str")
    with pytest.raises(
        GenerationError,
        match=rf"{CANNOT}its path parameter {clash} has the name of another keyword$",
    ):
        plan.operation_plan(_operation(path_parameters=(parameter,)), NO_REPLAYS)


def test_a_path_parameter_with_a_name_of_its_own_is_a_keyword_with_its_imports() -> None:
    parameter = plan.ParameterFacts("deployment", "str", "Where.", ("from .models.region import Region",))
    decided = plan.operation_plan(_operation(path_parameters=(parameter,)), NO_REPLAYS)
    assert decided.path_parameters == (parameter,)
    assert "from .models.region import Region" in decided.imports


def test_query_header_or_cookie_parameters_cannot_be_arranged() -> None:
    with pytest.raises(
        GenerationError,
        match=rf"{CANNOT}it has query, header or cookie parameters; extend the template$",
    ):
        plan.operation_plan(_operation(other_parameters=True), NO_REPLAYS)


@pytest.mark.parametrize(("bodies", "model"), [(2, BODY), (1, None)])
def test_a_body_that_is_not_one_json_object_model_cannot_be_arranged(
    bodies: int, model: plan.ModelName | None
) -> None:
    with pytest.raises(
        GenerationError,
        match=rf"{CANNOT}its body is not one JSON object model$",
    ):
        plan.operation_plan(_operation(bodies=bodies, json_model_body=model), NO_REPLAYS)


def test_an_operation_without_a_body_or_a_2xx_body_is_arranged() -> None:
    decided = plan.operation_plan(
        _operation(
            bodies=0,
            json_model_body=None,
            body_properties=(),
            chunk=None,
            success_types=(),
            success_imports=(),
        ),
        NO_REPLAYS,
    )
    assert (decided.body, decided.keywords, decided.success, decided.imports) == ("", (), "None", ())


def test_the_imports_of_a_body_with_replayed_models_name_the_replies() -> None:
    replays = plan.replays(
        [(REPLY, "AssistantMessage"), (plan.ModelName("assistant_message", "AssistantMessage"), None)]
    )
    decided = plan.operation_plan(_operation(), replays)
    assert set(decided.imports) == {
        "from .models.chat_completion import ChatCompletion",
        "from .models.chunk import Chunk",
        "from .models.usermessage import UserMessage",
        "from .models.assistantmessage import AssistantMessage",
        "from .models.chat_completion_message import ChatCompletionMessage",
        "from .models.chat_request import ChatRequest",
        "from ._model_dump import ReplyDump",
    }
    messages = decided.keywords[0]
    assert messages.annotation == (
        "Iterable[UserMessage | AssistantMessage | params.UserMessageParam | params.AssistantMessageParam"
        " | ChatCompletionMessage | ReplyDump[ChatCompletionMessage]]"
    )
    without = plan.operation_plan(_operation(), NO_REPLAYS)
    assert "ChatCompletionMessage" not in without.keywords[0].annotation
    assert "from ._model_dump import ReplyDump" not in without.imports


@pytest.mark.parametrize(
    ("keyword", "accepted", "annotation"),
    [
        (
            _keyword("messages", "list[Message] | Unset", "list"),
            ("params.MessageParam",),
            "Iterable[Message | params.MessageParam] | Unset",
        ),
        (_keyword("stop", "list[str] | str | Unset", "union"), (), "Sequence[str] | str | Unset"),
        (
            _keyword("bias", "LogitBias | Unset"),
            ("Mapping[str, float]",),
            "LogitBias | Unset | Mapping[str, float]",
        ),
        (_keyword("model", "str"), (), "str"),
    ],
)
def test_a_keyword_takes_any_iterable_for_a_list_and_the_types_it_accepts_beside(
    keyword: plan.KeywordFacts, accepted: tuple[str, ...], annotation: str
) -> None:
    assert plan.keyword_annotation(keyword, accepted) == annotation


def test_a_free_form_model_is_accepted_as_a_mapping_of_its_values_type() -> None:
    keyword = _keyword("logit_bias", "LogitBias", "other", plan.HeldModel("LogitBias", False, "float"))
    assert plan.accepted_types(keyword, NO_REPLAYS) == (("Mapping[str, float]",), ())


def test_the_module_imports_are_sorted_once_each_without_typing_and_types() -> None:
    lines = [
        "from .models.b import B",
        "from typing import cast",
        "from .types import UNSET",
        "from .models.a import A",
        "from .models.b import B",
    ]
    assert plan.module_imports(lines) == ("from .models.a import A", "from .models.b import B")


def test_the_resource_plan_keys_each_method_by_its_place() -> None:
    decided = plan.operation_plan(_operation(), NO_REPLAYS)
    resources = plan.resource_plan([("ChatCompletions.create", decided)])
    assert resources.operations == {"ChatCompletions.create": decided}
    assert resources.modules == ("from .api.chat import create_chat as _chat_create_chat",)
    assert resources.imports == tuple(sorted(set(decided.imports)))


# --- the request bodies as TypedDicts ---------------------------------------------------------


def test_the_models_a_request_body_reaches_are_found_through_every_reference() -> None:
    refers_to = {"Request": ["Message"], "Message": ["Part", "Message"], "Part": [], "Reply": ["Usage"]}
    assert plan.reach(["Request"], refers_to) == ("Message", "Part", "Request")
    assert plan.reach([], refers_to) == ()


@pytest.mark.parametrize("key", ["class", "max-tokens", "1st", ""])
def test_a_key_that_is_no_identifier_needs_the_functional_typed_dict_syntax(key: str) -> None:
    assert not plan.class_syntax_fits(["max_tokens", key])


def test_identifier_keys_fit_the_class_syntax() -> None:
    assert plan.class_syntax_fits(["max_tokens", "model"])
    assert plan.class_syntax_fits([])


def _pascal(text: str) -> str:
    return "".join(word.capitalize() for word in text.split("_"))


def test_a_list_item_alias_is_the_sdk_s_param_name_or_its_union_name_when_a_model_has_it() -> None:
    models = {"ChatCompletionRequest", "ChatCompletionTool"}
    assert (
        plan.list_alias("ChatCompletionRequest", "messages", models, _pascal) == "ChatCompletionMessageParam"
    )
    assert (
        plan.list_alias("ChatCompletionRequest", "tools", models, _pascal) == "ChatCompletionToolUnionParam"
    )


# --- models -------------------------------------------------------------------------------------

FREE = plan.HeldModel("LogitBias", False, "float")
SHAPED = plan.HeldModel("Message", True)


def test_a_field_of_one_free_form_model_also_when_nullable_takes_a_mapping() -> None:
    assert plan.free_form_model([FREE], 0) == "LogitBias"  # the model, or a union of it and null


@pytest.mark.parametrize(
    ("why", "held", "others"),
    [
        ("a model with properties", [SHAPED], 0),
        ("a union with a string", [FREE], 1),
        ("a union of two models", [FREE, SHAPED], 0),
        ("no model", [], 0),
    ],
)
def test_no_mapping_converter_for_other_fields(why: str, held: list[plan.HeldModel], others: int) -> None:
    assert plan.free_form_model(held, others) == "", why


def test_bounds_are_the_schema_s_minimum_and_maximum_as_a_python_test() -> None:
    assert plan.bounds(None, None) is None
    assert plan.bounds(0, 2.0) == plan.Bounds(0, 2.0)
    assert plan.Bounds(0, 2.0).condition("t") == "t >= 0 and t <= 2.0"
    assert plan.Bounds(None, 5).condition("n") == "n <= 5"
    assert plan.Bounds(-1, None).condition("n") == "n >= -1"


# --- the functional layer ----------------------------------------------------------------------


def test_one_required_json_model_body_takes_a_mapping_and_a_streaming_one_sets_its_flag() -> None:
    use = plan.body_use(True, 1, 1, "ChatRequest", ["messages", "stream"])
    assert use == plan.BodyUse(mapping_type="ChatRequest", stream_flag=True)


@pytest.mark.parametrize(
    ("why", "args", "expected"),
    [
        (
            "no stream",
            (False, 1, 1, "ChatRequest", ["messages", "stream"]),
            plan.BodyUse("ChatRequest", False),
        ),
        ("no flag", (True, 1, 1, "ChatRequest", ["messages"]), plan.BodyUse("ChatRequest", False)),
        ("a form body", (True, 0, 1, None, []), plan.BodyUse("", False)),
        ("two bodies", (True, 1, 2, "ChatRequest", ["stream"]), plan.BodyUse("", False)),
        ("an optional body", (True, 1, 1, None, ["stream"]), plan.BodyUse("", True)),
    ],
)
def test_other_bodies_take_no_mapping_or_set_no_flag(
    why: str, args: tuple[Any, ...], expected: plan.BodyUse
) -> None:
    assert plan.body_use(*args) == expected, why


# --- facts read off the generator's objects ------------------------------------------------------


class _Code:
    def __init__(self, code: str) -> None:
        self._code = code

    def as_unembedded_code(self) -> str:
        return self._code


class _Member:
    """The parts of openapi-python-client's properties that template_plan reads of a union member."""

    def __init__(self, template: str, name: str = "", properties: bool = False, values: Any = None) -> None:
        self.template = template
        self.class_info = type("ClassInfo", (), {"name": name})()
        self.data = type("Data", (), {"properties": {"key": None} if properties else {}})()
        self.additional_properties = values
        self._type_string = "None" if template == "any_property.py.jinja" else name


def _values(type_string: str) -> Any:
    return type("Values", (), {"get_type_string": lambda self: _Code(type_string)})()


def _union(*members: _Member) -> Any:
    return type("Union", (), {"template": "union_property.py.jinja", "inner_properties": list(members)})()


def test_the_models_a_property_holds_are_read_with_their_values_types() -> None:
    bias = _Member("model_property.py.jinja", "LogitBias", values=_values("float"))
    free = _Member("model_property.py.jinja", "FunctionParameters", values=True)
    message = _Member("model_property.py.jinja", "Message", properties=True)
    held = template_plan.held_models(_union(bias, free, message, _Member("any_property.py.jinja")))
    assert held == (
        plan.HeldModel("LogitBias", False, "float"),
        plan.HeldModel("FunctionParameters", False, "Any"),
        plan.HeldModel("Message", True, "Any"),
    )


def test_a_nullable_free_form_field_takes_a_mapping_and_one_beside_a_string_does_not() -> None:
    bias = _Member("model_property.py.jinja", "LogitBias", values=_values("float"))
    assert template_plan.free_form_model(_union(bias, _Member("any_property.py.jinja"))) == "LogitBias"
    assert template_plan.free_form_model(_union(bias, _Member("string_property.py.jinja", "str"))) == ""
    assert template_plan.free_form_model(bias) == "LogitBias"
    assert template_plan.free_form_model(_Member("list_property.py.jinja")) == ""


def test_an_operation_that_streams_its_completion_gets_the_stream_helper() -> None:
    assert plan.operation_plan(_operation(), NO_REPLAYS).helper == "stream"


@pytest.mark.parametrize(
    "changes",
    [{"chunk": None}, {"success_types": ("Other",), "success_imports": ()}],
    ids=["does-not-stream", "answers-another-model"],
)
def test_an_operation_that_does_not_stream_its_completion_gets_no_stream_helper(
    changes: dict[str, Any],
) -> None:
    assert plan.operation_plan(_operation(**changes), NO_REPLAYS).helper == ""


def test_two_stream_helpers_in_one_resource_cannot_be_arranged() -> None:
    decided = plan.operation_plan(_operation(), NO_REPLAYS)
    other = dataclasses.replace(decided, name="create_other")
    with pytest.raises(
        GenerationError, match=r"create_other: create_chat already has ChatCompletions's stream\(\)$"
    ):
        plan.resource_plan([("ChatCompletions.create", decided), ("ChatCompletions.other", other)])
    # In two resources, each has its own.
    assert plan.resource_plan([("ChatCompletions.create", decided), ("Completions.create", other)])


def test_an_operation_named_like_the_stream_helper_beside_it_cannot_be_arranged() -> None:
    decided = plan.operation_plan(_operation(), NO_REPLAYS)
    named = plan.operation_plan(_operation(name="stream_chat", chunk=None), NO_REPLAYS)
    with pytest.raises(
        GenerationError, match=r"ChatCompletions\.stream is the stream helper of create_chat$"
    ):
        plan.resource_plan([("ChatCompletions.create", decided), ("ChatCompletions.stream", named)])
    assert plan.resource_plan([("ChatCompletions.create", decided), ("Other.stream", named)])


LONG_UNION = " | ".join(f"ChatCompletionToolAlternative{n}" for n in range(8))


def test_a_docstring_attribute_keeps_a_long_union_type_on_its_head_line() -> None:
    entry = plan.attribute_doc("tools", f"Sequence[{LONG_UNION}] | Unset", "The tools. " * 30, width=112)
    head, *rest = entry.splitlines()
    assert head.startswith(f"tools (Sequence[{LONG_UNION}] | Unset): The")
    assert rest, "the description wraps onto continuation lines"
    assert all(len(line) <= 112 for line in rest)
    assert " ".join(line.strip() for line in entry.splitlines()).endswith("The tools.")


def test_a_docstring_attribute_wraps_a_short_head_with_its_description() -> None:
    entry = plan.attribute_doc("n", "int | Unset", "How many choices. " * 12, width=60)
    lines = entry.splitlines()
    assert lines[0].startswith("n (int | Unset): How many")
    assert all(len(line) <= 60 for line in lines)
    assert plan.attribute_doc("n", "int", "") == "n (int):"
