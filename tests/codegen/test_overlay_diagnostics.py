"""The overlay against vendor revisions built here from spec/gemini-pro.json.

Restructured revisions (the same API said another way, the operation at another path included)
must give the same client; a revision that drops a shape the overlay names is generated without
it, each skipped action reported. The revisions are built from what the committed spec has (the
field, message kind or enum they change is picked from it), and what the committed spec itself
already lacks (a correction skipped on it) is the baseline the other revisions are judged against.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import pytest
import yaml

from codegen.normalize import chat_operations, fold_alias_paths, require_declared_auth
from codegen.overlay import (
    OverlayProblems,
    OverlayResult,
    SkippedAction,
    apply_overlay,
    apply_overlay_with_report,
)
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

REPO = Path(__file__).resolve().parents[2]
GENERATE = [sys.executable, str(REPO / "scripts" / "generate.py")]
SPEC: dict[str, Any] = json.loads(DEFAULT_SPEC.read_text(encoding="utf-8"))
# The chat operation's path, wherever the document puts it (/openai/deployments/{model}/... too).
PATH = chat_operations(SPEC)[0].path
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
    """Apply the overlay as the pipeline does (to the pruned, normalised document, its key required)."""
    return apply_overlay_with_report(
        fold_alias_paths(prune_components(require_declared_auth(document))), OVERLAY
    )


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The document's component schemas (created when a revision has none)."""
    found: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    return found


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
    _schemas(document)["ChatCompletionsDto"] = content["schema"]
    content["schema"] = {"$ref": "#/components/schemas/ChatCompletionsDto"}


def _first_union(node: Any, members: int = 2) -> dict[str, Any] | None:
    """The first schema holding a ``oneOf``/``anyOf`` of at least ``members`` members, depth first."""
    if isinstance(node, dict):
        if any(len(node.get(key) or ()) >= members for key in ("oneOf", "anyOf")):
            return node
        children: list[Any] = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return None
    return next((found for child in children if (found := _first_union(child, members)) is not None), None)


def _messages_under_the_other_union_keyword(document: dict[str, Any]) -> None:
    """The messages' first union (the message kinds, or a shared model's content) written with the
    other keyword: its members are disjoint, so oneOf and anyOf mean the same. Where no union of
    the messages has two members (a spec with one message kind and one content part, as an audio
    captioner's), its union of one kind is the one rewritten."""
    messages = _request(document)["properties"]["messages"]
    union = _first_union(messages) or _first_union(messages, members=1)
    assert union is not None, "the spec's messages hold no union"
    old, new = ("oneOf", "anyOf") if "oneOf" in union else ("anyOf", "oneOf")
    union[new] = union.pop(old)


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
    _schemas(document)["LegacyChatDto"] = copy.deepcopy(_request(document))
    _schemas(document)["LegacySystemMessage"] = {
        "type": "object",
        "properties": {"role": {"type": "string", "enum": ["system"]}, "content": {"type": "string"}},
    }


RESTRUCTURED = {
    "request schema moved into components behind a $ref": _request_behind_ref,
    "the messages' union under the other keyword (anyOf, oneOf)": _messages_under_the_other_union_keyword,
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


def _title(action: dict[str, Any]) -> str | None:
    update = action.get("update")
    return update.get("title") if isinstance(update, dict) else None


def _skipped_on_the_current_spec() -> frozenset[int]:
    return frozenset(skipped.number for skipped in _applied(SPEC).skipped)


def _new_skips(result: OverlayResult) -> tuple[SkippedAction, ...]:
    """What a revision skips beyond what the current spec already lacks."""
    baseline = _skipped_on_the_current_spec()
    return tuple(skipped for skipped in result.skipped if skipped.number not in baseline)


def test_the_current_spec_skips_only_corrections_of_shapes_it_lacks() -> None:
    """Each naming action either names a schema of the resolved spec or was skipped, its shape gone
    (a revision that dropped it; the action stays for the revisions that have it)."""
    skipped = _skipped_on_the_current_spec()
    resolved, report = resolve_spec_with_report(DEFAULT_SPEC)
    schemas = resolved["components"]["schemas"]
    # A skipped action's title may still name another shape, given by structure: a sibling of a
    # titled part (`image` beside `TextContentPart` is `ImageContentPart`), which the report says.
    named_by_structure = {
        m.group(1) for note in report.notes for m in [re.search(r"is named '(\w+)'", note)] if m
    }
    for number, action in enumerate(ACTIONS, start=1):
        title = _title(action)
        if title is not None:
            present = title in schemas and (number not in skipped or title not in named_by_structure)
            assert present is (number not in skipped), (number, title)
    assert all(item.gone for item in _applied(SPEC).skipped)


def _local(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a local `$ref` points to (followed until there is none), or the schema itself."""
    while "$ref" in schema:
        schema = _schemas(document)[str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


def _branches(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _local(document, schema)
    members = schema.get("anyOf") or schema.get("oneOf")
    return [schema] if members is None else [_local(document, member) for member in members]


def _message_lists(document: dict[str, Any], messages: dict[str, Any]) -> list[dict[str, Any]]:
    """The array schemas ``messages`` may be: itself, or each list alternative of its union (a
    revision may take a list of one shared message model or a list of per-role ones)."""
    schema = _local(document, messages)
    if "items" in schema:
        return [schema]
    return [
        _local(document, m)
        for m in schema.get("anyOf") or schema.get("oneOf") or []
        if "items" in _local(document, m)
    ]


def _message_kinds(document: dict[str, Any], messages: dict[str, Any]) -> list[dict[str, Any]]:
    """Each message schema any of the lists holds, once."""
    kinds = {
        id(kind): kind
        for kind in (
            k for lst in _message_lists(document, messages) for k in _branches(document, lst["items"])
        )
    }
    return list(kinds.values())


def _is_text_part(schema: dict[str, Any]) -> bool:
    properties = schema.get("properties", {})
    return properties.get("type", {}).get("enum", [None])[0] == "text" and "text" in properties


def _text_parts_in(document: dict[str, Any], content: dict[str, Any]) -> list[str]:
    """The text parts a ``content`` may hold, as itself or in its list form, and those of the
    parts' own ``content`` (a tool result's, a document's), each as its owner's part type."""
    found: list[str] = []
    for branch in _branches(document, content):
        if _is_text_part(branch):
            found.append("text")
            continue
        for part in _branches(document, branch["items"]) if branch.get("type") == "array" else []:
            properties = part.get("properties", {})
            if _is_text_part(part):
                found.append("text")
            elif "content" in properties:
                kind = properties.get("type", {}).get("enum", [None])[0]
                found += [f"{kind}/{inner}" for inner in _text_parts_in(document, properties["content"])]
    return found


def _message_kinds_with_text_parts(document: dict[str, Any]) -> list[str]:
    """Each text part shape a message's content may hold, as its role (and the part holding it),
    read without the overlay."""
    found = []
    for kind in _message_kinds(document, _request(document)["properties"]["messages"]):
        role = str(kind["properties"]["role"]["enum"][0])
        found += [
            f"{role}: {part}" for part in _text_parts_in(document, kind["properties"].get("content", {}))
        ]
    return found


def test_each_naming_action_selects_only_what_it_means() -> None:
    """A descendant selector can match more than meant; on the current spec each title lands
    once, except the text part, which is one shape in each message kind whose content takes a list
    of text parts (and the titles of shapes the current spec lacks, which land nowhere)."""
    document = fold_alias_paths(prune_components(require_declared_auth(SPEC)))
    kinds_with_text_parts = _message_kinds_with_text_parts(document)
    counts: dict[str, int] = {}
    for action in ACTIONS:
        title = action.get("update", {}).get("title") if isinstance(action.get("update"), dict) else None
        if title is not None:
            counts[title] = len(jsonpath.find(action["target"], document))
        document = apply_overlay(document, {"overlay": "1.0.0", "actions": [action]})
    lacking = {_title(ACTIONS[number - 1]) for number in _skipped_on_the_current_spec()}
    text_part_matches = counts.pop("TextContentPart")
    if kinds_with_text_parts:
        assert text_part_matches == len(kinds_with_text_parts)
    else:  # messages that take no text (an audio captioner's): the text part's title lands nowhere
        assert (text_part_matches, "TextContentPart" in lacking) == (0, True)
    assert len(counts) > 10
    assert {title: count for title, count in counts.items() if title not in lacking} == {
        title: 1 for title in counts if title not in lacking
    }
    assert all(counts[title] == 0 for title in lacking if title in counts), counts


# ----- revisions the overlay must report ----------------------------------------------------


def _path_renamed(document: dict[str, Any]) -> None:
    document["paths"] = {"/v2/chat/completions": document["paths"].pop(PATH)}


def _alias_path_added(document: dict[str, Any]) -> None:
    document["paths"]["/chat/completions"] = copy.deepcopy(document["paths"][PATH])


@pytest.mark.parametrize("change", [_path_renamed, _alias_path_added], ids=["path renamed", "alias path"])
def test_the_operation_at_another_path_gets_every_correction(change: Revision) -> None:
    result = _applied(_revise(change))
    assert _new_skips(result) == ()
    (operation,) = [item["post"] for item in result.document["paths"].values()]
    assert operation["operationId"] == "create_chat_completion"
    assert set(operation["responses"]) >= {"200", "201", "400", "429"}


def _bearer_scheme(document: dict[str, Any]) -> dict[str, Any]:
    """The document's http bearer scheme; one is declared and required when it has none."""
    schemes: dict[str, Any] = document.setdefault("components", {}).setdefault("securitySchemes", {})
    for scheme in schemes.values():
        if isinstance(scheme, dict) and scheme.get("type") == "http":
            return scheme
    schemes["access-token"] = {"type": "http", "scheme": "bearer"}
    document["security"] = [{"access-token": []}]
    found: dict[str, Any] = schemes["access-token"]
    return found


def _bearer_scheme_with_in(document: dict[str, Any]) -> None:
    _bearer_scheme(document)["in"] = "header"


def _bearer_scheme_without_in(document: dict[str, Any]) -> None:
    _bearer_scheme(document).pop("in", None)


SCHEME_ACTIONS = _action_numbers(lambda action: "securitySchemes" in action["target"])


def test_a_bearer_scheme_carrying_in_is_corrected() -> None:
    result = _applied(_revise(_bearer_scheme_with_in))
    assert SCHEME_ACTIONS
    assert not [item for item in result.skipped if item.number in SCHEME_ACTIONS]
    schemes = result.document["components"]["securitySchemes"].values()
    assert [scheme for scheme in schemes if scheme.get("type") == "http" and "in" in scheme] == []


def test_a_bearer_scheme_already_fixed_upstream_is_skipped_and_reported() -> None:
    result = _applied(_revise(_bearer_scheme_without_in))
    (skipped,) = [item for item in result.skipped if item.number in SCHEME_ACTIONS]
    assert skipped.gone.endswith("has no member 'in'")
    assert "`in`" in skipped.reason


def _names_property(name: str) -> Callable[[dict[str, Any]], bool]:
    pattern = re.compile(rf"\.properties\.{name}(?![A-Za-z0-9_])")
    return lambda action: bool(pattern.search(action["target"]))


def _property_the_overlay_names() -> str:
    """The first optional request property of the current spec that overlay actions correct."""
    return next(
        str(name)
        for name in _request(SPEC)["properties"]
        if name not in ("model", "messages") and _action_numbers(_names_property(name))
    )


def test_a_removed_property_the_overlay_names_is_skipped_and_the_client_generated_without_it(
    tmp_path: Path,
) -> None:
    name = _property_the_overlay_names()

    def removed(document: dict[str, Any]) -> None:
        del _request(document)["properties"][name]

    skipped = _new_skips(_applied(_revise(removed)))
    assert [item.number for item in skipped] == _action_numbers(_names_property(name))
    assert all(item.gone.endswith(f"['properties'] has no member '{name}'") for item in skipped)
    spec = tmp_path / "revision.json"
    spec.write_text(json.dumps(_revise(removed)), encoding="utf-8")
    resolved, report = resolve_spec_with_report(spec)
    assert name not in _component(resolved, "ChatCompletionRequest")["properties"]
    for item in skipped:
        assert _title(ACTIONS[item.number - 1]) not in resolved["components"]["schemas"]
    assert {action.number for action in report.skipped} - _skipped_on_the_current_spec() == {
        item.number for item in skipped
    }


# The message kinds beyond system, user and assistant, with the title the overlay gives them.
OPTIONAL_MESSAGE_KINDS = {"function": "FunctionMessage", "tool": "ToolMessage"}


def test_a_dropped_message_kind_is_skipped_and_the_discriminator_follows() -> None:
    spec = copy.deepcopy(SPEC)
    roles = [
        role
        for item in _message_kinds(spec, _request(spec)["properties"]["messages"])
        for role in item["properties"]["role"]["enum"]
    ]
    role = next((role for role in OPTIONAL_MESSAGE_KINDS if role in roles), None)
    if role is None:
        # A revision with none of them (one shared message model, or only the core roles): the
        # actions naming them are already skipped, their shapes gone, and name nothing.
        numbers = {n for title in OPTIONAL_MESSAGE_KINDS.values() for n in _action_numbers(_titled(title))}
        assert numbers <= _skipped_on_the_current_spec()
        assert not set(OPTIONAL_MESSAGE_KINDS.values()) & set(
            resolve_spec(DEFAULT_SPEC)["components"]["schemas"]
        )
        return

    def dropped(document: dict[str, Any]) -> None:
        for messages in _message_lists(document, _request(document)["properties"]["messages"]):
            items = messages["items"]
            key = "oneOf" if "oneOf" in items else "anyOf"
            if key in items:
                items[key] = [
                    s for s in items[key] if _local(document, s)["properties"]["role"]["enum"] != [role]
                ]

    (skipped,) = _new_skips(_applied(_revise(dropped)))
    assert [skipped.number] == _action_numbers(_titled(OPTIONAL_MESSAGE_KINDS[role]))
    spec_path = Path(tempfile.mkdtemp()) / "revision.json"
    spec_path.write_text(json.dumps(_revise(dropped)), encoding="utf-8")
    resolved = resolve_spec(spec_path)
    before = _message_lists(spec, _request(spec)["properties"]["messages"])
    after = _message_lists(resolved, _component(resolved, "ChatCompletionRequest")["properties"]["messages"])
    told_apart = 0
    for old, new in zip(before, after, strict=True):
        if (
            "discriminator" in new["items"]
        ):  # a list of per-role messages: told apart by role, the dropped gone
            old_roles = [
                r for kind in _branches(spec, old["items"]) for r in kind["properties"]["role"]["enum"]
            ]
            assert sorted(new["items"]["discriminator"]["mapping"]) == sorted(
                r for r in old_roles if r != role
            )
            told_apart += 1
    assert told_apart
    assert OPTIONAL_MESSAGE_KINDS[role] not in resolved["components"]["schemas"]


def test_a_correction_whose_shape_is_still_there_but_moved_is_an_error_with_a_hint() -> None:
    """A tool's function is still there, but behind a $ref: the action naming its parameters
    cannot apply to a shape that still exists, so it is an error with a hint, not a skip."""

    if _function_tool(_request(SPEC)["properties"].get("tools")) is None:
        # A revision without function tools: the action has nothing to find, moved or not.
        assert set(_action_numbers(_titled("FunctionParameters"))) <= _skipped_on_the_current_spec()
        return

    def moved(document: dict[str, Any]) -> None:
        tool = _function_tool(_request(document)["properties"]["tools"])
        assert tool is not None, "the spec's tools hold no function tool"
        _schemas(document)["ToolFunction"] = tool["properties"]["function"]
        tool["properties"]["function"] = {"$ref": "#/components/schemas/ToolFunction"}

    with pytest.raises(OverlayProblems) as excinfo:
        _applied(_revise(moved))
    (problem,) = excinfo.value.problems
    assert [problem.number] == _action_numbers(_titled("FunctionParameters"))
    assert "now a $ref to '#/components/schemas/ToolFunction'" in problem.hint


def _function_tool(node: Any) -> dict[str, Any] | None:
    """The function tool's object schema wherever the tools' schema holds it (a revision may put
    it inside unions)."""
    if isinstance(node, dict):
        properties = node.get("properties") or {}
        if "function" in properties and (properties.get("type") or {}).get("enum", [None])[0] == "function":
            return node
        children: list[Any] = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        children = []
    for child in children:
        found = _function_tool(child) if isinstance(child, (dict, list)) else None
        if found is not None:
            return found
    return None


def _request_fields(predicate: Callable[[dict[str, Any]], bool]) -> list[str]:
    """The request properties of the current spec whose schema satisfies the predicate."""
    fields = _request(SPEC)["properties"]
    return [name for name in fields if name not in ("model", "messages") and predicate(fields[name])]


def _any(schema: dict[str, Any]) -> bool:
    return True


# The fields each revision below changes, picked from the current spec by what they must have.
OPTIONAL = [name for name in _request_fields(_any) if name not in _request(SPEC).get("required", ())]
BOUNDED = _request_fields(lambda schema: "maximum" in schema)
UNNAMED = [name for name in _request_fields(_any) if not _action_numbers(_names_property(name))]
# A description the overlay does not rewrite (it corrects some fields' whole schema).
DESCRIBED = [name for name in _request_fields(lambda schema: "description" in schema) if name in UNNAMED]


def _first_optional_required(document: dict[str, Any]) -> None:
    _request(document).setdefault("required", []).append(OPTIONAL[0])


def _bounded_range_narrowed(document: dict[str, Any]) -> None:
    schema = _request(document)["properties"][BOUNDED[0]]
    schema["maximum"] = schema["maximum"] - 1


def _unnamed_property_removed(document: dict[str, Any]) -> None:
    del _request(document)["properties"][UNNAMED[0]]


def _description_changed(document: dict[str, Any]) -> None:
    _request(document)["properties"][DESCRIBED[0]]["description"] = "Reworded."


def _string_enums(schema: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[str]]]:
    """Every string enum of two or more values under a schema, with where it is (roles and part
    types, one value each, are what the overlay tells shapes apart by, so they are not among them)."""
    found: list[tuple[tuple[str, ...], list[str]]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "string" and len(schema.get("enum", ())) >= 2:
            found.append((path, schema["enum"]))
        for key, value in schema.items():
            found += _string_enums(value, (*path, key))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found += _string_enums(value, (*path, str(index)))
    return found


# The model ids are left out (the overlay adds the seed's ids to them), and so are the roles of a
# message model shared by several roles (what the overlay tells message shapes apart by).
ENUMS = [
    (where, values)
    for where, values in _string_enums(_request(SPEC))
    if where[-1:] not in (("model",), ("role",))
]


def _enum_value_removed_and_added(document: dict[str, Any]) -> None:
    where, _ = ENUMS[0]
    schema: Any = _request(document)
    for key in where:
        schema = schema[int(key)] if isinstance(schema, list) else schema[key]
    schema["enum"] = [*schema["enum"][:-1], "original"]


def _has_enum(resolved: dict[str, Any], values: list[str]) -> bool:
    return json.dumps(values) in json.dumps(resolved)


def _component(resolved: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = resolved["components"]["schemas"][name]
    return schema


# Each revision with what the resolved spec must then say (the change came through).
CHANGED_BUT_NOT_FOR_THE_OVERLAY: dict[str, tuple[Revision, Callable[[dict[str, Any]], bool]]] = {}
# Each entry where the current spec has what it changes (a field with a bound, an enum, ...).
if OPTIONAL:
    CHANGED_BUT_NOT_FOR_THE_OVERLAY[f"{OPTIONAL[0]} newly required"] = (
        _first_optional_required,
        lambda spec: OPTIONAL[0] in _component(spec, "ChatCompletionRequest")["required"],
    )
if BOUNDED:
    CHANGED_BUT_NOT_FOR_THE_OVERLAY[f"{BOUNDED[0]} range narrowed"] = (
        _bounded_range_narrowed,
        lambda spec: (
            _component(spec, "ChatCompletionRequest")["properties"][BOUNDED[0]]["maximum"]
            == _request(SPEC)["properties"][BOUNDED[0]]["maximum"] - 1
        ),
    )
if UNNAMED:
    CHANGED_BUT_NOT_FOR_THE_OVERLAY["a request property the overlay does not touch removed"] = (
        _unnamed_property_removed,
        lambda spec: UNNAMED[0] not in _component(spec, "ChatCompletionRequest")["properties"],
    )
if ENUMS:
    CHANGED_BUT_NOT_FOR_THE_OVERLAY["an enum value removed and one added"] = (
        _enum_value_removed_and_added,
        lambda spec: _has_enum(spec, [*ENUMS[0][1][:-1], "original"]),
    )
if DESCRIBED:
    CHANGED_BUT_NOT_FOR_THE_OVERLAY["a description-only change"] = (
        _description_changed,
        lambda spec: (
            _component(spec, "ChatCompletionRequest")["properties"][DESCRIBED[0]]["description"]
            == "Reworded."
        ),
    )


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
