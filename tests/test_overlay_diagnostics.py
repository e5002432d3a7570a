"""The overlay against vendor revisions built here from spec/gemini-pro.json.

Restructured revisions (the same API said another way) must give the same client; revisions
that change what the overlay corrects must fail with every affected action reported in one
run, each with a hint; the current spec must give no diagnostics at all.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import pytest
import yaml

from codegen.overlay import OverlayProblems, apply_overlay
from codegen.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, PACKAGE, RESOLVED_SPEC_NAME, render, resolve_spec
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


def _problems(document: dict[str, Any]) -> OverlayProblems:
    """Apply the overlay as the pipeline does (to the pruned document) and return its error."""
    with pytest.raises(OverlayProblems) as excinfo:
        apply_overlay(prune_components(document), OVERLAY)
    return excinfo.value


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
    apply_overlay(prune_components(SPEC), OVERLAY)


def test_each_naming_action_selects_only_what_it_means() -> None:
    """A descendant selector can match more than meant; on the current spec each title lands
    once, except the text part, which is one shape in system and user messages."""
    document = prune_components(SPEC)
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


def test_a_renamed_path_reports_every_affected_action_in_one_run(tmp_path: Path) -> None:
    spec = tmp_path / "revision.json"
    spec.write_text(json.dumps(_revise(_path_renamed)), encoding="utf-8")
    result = subprocess.run(
        [*GENERATE, "--spec", str(spec), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    naming_the_path = _action_numbers(lambda action: PATH in action["target"])
    assert len(naming_the_path) >= 3, "operationId, and the responses' removal and update"
    reported = [
        int(line.split("#")[1].split(":")[0]) for line in result.stderr.splitlines() if " action #" in line
    ]
    assert reported == naming_the_path
    for number in naming_the_path:
        action = ACTIONS[number - 1]
        block = result.stderr.split(f"action #{number}: ")[1].split("\n  action #")[0]
        assert block.startswith(f"target {action['target']}\n")
        assert " ".join(action["description"].split())[:60] in block
        assert "'/v2/chat/completions'" in block.split("hint:")[1]
    assert f"{len(naming_the_path)} of {len(ACTIONS)} overlay actions cannot be applied" in result.stderr


def test_a_bearer_scheme_already_fixed_upstream_asks_to_delete_the_action() -> None:
    def fixed(document: dict[str, Any]) -> None:
        del document["components"]["securitySchemes"]["access-token"]["in"]

    (problem,) = _problems(_revise(fixed)).problems
    assert [problem.number] == _action_numbers(lambda action: "securitySchemes" in action["target"])
    assert problem.hint == "the vendor may have fixed this upstream: delete the action"
    assert "`in`" in problem.reason


def test_a_removed_property_the_overlay_names_is_reported_with_what_is_left() -> None:
    def removed(document: dict[str, Any]) -> None:
        del _request(document)["properties"]["logit_bias"]

    (problem,) = _problems(_revise(removed)).problems
    assert [problem.number] == _action_numbers(_titled("LogitBias"))
    assert problem.problem.endswith("['properties'] has no member 'logit_bias'")
    assert "'messages'" in problem.hint


def test_a_dropped_message_kind_is_reported() -> None:
    def dropped(document: dict[str, Any]) -> None:
        items = _request(document)["properties"]["messages"]["items"]
        items["oneOf"] = [s for s in items["oneOf"] if s["properties"]["role"]["enum"] != ["function"]]

    (problem,) = _problems(_revise(dropped)).problems
    assert [problem.number] == _action_numbers(_titled("FunctionMessage"))
    assert "no node below is the shape it selects" in problem.hint


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
