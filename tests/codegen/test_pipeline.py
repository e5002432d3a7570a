"""End-to-end tests of scripts/generate.py: regenerate into temporary directories and compare.

These mirror what maintainers do: run the generator on the committed spec (golden record), on
a changed spec, and on a vendor-shaped document full of unrelated schemas.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import spec_features
import yaml

from aimlapi_gemini._spec_facts import CHAT_PATH
from codegen import pipeline
from codegen.errors import GenerationError
from codegen.json_pointer import join
from codegen.pipeline import (
    DEFAULT_OUT,
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    PROVENANCE_NAME,
    diff_trees,
    regenerate,
    render,
    stale_inputs,
)

REPO = Path(__file__).resolve().parents[2]
GENERATE = [sys.executable, str(REPO / "scripts" / "generate.py")]
REQUEST_BODY = (
    "paths",
    CHAT_PATH,
    "post",
    "requestBody",
    "content",
    "application/json",
    "schema",
)


def _request_schema(spec: dict[str, Any]) -> dict[str, Any]:
    node: Any = spec
    for key in REQUEST_BODY:
        node = node[key]
    assert isinstance(node, dict)
    return node


def _run_python(code: str, *path: Path) -> str:
    env = {"PYTHONPATH": ":".join(str(p) for p in path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def fresh_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fresh") / "generated"
    render(DEFAULT_SPEC, out)
    return out


def test_committed_tree_is_the_golden_record(fresh_tree: Path) -> None:
    """generated/ must be exactly what the generator makes from spec/ today (the drift check)."""
    diff = diff_trees(DEFAULT_OUT, fresh_tree)
    assert not diff, "generated/ is stale; run `make generate`:\n" + "\n".join(diff.lines())


def test_generation_is_deterministic(fresh_tree: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    render(DEFAULT_SPEC, again)
    assert not diff_trees(fresh_tree, again)


def test_check_mode_lists_stale_files_and_fails(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    shutil.copytree(DEFAULT_OUT, out)
    (out / "aimlapi_gemini" / "models" / "error_response.py").write_text("# edited by hand\n")
    (out / "aimlapi_gemini" / "stray.py").write_text("")
    (out / "aimlapi_gemini" / "py.typed").unlink()
    result = subprocess.run(
        [*GENERATE, "--check", "--out", str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "changed: aimlapi_gemini/models/error_response.py" in result.stderr
    assert "removed: aimlapi_gemini/stray.py" in result.stderr
    assert "added:   aimlapi_gemini/py.typed" in result.stderr

    clean = subprocess.run([*GENERATE, "--check"], capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stderr


def test_regenerating_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    first = subprocess.run([*GENERATE, "--out", str(out)], capture_output=True, text=True, check=True)
    assert "added:   aimlapi_gemini/models/chat_completion.py" in first.stdout
    second = subprocess.run([*GENERATE, "--out", str(out)], capture_output=True, text=True, check=True)
    assert "no changes" in second.stdout


def test_every_hand_written_module_is_copied_to_its_place_in_the_package(fresh_tree: Path) -> None:
    """scripts/package/aimlapi_gemini/ is shaped like the package: each module lands at the same
    relative place (the runtime at the root, the testing kit and its reference server below
    testing/), under a header naming its source; the spec the server reads ships as package data."""
    package = fresh_tree / "aimlapi_gemini"
    source_root = REPO / "scripts" / "package" / "aimlapi_gemini"
    sources = sorted(p for p in source_root.rglob("*.py") if "__pycache__" not in p.parts)
    places = {source.relative_to(source_root).as_posix() for source in sources}
    assert {"_base.py", "testing/plugin.py", "testing/_server/app.py", "testing/_server/mock.py"} <= places
    for source in sources:
        copy = package / source.relative_to(source_root)
        header, second, *_ = copy.read_text(encoding="utf-8").splitlines()
        assert header == f"# Copied from {source.relative_to(REPO).as_posix()} by `make generate`."
        assert second.startswith("# Do not edit here")
    assert (package / "openapi.json").read_bytes() == (fresh_tree / "openapi.json").read_bytes()


def test_a_hand_written_module_that_would_replace_a_generated_one_stops_the_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hand_written = tmp_path / "aimlapi_gemini"
    (hand_written / "models").mkdir(parents=True)
    (hand_written / "models" / "chat_completion.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "HAND_WRITTEN", hand_written)
    package = tmp_path / "out" / "aimlapi_gemini"
    (package / "models").mkdir(parents=True)
    (package / "models" / "chat_completion.py").write_text("# generated\n", encoding="utf-8")
    resolved = tmp_path / "openapi.json"
    resolved.write_text("{}", encoding="utf-8")
    overwritten = "would overwrite the generated aimlapi_gemini/models/chat_completion.py"
    with pytest.raises(GenerationError, match=overwritten):
        pipeline.copy_hand_written_modules(package, resolved)
    assert (package / "models" / "chat_completion.py").read_text(encoding="utf-8") == "# generated\n"


def test_provenance_records_input_hashes_and_generator(fresh_tree: Path) -> None:
    provenance = json.loads((fresh_tree / PROVENANCE_NAME).read_text())
    assert provenance["generator"].startswith("openapi-python-client 0.29.1")
    assert set(provenance["inputs"]) == {
        "spec",
        "overlay",
        "config",
        "templates",
        "hand_written",
        "pipeline",
    }
    assert all(len(item["sha256"]) == 64 for item in provenance["inputs"].values())
    header = (fresh_tree / "aimlapi_gemini" / "models" / "chat_completion.py").read_text().splitlines()[0]
    assert header.startswith("# Generated by openapi-python-client")


def test_spec_change_reaches_the_generated_model(tmp_path: Path) -> None:
    """A maintainer adds a property to the vendor spec; one command makes the model carry it."""
    spec = json.loads(DEFAULT_SPEC.read_text())
    _request_schema(spec)["properties"]["seed"] = {
        "type": "integer",
        "minimum": 0,
        "description": "Fixes sampling.",
    }
    spec_path = tmp_path / "gemini-pro.json"
    spec_path.write_text(json.dumps(spec))
    out = tmp_path / "generated"
    shutil.copytree(DEFAULT_OUT, out)

    changes = regenerate(spec_path, out)

    assert "aimlapi_gemini/models/chat_completion_request.py" in changes.changed
    # A request as the spec takes it, with the new property.
    body = {"model": spec_features.model_id(), "messages": [spec_features.user_message("hi")], "seed": 7}
    printed = _run_python(
        f"""
        from aimlapi_gemini.models import ChatCompletionRequest
        body = {body!r}
        request = ChatCompletionRequest.from_dict(body)
        print(request.seed, request.to_dict() == body)
        """,
        out,
    )
    assert printed.split() == ["7", "True"]


def test_vendor_shaped_document_yields_only_this_operations_models(tmp_path: Path) -> None:
    """The vendor ships its whole gateway's schemas; none of them may reach the client."""
    spec = json.loads(DEFAULT_SPEC.read_text())
    unrelated = {
        f"LlmThread.v1.Thing{i}DTO": {
            "type": "object",
            "properties": {"next": {"$ref": f"#/components/schemas/LlmThread.v1.Thing{(i + 1) % 20}DTO"}},
        }
        for i in range(20)
    }
    spec.setdefault("components", {})["schemas"] = unrelated  # a revision may have none of its own
    spec_path = tmp_path / "vendor.json"
    spec_path.write_text(json.dumps(spec))
    out = tmp_path / "generated"

    render(spec_path, out)

    model_files = {p.name for p in (out / "aimlapi_gemini" / "models").glob("*.py")}
    assert not {name for name in model_files if "thing" in name or "dto" in name}
    # Exactly the models of the committed package, generated from the same spec without them.
    committed = {p.name for p in (REPO / "generated" / "aimlapi_gemini" / "models").glob("*.py")}
    assert {"chat_completion_request.py", "chat_completion.py"} <= model_files == committed
    printed = _run_python(
        """
        import aimlapi_gemini.models as models
        from aimlapi_gemini.api.chat_completions import create_chat_completion
        print(len(models.__all__), callable(create_chat_completion.sync_detailed))
        """,
        out,
    )
    count, callable_ = printed.split()
    assert int(count) > 40
    assert callable_ == "True"


def test_broken_overlay_fails_with_a_clear_message(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: $.paths['/v1/nope']\n    description: Rename the nope.\n    update: {x: 1}\n"
    )
    result = subprocess.run(
        [*GENERATE, "--overlay", str(overlay), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "action #1" in result.stderr
    assert "matches nothing" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_resolved_spec_is_openapi_31_without_30_keywords(fresh_tree: Path) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    resolved = json.loads((fresh_tree / "openapi.json").read_text())
    assert resolved["openapi"] == "3.1.0"
    validate(resolved, cls=OpenAPIV31SpecValidator)
    text = json.dumps(resolved)
    assert '"nullable"' not in text
    assert '"example"' not in text
    # A 3.0 nullable became a null type or alternative (stop's anyOf, where the revision has it).
    properties = _request_schema_component(resolved, "ChatCompletionRequest")["properties"]
    if "stop" in properties:
        assert {"type": "null"} in properties["stop"]["anyOf"]


def _request_schema_component(spec: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"][name]
    return schema


def _overlay_with(tmp_path: Path, *actions: dict[str, Any]) -> Path:
    overlay = yaml.safe_load(DEFAULT_OVERLAY.read_text())
    overlay["actions"].extend(actions)
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay))
    return path


EVENT_DATA = "$.components.schemas.ChatCompletionStreamEvent.properties.data"


def test_stream_without_a_findable_chunk_model_fails_generation(tmp_path: Path) -> None:
    """A 2xx event stream whose events do not name their chunk model must not silently lose streaming."""
    overlay = _overlay_with(
        tmp_path, {"target": f"{EVENT_DATA}.else.contentSchema", "description": "Forget it.", "remove": True}
    )
    result = subprocess.run(
        [*GENERATE, "--overlay", str(overlay), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert (
        "no stream chunk model for create_chat_completion's 2xx text/event-stream response" in result.stderr
    )
    assert "contentSchema" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_chunk_model_is_found_through_an_anyof_data_schema_too(tmp_path: Path) -> None:
    """`data: anyOf: [{const: [DONE]}, {contentMediaType, contentSchema}]` says the same as if/else."""
    json_text = {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": "#/components/schemas/ChatCompletionChunk"},
    }
    overlay = _overlay_with(
        tmp_path,
        {"target": f"{EVENT_DATA}.if", "description": "Say it with anyOf.", "remove": True},
        {"target": f"{EVENT_DATA}.else", "description": "Say it with anyOf.", "remove": True},
        {
            "target": EVENT_DATA,
            "description": "Say it with anyOf.",
            "update": {"anyOf": [{"type": "string", "const": "[DONE]"}, json_text]},
        },
    )
    out = tmp_path / "out"
    render(DEFAULT_SPEC, out, overlay)
    endpoint = (out / "aimlapi_gemini" / "api" / "chat_completions" / "create_chat_completion.py").read_text()
    assert "def stream(" in endpoint
    assert "def astream(" in endpoint
    assert "Stream[ChatCompletionChunk]" in endpoint


# The spec's chat path, as a JSONPath name (a double-quoted one is JSON's string syntax).
STREAM_SCHEMAS = f"$.paths[{json.dumps(CHAT_PATH)}].post.responses.*.content['text/event-stream'].schema"
EVENT_REF = {"$ref": "#/components/schemas/ChatCompletionStreamEvent"}
CHUNK_TEXT = json.dumps(
    {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}
)


def _stream_schema_validator(resolved: dict[str, Any], status: str) -> Any:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource: Resource[Any] = Resource.from_contents(resolved, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    pointer = join("paths", CHAT_PATH, "post", "responses", status, "content", "text/event-stream", "schema")
    return Draft202012Validator({"$ref": f"urn:spec#{pointer}"}, registry=registry)


@pytest.mark.parametrize("status", ["200", "201"])
def test_stream_schema_reads_as_the_whole_body_and_as_one_event(fresh_tree: Path, status: str) -> None:
    """The whole body is text (OpenAPI 3.1's reading, Prism's); one event is an object (schemathesis's)."""
    resolved = json.loads((fresh_tree / "openapi.json").read_text())
    assert resolved["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    validator = _stream_schema_validator(resolved, status)
    body = f"data: {CHUNK_TEXT}\n\ndata: [DONE]\n\n"
    assert validator.is_valid(body)
    assert validator.is_valid({"data": CHUNK_TEXT, "event": "message"})
    assert validator.is_valid({"data": "[DONE]", "event": "message", "id": "7", "retry": 1000})
    assert validator.is_valid(body.replace("\n", "\r\n"))
    assert validator.is_valid(body.replace("\n", "\r"))
    # Twins: the text is a stream that ends with data: [DONE] and an empty line, nothing after.
    assert not validator.is_valid(f"data: {CHUNK_TEXT}\n\n")
    assert not validator.is_valid(f"{body}data: {CHUNK_TEXT}\n\n")
    assert not validator.is_valid(body.removesuffix("\n"))  # the last event never ends
    assert not validator.is_valid("data: [DONE]\r\n")  # CRLF is one line end
    assert not validator.is_valid(f"data: {CHUNK_TEXT}\n\ndata:  [DONE]\n\n")
    # An event (an object) must be an event; the text branch does not admit any object.
    assert not validator.is_valid({"event": "message"})  # no data
    assert not validator.is_valid({"data": 5})
    assert not validator.is_valid({"data": "[DONE]", "retry": -1})
    assert not validator.is_valid(["data: [DONE]"])
    assert not validator.is_valid(None)


@pytest.mark.parametrize(
    ("form", "schema"),
    [
        ("a plain $ref", EVENT_REF),
        ("oneOf", {"oneOf": [{"type": "string"}, EVENT_REF]}),
        ("if/else", {"if": {"type": "string"}, "then": {}, "else": EVENT_REF}),
    ],
)
def test_chunk_model_is_found_through_other_stream_schema_forms(
    tmp_path: Path, form: str, schema: dict[str, Any]
) -> None:
    """The event schema may be the media type's schema itself, a oneOf member or an if's else."""
    overlay = _overlay_with(
        tmp_path,
        {"target": f"{STREAM_SCHEMAS}.anyOf", "description": f"Say it with {form}.", "remove": True},
        {"target": STREAM_SCHEMAS, "description": f"Say it with {form}.", "update": schema},
    )
    out = tmp_path / "out"
    render(DEFAULT_SPEC, out, overlay)
    resolved = json.loads((out / "openapi.json").read_text())
    stream_schema = resolved["paths"][CHAT_PATH]["post"]["responses"]["200"]["content"]
    assert "anyOf" not in stream_schema["text/event-stream"]["schema"]
    endpoint = (out / "aimlapi_gemini" / "api" / "chat_completions" / "create_chat_completion.py").read_text()
    assert "Stream[ChatCompletionChunk]" in endpoint
    assert "AsyncStream[ChatCompletionChunk]" in endpoint


def test_stream_schema_without_its_event_member_fails_generation(tmp_path: Path) -> None:
    """The anyOf with only its text branch left names no event, so no chunk model: generation stops."""
    overlay = _overlay_with(
        tmp_path,
        {"target": f"{STREAM_SCHEMAS}.anyOf[1]", "description": "Forget the event.", "remove": True},
    )
    result = subprocess.run(
        [*GENERATE, "--overlay", str(overlay), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert (
        "no stream chunk model for create_chat_completion's 2xx text/event-stream response" in result.stderr
    )
    assert "not an event object with an inline `data` property" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_committed_tree_is_not_stale_and_a_changed_input_is_named(tmp_path: Path) -> None:
    """The suite's first check (tests/conftest.py): tests import the copy, so a copy older than
    its sources stops the run with the inputs that changed."""
    assert stale_inputs() == []
    recorded = json.loads((DEFAULT_OUT / PROVENANCE_NAME).read_text(encoding="utf-8"))
    recorded["inputs"]["hand_written"]["sha256"] = "0" * 64
    recorded["inputs"]["templates"]["sha256"] = "0" * 64
    (tmp_path / PROVENANCE_NAME).write_text(json.dumps(recorded), encoding="utf-8")
    assert stale_inputs(tmp_path) == ["templates", "hand_written"]
    assert stale_inputs(tmp_path / "nothing-here") == [PROVENANCE_NAME]
