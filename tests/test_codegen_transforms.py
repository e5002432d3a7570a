"""Unit tests of the pipeline's document transforms: prune, overlay, hoist (specs built inline)."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.overlay import OverlayError, apply_overlay
from codegen.transforms import SpecError, hoist_titled_schemas, prune_components


def _spec(schemas: dict[str, Any], body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": "op",
        "responses": {"200": {"description": "ok"}},
        "security": [{"bearer": []}],
    }
    if body is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": operation}},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "unused": {"type": "http"}},
            "responses": {"Orphan": {"description": "never referenced"}},
        },
    }


class TestPrune:
    def test_keeps_what_the_operation_reaches_transitively_and_drops_the_rest(self) -> None:
        spec = _spec(
            {
                "Used": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Child"}}},
                "Child": {"type": "array", "items": {"$ref": "#/components/schemas/Grandchild"}},
                "Grandchild": {"type": "string"},
                "LlmAssistant.v1.CreateAssistantDTO": {"type": "object"},
                "Unrelated": {"$ref": "#/components/schemas/LlmAssistant.v1.CreateAssistantDTO"},
            },
            body={"$ref": "#/components/schemas/Used"},
        )
        pruned = prune_components(spec)
        assert sorted(pruned["components"]["schemas"]) == ["Child", "Grandchild", "Used"]
        assert list(pruned["components"]["securitySchemes"]) == ["bearer"]
        assert "responses" not in pruned["components"]
        # The input is not modified.
        assert "Unrelated" in spec["components"]["schemas"]

    def test_handles_reference_cycles(self) -> None:
        spec = _spec(
            {
                "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}},
                "Other": {"type": "object"},
            },
            body={"$ref": "#/components/schemas/Node"},
        )
        assert list(prune_components(spec)["components"]["schemas"]) == ["Node"]

    def test_escaped_reference_names(self) -> None:
        spec = _spec(
            {"a/b": {"type": "string"}, "c": {"type": "string"}}, body={"$ref": "#/components/schemas/a~1b"}
        )
        assert list(prune_components(spec)["components"]["schemas"]) == ["a/b"]


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


class TestOverlay:
    def test_update_merges_objects_appends_arrays_and_replaces_scalars(self) -> None:
        doc = {"a": {"keep": 1, "enum": ["x"], "type": "number", "nested": {"k": 1}}}
        result = apply_overlay(
            doc, _overlay({"target": "$.a", "update": {"enum": ["y"], "type": "integer", "nested": {"j": 2}}})
        )
        assert result == {"a": {"keep": 1, "enum": ["x", "y"], "type": "integer", "nested": {"k": 1, "j": 2}}}
        assert doc["a"]["type"] == "number", "the input document must not change"

    def test_update_applies_to_every_match_of_a_filter(self) -> None:
        doc = {"items": [{"role": "a"}, {"role": "b"}, {"role": "a"}]}
        result = apply_overlay(doc, _overlay({"target": "$.items[?@.role == 'a']", "update": {"title": "A"}}))
        assert result["items"] == [{"role": "a", "title": "A"}, {"role": "b"}, {"role": "a", "title": "A"}]

    def test_remove_deletes_matches_keeping_list_indexes_right(self) -> None:
        doc = {"anyOf": [{"type": "string"}, {"nullable": True}, {"type": "array"}, {"nullable": True}]}
        result = apply_overlay(doc, _overlay({"target": "$.anyOf[?@.nullable == true]", "remove": True}))
        assert result == {"anyOf": [{"type": "string"}, {"type": "array"}]}

    def test_actions_apply_in_order(self) -> None:
        result = apply_overlay(
            {"a": {}},
            _overlay({"target": "$.a", "update": {"b": {"c": 1}}}, {"target": "$.a.b.c", "remove": True}),
        )
        assert result == {"a": {"b": {}}}

    def test_action_that_matches_nothing_fails_naming_the_action(self) -> None:
        overlay = _overlay(
            {"target": "$.a", "update": {"x": 1}},
            {"target": "$.paths.missing", "description": "Fix the missing thing.", "update": {"x": 1}},
        )
        with pytest.raises(OverlayError) as excinfo:
            apply_overlay({"a": {}}, overlay)
        message = str(excinfo.value)
        assert "action #2" in message
        assert "$.paths.missing" in message
        assert "Fix the missing thing." in message
        assert "matches nothing" in message

    @pytest.mark.parametrize(
        ("overlay", "expected"),
        [
            ({"actions": []}, "not an Overlay"),
            ({"overlay": "1.0.0", "actions": []}, "no 'actions'"),
            ({"overlay": "1.0.0", "actions": [{"update": {}}]}, "no string 'target'"),
            ({"overlay": "1.0.0", "actions": [{"target": "$.a"}]}, "exactly one of"),
            ({"overlay": "1.0.0", "actions": [{"target": "$.a[", "update": {}}]}, "invalid JSONPath"),
        ],
    )
    def test_malformed_overlays_are_rejected_clearly(self, overlay: dict[str, Any], expected: str) -> None:
        with pytest.raises(OverlayError, match=expected.replace("[", r"\[")):
            apply_overlay({"a": {}}, overlay)


class TestHoist:
    def test_titled_inline_schemas_become_components_inner_first(self) -> None:
        spec = _spec(
            {},
            body={
                "title": "Outer",
                "type": "object",
                "properties": {
                    "inner": {
                        "title": "Inner",
                        "type": "object",
                        "properties": {"title": {"type": "string"}},
                    },
                    "example_like": {"type": "string", "example": {"title": "NotASchema", "type": "x"}},
                },
            },
        )
        hoisted = hoist_titled_schemas(spec)
        body = hoisted["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Outer"}
        schemas = hoisted["components"]["schemas"]
        assert list(schemas) == ["Inner", "Outer"]
        assert schemas["Outer"]["properties"]["inner"] == {"$ref": "#/components/schemas/Inner"}
        # A property *named* title is not a schema title; examples are data, never hoisted.
        assert schemas["Inner"]["properties"]["title"] == {"type": "string"}
        assert "NotASchema" not in schemas

    def test_identical_schemas_with_one_title_share_a_component(self) -> None:
        part = {"title": "Part", "type": "object", "properties": {"a": {"type": "string"}}}
        spec = _spec({}, body={"type": "object", "properties": {"x": dict(part), "y": dict(part)}})
        hoisted = hoist_titled_schemas(spec)
        assert list(hoisted["components"]["schemas"]) == ["Part"]

    def test_different_schemas_with_one_title_are_an_error(self) -> None:
        spec = _spec(
            {},
            body={
                "type": "object",
                "properties": {
                    "x": {"title": "Part", "type": "string"},
                    "y": {"title": "Part", "type": "integer"},
                },
            },
        )
        with pytest.raises(SpecError, match="'Part'"):
            hoist_titled_schemas(spec)
