"""Unions of several object models that no one property tells apart, as vendor documents have them.

A small document made here from the committed spec, its tools and tool_choice written here (so a
revision without them changes nothing): `tool_choice` is an anyOf of a string enum and four
objects, two of which share `type: function`; `tools` items are an anyOf of a oneOf of two objects
and a third object; `sequences` is one of two lists. The generated package parses each
alternative, refuses a value that is none with one error naming the path and every refusal (of
two lists: the one that got furthest), serialises what it parsed back to the same JSON, and a
2020-12 validator over the resolved spec agrees on every value.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec
import yaml

from aimlapi_gemini._spec_facts import CHAT_PATH
from codegen.json_pointer import join
from codegen.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, render

REQUEST = "$..[?@.properties.messages && @.properties.model]"  # the request schema, wherever it is
STRING = {"type": "string"}
NAMES = ["lookup", "search"]


def _object(required: dict[str, Any], **optional: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {**required, **optional}, "required": list(required)}


def _literal(value: str) -> dict[str, Any]:
    return {"type": "string", "enum": [value]}


def _document(tmp: Path) -> tuple[Path, Path]:
    """The spec with the two unions, and the overlay with names for the alternatives it adds."""
    document = json.loads(DEFAULT_SPEC.read_text())
    body = document["paths"][CHAT_PATH]["post"]["requestBody"]
    request = body["content"]["application/json"]["schema"]
    # The function tool, the modes and the named choice as the 2025 document has them, so that
    # the overlay's names apply whatever the committed revision has.
    mode = {"type": "string", "enum": ["none", "auto", "required"]}
    named = _object({"type": _literal("function"), "function": _object({"name": STRING})})
    function = _object({"description": STRING, "name": STRING}, parameters={"type": "object"})
    tool = {
        **_object({"type": _literal("function"), "function": {**function, "additionalProperties": False}})
    }
    request["properties"]["tool_choice"] = {
        "anyOf": [
            mode,
            named,
            _object(
                {
                    "type": _literal("allowed_tools"),
                    "allowed_tools": _object(
                        {
                            "mode": {"type": "string", "enum": ["auto", "required"]},
                            "tools": {"type": "array", "items": {"type": "object"}},
                        }
                    ),
                }
            ),
            _object(
                {"type": _literal("function"), "function": {"type": "string", "enum": ["lookup", "search"]}}
            ),
            _object({"type": _literal("custom"), "custom": STRING}),
        ]
    }
    request["properties"]["tools"] = {"type": "array"}
    request["properties"]["tools"]["items"] = {
        "anyOf": [
            {"oneOf": [tool, _object({"type": _literal("web_search")})]},
            _object({"type": {"type": "string", "minLength": 1}}),
        ]
    }
    # One of two lists (as `messages` may be a list of a shared model or of per-role ones).
    request["properties"]["sequences"] = {
        "anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "items": STRING}]
    }
    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps(document))
    overlay = yaml.safe_load(DEFAULT_OVERLAY.read_text())
    # The overlay names every `type: function` alternative of tool_choice NamedToolChoice; the
    # second one gets its own names after that.
    fourth = f"{REQUEST}.properties.tool_choice.anyOf[3]"
    overlay["actions"] += [
        {"target": fourth, "description": "Name it.", "update": {"title": "FunctionNameChoice"}},
        {
            "target": f"{fourth}.properties.function",
            "description": "Name it.",
            "update": {"title": "FunctionName"},
        },
    ]
    overlay_path = tmp / "overlay.yaml"
    overlay_path.write_text(yaml.safe_dump(overlay))
    return spec_path, overlay_path


@pytest.fixture(scope="module")
def union_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("unions")
    spec_path, overlay_path = _document(tmp)
    out = tmp / "out"
    render(spec_path, out, overlay_path)
    return out


PARSE = """
import json, sys
from aimlapi_gemini.models import ChatCompletionRequest
from aimlapi_gemini import ValidationError

results = []
for body in json.loads(sys.stdin.read()):
    try:
        request = ChatCompletionRequest.from_dict(body)
    except ValidationError as error:
        results.append({"path": error.path, "message": error.message})
    else:
        tools = [type(tool).__name__ for tool in request.tools or []]
        choice = type(request.tool_choice).__name__
        results.append({"class": choice, "tools": tools, "json": request.to_dict()})
print(json.dumps(results))
"""


def _parse_in_package(out: Path, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each body through the generated package's ChatCompletionRequest.from_dict (in a fresh interpreter)."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PARSE)],
        input=json.dumps(bodies),
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(out), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed: list[dict[str, Any]] = json.loads(result.stdout)
    return parsed


def _request_validator(out: Path) -> Any:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resolved = json.loads((out / "openapi.json").read_text())
    resource: Resource[Any] = Resource.from_contents(resolved, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    pointer = join("paths", CHAT_PATH, "post", "requestBody", "content", "application/json", "schema")
    return Draft202012Validator({"$ref": f"urn:spec#{pointer}"}, registry=registry)


def _body(**fields: Any) -> dict[str, Any]:
    # The messages as the committed spec takes them (the unions' document keeps its messages).
    return {"model": spec.model_id(), "messages": [spec.user_message("hi")], **fields}


FUNCTION_TOOL = {"type": "function", "function": {"name": "lookup", "description": "Look a word up."}}
VALID_TOOL_CHOICES = {
    "ToolChoiceMode": "auto",
    "NamedToolChoice": {"type": "function", "function": {"name": "lookup"}},
    "ChatCompletionRequestToolChoiceType2": {
        "type": "allowed_tools",
        "allowed_tools": {"mode": "auto", "tools": [FUNCTION_TOOL]},
    },
    "FunctionNameChoice": {"type": "function", "function": "search"},
    "ChatCompletionRequestToolChoiceType4": {"type": "custom", "custom": "grammar"},
}


def test_each_alternative_of_an_untagged_union_parses_and_serialises_back(union_tree: Path) -> None:
    bodies = [_body(tool_choice=choice) for choice in VALID_TOOL_CHOICES.values()]
    results = _parse_in_package(union_tree, bodies)
    assert [r.get("class", r) for r in results] == [
        "str" if name == "ToolChoiceMode" else name for name in VALID_TOOL_CHOICES
    ]
    assert [r["json"] for r in results] == bodies
    validator = _request_validator(union_tree)
    assert all(validator.is_valid(body) for body in bodies)


INVALID_TOOL_CHOICES = [
    # a function name none of the alternatives takes: the object is neither of the `function` ones
    (
        {"type": "function", "function": "delete"},
        [
            "NamedToolChoice: function: expected object, got string",
            "ChatCompletionRequestToolChoiceType2: type: expected 'allowed_tools', got 'function'",
            "FunctionNameChoice: function: expected one of 'lookup', 'search', got 'delete'",
            "ChatCompletionRequestToolChoiceType4: type: expected 'custom', got 'function'",
        ],
    ),
    ({"type": "custom"}, ["ChatCompletionRequestToolChoiceType4: missing required field 'custom'"]),
    (
        {"type": "custom", "custom": 5},
        ["ChatCompletionRequestToolChoiceType4: custom: expected string, got integer"],
    ),
]


@pytest.mark.parametrize(("choice", "refusals"), INVALID_TOOL_CHOICES)
def test_a_value_no_alternative_takes_is_one_error_listing_each_refusal(
    union_tree: Path, choice: dict[str, Any], refusals: list[str]
) -> None:
    body = _body(tool_choice=choice)
    [result] = _parse_in_package(union_tree, [body])
    assert result["path"] == "tool_choice"
    assert result["message"].startswith("matches none of the 4 object alternatives")
    for refusal in refusals:
        assert refusal in result["message"]
    assert not _request_validator(union_tree).is_valid(body)


VALID_TOOLS = [FUNCTION_TOOL, {"type": "web_search"}, {"type": "code_interpreter"}]


def test_a_union_nested_in_a_union_parses_each_alternative(union_tree: Path) -> None:
    body = _body(tools=VALID_TOOLS)
    [result] = _parse_in_package(union_tree, [body])
    assert result["tools"] == [
        "ChatCompletionTool",
        "ChatCompletionRequestToolsItemType0Type1",
        "ChatCompletionRequestToolsItemType1",
    ]
    assert result["json"] == body
    assert _request_validator(union_tree).is_valid(body)


@pytest.mark.parametrize("tool", [{"type": 5}, {"name": "lookup"}])
def test_a_union_nested_in_a_union_refuses_what_none_takes_at_its_index(
    union_tree: Path, tool: dict[str, Any]
) -> None:
    body = _body(tools=[FUNCTION_TOOL, tool])
    [result] = _parse_in_package(union_tree, [body])
    assert result["path"] == "tools[1]"
    assert result["message"].startswith("matches none of the 3 object alternatives")
    assert "ChatCompletionTool: " in result["message"]
    assert "ChatCompletionRequestToolsItemType1: " in result["message"]
    assert not _request_validator(union_tree).is_valid(body)


def test_the_generated_union_package_type_checks(union_tree: Path) -> None:
    """The untagged unions' code and the TypedDicts beside them (a tools item alias that would
    shadow ChatCompletionToolParam is ChatCompletionToolUnionParam) pass mypy --strict."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "aimlapi_gemini"],
        cwd=union_tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    params = (union_tree / "aimlapi_gemini" / "params.py").read_text()
    assert "ChatCompletionToolUnionParam = (" in params


@pytest.mark.parametrize("sequences", [[1, 2], ["a", "b"], []])
def test_each_list_of_a_union_of_lists_parses_and_serialises_back(
    union_tree: Path, sequences: list[Any]
) -> None:
    # Both are JSON arrays: the second list was unreachable behind the first one's test.
    body = _body(sequences=sequences)
    (result,) = _parse_in_package(union_tree, [body])
    assert result.get("json") == body, result
    assert _request_validator(union_tree).is_valid(body)


@pytest.mark.parametrize(
    ("sequences", "path", "message"),
    [
        # The integer list got furthest (its second item): its refusal is the one reported.
        ([1, "a"], "sequences[1]", "expected integer, got string"),
        # Both refuse the first item; on a tie the later list's refusal.
        ([None], "sequences[0]", "expected string, got null"),
    ],
)
def test_a_value_no_list_of_the_union_takes_is_refused_with_the_furthest_refusal(
    union_tree: Path, sequences: list[Any], path: str, message: str
) -> None:
    body = _body(sequences=sequences)
    (result,) = _parse_in_package(union_tree, [body])
    assert result == {"path": path, "message": message}
    assert not _request_validator(union_tree).is_valid(body)
