"""The surface is generated: a spec revision with a new request field and a new operation gets a
new keyword and a new resource method, without a hand edit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import spec_features

from codegen.normalize import chat_operations
from codegen.pipeline import (
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    GenerationError,
    render,
    resource_place,
    version_prefix,
)


def test_the_placement_rule() -> None:
    assert resource_place("/v1/chat/completions", "create_chat_completion") == (
        ("chat", "completions"),
        "create",
    )
    assert resource_place("/v1/models", "list_models") == (("models",), "list")
    assert resource_place("/v2/batches/{batch_id}/cancel", "cancel_batch") == (("batches",), "cancel")
    with pytest.raises(GenerationError, match="no resource segment"):
        resource_place("/v1", "get_root")


@pytest.mark.parametrize(
    "path",
    [
        "/openai/deployments/{model}",
        "/openai/deployments/{deployment}/chat/completions",  # the Azure OpenAI SDK's path
        "/v1/chat/completions",
    ],
)
def test_the_chat_completions_operation_is_chat_completions_create_wherever_its_path_is(path: str) -> None:
    assert resource_place(path, "create_chat_completion") == (("chat", "completions"), "create")


def test_another_operation_at_a_deployment_path_keeps_the_path_rule() -> None:
    assert resource_place("/openai/deployments/{model}", "create_deployment") == (
        ("openai", "deployments"),
        "create",
    )
    assert resource_place("/openai/deployments/{model}", "get_chat_completion") == (
        ("openai", "deployments"),
        "get",
    )


def test_the_version_shown_on_the_base_url_is_the_one_every_path_starts_with() -> None:
    assert version_prefix(["/v1/chat/completions", "/v1/models"]) == "/v1"
    assert version_prefix(["/v2/batches/{batch_id}/cancel"]) == "/v2"
    assert version_prefix(["/v1/chat/completions", "/v2/models"]) == ""  # no one version
    assert version_prefix(["/chat/completions"]) == ""
    assert version_prefix(["/vision/chat"]) == ""


# A request field no revision has (`seed`, the obvious one, is in some already).
NEW_FIELD = "sampling_seed"


@pytest.mark.slow
def test_a_new_field_and_a_new_operation_reach_the_surface(tmp_path: Path) -> None:
    spec = json.loads(DEFAULT_SPEC.read_text())
    spec = spec_features.with_list_models(spec)
    chat = chat_operations(spec)[0]  # wherever the document puts it
    body = spec["paths"][chat.path]["post"]["requestBody"]["content"]["application/json"]
    assert NEW_FIELD not in body["schema"]["properties"]
    body["schema"]["properties"][NEW_FIELD] = {"type": "integer", "description": "Makes sampling repeatable."}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    render(tmp_path / "spec.json", tmp_path / "generated", DEFAULT_OVERLAY)
    code = """
        import inspect, json
        import httpx
        from aimlapi_gemini import AIMLAPI

        sent = []
        def answer(request):
            sent.append(request)
            if request.url.path == "/v1/models":
                return httpx.Response(200, json={"data": ["gemini-pro"]})
            return httpx.Response(200, json={
                "id": "x", "object": "chat.completion", "created": 1, "model": "gemini-pro",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "ok"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        http_client = httpx.Client(transport=httpx.MockTransport(answer))
        client = AIMLAPI(api_key="k", base_url="https://h.test", http_client=http_client)  # any spec's paths
        create = client.chat.completions.create
        assert "sampling_seed" in inspect.signature(create).parameters
        assert "sampling_seed: Makes sampling repeatable." in create.__doc__
        create(model="gemini-pro", messages=[USER_MESSAGE], sampling_seed=7)
        assert json.loads(sent[0].content)["sampling_seed"] == 7
        print(client.models.list().data, sent[1].url)
    """
    # The spec's user message (it may take no text), as a Python literal.
    code = textwrap.dedent(code).replace("USER_MESSAGE", repr(spec_features.user_message("hi")))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "generated"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['gemini-pro'] https://h.test/v1/models"
