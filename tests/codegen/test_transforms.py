"""Unit tests of the pipeline's document transforms: prune, overlay, hoist (specs built inline)."""

from __future__ import annotations

from typing import Any

import pytest

from codegen.overlay import OverlayError, OverlayProblems, apply_overlay, apply_overlay_with_report
from codegen.transforms import hoist_titled_schemas, prune_components


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


class TestOverlayDiagnostics:
    """Every action that cannot be applied is reported in one run, each with a hint."""

    @staticmethod
    def _problems(document: dict[str, Any], *actions: dict[str, Any]) -> OverlayProblems:
        with pytest.raises(OverlayProblems) as excinfo:
            apply_overlay(document, _overlay(*actions))
        return excinfo.value

    def test_every_failing_action_is_reported_and_later_ones_still_checked(self) -> None:
        error = self._problems(
            {"a": {}},
            {"target": "$.missing", "description": "First.", "update": {"x": 1}},
            {"target": "$.a", "update": {"b": {"c": 1}}},
            {"target": "$.a.b.c", "description": "Needs the update before.", "update": 2},
            {"target": "$.gone.x", "description": "Last.", "remove": True},
        )
        assert [p.number for p in error.problems] == [1, 4]
        assert [p.reason for p in error.problems] == ["First.", "Last."]
        assert error.action_count == 4
        message = str(error)
        assert "2 of 4 overlay actions cannot be applied" in message
        assert "action #1: target $.missing" in message
        assert "action #4: target $.gone.x" in message
        assert "action #3" not in message

    def test_an_overlay_that_applies_raises_nothing(self) -> None:
        result = apply_overlay({"a": {"b": 1}}, _overlay({"target": "$.a.b", "remove": True}))
        assert result == {"a": {}}

    def test_a_remove_whose_target_is_gone_is_skipped_as_nothing_to_remove(self) -> None:
        result = apply_overlay_with_report(
            {"scheme": {"type": "http"}}, _overlay({"target": "$.scheme.in", "remove": True})
        )
        assert result.document == {"scheme": {"type": "http"}}
        (skipped,) = result.skipped
        assert (skipped.number, skipped.gone) == (1, "$['scheme'] has no member 'in'")

    def test_a_remove_whose_parent_is_gone_points_at_what_moved_instead(self) -> None:
        """Only the removed node itself being gone means "fixed upstream"; a missing parent means it moved."""
        error = self._problems(
            {"paths": {"/v2/chat": {"x": 1}}}, {"target": "$.paths['/v1/chat'].x", "remove": True}
        )
        (problem,) = error.problems
        assert "delete the action" not in problem.hint
        assert "'/v2/chat'" in problem.hint

    def test_a_renamed_member_is_named_as_the_nearest_existing_one(self) -> None:
        document: dict[str, Any] = {
            "paths": {"/v2/chat/completions": {"post": {}}, "/v1/models": {"get": {}}}
        }
        error = self._problems(document, {"target": "$.paths['/v1/chat/completions'].post", "update": {}})
        (problem,) = error.problems
        assert problem.problem == "matches nothing: $['paths'] has no member '/v1/chat/completions'"
        assert "nearest existing name there is '/v2/chat/completions'" in problem.hint

    def test_without_a_close_name_the_hint_lists_what_is_there(self) -> None:
        error = self._problems({"a": {"alpha": 1, "beta": 2}}, {"target": "$.a.zzz", "update": 1})
        assert "it has 'alpha', 'beta'" in error.problems[0].hint

    def test_a_schema_moved_behind_a_ref_gets_the_target_below_the_component(self) -> None:
        document = {
            "body": {"schema": {"$ref": "#/components/schemas/Request"}},
            "components": {"schemas": {"Request": {"properties": {"model": {}}}}},
        }
        error = self._problems(
            document, {"target": "$.body.schema.properties.model", "update": {"type": "string"}}
        )
        hint = error.problems[0].hint
        assert "now a $ref to '#/components/schemas/Request'" in hint
        assert "retarget to $['components']['schemas']['Request']['properties']['model']" in hint

    def test_a_shape_a_filter_selects_that_is_gone_is_skipped_and_reported(self) -> None:
        document = {"oneOf": [{"role": "user"}, {"role": "tool"}]}
        result = apply_overlay_with_report(
            document, _overlay({"target": "$.oneOf[?@.role == 'function']", "update": {"title": "F"}})
        )
        assert result.document == document
        (skipped,) = result.skipped
        assert "has no member matching [?@['role'] == 'function']" in skipped.gone
        assert "action #1 skipped, its shape is gone" in skipped.line()

    def test_a_descendant_shape_that_is_gone_is_skipped(self) -> None:
        result = apply_overlay_with_report(
            {"a": {"b": {"c": 1}}}, _overlay({"target": "$..[?@.role == 'system']", "update": {}})
        )
        assert [action.number for action in result.skipped] == [1]

    def test_a_removed_property_is_skipped_but_a_missing_member_elsewhere_is_an_error(self) -> None:
        document: dict[str, Any] = {"schema": {"properties": {"a": {}}, "items": {}}}
        result = apply_overlay_with_report(
            document, _overlay({"target": "$.schema.properties.gone", "update": {"title": "Gone"}})
        )
        assert [action.number for action in result.skipped] == [1]
        error = self._problems(document, {"target": "$.schema.items.properties.a", "update": {"title": "A"}})
        assert [p.number for p in error.problems] == [1]

    def test_an_action_below_a_skipped_update_is_skipped_with_it(self) -> None:
        result = apply_overlay_with_report(
            {"properties": {}},
            _overlay(
                {"target": "$.properties.gone", "update": {"items": {"x": 1}}},
                {"target": "$.properties.gone.items.x", "update": 2},
            ),
        )
        assert [action.number for action in result.skipped] == [1, 2]
        assert result.skipped[1].gone.endswith("(follows from action #1)")

    def test_an_action_below_a_failed_update_says_it_follows_from_it(self) -> None:
        error = self._problems(
            {"components": {}},
            {"target": "$.components.schemas", "update": {"Event": {"properties": {"data": {}}}}},
            {"target": "$.components.schemas.Event.properties.data", "update": {"type": "string"}},
            {"target": "$.components.schemas.Other", "update": {"type": "string"}},
        )
        follows = [p.number for p in error.problems if "follows from action #1" in p.hint]
        assert follows == [2], "only the action inside action #1's update depends on it"

    def test_one_missing_step_behind_several_actions_is_summarised(self) -> None:
        error = self._problems(
            {"paths": {"/v2": {"post": {"a": {}}}}},
            {"target": "$.paths['/v1'].post", "update": {}},
            {"target": "$.paths['/v1'].post.a", "update": {}},
            {"target": "$.paths['/v2'].post.a", "update": {}},
            {"target": "$.paths['/v1'].post.b", "update": {}},
        )
        assert (
            "one cause behind several actions:\n  actions #1-#2, #4: $['paths'] has no member '/v1'"
            in str(error)
        )

    def test_invalid_targets_are_reported_with_the_unmatched_ones(self) -> None:
        error = self._problems({"a": {}}, {"target": "$.a[", "update": {}}, {"target": "$.b", "update": {}})
        assert [p.number for p in error.problems] == [1, 2]
        assert error.problems[0].problem.startswith("invalid JSONPath")
        assert isinstance(error, OverlayError)


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

    def test_a_second_different_schema_with_one_title_stays_inline_and_is_noted(self) -> None:
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
        notes: list[str] = []
        hoisted = hoist_titled_schemas(spec, notes)
        body = hoisted["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"] == {"x": {"$ref": "#/components/schemas/Part"}, "y": {"type": "integer"}}
        assert hoisted["components"]["schemas"]["Part"] == {"title": "Part", "type": "string"}
        assert notes == ["a second, different schema titled 'Part' stays inline, unnamed"]
