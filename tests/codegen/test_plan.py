"""The generation plan's rules (scripts/codegen/plan.py) on small inputs: no regeneration, milliseconds."""

from __future__ import annotations

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
