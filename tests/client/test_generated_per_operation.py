"""The runtime comes out of the generator for every operation, driven by the spec: another
operation gets retries and typed errors too, and only event-stream operations get stream()."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import spec_features
import yaml

from codegen.pipeline import DEFAULT_OVERLAY, DEFAULT_SPEC, render


def _without_event_streams(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _without_event_streams(value) for key, value in node.items() if key != "text/event-stream"
        }
    if isinstance(node, list):
        return [_without_event_streams(item) for item in node]
    return node


def _run(code: str, generated: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(generated), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def changed_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client generated from a spec revision that adds GET /v1/models and no longer declares
    text/event-stream for chat completions."""
    tmp = tmp_path_factory.mktemp("revision")
    spec = json.loads(DEFAULT_SPEC.read_text())
    spec = spec_features.with_list_models(spec)
    (tmp / "spec.json").write_text(json.dumps(spec))
    overlay = _without_event_streams(yaml.safe_load(DEFAULT_OVERLAY.read_text()))
    (tmp / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    render(tmp / "spec.json", tmp / "generated", tmp / "overlay.yaml")
    return tmp / "generated"


@pytest.mark.slow
def test_stream_functions_follow_the_spec(changed_tree: Path) -> None:
    chat = (changed_tree / "aimlapi_gemini/api/chat_completions/create_chat_completion.py").read_text()
    assert "def sync(" in chat
    assert "def stream(" not in chat
    assert "def astream(" not in chat
    committed = Path("generated/aimlapi_gemini/api/chat_completions/create_chat_completion.py")
    assert "def astream(" in (DEFAULT_SPEC.parent.parent / committed).read_text()


@pytest.mark.slow
def test_a_new_operation_gets_retries_and_typed_errors(changed_tree: Path) -> None:
    printed = _run(
        """
        import httpx
        from aimlapi_gemini import AuthenticatedClient, RateLimitError, _retry
        from aimlapi_gemini.api.models import list_models

        _retry.sleep = lambda seconds: None
        answers = iter([
            httpx.Response(503, json={"message": "busy"}),
            httpx.Response(200, json={"data": ["gemini-pro"]}),
            httpx.Response(429, json={"message": "slow down", "requestId": "r1"}),
        ])
        mock = {"transport": httpx.MockTransport(lambda request: next(answers))}
        client = AuthenticatedClient(base_url="https://x.test", token="k", httpx_args=mock)
        print(list_models.sync(client=client).data)
        try:
            list_models.sync(client=client, max_retries=0)
        except RateLimitError as error:
            print(error)
        print(hasattr(list_models, "stream"))
        """,
        changed_tree,
    )
    assert printed.splitlines() == [
        "['gemini-pro']",
        "HTTP 429 Too Many Requests: slow down (request id r1)",
        "False",
    ]
