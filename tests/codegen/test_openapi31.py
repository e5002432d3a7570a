"""Unit tests of the OpenAPI 3.0 -> 3.1.0 step (scripts/codegen/openapi31.py), on inline documents."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from codegen.openapi31 import OpenApiVersionError, consts_as_enums, upgrade_to_openapi_31


def _document(schemas: dict[str, Any], version: str = "3.0.3", **operation: Any) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": {"responses": {"200": {"description": "ok"}}, **operation}}},
        "components": {"schemas": schemas},
    }


def _upgraded(schema: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = upgrade_to_openapi_31(_document({"S": schema}))["components"]["schemas"]["S"]
    return result


def _accepts(schema: dict[str, Any], instance: Any) -> bool:
    return bool(Draft202012Validator(schema).is_valid(instance))


class TestNullable:
    def test_typed_nullable_adds_null_to_the_type(self) -> None:
        schema = _upgraded({"type": "string", "nullable": True, "description": "d"})
        assert schema == {"type": ["string", "null"], "description": "d"}
        assert _accepts(schema, None)
        assert _accepts(schema, "x")
        assert not _accepts(schema, 1)

    def test_nullable_enum_admits_null_too(self) -> None:
        schema = _upgraded({"type": "string", "enum": ["a", "b"], "nullable": True})
        assert schema == {"type": ["string", "null"], "enum": ["a", "b", None]}
        assert _accepts(schema, None)
        assert _accepts(schema, "a")
        assert not _accepts(schema, "c")

    def test_nullable_anyof_gets_a_null_alternative(self) -> None:
        schema = _upgraded({"anyOf": [{"type": "string"}, {"type": "array"}], "nullable": True})
        assert schema == {"anyOf": [{"type": "string"}, {"type": "array"}, {"type": "null"}]}
        assert _accepts(schema, None)
        assert _accepts(schema, [])
        assert not _accepts(schema, 1)

    def test_nullable_oneof_gets_a_null_alternative(self) -> None:
        schema = _upgraded({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
        assert schema["oneOf"][-1] == {"type": "null"}
        assert _accepts(schema, None)
        assert not _accepts(schema, 1.5)

    def test_nullable_ref_becomes_anyof_with_null_keeping_annotations_outside(self) -> None:
        schema = _upgraded({"$ref": "#/components/schemas/X", "nullable": True, "description": "d"})
        assert schema == {"description": "d", "anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}

    def test_nullable_allof_is_wrapped(self) -> None:
        schema = _upgraded({"allOf": [{"type": "object"}], "nullable": True})
        assert schema == {"anyOf": [{"allOf": [{"type": "object"}]}, {"type": "null"}]}
        assert _accepts(schema, None)
        assert _accepts(schema, {})
        assert not _accepts(schema, "x")

    def test_typeless_schema_admits_null_already_so_only_the_keyword_goes(self) -> None:
        assert _upgraded({"nullable": True, "description": "anything"}) == {"description": "anything"}

    def test_nullable_false_is_dropped_and_null_stays_invalid(self) -> None:
        schema = _upgraded({"type": "integer", "nullable": False})
        assert schema == {"type": "integer"}
        assert not _accepts(schema, None)

    def test_nested_schemas_are_converted_everywhere(self) -> None:
        schema = _upgraded(
            {
                "type": "object",
                "properties": {"a": {"type": "string", "nullable": True}},
                "additionalProperties": {"type": "integer", "nullable": True},
                "items": {"type": "number", "nullable": True},
                "anyOf": [{"properties": {"b": {"type": "boolean", "nullable": True}}}],
            }
        )
        assert schema["properties"]["a"]["type"] == ["string", "null"]
        assert schema["additionalProperties"]["type"] == ["integer", "null"]
        assert schema["items"]["type"] == ["number", "null"]
        assert schema["anyOf"][0]["properties"]["b"]["type"] == ["boolean", "null"]

    def test_a_property_named_like_a_keyword_is_a_schema_not_a_keyword(self) -> None:
        schema = _upgraded(
            {"type": "object", "properties": {"nullable": {"type": "boolean", "nullable": True}}}
        )
        assert schema == {"type": "object", "properties": {"nullable": {"type": ["boolean", "null"]}}}


class TestOtherKeywords:
    def test_example_becomes_examples(self) -> None:
        assert _upgraded({"type": "integer", "example": 3}) == {"type": "integer", "examples": [3]}
        assert _upgraded({"type": "string", "nullable": True, "example": None}) == {
            "type": ["string", "null"],
            "examples": [None],
        }

    def test_example_data_is_left_alone(self) -> None:
        example = {"nullable": True, "example": 1}
        assert _upgraded({"type": "object", "example": example}) == {"type": "object", "examples": [example]}

    def test_boolean_exclusive_bounds_become_numbers(self) -> None:
        schema = _upgraded(
            {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": 2,
                "exclusiveMaximum": False,
            }
        )
        assert schema == {"type": "number", "exclusiveMinimum": 0, "maximum": 2}
        assert not _accepts(schema, 0)
        assert _accepts(schema, 2)

    def test_schemas_outside_components_are_converted_and_media_type_examples_kept(self) -> None:
        body = {
            "content": {"application/json": {"schema": {"type": "string", "nullable": True}, "example": "x"}}
        }
        parameter = {"name": "q", "in": "query", "schema": {"type": "integer", "example": 1}}
        document = _document({}, requestBody=body, parameters=[parameter])
        result = upgrade_to_openapi_31(document)
        operation = result["paths"]["/things"]["post"]
        media = operation["requestBody"]["content"]["application/json"]
        assert media == {"schema": {"type": ["string", "null"]}, "example": "x"}
        assert operation["parameters"][0]["schema"] == {"type": "integer", "examples": [1]}
        assert document["paths"]["/things"]["post"]["requestBody"] == body, "the input must not change"


class TestDocument:
    def test_result_is_valid_openapi_31(self) -> None:
        document = _document(
            {
                "S": {
                    "type": "object",
                    "properties": {
                        "a": {"type": "string", "nullable": True, "example": "x"},
                        "b": {"anyOf": [{"$ref": "#/components/schemas/T"}], "nullable": True},
                        "c": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                    },
                },
                "T": {"type": "integer"},
            }
        )
        result = upgrade_to_openapi_31(document)
        assert result["openapi"] == "3.1.0"
        validate(result, cls=OpenAPIV31SpecValidator)

    def test_the_result_names_json_schema_2020_12_as_its_dialect(self) -> None:
        # Without it Prism compiles a 3.1 document's schemas as draft-07.
        result = upgrade_to_openapi_31(_document({"S": {"type": "string", "nullable": True}}))
        assert list(result)[:2] == ["openapi", "jsonSchemaDialect"]
        assert result["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
        validate(result, cls=OpenAPIV31SpecValidator)

    def test_a_31_document_keeps_its_own_dialect_or_none(self) -> None:
        # A 3.1 author chose the dialect (none means OpenAPI's own); it is not ours to change.
        plain = _document({"S": {"type": "string"}}, version="3.1.0")
        assert "jsonSchemaDialect" not in upgrade_to_openapi_31(plain)
        chosen = {**plain, "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base"}
        assert upgrade_to_openapi_31(chosen)["jsonSchemaDialect"] == chosen["jsonSchemaDialect"]

    def test_a_31_document_passes_through(self) -> None:
        document = _document({"S": {"type": ["string", "null"]}}, version="3.1.0")
        assert upgrade_to_openapi_31(document) == document

    def test_a_31_document_with_30_keywords_is_an_error_naming_them(self) -> None:
        document = _document(
            {"S": {"type": "object", "properties": {"a": {"nullable": True}}}}, version="3.1.0"
        )
        with pytest.raises(OpenApiVersionError, match=r"/components/schemas/S/properties/a: nullable"):
            upgrade_to_openapi_31(document)

    @pytest.mark.parametrize("version", ["2.0", "", "3.2.0"])
    def test_other_versions_are_refused(self, version: str) -> None:
        with pytest.raises(OpenApiVersionError, match=r"expected 3\.0\.x"):
            upgrade_to_openapi_31(_document({}, version=version))


def test_a_union_member_that_says_only_nullable_is_null_and_one_that_says_more_is_kept() -> None:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Content": {"anyOf": [{"type": "string"}, {"nullable": True, "description": "none"}]},
                "Other": {"anyOf": [{"type": "string"}, {"nullable": True, "minLength": 1}]},
            }
        },
    }
    schemas = upgrade_to_openapi_31(document)["components"]["schemas"]
    assert schemas["Content"]["anyOf"][1] == {"description": "none", "type": "null"}
    assert Draft202012Validator(schemas["Content"]).is_valid(None)
    assert not Draft202012Validator(schemas["Content"]).is_valid(5)
    assert schemas["Other"]["anyOf"][1] == {"minLength": 1}  # more than nullable: kept (null admitted)


def test_a_const_is_the_one_value_enum_it_equals_wherever_it_is() -> None:
    role = {"type": "string", "const": "user"}
    message = {"type": "object", "properties": {"role": role}, "examples": [{"const": "data, untouched"}]}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "components": {"schemas": {"Message": message}},
        "paths": {
            "/chat": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "anyOf": [
                                        {"items": {"$ref": "#/components/schemas/Message"}},
                                        {"const": 5},
                                    ]
                                }
                            }
                        }
                    }
                }
            }
        },
    }
    result = consts_as_enums(document)
    assert result["components"]["schemas"]["Message"]["properties"]["role"] == {
        "type": "string",
        "enum": ["user"],
    }
    assert result["components"]["schemas"]["Message"]["examples"] == [{"const": "data, untouched"}]
    body = result["paths"]["/chat"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["anyOf"][1] == {"enum": [5]}
    assert document["components"]["schemas"]["Message"]["properties"]["role"]["const"] == "user"  # a copy
    # Both, or neither: nothing to say differently.
    both = {"openapi": "3.1.0", "components": {"schemas": {"X": {"const": 1, "enum": [1, 2]}}}}
    assert consts_as_enums(both) == both
