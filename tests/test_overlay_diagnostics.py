"""The overlay against vendor revisions built here from spec/gemini-pro.json.

Restructured revisions (the same API said another way, the operation at another path included)
must give the same client; a revision that drops a shape the overlay names is generated without
it, each skipped action reported; the current spec must give no diagnostics at all.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import pytest
import yaml

from codegen.normalize import fold_alias_paths
from codegen.overlay import OverlayProblems, OverlayResult, apply_overlay, apply_overlay_with_report
from codegen.pipeline import (
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    PACKAGE,
    RESOLVED_SPEC_NAME,
    render,
    resolve_spec,
    resolve_spec_with_report,
)
from codegen.transforms import prune_components

REPO = Path(__file__).resolve().parent.parent
GENERATE = [sys.executable, str(REPO / "scripts" / "generate.py")]
PATH = "/v1/chat/completions"
SPEC: dict[str, Any] = json.loads(DEFAULT_SPEC.read_text(encoding="utf-8"))
OVERLAY: dict[str, Any] = yaml.safe_load(DEFAULT_OVERLAY.read_text(encoding="utf-8"))
ACTIONS: list[dict[str, Any]] = OVERLAY["actions"]

Revision = Callable[[dict[str, Any]], None]


def _operation(document: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][PATH]["post"]
    return operation


def _request(document: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = _operation(document)["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _revise(change: Revision) -> dict[str, Any]:
    document = copy.deepcopy(SPEC)
    change(document)
    return document


def _action_numbers(predicate: Callable[[dict[str, Any]], bool]) -> list[int]:
    return [number for number, action in enumerate(ACTIONS, start=1) if predicate(action)]


def _titled(title: str) -> Callable[[dict[str, Any]], bool]:
    return lambda action: isinstance(action.get("update"), dict) and action["update"].get("title") == title


def _applied(document: dict[str, Any]) -> OverlayResult:
    """Apply the overlay as the pipeline does (to the pruned, normalised document)."""
    return apply_overlay_with_report(fold_alias_paths(prune_components(document)), OVERLAY)


def _package_files(out: Path) -> dict[str, bytes]:
    """The package's code. Its copy of the resolved spec (the testing kit's) is left out: a
    restructured revision may keep the vendor's own component names there, which changes no code."""
    root = out / PACKAGE
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path != root / RESOLVED_SPEC_NAME
    }


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The client generated from the current spec (rendered here, not read from generated/)."""
    out = tmp_path_factory.mktemp("baseline") / "out"
    render(DEFAULT_SPEC, out)
    return _package_files(out)


# ----- restructured revisions: the same client --------------------------------------------


def _request_behind_ref(document: dict[str, Any]) -> None:
    content = _operation(document)["requestBody"]["content"]["application/json"]
    document["components"]["schemas"]["ChatCompletionsDto"] = content["schema"]
    content["schema"] = {"$ref": "#/components/schemas/ChatCompletionsDto"}


def _messages_under_any_of(document: dict[str, Any]) -> None:
    items = _request(document)["properties"]["messages"]["items"]
    items["anyOf"] = items.pop("oneOf")


def _200_beside_201(document: dict[str, Any]) -> None:
    _operation(document)["responses"]["200"] = {"description": ""}


def _200_with_its_own_body(document: dict[str, Any]) -> None:
    """The vendor newly declaring a 200 body (stricter than ours: finish_reason never null)."""
    _operation(document)["responses"]["200"] = {
        "description": "OK",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "finish_reason": {"type": "string"}},
                    "required": ["id", "finish_reason"],
                }
            }
        },
    }


def _look_alike_schemas_nothing_references(document: dict[str, Any]) -> None:
    """Unreferenced components shaped like what the overlay's descendant selectors look for:
    the pipeline prunes them before the overlay applies, so they must not be titled."""
    document["components"]["schemas"]["LegacyChatDto"] = copy.deepcopy(_request(document))
    document["components"]["schemas"]["LegacySystemMessage"] = {
        "type": "object",
        "properties": {"role": {"type": "string", "enum": ["system"]}, "content": {"type": "string"}},
    }


RESTRUCTURED = {
    "request schema moved into components behind a $ref": _request_behind_ref,
    "messages under anyOf instead of oneOf": _messages_under_any_of,
    "a 200 response added beside 201": _200_beside_201,
    "the vendor newly declaring a 200 response schema": _200_with_its_own_body,
    "unreferenced look-alike schemas": _look_alike_schemas_nothing_references,
}


@pytest.mark.parametrize("change", RESTRUCTURED.values(), ids=RESTRUCTURED.keys())
def test_a_restructured_revision_gives_the_same_client(
    change: Revision, baseline: dict[str, bytes], tmp_path: Path
) -> None:
    spec = tmp_path / "revision.json"
    spec.write_text(json.dumps(_revise(change)), encoding="utf-8")
    render(spec, tmp_path / "out")
    files = _package_files(tmp_path / "out")
    assert sorted(files) == sorted(baseline)
    differing = [name for name in baseline if files[name] != baseline[name]]
    assert differing == []


def test_a_vendor_200_body_is_replaced_not_merged_into_ours(tmp_path: Path) -> None:
    spec = tmp_path / "revision.json"
    spec.write_text(json.dumps(_revise(_200_with_its_own_body)), encoding="utf-8")
    resolved = resolve_spec(spec)
    assert (
        _operation(resolved)["responses"]["200"] == _operation(resolve_spec(DEFAULT_SPEC))["responses"]["200"]
    )


# ----- the twin: the current spec -----------------------------------------------------------


def test_the_current_spec_gives_no_overlay_diagnostics() -> None:
    assert _applied(SPEC).skipped == ()


def test_each_naming_action_selects_only_what_it_means() -> None:
    """A descendant selector can match more than meant; on the current spec each title lands
    once, except the text part, which is one shape in system and user messages."""
    document = fold_alias_paths(prune_components(SPEC))
    counts: dict[str, int] = {}
    for action in ACTIONS:
        title = action.get("update", {}).get("title") if isinstance(action.get("update"), dict) else None
        if title is not None:
            counts[title] = len(jsonpath.find(action["target"], document))
        document = apply_overlay(document, {"overlay": "1.0.0", "actions": [action]})
    assert counts.pop("TextContentPart") == 2
    assert len(counts) > 10
    assert set(counts.values()) == {1}, counts


# ----- revisions the overlay must report ----------------------------------------------------


def _path_renamed(document: dict[str, Any]) -> None:
    document["paths"] = {"/v2/chat/completions": document["paths"].pop(PATH)}


def _alias_path_added(document: dict[str, Any]) -> None:
    document["paths"]["/chat/completions"] = copy.deepcopy(document["paths"][PATH])


@pytest.mark.parametrize("change", [_path_renamed, _alias_path_added], ids=["path renamed", "alias path"])
def test_the_operation_at_another_path_gets_every_correction(change: Revision) -> None:
    result = _applied(_revise(change))
    assert result.skipped == ()
    (operation,) = [item["post"] for item in result.document["paths"].values()]
    assert operation["operationId"] == "create_chat_completion"
    assert set(operation["responses"]) >= {"200", "201", "400", "429"}


def test_a_bearer_scheme_already_fixed_upstream_is_skipped_and_reported() -> None:
    def fixed(document: dict[str, Any]) -> None:
        del document["components"]["securitySchemes"]["access-token"]["in"]

    (skipped,) = _applied(_revise(fixed)).skipped
    assert [skipped.number] == _action_numbers(lambda action: "securitySchemes" in action["target"])
    assert skipped.gone.endswith("has no member 'in'")
    assert "`in`" in skipped.reason


def test_a_removed_property_the_overlay_names_is_skipped_and_the_client_generated_without_it(
    tmp_path: Path,
) -> None:
    def removed(document: dict[str, Any]) -> None:
        del _request(document)["properties"]["logit_bias"]

    (skipped,) = _applied(_revise(removed)).skipped
    assert [skipped.number] == _action_numbers(_titled("LogitBias"))
    assert skipped.gone.endswith("['properties'] has no member 'logit_bias'")
    spec = tmp_path / "revision.json"
    spec.write_text(json.dumps(_revise(removed)), encoding="utf-8")
    resolved, report = resolve_spec_with_report(spec)
    assert "LogitBias" not in resolved["components"]["schemas"]
    assert [action.number for action in report.skipped] == [skipped.number]


def test_a_dropped_message_kind_is_skipped_and_the_discriminator_follows() -> None:
    def dropped(document: dict[str, Any]) -> None:
        items = _request(document)["properties"]["messages"]["items"]
        items["oneOf"] = [s for s in items["oneOf"] if s["properties"]["role"]["enum"] != ["function"]]

    (skipped,) = _applied(_revise(dropped)).skipped
    assert [skipped.number] == _action_numbers(_titled("FunctionMessage"))
    spec_path = Path(tempfile.mkdtemp()) / "revision.json"
    spec_path.write_text(json.dumps(_revise(dropped)), encoding="utf-8")
    resolved = resolve_spec(spec_path)
    messages = _component(resolved, "ChatCompletionRequest")["properties"]["messages"]["items"]
    assert sorted(messages["discriminator"]["mapping"]) == ["assistant", "system", "tool", "user"]
    assert "FunctionMessage" not in resolved["components"]["schemas"]


def test_a_correction_whose_shape_is_still_there_but_moved_is_an_error_with_a_hint() -> None:
    """A tool's function is still there, but behind a $ref: the action naming its parameters
    cannot apply to a shape that still exists, so it is an error with a hint, not a skip."""

    def moved(document: dict[str, Any]) -> None:
        tool = _request(document)["properties"]["tools"]["items"]
        document["components"]["schemas"]["ToolFunction"] = tool["properties"]["function"]
        tool["properties"]["function"] = {"$ref": "#/components/schemas/ToolFunction"}

    with pytest.raises(OverlayProblems) as excinfo:
        _applied(_revise(moved))
    (problem,) = excinfo.value.problems
    assert [problem.number] == _action_numbers(_titled("FunctionParameters"))
    assert "now a $ref to '#/components/schemas/ToolFunction'" in problem.hint


def _max_tokens_required(document: dict[str, Any]) -> None:
    _request(document).setdefault("required", []).append("max_tokens")


def _temperature_narrowed(document: dict[str, Any]) -> None:
    _request(document)["properties"]["temperature"]["maximum"] = 1


def _unnamed_property_removed(document: dict[str, Any]) -> None:
    del _request(document)["properties"]["top_p"]


def _enum_value_removed_and_added(document: dict[str, Any]) -> None:
    user = next(
        shape
        for shape in _request(document)["properties"]["messages"]["items"]["oneOf"]
        if shape["properties"]["role"]["enum"] == ["user"]
    )
    image_url = user["properties"]["content"]["anyOf"][1]["items"]["anyOf"][0]["properties"]["image_url"]
    image_url["properties"]["detail"]["enum"] = ["low", "high", "original"]


def _description_changed(document: dict[str, Any]) -> None:
    _request(document)["properties"]["temperature"]["description"] = "How random the reply is."


def _component(resolved: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = resolved["components"]["schemas"][name]
    return schema


# Each revision with what the resolved spec must then say (the change came through).
CHANGED_BUT_NOT_FOR_THE_OVERLAY: dict[str, tuple[Revision, Callable[[dict[str, Any]], bool]]] = {
    "max_tokens newly required": (
        _max_tokens_required,
        lambda spec: "max_tokens" in _component(spec, "ChatCompletionRequest")["required"],
    ),
    "temperature range narrowed": (
        _temperature_narrowed,
        lambda spec: _component(spec, "ChatCompletionRequest")["properties"]["temperature"]["maximum"] == 1,
    ),
    "a request property the overlay does not touch removed": (
        _unnamed_property_removed,
        lambda spec: "top_p" not in _component(spec, "ChatCompletionRequest")["properties"],
    ),
    "an enum value removed and one added": (
        _enum_value_removed_and_added,
        lambda spec: (
            _component(spec, "ImageUrl")["properties"]["detail"]["enum"] == ["low", "high", "original"]
        ),
    ),
    "a description-only change": (
        _description_changed,
        lambda spec: (
            _component(spec, "ChatCompletionRequest")["properties"]["temperature"]["description"]
            == "How random the reply is."
        ),
    ),
}


@pytest.mark.parametrize(
    ("change", "came_through"),
    CHANGED_BUT_NOT_FOR_THE_OVERLAY.values(),
    ids=CHANGED_BUT_NOT_FOR_THE_OVERLAY.keys(),
)
def test_an_api_change_the_overlay_does_not_correct_applies_cleanly(
    change: Revision, came_through: Callable[[dict[str, Any]], bool], tmp_path: Path
) -> None:
    """These are for the API change report to judge; the overlay has nothing to say about them."""
    spec = tmp_path / "revision.json"
    spec.write_text(json.dumps(_revise(change)), encoding="utf-8")
    assert not came_through(resolve_spec(DEFAULT_SPEC)), "the revision must change something"
    assert came_through(resolve_spec(spec))
