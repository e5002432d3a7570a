"""Proof that the contract checks bite: deliberately broken servers must fail them.

Each mutant wraps the real reference app and breaks one promise of the spec. The same
generated cases that pass against the real app (the control) must produce failures of the
expected kind against each mutant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from contract_kit.checks import call_and_check, contract_schema
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp
from aimlapi_gemini.testing._server.exchange import Message, Receive, Scope, Send
from aimlapi_gemini.testing._server.spec import SPEC_PATH, find_operation

HEADERS = {"Authorization": "Bearer test-key"}
REPO = Path(__file__).resolve().parents[2]
Rewrite = Callable[[int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


class Rewriting:
    """ASGI middleware that buffers each response and lets `rewrite` change it."""

    def __init__(self, app: ReferenceApp, rewrite: Rewrite) -> None:
        self.app, self.rewrite = app, rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def buffer(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = {k.decode(): v.decode() for k, v in start["headers"] if k.lower() != b"content-length"}
            status, headers, content = self.rewrite(start["status"], headers, bytes(body))
            raw = [
                (k.encode(), v.encode()) for k, v in {**headers, "content-length": str(len(content))}.items()
            ]
            await send({"type": "http.response.start", "status": status, "headers": raw})
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, buffer)


class IgnoringAuth:
    """A server that lets any (or no) key in, by inserting the right one."""

    def __init__(self, app: ReferenceApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
            scope = {**scope, "headers": [*headers, (b"authorization", b"Bearer test-key")]}
        await self.app(scope, receive, send)


def drop_choices(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    if status == 200 and headers["content-type"] == "application/json":
        reply = json.loads(body)
        reply.pop("choices")
        body = json.dumps(reply).encode()
    return status, headers, body


def accept_invalid(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    if status == 400:
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "google/gemini-pro",
            "choices": [],
        }
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        return (
            200,
            {**headers, "content-type": "application/json"},
            json.dumps({**reply, "usage": usage}).encode(),
        )
    return status, headers, body


def crash_on_invalid(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    return (500 if status == 400 else status), headers, body


def forget_done(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    return status, headers, body.replace(b"data: [DONE]\n\n", b"")


def undocumented_field_type(
    status: int, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    # Streams only: `created` as a string in every chunk.
    return status, headers, body.replace(b'"created": ', b'"created": "').replace(b', "model"', b'", "model"')


def drop_id_mid_stream(
    status: int, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    # Streams only: the second chunk (the first after the role chunk) loses its required `id`.
    if not headers["content-type"].startswith("text/event-stream"):
        return status, headers, body
    events = body.split(b"\n\n")
    chunk = json.loads(events[1].removeprefix(b"data: "))
    del chunk["id"]
    events[1] = b"data: " + json.dumps(chunk).encode()
    return status, headers, b"\n\n".join(events)


def failures_against(app: Any, mode: GenerationMode, examples: int = 40, **fixed: Any) -> list[str]:
    """Run the contract checks on generated cases; the names of the failures they raise."""
    schema = contract_schema(app)
    schema.config.generation.update(codec="utf-8")
    operation = find_operation()
    strategy = schema[operation.path][operation.method].as_strategy(generation_mode=mode)
    found: list[str] = []

    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case: schemathesis.Case[Any]) -> None:
        if isinstance(case.body, dict):
            case.body.update(fixed)
        try:
            call_and_check(case, HEADERS)
        except FailureGroup as group:
            found.extend(type(failure).__name__ for failure in group.exceptions)

    run()
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_control_the_real_app_passes(mode: GenerationMode) -> None:
    assert failures_against(ReferenceApp(), mode) == []


@pytest.mark.parametrize(
    ("mutant", "mode", "fixed", "expected"),
    [
        (
            Rewriting(ReferenceApp(), drop_choices),
            GenerationMode.POSITIVE,
            {"stream": False},
            "JsonSchemaError",
        ),
        (Rewriting(ReferenceApp(), accept_invalid), GenerationMode.NEGATIVE, {}, "AcceptedNegativeData"),
        (Rewriting(ReferenceApp(), crash_on_invalid), GenerationMode.NEGATIVE, {}, "ServerError"),
        (IgnoringAuth(ReferenceApp()), GenerationMode.POSITIVE, {}, "IgnoredAuth"),
        (Rewriting(ReferenceApp(), forget_done), GenerationMode.POSITIVE, {"stream": True}, "CustomFailure"),
        (
            Rewriting(ReferenceApp(), undocumented_field_type),
            GenerationMode.POSITIVE,
            {"stream": True},
            "JsonSchemaError",
        ),
        (
            Rewriting(ReferenceApp(), drop_id_mid_stream),
            GenerationMode.POSITIVE,
            {"stream": True},
            "JsonSchemaError",
        ),
    ],
    ids=[
        "drops-choices",
        "accepts-invalid-body",
        "500-on-invalid-body",
        "ignores-auth",
        "no-done",
        "bad-chunk",
        "chunk-missing-id-mid-stream",
    ],
)
def test_broken_servers_fail_the_contract(
    mutant: Any, mode: GenerationMode, fixed: dict[str, Any], expected: str
) -> None:
    found = failures_against(mutant, mode, examples=15, **fixed)
    assert expected in found, found


def schemathesis_cli(base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`schemathesis run --checks all --mode all` as make contract-live runs it, against `base_url`."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(REPO / "scripts" / "contract_kit" / "schemathesis.toml"),
        "--no-color",
        "run",
        str(SPEC_PATH),
        "--url",
        base_url,
        "--checks",
        "all",
        "--mode",
        "all",
        "-H",
        f"Authorization: {HEADERS['Authorization']}",
        "--seed",
        "1",
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False
    )


def test_schemathesis_cli_passes_against_the_reference_server() -> None:
    with BackgroundServer() as server:
        result = schemathesis_cli(server.base_url, "--max-examples", "60")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "No issues found" in result.stdout


def test_schemathesis_cli_fails_against_a_chunk_missing_id_mid_stream() -> None:
    with BackgroundServer(middleware=lambda app: Rewriting(app, drop_id_mid_stream)) as server:
        result = schemathesis_cli(server.base_url, "--max-examples", "60", "--max-failures", "1")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "SSE event" in result.stdout
    assert '"id"' in result.stdout or "'id'" in result.stdout, result.stdout[-3000:]
