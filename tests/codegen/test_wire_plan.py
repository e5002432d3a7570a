"""plan.wire_fields: which models the reply decoder reads with msgspec, and as what (small schemas)."""

from __future__ import annotations

from typing import Any

import pytest

from codegen import plan

REF = "#/components/schemas/"


def _fields(schemas: dict[str, Any], name: str = "Reply") -> tuple[plan.WireField, ...]:
    attributes = {
        json_name: json_name.rstrip("_") + ("_" if json_name == "type" else "")
        for json_name in schemas[name].get("properties", {})
    }
    classes = {n: n for n, s in schemas.items() if s.get("type") == "object"}
    return plan.wire_fields(schemas, name, attributes, classes)


def _reply(**properties: Any) -> dict[str, Any]:
    return {"Reply": {"type": "object", "properties": properties, "required": ["id"]}}


def test_scalars_nullable_types_enums_and_arrays_get_their_shapes() -> None:
    schemas = _reply(
        id={"type": "string", "description": "x"},
        n={"type": ["integer", "null"]},
        score={"type": "number"},
        either={"anyOf": [{"type": "integer"}, {"type": "number"}]},
        role={"type": "string", "enum": ["assistant", "user"]},
        bytes={"type": ["array", "null"], "items": {"type": "integer"}},
        format={"type": "string", "format": "date-time"},  # an annotation only: not checked
    )
    assert [(f.json_name, f.shape, f.required) for f in _fields(schemas)] == [
        ("id", "string", True),
        ("n", ("nullable", "integer"), False),
        ("score", "number", False),
        ("either", "number", False),
        ("role", ("enum", "assistant", "user"), False),
        ("bytes", ("nullable", ("array", "integer")), False),
        ("format", "string", False),
    ]


def test_models_enum_schemas_and_discriminated_unions_are_followed() -> None:
    schemas = {
        **_reply(
            id={"type": "string"},
            usage={"anyOf": [{"$ref": REF + "Usage"}, {"type": "null"}]},
            reason={"$ref": REF + "Reason"},
            calls={
                "type": "array",
                "items": {
                    "oneOf": [{"$ref": REF + "Call"}, {"$ref": REF + "Other"}],
                    "discriminator": {"propertyName": "type"},
                },
            },
        ),
        "Usage": {"type": "object", "properties": {"total": {"type": "integer"}}},
        "Reason": {"type": "string", "enum": ["stop"]},
        "Call": {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": ["f"]}},
            "required": ["type"],
        },
        "Other": {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": ["o"]}},
            "required": ["type"],
        },
    }
    shapes = {f.json_name: f.shape for f in _fields(schemas)}
    assert shapes["usage"] == ("nullable", ("model", "Usage"))
    assert shapes["reason"] == ("enum", "stop")
    assert shapes["calls"] == ("array", ("tagged", "type", (("f", "Call"), ("o", "Other"))))
    assert _fields(schemas)[0].attribute == "id"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "uri"},  # checked by from_dict: msgspec would not
        {"type": "integer", "minimum": 0},  # bounds: from_dict's message and rule
        {"type": "string", "pattern": "^a"},  # a keyword this plan does not know
        {"type": "object"},  # free-form: additional_properties
        {
            "anyOf": [{"type": "string"}, {"type": "integer"}]
        },  # msgspec tells these apart, from_dict orders them
        {"anyOf": [{"$ref": REF + "Usage"}, {"$ref": REF + "Other"}]},  # untagged models: first_model
        {"type": "string", "enum": ["a", 1]},
    ],
)
def test_a_model_with_a_field_msgspec_cannot_check_as_from_dict_does_has_no_shape(
    schema: dict[str, Any],
) -> None:
    schemas = {
        **_reply(id={"type": "string"}, field=schema),
        "Usage": {"type": "object", "properties": {"total": {"type": "integer"}}},
        "Other": {"type": "object", "properties": {"x": {"type": "integer"}}},
    }
    assert _fields(schemas) == ()
    assert _fields(_reply(id={"type": "string"}, field={"type": "string"})) != ()


def test_a_model_holding_a_shapeless_model_has_no_shape_either() -> None:
    schemas = {
        **_reply(id={"type": "string"}, usage={"$ref": REF + "Usage"}),
        "Usage": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}},
    }
    assert _fields(schemas) == ()
    schemas["Usage"]["properties"]["url"] = {"type": "string"}
    assert _fields(schemas) != ()


def test_the_source_is_the_literal_of_the_shapes() -> None:
    fields = _fields(_reply(id={"type": "string"}, n={"type": ["integer", "null"]}))
    assert eval(plan.wire_source(fields)) == (
        ("id", "id", "string", True),
        ("n", "n", ("nullable", "integer"), False),
    )


@pytest.mark.parametrize(
    "field",
    [
        True,  # a boolean schema
        {"oneOf": [{"type": "string"}], "discriminator": {"propertyName": "type"}},  # no $ref to follow
        {"$ref": REF + "Missing"},
    ],
)
def test_a_schema_of_a_form_the_plan_does_not_know_leaves_the_model_shapeless(field: Any) -> None:
    assert _fields(_reply(id={"type": "string"}, field=field)) == ()
