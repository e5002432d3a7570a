"""A chat-completions operation whose path has a path parameter (Azure OpenAI's style), in small
documents built here from today's spec: regenerated, then driven through its own testing kit in a
fresh interpreter.

A parameter named like a body property (``/openai/deployments/{model}``) is that property: the
client fills the path from ``model=`` (the functional layer keeps ``sync(client=..., body=...)``).
Its twin, a parameter no body property names (``{deployment}``), is a required keyword of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini._spec_facts import CHAT_PATH
from codegen.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, render

pytestmark = pytest.mark.slow


def _spec_at(tmp_path: Path, path: str, parameter: str, *, model_required: bool) -> Path:
    """Today's spec with its chat operation at ``path``, taking the path parameter ``parameter``
    (alias paths of the operation, which some revisions list, are gone: it is at ``path`` only)."""
    spec = json.loads(DEFAULT_SPEC.read_text(encoding="utf-8"))
    operation = spec["paths"].pop(CHAT_PATH)["post"]
    spec["paths"] = {other: item for other, item in spec["paths"].items() if not _takes_messages(item)}
    operation["parameters"] = [
        {"name": parameter, "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if not model_required:
        schema["required"] = [name for name in schema.get("required", ()) if name != "model"]
    spec["paths"][path] = {"post": operation}
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    return spec_path


def _takes_messages(item: dict[str, Any]) -> bool:
    """Whether a path item's POST takes a JSON body with ``messages`` (an alias of the chat
    operation; a revision's alias may differ from it in its wording)."""
    body = item.get("post", {}).get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    return "messages" in schema.get("properties", {})


def _script(code: str) -> str:
    """``code`` after what it sends: ``HELLO``, one user message as the spec takes it, and ``MODEL``,
    a model id the spec lists (the model names of _FILLED_FROM_MODEL are any text: they fill a path)."""
    return f"HELLO = {[spec.user_message('hi')]!r}\nMODEL = {spec.model_id()!r}\n{code}"


# In a child interpreter whose sys.path starts with the regenerated package (see _script).
_FILLED_FROM_MODEL = """
import json
import httpx
from aimlapi_gemini import AIMLAPI, ValidationError, _batch_io, _spec_facts
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.batch import run_batch
from aimlapi_gemini.testing import MockAPI

sent = []
def keep(request):
    sent.append(request.url.raw_path.decode())

hello = HELLO
with MockAPI(api_key="kit-key") as mock:
    mock.reply("created").reply("streamed").reply("functional").reply("over a socket")
    http = httpx.Client(transport=mock.transport, event_hooks={"request": [keep]})
    client = AIMLAPI(api_key="kit-key", base_url="http://kit.invalid", http_client=http)
    created = client.chat.completions.create(model="cohere/command-r-plus", messages=hello)
    print("create", created.choices[0].message.content)
    with client.chat.completions.create(model="gemini-pro", messages=hello, stream=True) as stream:
        print("stream", "".join(stream.text_deltas()))
    body = {"model": "team model", "messages": hello}
    functional = create_chat_completion.sync(client=client.authenticated_client, body=body)
    print("functional", functional.choices[0].message.content)
    with AIMLAPI(api_key="kit-key", base_url=mock.base_url) as loopback:
        answer = loopback.chat.completions.create(model="cohere/command-r-plus", messages=hello)
        print("loopback", answer.choices[0].message.content)
    print("models", *[request.model for request in mock.requests])
    for path in sent:
        print("sent", path)
    try:
        create_chat_completion.sync(client=client.authenticated_client, body={"messages": hello})
    except ValidationError as exc:
        print("no model:", exc)
    try:
        client.chat.completions.create(messages=hello)
    except TypeError as exc:
        print("no keyword:", exc)
    print("sent after the refusals", len(sent))

    print("batch endpoint", _spec_facts.CHAT_PATH)
    lines = [
        {"custom_id": "template", "url": "/openai/deployments/{model}", "body": body},
        {"custom_id": "filled", "url": "/openai/deployments/team%20model", "body": body},
        {"custom_id": "other", "url": "/openai/deployments/another", "body": body},
    ]
    for number, line in enumerate(lines, start=1):
        parsed = _batch_io._parse_line(number, json.dumps(line).encode())
        print("line", parsed.custom_id, getattr(parsed, "reason", "valid"))
    (input_path := __import__("pathlib").Path("in.jsonl")).write_text(
        "\\n".join(json.dumps(line) for line in lines[:2]) + "\\n", encoding="utf-8"
    )
    summary = run_batch(input_path, "out.jsonl", client=mock.client())
    statuses = [json.loads(text)["response"]["status_code"] for text in open("out.jsonl", encoding="utf-8")]
    print("batch", statuses)
"""


def test_a_path_parameter_named_like_a_body_property_is_filled_from_the_body(
    tmp_path: Path, run_in_package: Callable[[Path, str], list[str]]
) -> None:
    spec_path = _spec_at(tmp_path, "/openai/deployments/{model}", "model", model_required=False)
    out = tmp_path / "generated"
    report = render(spec_path, out, DEFAULT_OVERLAY)
    assert any("path parameter 'model' is the request body's property" in note for note in report.notes)

    lines = run_in_package(out, _script(_FILLED_FROM_MODEL))

    assert lines == [
        "create created",
        "stream streamed",
        "functional functional",
        "loopback over a socket",
        "models cohere/command-r-plus gemini-pro team model cohere/command-r-plus",
        "sent /openai/deployments/cohere%2Fcommand-r-plus",
        "sent /openai/deployments/gemini-pro",
        "sent /openai/deployments/team%20model",
        "no model: body is not a valid ChatCompletionRequest: missing required field 'model'",
        "no keyword: ChatCompletions.create() missing 1 required keyword-only argument: 'model'",
        "sent after the refusals 3",
        "batch endpoint /openai/deployments/{model}",
        "line template valid",
        "line filled valid",
        "line other method and url must be POST /openai/deployments/{model} (or as the line's body"
        " fills it), got POST /openai/deployments/another",
        "batch [200, 200]",
    ]


_OWN_KEYWORD = """
import inspect
import httpx
from aimlapi_gemini import AIMLAPI, ValidationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.testing import MockAPI

sent = []
def keep(request):
    sent.append(request.url.raw_path.decode())

hello = HELLO
with MockAPI(api_key="kit-key") as mock:
    mock.reply("deployed").reply("streamed").reply("functional")
    http = httpx.Client(transport=mock.transport, event_hooks={"request": [keep]})
    client = AIMLAPI(api_key="kit-key", base_url="http://kit.invalid", http_client=http)
    keyword = inspect.signature(client.chat.completions.create).parameters["deployment"]
    print("keyword", keyword.kind.name, keyword.default is inspect.Parameter.empty)
    created = client.chat.completions.create(deployment="team a/1", model=MODEL, messages=hello)
    print("create", created.choices[0].message.content)
    with client.chat.completions.create(
        deployment="d", model=MODEL, messages=hello, stream=True
    ) as stream:
        print("stream", "".join(stream.text_deltas()))
    body = {"model": MODEL, "messages": hello}
    functional = create_chat_completion.sync("fn", client=client.authenticated_client, body=body)
    print("functional", functional.choices[0].message.content)
    for path in sent:
        print("sent", path)
    try:
        client.chat.completions.create(model=MODEL, messages=hello)
    except TypeError as exc:
        print("missing:", exc)
    try:
        client.chat.completions.create(deployment="", model=MODEL, messages=hello)
    except ValidationError as exc:
        print("empty:", exc)
    try:
        client.chat.completions.create(deployment=None, model=MODEL, messages=hello)
    except ValidationError as exc:
        print("none:", exc)
    print("sent after the refusals", len(sent))
"""


def test_a_path_parameter_no_body_property_names_is_a_required_keyword(
    tmp_path: Path, run_in_package: Callable[[Path, str], list[str]]
) -> None:
    spec_path = _spec_at(
        tmp_path, "/openai/deployments/{deployment}/chat/completions", "deployment", model_required=True
    )
    out = tmp_path / "generated"
    report = render(spec_path, out, DEFAULT_OVERLAY)
    assert not any("path parameter" in note for note in report.notes)

    lines = run_in_package(out, _script(_OWN_KEYWORD))

    assert lines == [
        "keyword KEYWORD_ONLY True",
        "create deployed",
        "stream streamed",
        "functional functional",
        "sent /openai/deployments/team%20a%2F1/chat/completions",
        "sent /openai/deployments/d/chat/completions",
        "sent /openai/deployments/fn/chat/completions",
        "missing: ChatCompletions.create() missing 1 required keyword-only argument: 'deployment'",
        "empty: path parameter: deployment: the path needs a value here, got an empty text",
        "none: path parameter: deployment: the path needs a text or a number here, got no value",
        "sent after the refusals 3",
    ]
