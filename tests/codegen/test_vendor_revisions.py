"""Vendor revisions built here from spec/gemini-pro.json with the structures the vendor's newer
documents use, each regenerated with spec/overlay.yaml unchanged and driven through its own
testing kit by the vendor sweep (scripts/vendor_sweep.py), as `make vendor-sweep` does.

A revision either works (create, stream, a tool call where it takes function tools) or is refused
in one line that says why; never a traceback, a hang or a package that does not import.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import spec_features
from vendor_sweep import sweep_one

from aimlapi_gemini._spec_facts import CHAT_PATH, VERSION_PATH
from codegen.openapi31 import upgrade_to_openapi_31
from codegen.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, render, resolve_spec_with_report
from tests.conftest import RunInPackage

REPO = Path(__file__).resolve().parents[2]
UPDATE_SPEC = [sys.executable, str(REPO / "scripts" / "update_spec.py")]
PATH = CHAT_PATH  # where the committed spec puts the chat operation
# Another path the newer revisions serve the operation at, which the pipeline folds into PATH (it
# keeps a versioned path, else the shorter): PATH without its version segment, as the vendor's
# 2026 documents have it, or under an unversioned PATH the longer Azure-style path; either keeps
# PATH's parameters, so the alias is valid whatever PATH is.
ALIAS = PATH.removeprefix(VERSION_PATH) if VERSION_PATH else f"{PATH}/chat/completions"
SPEC: dict[str, Any] = json.loads(DEFAULT_SPEC.read_text(encoding="utf-8"))

pytestmark = pytest.mark.slow


def _request(document: dict[str, Any], path: str = PATH) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][path]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    return schema


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    """The document's component schemas (created when a revision has none)."""
    found: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    return found


def _local(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a local `$ref` points to (followed until there is none), or the schema itself."""
    while "$ref" in schema:
        schema = _schemas(document)[str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


def _kind_lists(document: dict[str, Any]) -> list[tuple[dict[str, Any], str | None]]:
    """Each list of message kinds the messages may be (one, or each array of an ``anyOf`` of
    arrays): its items schema and the key of their union, None where the items are one model
    (shared by several roles)."""
    messages = _local(document, _request(document)["properties"]["messages"])
    arrays = (
        [messages]
        if "items" in messages
        else [
            _local(document, branch)
            for branch in messages.get("anyOf") or messages.get("oneOf") or []
            if _local(document, branch).get("type") == "array"
        ]
    )
    found: list[tuple[dict[str, Any], str | None]] = []
    for array in arrays:
        items = array["items"]
        found.append((items, next((key for key in ("oneOf", "anyOf") if key in items), None)))
    return found


def _shapes(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [shape for items, key in _kind_lists(document) for shape in (items[key] if key else [items])]


def _role_enum(document: dict[str, Any], shape: dict[str, Any]) -> list[str]:
    return [str(role) for role in _local(document, shape)["properties"]["role"]["enum"]]


def _roles(document: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(role for shape in _shapes(document) for role in _role_enum(document, shape)))


def _drop_role(document: dict[str, Any], role: str) -> None:
    """The kinds of ``role`` alone gone; a model shared with other roles no longer takes it."""
    for items, key in _kind_lists(document):
        if key is not None:
            items[key] = [shape for shape in items[key] if _role_enum(document, shape) != [role]]
        for shape in items[key] if key else [items]:
            roles = _local(document, shape)["properties"]["role"]["enum"]
            if role in roles and len(roles) > 1:
                roles.remove(role)


def _message(document: dict[str, Any], role: str) -> dict[str, Any]:
    found = _message_if_any(document, role)
    assert found is not None, f"the document has no {role} message"
    return found


def _message_if_any(document: dict[str, Any], role: str) -> dict[str, Any] | None:
    """The schema of a ``role`` message, None where the document has no such role (an audio
    captioner's has only user messages)."""
    return next(
        (_local(document, shape) for shape in _shapes(document) if role in _role_enum(document, shape)),
        None,
    )


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every schema object under ``node`` (itself included)."""
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _nodes(value))]
    if isinstance(node, list):
        return [found for value in node for found in _nodes(value)]
    return []


def _drop_image_parts(document: dict[str, Any], role: str) -> None:
    """The image parts gone from a `role` message's list form of content (where it has one)."""
    content = _local(document, _message(document, role)["properties"]["content"])
    for member in content.get("anyOf") or content.get("oneOf") or [content]:
        branch = _local(document, member)
        if branch.get("type") == "array":
            parts = _local(document, branch["items"])
            members = parts.get("anyOf") or parts.get("oneOf") or [parts]
            kept = [p for p in members if "image_url" not in _local(document, p).get("properties", {})]
            branch["items"] = {"anyOf": kept}


def _tool_shapes_changed(request: dict[str, Any], assistant: dict[str, Any] | None) -> None:
    """Tool calls as a oneOf of a function call and a custom call (where an assistant message
    replays them); more tool_choice shapes (where the request has tool_choice)."""
    custom_call = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": ["custom"]},
            "custom": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "input": {"type": "string"}},
            },
        },
        "required": ["id", "type", "custom"],
    }
    calls = None if assistant is None else assistant["properties"].get("tool_calls")
    # A revision whose calls take a custom one already keeps them: a second custom shape in a oneOf
    # would make every custom call match two alternatives, which a oneOf refuses.
    if calls is not None and '"enum": ["custom"]' not in json.dumps(calls):
        calls["items"] = {"oneOf": [calls["items"], custom_call]}
    if "tool_choice" not in request["properties"]:
        return
    # A second `function` shape in tool_choice, and a union of objects no tag tells apart (the
    # union made where tool_choice is one shape).
    choice = request["properties"]["tool_choice"]
    key = next((key for key in ("anyOf", "oneOf") if key in choice), None)
    if key is None:
        choice = request["properties"]["tool_choice"] = {"anyOf": [choice]}
        key = "anyOf"
    choice[key] += [
        {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["function"]},
                "function": {"type": "string", "enum": ["name"]},
            },
            "required": ["type", "function"],
        },
        {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["allowed_tools"]},
                "allowed_tools": {"type": "object", "properties": {"tools": {"type": "array", "items": {}}}},
            },
            "required": ["type", "allowed_tools"],
        },
    ]


def _newer_revision(document: dict[str, Any]) -> None:
    """Everything the vendor's 2026 chat documents do differently, at once (on what the committed
    spec has: a shape it already lacks stays gone, tool shapes change where it has them)."""
    request = _request(document)
    # Shapes the overlay names are gone: the function message, logit_bias, image parts, stop.
    _drop_role(document, "function")
    for name in ("logit_bias", "stop"):
        request["properties"].pop(name, None)
    _drop_image_parts(document, "user")
    _tool_shapes_changed(request, _message_if_any(document, "assistant"))
    # A component whose name is not a valid component name, and a list of any items in a union.
    _schemas(document)["vendor/response-format"] = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["json_schema"]},
            "schema": {"anyOf": [{"type": "string"}, {"type": "array", "items": {}}]},
        },
        "required": ["type"],
    }
    request["properties"]["response_format"] = {"$ref": "#/components/schemas/vendor~1response-format"}
    # The model ids are another model's; no security requirement; an alias path; a 200 body.
    request["properties"]["model"] = {"type": "string", "enum": ["vendor/other-model"]}
    operation = document["paths"][PATH]["post"]
    operation.pop("security", None)
    document.pop("security", None)
    operation["responses"] = {"200": {"description": "OK"}}
    document["paths"][ALIAS] = copy.deepcopy(document["paths"][PATH])


def _write(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = copy.deepcopy(SPEC)
    change(document)
    path = tmp_path / "vendor" / "revision.json"
    path.parent.mkdir()
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_newer_revision_resolves_with_every_adaptation_reported(tmp_path: Path) -> None:
    resolved, report = resolve_spec_with_report(_write(tmp_path, _newer_revision))
    assert list(resolved["paths"]) == [PATH]
    schemas = resolved["components"]["schemas"]
    assert "FunctionMessage" not in schemas
    assert "LogitBias" not in schemas
    assert schemas["ChatCompletionRequestModel"]["enum"] == [
        "vendor/other-model",
        "gemini-pro",
        "google/gemini-pro",
    ]
    assert "VendorResponseFormat" in schemas
    skipped = {action.reason for action in report.skipped}
    assert {"Name the function result message shape.", "Name the token-id to bias map."} <= skipped
    notes = "\n".join(report.notes)
    assert f"{ALIAS} served as an alias of {PATH}" in notes
    assert "'vendor/response-format' is named 'VendorResponseFormat'" in notes
    assert "requires no authentication" in notes
    roles = [role for role in _roles(copy.deepcopy(SPEC)) if role != "function"]
    discriminated = [
        sorted(node["discriminator"]["mapping"])
        for node in _nodes(schemas["ChatCompletionRequest"]["properties"]["messages"])
        if isinstance(node.get("discriminator"), dict) and node["discriminator"].get("propertyName") == "role"
    ]
    # Where the roles have their own kinds, a discriminator tells them apart (one shared model needs none).
    assert discriminated == [sorted(roles)] or (discriminated == [] and len(_shapes(SPEC)) == 1)


def test_a_newer_revision_works_through_its_testing_kit(tmp_path: Path) -> None:
    row = sweep_one(_write(tmp_path, _newer_revision), DEFAULT_OVERLAY, tmp_path)
    # The sweep tries a tool call where the document takes function tools, and says when it cannot.
    tools = spec_features.function_tools_present()
    tried = "create + stream + tool call" if tools else "create + stream (no function tools in this document)"
    assert (row.outcome, row.detail) == ("works", tried)


def _literals_as_consts(document: dict[str, Any]) -> None:
    """The document as OpenAPI 3.1 with every one-value enum written as the ``const`` it equals
    (a message's role, a part's type): JSON Schema 2020-12's own way to say a literal."""
    upgraded = upgrade_to_openapi_31(document)
    document.clear()
    document.update(upgraded)
    for node in _nodes(document):
        enum = node.get("enum")
        if isinstance(enum, list) and len(enum) == 1:
            node["const"] = node.pop("enum")[0]


def test_a_revision_that_writes_its_literals_as_const_works_through_its_testing_kit(tmp_path: Path) -> None:
    revision = _write(tmp_path, _literals_as_consts)
    assert '"const"' in revision.read_text()
    row = sweep_one(revision, DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "works", row.detail


def _31_with_a_nullable(document: dict[str, Any]) -> None:
    upgraded = upgrade_to_openapi_31(document)
    document.clear()
    document.update(upgraded)
    _request(document)["properties"]["model"]["nullable"] = True


def test_a_31_revision_that_still_says_nullable_is_refused_naming_where(tmp_path: Path) -> None:
    # 3.1 ignores `nullable`: what its author meant is unknown. The overlay's own corrections,
    # written for 3.0 documents, may say it (they are upgraded): the vendor's are checked first.
    row = sweep_one(_write(tmp_path, _31_with_a_nullable), DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "refused"
    assert "3.0-only keywords" in row.detail
    assert "/properties/model: nullable" in row.detail


def _typed_string_formats(document: dict[str, Any]) -> None:
    """Request fields with the string formats openapi-python-client types as date, datetime, UUID
    and File (one inside a union)."""
    _request(document)["properties"].update(
        {
            "user_id": {"type": "string", "format": "uuid"},
            "deadline": {"type": "string", "format": "date-time"},
            "attachment": {"type": "string", "format": "binary"},
            "seed_or_day": {"anyOf": [{"type": "integer"}, {"type": "string", "format": "date"}]},
        }
    )


def test_a_revision_with_typed_string_formats_works_and_takes_them_as_strings(tmp_path: Path) -> None:
    revision = _write(tmp_path, _typed_string_formats)
    row = sweep_one(revision, DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "works", row.detail
    out = tmp_path / "rendered"
    report = render(revision, out)
    assert "string formats binary, date, date-time, uuid are read by the client as the strings" in "\n".join(
        report.notes
    )
    model = (out / "aimlapi_gemini" / "models" / "chat_completion_request.py").read_text()
    for field in (
        "user_id: str | Unset",
        "deadline: str | Unset",
        "attachment: str | Unset",
        "seed_or_day: int | str",
    ):
        assert field in model
    # The spec the tests and the reference server validate against keeps each format.
    resolved = json.loads((out / "openapi.json").read_text())
    assert (
        resolved["components"]["schemas"]["ChatCompletionRequest"]["properties"]["deadline"]["format"]
        == "date-time"
    )


def _fields_named_like_call_options(document: dict[str, Any]) -> None:
    _request(document)["properties"].update(
        {
            "deadline": {"type": "integer", "description": "When the reply is due."},
            "timeout": {"type": "string"},
        }
    )


# After MODEL and MESSAGES, a request as the spec takes it (see the test).
CALL_WITH_BOTH = """
from aimlapi_gemini.testing import MockAPI

with MockAPI() as mock:
    client = mock.aimlapi()
    create = client.chat.completions.create
    create(model=MODEL, messages=MESSAGES, deadline_=7, timeout_="x", deadline=30.0)
    sent = mock.requests[-1].to_dict()
    print(sent["deadline"], sent["timeout"])
"""


def test_a_body_field_named_like_a_call_option_is_a_keyword_of_its_own(
    tmp_path: Path, run_in_package: RunInPackage
) -> None:
    # `deadline=` and `timeout=` stay every call's options; the body's fields are `deadline_=` and
    # `timeout_=` (the generated code once had two `deadline` arguments and did not parse).
    out = tmp_path / "rendered"
    render(_write(tmp_path, _fields_named_like_call_options), out)
    resources = (out / "aimlapi_gemini" / "resources.py").read_text()
    assert "deadline_: int | Unset = UNSET" in resources
    assert "Sent as the body's ``deadline``." in resources
    request = f"MODEL = {spec_features.model_id()!r}\nMESSAGES = {[spec_features.user_message('hi')]!r}\n"
    assert run_in_package(out, request + CALL_WITH_BOTH) == ["7 x"]


def _keys_that_are_no_identifiers(document: dict[str, Any]) -> None:
    _request(document)["properties"].update(
        {"from": {"type": "string"}, "x-trace-id": {"type": "string"}, "2nd_pass": {"type": "boolean"}}
    )


TYPED_DICT_KEYS = """
import typing
from aimlapi_gemini.params import ChatCompletionRequestParam

hints = typing.get_type_hints(ChatCompletionRequestParam, include_extras=True)
print(*sorted(key for key in hints if not key.isidentifier() or key == "from"))
print(*sorted(ChatCompletionRequestParam.__required_keys__))
"""


def test_request_keys_that_are_no_identifiers_are_typed_dict_keys_all_the_same(
    tmp_path: Path, run_in_package: RunInPackage
) -> None:
    revision = _write(tmp_path, _keys_that_are_no_identifiers)
    row = sweep_one(revision, DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "works", row.detail
    out = tmp_path / "rendered"
    render(revision, out)
    keys, required = run_in_package(out, TYPED_DICT_KEYS)
    assert keys.split() == ["2nd_pass", "from", "x-trace-id"]
    resolved, _ = resolve_spec_with_report(revision)  # the resolved request's (a path may add one)
    assert set(required.split()) == set(
        resolved["components"]["schemas"]["ChatCompletionRequest"]["required"]
    )


def _titled_like_the_overlay(document: dict[str, Any]) -> None:
    """The vendor's own titles, the overlay's names, on shapes inside the ones the overlay names so
    (hoisted first, inner shapes before outer): the request's `messages` titled "Chat Completion
    Request", the user message's content "User Message"."""
    request = _request(document)
    request["properties"]["messages"]["title"] = "Chat Completion Request"
    _message(document, "user")["properties"]["content"]["title"] = "User Message"


def test_a_revision_titling_its_shapes_with_the_overlays_names_keeps_the_overlays(tmp_path: Path) -> None:
    revision = _write(tmp_path, _titled_like_the_overlay)
    assert '"title": "Chat Completion Request"' in revision.read_text()
    row = sweep_one(revision, DEFAULT_OVERLAY, tmp_path)  # the package imports and works
    assert row.outcome == "works", row.detail
    resolved, report = resolve_spec_with_report(revision)
    request = resolved["components"]["schemas"]["ChatCompletionRequest"]
    assert "messages" in request["properties"]
    assert (
        "the document's title 'Chat Completion Request' is dropped: the overlay gives that name"
        in report.notes
    )


def _properties_with(node: Any, name: str) -> Iterator[dict[str, Any]]:
    """Every schema's ``properties`` in ``node`` (walked whole) that has a property ``name``."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and name in properties:
            yield properties
        for value in node.values():
            yield from _properties_with(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _properties_with(value, name)


def _unfit_defaults(document: dict[str, Any]) -> None:
    """Defaults as vendor documents write them, in a message (the overlay drops the request's
    own): null for a field that is not nullable, a value of another type, a value the field's enum
    lacks; and a title like an overlay name, dashed."""
    properties = _message(document, "user")["properties"]
    properties["user_tag"] = {"type": "string", "default": None}
    properties["effort"] = {"type": "string", "enum": ["low", "high"], "default": "medium"}
    properties["budget"] = {"type": "integer", "default": 1.5}
    properties["seed_kind"] = {"type": "string", "enum": ["fixed", "random"], "title": "tool-call"}


def test_a_revision_with_defaults_that_do_not_fit_works_and_says_which_were_dropped(tmp_path: Path) -> None:
    revision = _write(tmp_path, _unfit_defaults)
    row = sweep_one(revision, DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "works", row.detail
    resolved, report = resolve_spec_with_report(revision)
    notes = "\n".join(report.notes)
    assert (
        "defaults that do not fit their schema's type are dropped: None for string, 'medium' for string"
        in notes
    )
    assert "1.5 for integer" in notes
    # Wherever the revision's user message lands (a component, or inline in a list of messages).
    found = list(_properties_with(resolved, "user_tag"))
    assert found
    for properties in found:
        assert not {"default"} & (properties["user_tag"].keys() | properties["budget"].keys())
    assert "the document's title 'tool-call' is dropped: the overlay gives that name" in notes


def _not_chat(document: dict[str, Any]) -> None:
    """The chat operation (and any alias path of it) is a responses operation instead."""
    operation = document["paths"].pop(PATH)
    document["paths"] = {
        path: item
        for path, item in document["paths"].items()
        if "messages" not in json.dumps(item.get("post", {}).get("requestBody", {}))
    }
    body = _request({"paths": {PATH: operation}})
    body["properties"]["input"] = body["properties"].pop("messages")
    body["required"] = ["model", "input"]
    document["paths"]["/v1/responses"] = operation


def test_a_document_that_is_not_chat_completions_is_refused_in_one_line(tmp_path: Path) -> None:
    row = sweep_one(_write(tmp_path, _not_chat), DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "refused"
    assert row.detail.startswith("not a chat-completions document")
    assert "POST /v1/responses" in row.detail


def test_the_sweep_prints_a_table_and_fails_only_on_a_broken_document(tmp_path: Path) -> None:
    folder = _write(tmp_path, _not_chat).parent
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "vendor_sweep.py"), str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("refused"), result.stdout
    assert "broken.json" in lines[0]
    assert lines[1].startswith("refused")
    assert "revision.json" in lines[1]
    assert "Traceback" not in result.stdout + result.stderr
    assert lines[-1].startswith("2 documents: 0 work, 2 refused with a report, 0 failed")
    assert result.returncode == 0


def _update_spec(
    tmp_path: Path, document: Path, *extra: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`make update-spec` on a copy of spec/ and generated/ (its hidden --spec and --out options)."""
    spec = tmp_path / "spec" / "gemini-pro.json"
    spec.parent.mkdir()
    spec.write_bytes(DEFAULT_SPEC.read_bytes())
    result = subprocess.run(
        [*UPDATE_SPEC, str(document), "--spec", str(spec), "--out", str(tmp_path / "generated"), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return result, spec


def test_update_spec_takes_a_newer_revision_and_says_what_to_do_next(tmp_path: Path) -> None:
    document = _write(tmp_path, _newer_revision)
    result, spec = _update_spec(tmp_path, document, "--no-tests")
    assert result.returncode == 0, result.stderr
    assert json.loads(spec.read_text(encoding="utf-8")) == json.loads(document.read_text(encoding="utf-8"))
    assert (tmp_path / "generated" / "aimlapi_gemini" / "_spec_facts.py").is_file()
    assert "overlay: action #" in result.stdout
    assert "skipped, its shape is gone" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("next: run `make test`")


def test_update_spec_refuses_a_document_it_cannot_take_and_leaves_spec_as_it_was(tmp_path: Path) -> None:
    result, spec = _update_spec(tmp_path, _write(tmp_path, _not_chat))
    assert result.returncode == 2
    assert "not a chat-completions document" in result.stderr
    assert "Traceback" not in result.stderr
    assert spec.read_bytes() == DEFAULT_SPEC.read_bytes()
    assert not (tmp_path / "generated").exists()
    assert result.stdout.splitlines()[-1].startswith("next: fix what is listed above")


def _without_tools(document: dict[str, Any]) -> None:
    """A newer revision for a model that calls no tools: no tools, tool_choice, tool message or
    assistant tool calls, and max_completion_tokens beside max_tokens."""
    _newer_revision(document)
    request = _request(document)
    for name in ("tools", "tool_choice"):
        request["properties"].pop(name, None)
    _drop_role(document, "tool")
    assistant = _message_if_any(document, "assistant")
    if assistant is not None:  # (a document without assistant messages replays no tool calls)
        assistant["properties"].pop("tool_calls", None)
    request["properties"]["max_completion_tokens"] = {"type": "integer", "minimum": 1}


# The tests that take what they exercise from the spec (scripts/spec_features.py), run on a
# regenerated client as a maintainer's `make test` would after `make update-spec`.
SPEC_FOLLOWING_TESTS = [
    "tests/client/test_models.py",
    "tests/client/test_typed_params.py",
    "tests/client/test_param_type_errors.py",
    "tests/client/test_public_api.py",
    "tests/client/test_request_body.py",
    "tests/client/test_stream_helpers.py",
    "tests/client/test_cli.py",
    "tests/client/test_clients.py",
    "tests/client/test_reply_goes_back.py",
    "tests/client/test_object_keywords.py",
    "tests/testing_kit/test_kit_as_a_user.py",
    "tests/reference_server/test_replies_and_validation.py",
]
# What a checkout holds that the spec-following tests read (no virtual environment: this one's).
CHECKOUT = ["scripts", "tests", "spec", "pyproject.toml"]


@pytest.mark.parametrize(
    "revision", [_newer_revision, _without_tools], ids=["2026 revision", "without tools"]
)
def test_the_spec_following_tests_pass_on_a_client_regenerated_from_a_revision(
    tmp_path: Path, revision: Callable[[dict[str, Any]], None]
) -> None:
    checkout = tmp_path / "checkout"
    for name in CHECKOUT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, checkout / name)
    spec = checkout / "spec" / "gemini-pro.json"
    document = copy.deepcopy(SPEC)
    revision(document)
    spec.write_text(json.dumps(document, indent=2), encoding="utf-8")
    generated = subprocess.run(
        [sys.executable, str(checkout / "scripts" / "generate.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert generated.returncode == 0, generated.stderr
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIML_", "CONTRACT_"))}
    env["PYTHONPATH"] = str(checkout / "generated")  # the regenerated package before the installed one
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow",
            *SPEC_FOLLOWING_TESTS,
        ],
        capture_output=True,
        text=True,
        cwd=checkout,
        env=env,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout.splitlines()[-1]
    assert "skipped" not in result.stdout.splitlines()[-1]


def _max_tokens_required(document: dict[str, Any]) -> None:
    _request(document)["required"].append("max_tokens")


def test_a_revision_that_requires_another_field_is_smoked_with_a_value_from_its_schema(
    tmp_path: Path,
) -> None:
    row = sweep_one(_write(tmp_path, _max_tokens_required), DEFAULT_OVERLAY, tmp_path)
    assert row.outcome == "works", row.detail
