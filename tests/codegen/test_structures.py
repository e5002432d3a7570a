"""The structures real vendor documents use, each in a small document built here: alias paths,
documents that are not chat completions, no security requirement, component names that are not
valid, discriminators inferred from the shapes there are, open enums, replays of gone schemas,
path parameters that are a body property."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from codegen.normalize import (
    ALIASES_KEY,
    MARKER_KEY,
    NotAChatDocumentError,
    fold_alias_paths,
    require_declared_auth,
    require_path_properties,
)
from codegen.transforms import (
    component_name,
    drop_dangling_replays,
    infer_discriminators,
    make_room_for,
    name_tagged_alternatives,
    open_extensible_enums,
    overlay_component_names,
    rename_invalid_components,
)

CHAT_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"model": {"type": "string"}, "messages": {"type": "array", "items": {"type": "object"}}},
    "required": ["model", "messages"],
}


def _operation(body: dict[str, Any], operation_id: str = "op") -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "requestBody": {"content": {"application/json": {"schema": copy.deepcopy(body)}}},
        "responses": {"200": {"description": "ok"}},
    }


def _document(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


class TestChatOperation:
    def test_an_alias_path_is_folded_into_the_versioned_one(self) -> None:
        document = _document(
            {
                "/chat/completions": {"post": _operation(CHAT_BODY, "alias")},
                "/v1/chat/completions": {"post": _operation(CHAT_BODY, "main")},
                "/v1/models": {"get": {"responses": {"200": {"description": "ok"}}}},
            }
        )
        folded = fold_alias_paths(document)
        assert sorted(folded["paths"]) == ["/v1/chat/completions", "/v1/models"]
        operation = folded["paths"]["/v1/chat/completions"]["post"]
        assert operation[ALIASES_KEY] == ["/chat/completions"]
        assert operation[MARKER_KEY] is True
        assert "/chat/completions" in document["paths"], "the input is not modified"

    def test_a_single_chat_operation_is_marked_and_gets_no_aliases(self) -> None:
        folded = fold_alias_paths(_document({"/v2/chat/completions": {"post": _operation(CHAT_BODY)}}))
        operation = folded["paths"]["/v2/chat/completions"]["post"]
        assert operation[MARKER_KEY] is True
        assert ALIASES_KEY not in operation

    def test_a_request_body_behind_a_ref_is_found(self) -> None:
        operation = {
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}
            },
            "responses": {},
        }
        document = _document({"/v1/chat": {"post": operation}}, components={"schemas": {"Req": CHAT_BODY}})
        assert fold_alias_paths(document)["paths"]["/v1/chat"]["post"][MARKER_KEY] is True

    def test_a_document_that_is_not_chat_completions_is_refused_in_one_line(self) -> None:
        body = {"type": "object", "properties": {"model": {"type": "string"}, "input": {"type": "string"}}}
        with pytest.raises(NotAChatDocumentError) as excinfo:
            fold_alias_paths(_document({"/v1/responses": {"post": _operation(body)}}))
        message = str(excinfo.value)
        assert "\n" not in message
        assert message.startswith("not a chat-completions document")
        assert "POST /v1/responses" in message


class TestSecurity:
    def test_no_requirement_requires_the_declared_bearer_scheme(self) -> None:
        schemes = {
            "key": {"type": "apiKey", "in": "header", "name": "X"},
            "tok": {"type": "http", "scheme": "bearer"},
        }
        notes: list[str] = []
        result = require_declared_auth(_document({}, components={"securitySchemes": schemes}), notes)
        assert result["security"] == [{"tok": []}]
        assert "'tok'" in notes[0]

    def test_no_scheme_at_all_gets_the_documented_bearer_scheme(self) -> None:
        notes: list[str] = []
        result = require_declared_auth(_document({}), notes)
        (requirement,) = result["security"]
        (name,) = requirement
        assert result["components"]["securitySchemes"][name]["scheme"] == "bearer"
        assert "declares none" in notes[0]

    def test_a_stated_requirement_is_left_as_it_is(self) -> None:
        operation = {**_operation(CHAT_BODY), "security": [{"tok": []}]}
        document = _document({"/v1/chat": {"post": operation}})
        assert require_declared_auth(document) is document


class TestNames:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("anthropic/claude-sonnet-5", "AnthropicClaudeSonnet5"),
            ("Qwen/Qwen2.5-72B", "QwenQwen2572B"),
            ("Already_Valid-1.0", "Already_Valid-1.0"),
            ("///", "Schema"),
        ],
    )
    def test_component_name(self, text: str, name: str) -> None:
        assert component_name(text) == name

    def test_invalid_component_names_are_renamed_with_their_references(self) -> None:
        document = _document(
            {"/x": {"post": {"requestBody": {"$ref": "#/components/schemas/a~1b"}}}},
            components={"schemas": {"a/b": {"type": "string"}, "AB": {"type": "integer"}}},
        )
        notes: list[str] = []
        renamed = rename_invalid_components(document, notes)
        assert sorted(renamed["components"]["schemas"]) == ["AB", "AB2"]
        assert renamed["paths"]["/x"]["post"]["requestBody"] == {"$ref": "#/components/schemas/AB2"}
        assert notes == ["schema 'a/b' is named 'AB2' (not a valid component name)"]


def _tagged(value: str, key: str = "type") -> dict[str, Any]:
    return {"type": "object", "properties": {key: {"type": "string", "enum": [value]}}, "required": [key]}


class TestDiscriminators:
    def _union(self, schemas: dict[str, Any], stated: dict[str, Any] | None = None) -> dict[str, Any]:
        union: dict[str, Any] = {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in schemas]}
        if stated is not None:
            union["discriminator"] = stated
        return _document({}, components={"schemas": {**schemas, "Union": union}})

    def test_one_distinct_required_value_per_alternative_is_a_discriminator(self) -> None:
        result = infer_discriminators(self._union({"A": _tagged("a"), "B": _tagged("b")}))
        assert result["components"]["schemas"]["Union"]["discriminator"] == {
            "propertyName": "type",
            "mapping": {"a": "#/components/schemas/A", "b": "#/components/schemas/B"},
        }

    @pytest.mark.parametrize(
        "schemas",
        [
            {"A": _tagged("a"), "B": _tagged("a")},  # the same value twice
            {"A": _tagged("a"), "B": {"type": "object", "properties": {"type": {"type": "string"}}}},
            {"A": _tagged("a"), "B": {**_tagged("b"), "required": []}},  # not required in B
        ],
        ids=["shared value", "no single value", "not required"],
    )
    def test_without_such_a_property_there_is_none(self, schemas: dict[str, Any]) -> None:
        result = infer_discriminators(self._union(schemas))
        assert "discriminator" not in result["components"]["schemas"]["Union"]

    def test_a_stated_mapping_to_a_gone_schema_is_replaced_from_the_shapes_there_are(self) -> None:
        stated = {
            "propertyName": "type",
            "mapping": {"a": "#/components/schemas/A", "f": "#/components/schemas/F"},
        }
        result = infer_discriminators(self._union({"A": _tagged("a"), "B": _tagged("b")}, stated))
        mapping = result["components"]["schemas"]["Union"]["discriminator"]["mapping"]
        assert mapping == {"a": "#/components/schemas/A", "b": "#/components/schemas/B"}


class TestOpenEnums:
    def test_the_documents_values_come_first_and_the_added_ones_follow_once(self) -> None:
        schema = {
            "type": "string",
            "enum": ["vendor-id", "gemini-pro", "google/gemini-pro"],
            "x-extensible-enum": "Known",
        }
        result = open_extensible_enums({"s": schema})["s"]
        known, anything = result["anyOf"]
        assert known["title"] == "Known"
        assert known["enum"] == ["vendor-id", "gemini-pro", "google/gemini-pro"]
        assert anything == {"type": "string"}
        assert "enum" not in result
        assert "x-extensible-enum" not in result

    def test_repeated_values_are_listed_once(self) -> None:
        schema = {"enum": ["gemini-pro", "gemini-pro", "google/gemini-pro"], "x-extensible-enum": "Known"}
        assert open_extensible_enums({"s": schema})["s"]["anyOf"][0]["enum"] == [
            "gemini-pro",
            "google/gemini-pro",
        ]


def test_a_replay_naming_a_gone_schema_is_dropped_and_one_naming_a_schema_that_is_there_kept() -> None:
    schemas = {
        "Reply": {"type": "object", "x-replay-as": "Gone"},
        "Other": {"type": "object", "x-replay-as": "Reply"},
    }
    notes: list[str] = []
    result = drop_dangling_replays(_document({}, components={"schemas": schemas}), notes)
    assert "x-replay-as" not in result["components"]["schemas"]["Reply"]
    assert result["components"]["schemas"]["Other"]["x-replay-as"] == "Reply"
    assert notes == ["Reply is not replayed as Gone, which the document no longer has"]


class TestPathParameters:
    @staticmethod
    def _deployment(
        body: dict[str, Any], name: str, path: str = "/openai/deployments/{%s}"
    ) -> dict[str, Any]:
        operation = _operation(body)
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        ]
        return _document({path % name: {"post": operation}})

    def test_a_path_parameter_named_like_a_body_property_makes_the_body_require_it(self) -> None:
        body = {**CHAT_BODY, "required": ["messages"]}
        document = self._deployment(body, "model")
        notes: list[str] = []
        result = require_path_properties(document, notes)
        operation = result["paths"]["/openai/deployments/{model}"]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert schema["required"] == ["messages", "model"]
        assert schema["properties"]["model"] == {"type": "string", "minLength": 1}  # a segment is never empty
        assert operation["requestBody"]["required"] is True
        assert notes == [
            "POST /openai/deployments/{model}: path parameter 'model' is the request body's property of"
            " that name: the body requires it and the client fills the path from it"
        ]
        original = document["paths"]["/openai/deployments/{model}"]["post"]
        assert original["requestBody"]["content"]["application/json"]["schema"]["required"] == ["messages"]

    @pytest.mark.parametrize(
        ("model", "expected"),
        [
            ({"type": "string", "minLength": 3}, {"type": "string", "minLength": 3}),
            ({"type": "string", "minLength": 0}, {"type": "string", "minLength": 1}),
            (
                {"anyOf": [{"enum": ["a"]}, {"type": "string"}]},
                {"anyOf": [{"enum": ["a"]}, {"type": "string"}], "minLength": 1},
            ),
            (
                {"$ref": "#/components/schemas/Id"},
                {"allOf": [{"$ref": "#/components/schemas/Id"}], "minLength": 1},
            ),
        ],
    )
    def test_the_property_filling_a_path_segment_takes_no_empty_text(
        self, model: dict[str, Any], expected: dict[str, Any]
    ) -> None:
        body = {**CHAT_BODY, "properties": {**CHAT_BODY["properties"], "model": model}}
        result = require_path_properties(self._deployment(body, "model"), [])
        operation = result["paths"]["/openai/deployments/{model}"]["post"]
        assert (
            operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["model"]
            == expected
        )

    def test_a_path_parameter_no_body_property_names_is_left_to_the_caller(self) -> None:
        document = self._deployment(CHAT_BODY, "deployment", "/openai/deployments/{%s}/chat/completions")
        notes: list[str] = []
        assert require_path_properties(document, notes) == document
        assert notes == []

    def test_parameters_and_bodies_behind_refs_are_followed(self) -> None:
        operation = {
            "parameters": [{"$ref": "#/components/parameters/Model"}],
            "requestBody": {"$ref": "#/components/requestBodies/Chat"},
            "responses": {},
        }
        document = _document(
            {"/openai/deployments/{model}": {"post": operation}},
            components={
                "parameters": {"Model": {"name": "model", "in": "path", "required": True}},
                "requestBodies": {
                    "Chat": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}
                    }
                },
                "schemas": {"Req": {**CHAT_BODY, "required": ["messages"]}},
            },
        )
        result = require_path_properties(document, [])
        assert result["components"]["schemas"]["Req"]["required"] == ["messages", "model"]
        assert result["components"]["requestBodies"]["Chat"]["required"] is True


def test_a_vendor_schema_named_like_one_the_overlay_adds_is_renamed_and_one_named_otherwise_kept() -> None:
    overlay = {
        "actions": [
            {
                "target": "$",
                "update": {"components": {"schemas": {"ChatCompletion": {}, "ErrorResponse": {}}}},
            },
            {"target": "$.paths", "update": {"components": {"schemas": {"NotAtTheRoot": {}}}}},
        ]
    }
    assert overlay_component_names(overlay) == {"ChatCompletion", "ErrorResponse"}
    document = _document(
        {"/x": {"post": {"requestBody": {"$ref": "#/components/schemas/ChatCompletion"}}}},
        components={"schemas": {"ChatCompletion": {"type": "string"}, "Other": {"type": "integer"}}},
    )
    notes: list[str] = []
    renamed = make_room_for(document, overlay_component_names(overlay), notes)
    assert sorted(renamed["components"]["schemas"]) == ["Other", "VendorChatCompletion"]
    assert renamed["paths"]["/x"]["post"]["requestBody"] == {
        "$ref": "#/components/schemas/VendorChatCompletion"
    }
    assert notes == [
        "the document's schema 'ChatCompletion' is named 'VendorChatCompletion'"
        " (the overlay adds its own 'ChatCompletion')"
    ]


def _role_shape(role: str, title: str | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = _tagged(role, key="role")
    if title is not None:
        shape["title"] = title
    return shape


def test_an_unnamed_shape_beside_named_siblings_is_named_like_them() -> None:
    union = {
        "oneOf": [
            _role_shape("system", "SystemMessage"),
            _role_shape("developer"),
            _role_shape("user", "UserMessage"),
        ]
    }
    notes: list[str] = []
    named = name_tagged_alternatives({"u": union}, notes)["u"]["oneOf"]
    assert [shape.get("title") for shape in named] == ["SystemMessage", "DeveloperMessage", "UserMessage"]
    assert notes == ["the role 'developer' shape is named 'DeveloperMessage', like its siblings"]


@pytest.mark.parametrize(
    "members",
    [
        [_role_shape("system"), _role_shape("developer")],  # no named sibling to follow
        [
            _role_shape("system", "Instructions"),
            _role_shape("developer"),
        ],  # the sibling's name is not tag + suffix
        [_role_shape("system", "SystemMessage"), _role_shape("system")],  # the tag does not tell them apart
    ],
    ids=["no named sibling", "no shared pattern", "shared tag"],
)
def test_without_a_pattern_to_follow_an_unnamed_shape_stays_unnamed(members: list[dict[str, Any]]) -> None:
    named = name_tagged_alternatives({"u": {"anyOf": members}})["u"]["anyOf"]
    assert [shape.get("title") for shape in named] == [shape.get("title") for shape in members]
