"""The API change report: synthetic revisions of spec/gemini-pro.json, each judged correctly.

Each revision is made here from the committed vendor document (or, where the vendor document
has no such part, from the resolved one), both are resolved by the pipeline's resolve_spec and
diffed. The twin of every "reports a change" test is the identical pair that reports nothing.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aimlapi_gemini._spec_facts import CHAT_PATH
from codegen.json_pointer import fragment
from codegen.pipeline import DEFAULT_SPEC, resolve_spec
from codegen.python_api_diff import diff_packages
from codegen.spec_diff import Change, diff_specs, format_text
from codegen.spec_diff.rules import RULES, RULES_TABLE_BEGIN, RULES_TABLE_END, render_rules_table

REPO = Path(__file__).resolve().parents[2]
SPEC_CHANGES = [sys.executable, str(REPO / "scripts" / "spec_changes.py")]
PACKAGE = REPO / "generated" / "aimlapi_gemini"
OPERATION = fragment("paths", CHAT_PATH, "post")
REQUEST = "#/components/schemas/ChatCompletionRequest"
Document = dict[str, Any]


@pytest.fixture(scope="module")
def vendor() -> Document:
    return json.loads(DEFAULT_SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def resolved() -> Document:
    return resolve_spec(DEFAULT_SPEC)


def _request_body(document: Document) -> Document:
    schema: Document = document["paths"][CHAT_PATH]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    return schema


def _optional_field(vendor: Document) -> str:
    """A request field this revision has and does not require (the tests follow the spec)."""
    body = _request_body(vendor)
    return next(str(name) for name in body["properties"] if name not in body.get("required", ()))


# A bounded number field of the tests' own, for a revision whose request has none (the rules
# under test are about any such field).
OWN_NUMBER: Document = {
    "type": "number",
    "minimum": 0,
    "maximum": 2,
    "description": "A number of the tests' own.",
}


def _bounded_in(properties: Document) -> str | None:
    """A number field bounded above (temperature where it is one), or None."""
    bounded = [
        name
        for name, schema in properties.items()
        if isinstance(schema, dict)
        and schema.get("type") == "number"
        and isinstance(schema.get("maximum"), int | float)
    ]
    return "temperature" if "temperature" in bounded else next(iter(bounded), None)


def _with_bounded_number(vendor: Document, tmp_path: Path) -> tuple[Document, Document, str, float]:
    """The vendor document with a request number field bounded above (its own, else the tests'),
    that document resolved, the field and its maximum."""
    base = copy.deepcopy(vendor)
    properties = _request_body(base)["properties"]
    field = _bounded_in(properties)
    if field is None:
        field = "temperature"
        properties[field] = copy.deepcopy(OWN_NUMBER)
    resolved = _revised(base, tmp_path, lambda _: None)
    return (
        base,
        resolved,
        field,
        resolved["components"]["schemas"]["ChatCompletionRequest"]["properties"][field]["maximum"],
    )


def _resolved_with_bounded_number(resolved: Document) -> tuple[Document, str, float]:
    """A copy of the resolved spec whose request has a number field bounded above, the field and
    its maximum."""
    base = copy.deepcopy(resolved)
    properties = base["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    field = _bounded_in(properties)
    if field is None:
        field = "temperature"
        properties[field] = copy.deepcopy(OWN_NUMBER)
    return base, field, properties[field]["maximum"]


def _described_field(properties: Document) -> str:
    """A request field with a description of its own (not behind a $ref)."""
    return next(
        name for name, schema in properties.items() if isinstance(schema, dict) and "description" in schema
    )


def _discriminated(resolved: Document) -> tuple[str, Document]:
    """The request's first union with a discriminator (the messages' where they are one), as its
    pointer and schema: of its message kinds or their content parts (see the `discriminated`
    fixture for a spec that has none)."""
    found = _first_discriminated(resolved)
    assert found is not None, "the request's messages hold no discriminated union"
    return found


def _first_discriminated(resolved: Document) -> tuple[str, Document] | None:
    """`_discriminated`'s union, or None where the messages hold none."""
    schemas = resolved["components"]["schemas"]
    seen: set[str] = set()

    def walk(node: Any, tokens: tuple[str | int, ...]) -> tuple[str, Document] | None:
        if isinstance(node, dict):
            if "discriminator" in node:
                return fragment(*tokens), node
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in seen:
                seen.add(ref)
                name = ref.rsplit("/", 1)[1]
                return walk(schemas[name], ("components", "schemas", name))
            items: list[tuple[str | int, Any]] = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            return None
        return next((found for key, value in items if (found := walk(value, (*tokens, key)))), None)

    return walk(
        schemas["ChatCompletionRequest"]["properties"]["messages"],
        ("components", "schemas", "ChatCompletionRequest", "properties", "messages"),
    )


# The roles the overlay names a message kind of (a kind must be a named schema for the pipeline to
# infer a discriminator over it), in the order one is picked for a message kind of the tests' own.
NAMED_ROLES = ("assistant", "system", "tool", "function", "user")


def _with_second_message_kind(document: Document) -> None:
    """The vendor document with a message kind of the tests' own beside its own (a text message of
    a role it lacks), so its messages are a union the pipeline tells apart by role."""
    messages = _local(document, _request_body(document)["properties"]["messages"])
    array = (
        messages
        if "items" in messages
        else next(
            _local(document, branch)
            for branch in messages.get("oneOf") or messages["anyOf"]
            if "items" in _local(document, branch)
        )
    )
    items = array["items"]
    members = items.get("oneOf") or items.get("anyOf") or [items]
    roles = {role for member in members for role in _local(document, member)["properties"]["role"]["enum"]}
    role = next(role for role in NAMED_ROLES if role not in roles)
    kind = {
        "type": "object",
        "properties": {"role": {"type": "string", "enum": [role]}, "content": {"type": "string"}},
        "required": ["role", "content"],
    }
    if "oneOf" in items or "anyOf" in items:
        members.append(kind)
    else:
        array["items"] = {"oneOf": [items, kind]}


def _local(document: Document, schema: Document) -> Document:
    """The schema a local `$ref` points to (followed until there is none), or the schema itself."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


@pytest.fixture(scope="module")
def discriminated(vendor: Document, resolved: Document, tmp_path_factory: pytest.TempPathFactory) -> Document:
    """A resolved spec whose messages hold a discriminated union: the committed spec's own, or
    where it has none (one message kind, as an audio captioner's, whose one content part is no
    union either), the committed spec with a second message kind of the tests' own."""
    if _first_discriminated(resolved) is not None:
        return resolved
    revision = _revised(vendor, tmp_path_factory.mktemp("discriminated"), _with_second_message_kind)
    assert _first_discriminated(revision) is not None, "a second message kind gave no discriminator"
    return revision


def _revised(vendor: Document, tmp_path: Path, edit: Callable[[Document], None]) -> Document:
    """Resolve a copy of the vendor document with ``edit`` applied, as the pipeline would."""
    revision = copy.deepcopy(vendor)
    edit(revision)
    path = tmp_path / "revision.json"
    path.write_text(json.dumps(revision), encoding="utf-8")
    return resolve_spec(path)


def _only(changes: list[Change], kind: str, location: str) -> Change:
    found = [c for c in changes if c.change == kind and c.location == location]
    assert len(found) == 1, format_text(changes)
    return found[0]


def test_identical_specs_have_no_changes(resolved: Document) -> None:
    assert diff_specs(resolved, copy.deepcopy(resolved)) == []


def test_path_renamed_is_a_removed_and_an_added_operation(resolved: Document) -> None:
    new = copy.deepcopy(resolved)
    new["paths"] = {"/v2/chat/completions": new["paths"].pop(CHAT_PATH)}
    changes = diff_specs(resolved, new)
    removed = _only(changes, "operation-removed", OPERATION)
    added = _only(changes, "operation-added", "#/paths/~1v2~1chat~1completions/post")
    assert removed.breaking
    assert removed.before == f"POST {CHAT_PATH}"
    assert not added.breaking
    assert added.after == "POST /v2/chat/completions"
    assert len(changes) == 2, format_text(changes)


def test_an_optional_field_newly_required_breaks_requests(
    vendor: Document, resolved: Document, tmp_path: Path
) -> None:
    field = _optional_field(vendor)
    new = _revised(vendor, tmp_path, lambda d: _request_body(d)["required"].append(field))
    changes = diff_specs(resolved, new)
    change = _only(changes, "newly-required", f"{REQUEST}/properties/{field}")
    assert change.breaking
    assert change.sides == ("request",)
    assert (change.before, change.after) == (False, True)
    assert len(changes) == 1, format_text(changes)


def test_temperature_range_narrowed_breaks_requests(vendor: Document, tmp_path: Path) -> None:
    base, resolved, field, maximum = _with_bounded_number(vendor, tmp_path)
    new = _revised(
        base, tmp_path, lambda d: _request_body(d)["properties"][field].update(maximum=maximum - 1)
    )
    changes = diff_specs(resolved, new)
    change = _only(changes, "range-narrowed", f"{REQUEST}/properties/{field}/maximum")
    assert change.breaking
    assert (change.before, change.after) == (maximum, maximum - 1)
    assert len(changes) == 1, format_text(changes)


def test_temperature_range_widened_is_not_breaking(vendor: Document, tmp_path: Path) -> None:
    base, resolved, field, maximum = _with_bounded_number(vendor, tmp_path)
    new = _revised(
        base, tmp_path, lambda d: _request_body(d)["properties"][field].update(maximum=maximum + 1)
    )
    change = _only(diff_specs(resolved, new), "range-widened", f"{REQUEST}/properties/{field}/maximum")
    assert not change.breaking


def test_request_property_removed_breaks(vendor: Document, resolved: Document, tmp_path: Path) -> None:
    field = _optional_field(vendor)
    new = _revised(vendor, tmp_path, lambda d: _request_body(d)["properties"].pop(field))
    changes = diff_specs(resolved, new)
    change = _only(changes, "property-removed", f"{REQUEST}/properties/{field}")
    assert change.breaking
    assert change.sides == ("request",)
    assert len(changes) == 1, format_text(changes)


def test_request_enum_value_removed_breaks_and_added_does_not(resolved: Document) -> None:
    # The model ids: the one request enum every revision has (the overlay names them).
    new = copy.deepcopy(resolved)
    ids: list[str] = new["components"]["schemas"]["ChatCompletionRequestModel"]["enum"]
    gone = ids.pop()
    ids.append("any")

    changes = diff_specs(resolved, new)
    ids_at = "#/components/schemas/ChatCompletionRequestModel/enum"
    removed = _only(changes, "enum-value-removed", f'{ids_at}/"{gone.replace("/", "~1")}"')
    added = _only(changes, "enum-value-added", f'{ids_at}/"any"')
    assert removed.breaking
    assert not added.breaking
    assert len(changes) == 2, format_text(changes)


def test_response_enum_value_added_breaks_and_removed_does_not(resolved: Document) -> None:
    new = copy.deepcopy(resolved)
    reasons = new["components"]["schemas"]["FinishReason"]["enum"]
    reasons.remove("function_call")
    reasons.append("safety")
    changes = diff_specs(resolved, new)
    added = _only(changes, "enum-value-added", '#/components/schemas/FinishReason/enum/"safety"')
    removed = _only(changes, "enum-value-removed", '#/components/schemas/FinishReason/enum/"function_call"')
    assert added.breaking
    assert added.sides == ("response",)
    assert not removed.breaking
    assert len(changes) == 2, format_text(changes)


def test_response_property_removed_breaks(resolved: Document) -> None:
    new = copy.deepcopy(resolved)
    del new["components"]["schemas"]["CompletionUsage"]["properties"]["total_tokens"]
    new["components"]["schemas"]["CompletionUsage"]["required"].remove("total_tokens")
    changes = diff_specs(resolved, new)
    change = _only(
        changes, "property-removed", "#/components/schemas/CompletionUsage/properties/total_tokens"
    )
    assert change.breaking
    assert change.sides == ("response",)
    assert len(changes) == 1, format_text(changes)


def test_response_field_newly_nullable_or_optional_breaks(resolved: Document) -> None:
    new = copy.deepcopy(resolved)
    choice = new["components"]["schemas"]["ChatCompletionChoice"]
    choice["properties"]["index"]["type"] = ["integer", "null"]
    choice["required"].remove("message")
    changes = diff_specs(resolved, new)
    assert _only(
        changes, "newly-nullable", "#/components/schemas/ChatCompletionChoice/properties/index"
    ).breaking
    assert _only(
        changes, "newly-optional", "#/components/schemas/ChatCompletionChoice/properties/message"
    ).breaking
    assert len(changes) == 2, format_text(changes)


def test_request_field_newly_nullable_is_widening(resolved: Document) -> None:
    base, field, _ = _resolved_with_bounded_number(resolved)
    new = copy.deepcopy(base)
    new["components"]["schemas"]["ChatCompletionRequest"]["properties"][field]["type"] = ["number", "null"]
    change = _only(diff_specs(base, new), "newly-nullable", f"{REQUEST}/properties/{field}")
    assert not change.breaking


def test_request_type_narrowed_breaks(resolved: Document) -> None:
    base, field, _ = _resolved_with_bounded_number(resolved)
    new = copy.deepcopy(base)
    new["components"]["schemas"]["ChatCompletionRequest"]["properties"][field]["type"] = "integer"
    change = _only(diff_specs(base, new), "type-narrowed", f"{REQUEST}/properties/{field}/type")
    assert change.breaking
    assert (change.before, change.after) == (["number"], ["integer"])


def test_response_type_changed_breaks(resolved: Document) -> None:
    new = copy.deepcopy(resolved)
    new["components"]["schemas"]["CompletionUsage"]["properties"]["total_tokens"]["type"] = "number"
    change = _only(
        diff_specs(resolved, new),
        "type-changed",
        "#/components/schemas/CompletionUsage/properties/total_tokens/type",
    )
    assert change.breaking


def test_changed_discriminator_breaks(discriminated: Document) -> None:
    new = copy.deepcopy(discriminated)
    pointer, _ = _discriminated(discriminated)
    _discriminated(new)[1]["discriminator"]["propertyName"] = "kind"
    change = _only(diff_specs(discriminated, new), "discriminator-changed", f"{pointer}/discriminator")
    assert change.breaking


def test_vendor_declaring_a_200_response_schema(vendor: Document, resolved: Document, tmp_path: Path) -> None:
    """The vendor now describes its 200 reply itself (as the later revision does). The overlay
    replaces the vendor's responses with ours, so what the client reads does not change and
    the report is empty: no change, nothing breaking."""

    def edit(document: Document) -> None:
        document["paths"][CHAT_PATH]["post"]["responses"]["200"] = {
            "description": "The reply.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"id": {"type": "string"}, "created": {"type": "string"}},
                        "required": ["id"],
                    }
                }
            },
        }

    revised = _revised(vendor, tmp_path, edit)
    assert diff_specs(resolved, revised) == []


def test_vendor_declaring_a_200_schema_that_contradicts_ours_breaks(resolved: Document) -> None:
    """Twin: were the reply schema itself to change a field's type (here in the resolved spec,
    where the overlay's description lives), that change is reported and breaking."""
    new = copy.deepcopy(resolved)
    new["components"]["schemas"]["ChatCompletion"]["properties"]["created"]["type"] = "string"
    change = _only(
        diff_specs(resolved, new),
        "type-changed",
        "#/components/schemas/ChatCompletion/properties/created/type",
    )
    assert change.breaking


def test_description_only_change_is_reported_as_not_breaking(
    vendor: Document, resolved: Document, tmp_path: Path
) -> None:
    field = _described_field(_request_body(vendor)["properties"])
    new = _revised(
        vendor,
        tmp_path,
        lambda d: _request_body(d)["properties"][field].update(description="Nucleus sampling."),
    )
    changes = diff_specs(resolved, new)
    change = _only(changes, "description-changed", f"{REQUEST}/properties/{field}/description")
    assert not change.breaking
    assert change.after == "Nucleus sampling."
    assert len(changes) == 1, format_text(changes)


def test_schema_reached_from_request_and_response_counts_on_both(resolved: Document) -> None:
    """ToolCallFunction-like shapes shared by both sides: a change breaks when either side says so."""
    old = copy.deepcopy(resolved)
    shared = {"type": "object", "properties": {"name": {"type": "string", "enum": ["a", "b"]}}}
    for document in (old,):
        schemas = document["components"]["schemas"]
        schemas["Shared"] = shared
        schemas["ChatCompletionRequest"]["properties"]["shared"] = {"$ref": "#/components/schemas/Shared"}
        schemas["ChatCompletion"]["properties"]["shared"] = {"$ref": "#/components/schemas/Shared"}
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Shared"]["properties"]["name"]["enum"].append("c")
    change = _only(
        diff_specs(old, new), "enum-value-added", '#/components/schemas/Shared/properties/name/enum/"c"'
    )
    assert change.sides == ("request", "response")
    assert change.breaking  # the response side rejects "c"


def _schemas(document: Document) -> Document:
    schemas: Document = document["components"]["schemas"]
    return schemas


def _responses(document: Document) -> Document:
    responses: Document = document["paths"][CHAT_PATH]["post"]["responses"]
    return responses


def _drop_201(d: Document) -> None:
    del _responses(d)["201"]


def _drop_429(d: Document) -> None:
    del _responses(d)["429"]


def _stream_event_gains_a_shape(d: Document) -> None:
    _responses(d)["200"]["content"]["text/event-stream"]["schema"]["anyOf"].append({"type": "integer"})


def _request_closed(d: Document) -> None:
    _schemas(d)["ChatCompletionRequest"]["additionalProperties"] = False


def _chunk_id_integer(d: Document) -> None:
    _schemas(d)["ChatCompletionChunk"]["properties"]["id"]["type"] = "integer"


def _usage_bounded(d: Document) -> None:
    _schemas(d)["CompletionUsage"]["properties"]["total_tokens"]["minimum"] = 0


def _model_pattern_added(d: Document) -> None:
    _schemas(d)["ChatCompletionRequest"]["properties"]["model"]["pattern"] = "^gemini"


def _header_parameter_required(d: Document) -> None:
    # Beside the parameters the operation has (a path parameter the spec's path may take).
    d["paths"][CHAT_PATH]["post"].setdefault("parameters", []).append(
        {"name": "X-Org", "in": "header", "required": True, "schema": {"type": "string"}}
    )


def _operation_renamed(d: Document) -> None:
    d["paths"][CHAT_PATH]["post"]["operationId"] = "chat"


@pytest.mark.parametrize(
    ("edit", "kind", "location", "breaking", "sides"),
    [
        (_operation_renamed, "operationId-changed", f"{OPERATION}/operationId", True, ()),
        (_drop_201, "response-removed", f"{OPERATION}/responses/201", True, ("response",)),
        (_drop_429, "response-removed", f"{OPERATION}/responses/429", False, ("response",)),
        (
            _stream_event_gains_a_shape,
            "alternative-added",
            f"{OPERATION}/responses/200/content/text~1event-stream/schema/anyOf/2",
            True,
            ("response",),
        ),
        (
            _request_closed,
            "additional-properties-closed",
            f"{REQUEST}/additionalProperties",
            True,
            ("request",),
        ),
        (  # reached only through the stream event's contentSchema
            _chunk_id_integer,
            "type-changed",
            "#/components/schemas/ChatCompletionChunk/properties/id/type",
            True,
            ("response",),
        ),
        (
            _usage_bounded,
            "range-narrowed",
            "#/components/schemas/CompletionUsage/properties/total_tokens/minimum",
            False,
            ("response",),
        ),
        (
            _model_pattern_added,
            "pattern-changed",
            f"{REQUEST}/properties/model/pattern",
            True,
            ("request",),
        ),
        (
            _header_parameter_required,
            "parameter-added-required",
            f"{OPERATION}/parameters/header:X-Org",
            True,
            ("request",),
        ),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_rule(  # noqa: PLR0917 (one parameter per column of the table above)
    resolved: Document,
    edit: Callable[[Document], None],
    kind: str,
    location: str,
    breaking: bool,
    sides: tuple[str, ...],
) -> None:
    new = copy.deepcopy(resolved)
    edit(new)
    changes = diff_specs(resolved, new)
    change = _only(changes, kind, location)
    assert change.breaking is breaking, format_text(changes)
    assert change.sides == sides
    assert len(changes) == 1, format_text(changes)


def test_response_range_widened_breaks_where_the_client_checks_it(resolved: Document) -> None:
    old = copy.deepcopy(resolved)
    _schemas(old)["CompletionUsage"]["properties"]["total_tokens"]["minimum"] = 1
    new = copy.deepcopy(resolved)
    _schemas(new)["CompletionUsage"]["properties"]["total_tokens"]["minimum"] = 0
    change = _only(
        diff_specs(old, new),
        "range-widened",
        "#/components/schemas/CompletionUsage/properties/total_tokens/minimum",
    )
    assert change.breaking
    assert change.sides == ("response",)


# ----- the command ---------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SPEC_CHANGES, *args], capture_output=True, text=True, check=False, cwd=REPO)


def _write(tmp_path: Path, name: str, document: Document) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_command_fails_on_breaking_change_with_json_report(resolved: Document, tmp_path: Path) -> None:
    base, field, maximum = _resolved_with_bounded_number(resolved)
    new = copy.deepcopy(base)
    new["components"]["schemas"]["ChatCompletionRequest"]["properties"][field]["maximum"] = maximum - 1
    old_path, new_path = _write(tmp_path, "old.json", base), _write(tmp_path, "new.json", new)
    result = _run(str(old_path), str(new_path), "--format", "json", "--fail-on", "breaking")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report == [
        {
            "location": f"{REQUEST}/properties/{field}/maximum",
            "change": "range-narrowed",
            "before": maximum,
            "after": maximum - 1,
            "breaking": True,
            "why": f"maximum {maximum} -> {maximum - 1}: requests valid before may now be rejected",
            "side": "request",
        }
    ]
    assert "1 breaking change" in result.stderr
    assert _run(str(old_path), str(new_path)).returncode == 0  # without --fail-on it only reports


def test_command_passes_on_identical_specs(tmp_path: Path) -> None:
    spec = str(REPO / "generated" / "openapi.json")
    result = _run(
        spec, spec, "--fail-on", "breaking", "--old-package", str(PACKAGE), "--new-package", str(PACKAGE)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "API changes: none"


def test_command_passes_on_non_breaking_change(resolved: Document, tmp_path: Path) -> None:
    new = copy.deepcopy(resolved)
    properties = new["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    properties[_described_field(properties)]["description"] = "Changed."
    result = _run(
        str(_write(tmp_path, "old.json", resolved)),
        str(_write(tmp_path, "new.json", new)),
        "--format",
        "markdown",
        "--fail-on",
        "breaking",
    )
    assert result.returncode == 0, result.stderr
    assert "| no | description-changed |" in result.stdout


def test_command_names_an_unreadable_input(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "missing.json"), str(REPO / "generated" / "openapi.json"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


# ----- the Python API --------------------------------------------------------------------------


def _package_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name / "aimlapi_gemini"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_python_api_of_the_same_package_has_no_breakage(tmp_path: Path) -> None:
    assert diff_packages(PACKAGE, _package_copy(tmp_path, "same")) == []


def test_python_api_reports_removed_model_and_changed_constructor(tmp_path: Path) -> None:
    new = _package_copy(tmp_path, "new")
    usage = new / "models" / "completion_usage.py"
    text = usage.read_text(encoding="utf-8")
    assert "total_tokens: int\n" in text
    usage.write_text(text.replace("    total_tokens: int\n", "", 1), encoding="utf-8")
    init = new / "models" / "__init__.py"
    init.write_text(
        "\n".join(line for line in init.read_text(encoding="utf-8").splitlines() if "TopLogprob" not in line)
        + "\n",
        encoding="utf-8",
    )
    changes = diff_packages(PACKAGE, new)
    report = format_text(changes)
    assert all(c.breaking for c in changes)
    assert any(
        c.location == "aimlapi_gemini.models.completion_usage.CompletionUsage.__init__(total_tokens)"
        and c.change == "python-parameter-removed"
        for c in changes
    ), report
    assert any(
        c.location == "aimlapi_gemini.models.TopLogprob" and c.change == "python-object-removed"
        for c in changes
    ), report


def test_command_joins_python_api_changes_into_the_report(tmp_path: Path) -> None:
    new = _package_copy(tmp_path, "new")
    usage = new / "models" / "completion_usage.py"
    usage.write_text(
        usage.read_text(encoding="utf-8").replace("    total_tokens: int\n", "", 1), encoding="utf-8"
    )
    spec = str(REPO / "generated" / "openapi.json")
    result = _run(
        spec,
        spec,
        "--format",
        "json",
        "--fail-on",
        "breaking",
        "--old-package",
        str(PACKAGE),
        "--new-package",
        str(new),
    )
    assert result.returncode == 1, result.stderr
    locations = {c["location"] for c in json.loads(result.stdout)}
    assert "aimlapi_gemini.models.completion_usage.CompletionUsage.__init__(total_tokens)" in locations


# ----- make generate -----------------------------------------------------------------------------


@pytest.mark.slow
def test_generate_prints_the_report_after_the_file_list(vendor: Document, tmp_path: Path) -> None:
    revision = copy.deepcopy(vendor)
    field = _optional_field(vendor)
    _request_body(revision)["required"].append(field)
    spec = _write(tmp_path, "revision.json", revision)
    out = tmp_path / "generated"
    shutil.copytree(REPO / "generated", out, ignore=shutil.ignore_patterns("__pycache__"))
    generate = [sys.executable, str(REPO / "scripts" / "generate.py"), "--spec", str(spec), "--out", str(out)]
    result = subprocess.run(generate, capture_output=True, text=True, check=False, cwd=REPO)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    report_at = lines.index(next(line for line in lines if line.startswith("API changes:")))
    assert "  changed: aimlapi_gemini/models/chat_completion_request.py" in lines[:report_at]
    report = "\n".join(lines[report_at:])
    assert f"BREAKING newly-required [request] at {REQUEST}/properties/{field}: false -> true" in report, (
        result.stdout
    )
    assert (
        "BREAKING python-parameter-changed-required [python] at "
        f"aimlapi_gemini.models.chat_completion_request.ChatCompletionRequest.__init__({field})" in report
    ), result.stdout
    # The tree was replaced only after it was judged: running again finds nothing new.
    again = subprocess.run(generate, capture_output=True, text=True, check=False, cwd=REPO)
    assert "  no changes\nAPI changes: none\n" in again.stdout, again.stdout


@pytest.mark.slow
def test_generate_into_a_new_directory_says_there_is_nothing_to_judge(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert f"API changes: not judged (no previous {out / 'openapi.json'} to compare with)" in result.stdout


# ----- small documents: restructured schemas, security, the rules table ------------------------------

SMALL_OPERATION = "#/paths/~1v1~1tools/post"


def _small_doc(
    components: Document, security: list[Document] | None = None, schemes: Document | None = None
) -> Document:
    """A one-operation OpenAPI 3.1 document whose request body is the component ``Tool``."""
    operation: Document = {
        "operationId": "use_tool",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tool"}}},
        },
        "responses": {"200": {"description": "ok"}},
    }
    if security is not None:
        operation["security"] = security
    document: Document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/tools": {"post": operation}},
        "components": {"schemas": components},
    }
    if schemes is not None:
        document["components"]["securitySchemes"] = schemes
    return document


_FUNCTION_TOOL: Document = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["function"]},
        "function": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "strict": {"type": "boolean"}},
            "required": ["name"],
        },
    },
    "required": ["type", "function"],
}
_CUSTOM_TOOL: Document = {
    "type": "object",
    "properties": {"type": {"type": "string", "enum": ["custom"]}, "custom": {"type": "object"}},
    "required": ["type", "custom"],
}


def _moved_into_one_of(first_alternative: Document) -> tuple[Document, Document]:
    old = _small_doc({"Tool": copy.deepcopy(_FUNCTION_TOOL)})
    new = _small_doc({"Tool": {"oneOf": [first_alternative, copy.deepcopy(_CUSTOM_TOOL)]}})
    return old, new


def test_property_moved_into_one_of_alternative_is_not_breaking_when_old_requests_still_fit() -> None:
    old, new = _moved_into_one_of(copy.deepcopy(_FUNCTION_TOOL))
    changes = diff_specs(old, new)
    for name in ("type", "function"):
        moved = _only(changes, "property-moved", f"#/components/schemas/Tool/properties/{name}")
        assert not moved.breaking, format_text(changes)
        assert "valid under the new one" in moved.why
    assert not [c for c in changes if c.breaking], format_text(changes)
    assert not [c for c in changes if c.change == "property-removed"], format_text(changes)


def test_property_moved_into_one_of_alternative_breaks_when_an_old_request_is_rejected() -> None:
    stricter = copy.deepcopy(_FUNCTION_TOOL)
    stricter["properties"]["function"]["required"] = ["name", "strict"]  # old requests lack it
    old, new = _moved_into_one_of(stricter)
    moved = _only(diff_specs(old, new), "property-moved", "#/components/schemas/Tool/properties/function")
    assert moved.breaking
    assert "rejected" in moved.why
    assert "strict" in moved.why


def test_property_gone_from_every_alternative_is_still_removed() -> None:
    without_function = copy.deepcopy(_FUNCTION_TOOL)
    del without_function["properties"]["function"]
    without_function["required"] = ["type"]
    old, new = _moved_into_one_of(without_function)
    removed = _only(diff_specs(old, new), "property-removed", "#/components/schemas/Tool/properties/function")
    assert removed.breaking


def _value_schema(alternatives: list[Document]) -> Document:
    return {"type": "object", "properties": {"value": {"anyOf": alternatives}}}


def test_alternative_folded_into_another_is_not_breaking() -> None:
    old = _small_doc({"Tool": _value_schema([{"type": "string"}, {"type": "integer"}])})
    new = _small_doc({"Tool": _value_schema([{"type": ["string", "integer"]}])})
    changes = diff_specs(old, new)
    removed = [c for c in changes if c.change == "alternative-removed"]
    assert len(removed) == 2, format_text(changes)
    assert not any(c.breaking for c in changes), format_text(changes)


def test_alternative_removed_with_its_values_breaks() -> None:
    old = _small_doc({"Tool": _value_schema([{"type": "string"}, {"type": "integer"}])})
    new = _small_doc({"Tool": _value_schema([{"type": "string"}])})
    change = _only(
        diff_specs(old, new), "alternative-removed", "#/components/schemas/Tool/properties/value/anyOf/1"
    )
    assert change.breaking
    assert "rejected" in change.why


def test_one_of_alternative_added_that_old_values_also_match_breaks() -> None:
    old = _small_doc({"Tool": {"oneOf": [copy.deepcopy(_FUNCTION_TOOL)]}})
    overlapping = {"title": "Anything", "type": "object"}
    new = _small_doc({"Tool": {"oneOf": [copy.deepcopy(_FUNCTION_TOOL), overlapping]}})
    assert _only(diff_specs(old, new), "alternative-added", "#/components/schemas/Tool/oneOf/1").breaking
    distinct = _small_doc({"Tool": {"oneOf": [copy.deepcopy(_FUNCTION_TOOL), copy.deepcopy(_CUSTOM_TOOL)]}})
    assert not _only(
        diff_specs(old, distinct), "alternative-added", "#/components/schemas/Tool/oneOf/1"
    ).breaking


_BEARER: Document = {"bearer": {"type": "http", "scheme": "bearer"}}


def _with_security(security: list[Document] | None, schemes: Document | None = None) -> Document:
    return _small_doc({"Tool": copy.deepcopy(_FUNCTION_TOOL)}, security, schemes)


def test_security_newly_required_breaks_requests_and_dropping_it_does_not() -> None:
    anonymous = _with_security(None)
    authenticated = _with_security([{"bearer": []}], copy.deepcopy(_BEARER))
    required = _only(
        diff_specs(anonymous, authenticated), "security-newly-required", f"{SMALL_OPERATION}/security"
    )
    assert required.breaking
    assert required.side == "request"
    dropped = diff_specs(authenticated, anonymous)
    assert not _only(dropped, "security-no-longer-required", f"{SMALL_OPERATION}/security").breaking
    assert not [c for c in dropped if c.breaking], format_text(dropped)


def test_security_alternative_removed_breaks_and_added_does_not() -> None:
    schemes = {**copy.deepcopy(_BEARER), "key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
    both = _with_security([{"bearer": []}, {"key": []}], schemes)
    bearer_only = _with_security([{"bearer": []}], schemes)
    assert _only(
        diff_specs(both, bearer_only), "security-requirement-removed", f"{SMALL_OPERATION}/security"
    ).breaking
    assert not _only(
        diff_specs(bearer_only, both), "security-requirement-added", f"{SMALL_OPERATION}/security"
    ).breaking


def test_security_scheme_changed_breaks() -> None:
    old = _with_security([{"bearer": []}], copy.deepcopy(_BEARER))
    new = _with_security([{"bearer": []}], {"bearer": {"type": "apiKey", "in": "header", "name": "X-Key"}})
    changes = diff_specs(old, new)
    assert _only(changes, "security-scheme-changed", "#/components/securitySchemes/bearer").breaking
    described = _with_security([{"bearer": []}], {"bearer": {**_BEARER["bearer"], "description": "Key."}})
    assert diff_specs(old, described) == []


def test_json_side_is_one_value(resolved: Document) -> None:
    old = copy.deepcopy(resolved)
    shared = {"type": "object", "properties": {"name": {"type": "string", "enum": ["a"]}}}
    schemas = old["components"]["schemas"]
    schemas["Shared"] = shared
    schemas["ChatCompletionRequest"]["properties"]["shared"] = {"$ref": "#/components/schemas/Shared"}
    schemas["ChatCompletion"]["properties"]["shared"] = {"$ref": "#/components/schemas/Shared"}
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Shared"]["properties"]["name"]["enum"].append("b")
    _operation_renamed(new)
    sides = {c.change: c.as_dict()["side"] for c in diff_specs(old, new)}
    assert sides == {"enum-value-added": "both", "operationId-changed": "operation"}


def test_the_docs_rules_table_is_rendered_from_the_rules() -> None:
    text = (REPO / "docs" / "pages" / "maintainers" / "generation.md").read_text(encoding="utf-8")
    start, end = text.index(RULES_TABLE_BEGIN), text.index(RULES_TABLE_END) + len(RULES_TABLE_END)
    assert text[start:end] == render_rules_table(), (
        "the docs' rules table is stale: run .venv/bin/python scripts/change_rules_table.py"
    )


def test_every_rule_is_rendered_in_the_rules_table() -> None:
    table = render_rules_table()
    missing = [r.kind for r in RULES.values() if f"| `{r.kind}` | {r.what} |" not in table]
    assert missing == []


# ----- the Python API: fields, keywords, TypedDict keys ------------------------------------------------


def test_model_gaining_a_field_reports_no_class_var_change(tmp_path: Path) -> None:
    new = _package_copy(tmp_path, "new")
    usage = new / "models" / "completion_usage.py"
    text = usage.read_text(encoding="utf-8")
    marker = "    json_names: ClassVar[Mapping[str, str]] = {"
    assert marker in text
    usage.write_text(
        text.replace(marker, "    seed: int | Unset = UNSET\n" + marker + '"seed": "seed", ', 1),
        encoding="utf-8",
    )
    assert diff_packages(PACKAGE, new) == []
    # Twin: a field's own default is part of the constructor and still reported.
    usage.write_text(
        usage.read_text(encoding="utf-8").replace("seed: int | Unset = UNSET", "seed: int | Unset = 1"),
        encoding="utf-8",
    )
    base = _package_copy(tmp_path, "base")
    (base / "models" / "completion_usage.py").write_text(
        text.replace(marker, "    seed: int | Unset = UNSET\n" + marker + '"seed": "seed", ', 1),
        encoding="utf-8",
    )
    changes = diff_packages(base, new)
    assert [c.change for c in changes] == ["python-parameter-changed-default"], format_text(changes)
    assert "json_names" not in format_text(changes)


def _removable_keyword() -> str:
    """An optional request field that ``create()`` takes as a keyword (the first the spec has)."""
    resources = (PACKAGE / "resources.py").read_text(encoding="utf-8")
    request = json.loads((REPO / "generated" / "openapi.json").read_text(encoding="utf-8"))
    schema = request["components"]["schemas"]["ChatCompletionRequest"]
    return next(
        str(name)
        for name in schema["properties"]
        if name not in schema.get("required", ())
        and re.search(rf"^        {name}: .*= UNSET,$", resources, re.M)
    )


FIELD = _removable_keyword()


def _without_the_field(tmp_path: Path) -> Path:
    """The package as if the spec had no ``FIELD``: its keyword and its TypedDict key taken out."""
    new = _package_copy(tmp_path, "new")
    resources = new / "resources.py"
    text, keywords = re.subn(
        rf"^        {FIELD}: .*= UNSET,\n", "", resources.read_text(encoding="utf-8"), flags=re.M
    )
    assert keywords >= 1
    resources.write_text(text, encoding="utf-8")
    params = new / "params.py"
    text, keys = re.subn(rf"^    {FIELD}: .*\n", "", params.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert keys == 1
    params.write_text(text, encoding="utf-8")
    return new


def test_removed_request_field_is_reported_on_create_and_the_params_typeddict(tmp_path: Path) -> None:
    changes = diff_packages(PACKAGE, _without_the_field(tmp_path))
    keyword = _only(
        changes, "python-keyword-removed", f"aimlapi_gemini.resources.ChatCompletions.create({FIELD})"
    )
    key = _only(
        changes,
        "python-typeddict-key-removed",
        f"aimlapi_gemini.params.ChatCompletionRequestParam.{FIELD}",
    )
    assert keyword.breaking
    assert key.breaking
    assert keyword.side == key.side == "python"
    assert all(c.breaking for c in changes)


def test_added_request_field_is_reported_as_not_breaking(tmp_path: Path) -> None:
    changes = diff_packages(_without_the_field(tmp_path), PACKAGE)
    keyword = _only(
        changes, "python-keyword-added", f"aimlapi_gemini.resources.ChatCompletions.create({FIELD})"
    )
    key = _only(
        changes,
        "python-typeddict-key-added",
        f"aimlapi_gemini.params.ChatCompletionRequestParam.{FIELD}",
    )
    assert not keyword.breaking
    assert not key.breaking
    assert not [c for c in changes if c.breaking], format_text(changes)


def _without_discriminator(resolved: Document, name: str) -> Document:
    old = copy.deepcopy(resolved)
    del _discriminated(old)[1][name]
    return old


def test_a_discriminator_stating_the_tags_the_alternatives_require_is_not_breaking(
    discriminated: Document,
) -> None:
    old = _without_discriminator(discriminated, "discriminator")
    (change,) = [c for c in diff_specs(old, discriminated) if c.change.startswith("discriminator")]
    assert change.change == "discriminator-added"
    assert not change.breaking


def test_a_discriminator_mapping_a_tag_no_alternative_requires_is_breaking(discriminated: Document) -> None:
    old = _without_discriminator(discriminated, "discriminator")
    new = copy.deepcopy(discriminated)
    mapping = _discriminated(new)[1]["discriminator"]["mapping"]
    mapping["robot"] = mapping.pop(next(iter(mapping)))
    (change,) = [c for c in diff_specs(old, new) if c.change.startswith("discriminator")]
    assert change.change == "discriminator-changed"
    assert change.breaking
