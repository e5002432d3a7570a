#!/usr/bin/env python3
"""Regenerate the client from every vendor document in a folder and smoke each package:
`scripts/vendor_sweep.py DIR [--overlay PATH] [--typecheck]`.

For each `*.json`/`*.yaml` under DIR (recursively), it generates with the overlay as it is into a
temporary directory, then, in a fresh interpreter with that package first on the path, drives
it through its own testing kit (`aimlapi_gemini.testing.MockAPI`, in process, no socket): a
`create`, a stream read with `text_deltas()` and `get_final_completion()`, and a tool call where
the document takes function tools (with --typecheck, mypy --strict on the package too). It prints
one row per document and exits 1 when any document neither works nor is refused with a report (a
traceback, a hang, a package that does not import or type-check).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_requests import FUNCTION_TOOL, MODEL_ID, request_validator, user_message

from codegen.pipeline import DEFAULT_OVERLAY, PACKAGE

REPO = Path(__file__).resolve().parent.parent
GENERATE_TIMEOUT = 300.0
SMOKE_TIMEOUT = 120.0
GENERATE = [sys.executable, str(REPO / "scripts" / "generate.py")]

# Runs inside the generated package's own interpreter; argv[1] says whether to try tools.
SMOKE = textwrap.dedent(
    """
    import json, sys
    import aimlapi_gemini.__main__, aimlapi_gemini.batch  # the CLI and the batch import the operation
    from aimlapi_gemini.testing import MockAPI

    model = "gemini-pro"
    messages = [json.loads(sys.argv[2])]
    required = json.loads(sys.argv[3])  # the other fields the document requires
    with MockAPI() as mock:
        client = mock.aimlapi()
        reply = client.chat.completions.create(model=model, messages=messages, **required)
        assert reply.choices[0].message.content, "create: no text in the reply"
        streamed = client.chat.completions.create(model=model, messages=messages, stream=True, **required)
        with streamed as stream:
            text = "".join(stream.text_deltas())
            final = stream.get_final_completion()
        assert text and final.choices[0].message.content == text, "stream: text and final differ"
        steps = ["create", "stream"]
        if sys.argv[1] != "-":
            mock.reply_tool_call(name="get_weather", arguments={"city": "Oslo"})
            tool = json.loads(sys.argv[1])
            called = client.chat.completions.create(model=model, messages=messages, tools=[tool], **required)
            call = (called.choices[0].message.tool_calls or [None])[0]
            assert call is not None and call.function.name == "get_weather", "tool call: none came back"
            steps.append("tool call")
    print(" + ".join(steps))
    """
)


@dataclass
class Row:
    document: str
    outcome: str  # works | refused | FAILED
    detail: str
    seconds: float


def _first_lines(text: str, count: int = 1) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[:count]) if lines else "(no output)"


@dataclass(frozen=True)
class SmokeInputs:
    message: dict[str, Any] | None
    """A user message the document takes (text, a list of text parts, or one built from its schema)."""
    tool: dict[str, Any] | None
    """The OpenAI function tool, when the document takes one."""
    required: dict[str, Any]
    """A value for each other field the document requires (built from its schema)."""


def smoke_inputs(resolved: Path) -> SmokeInputs:
    """What the smoke test sends: the fields every chat request has, and what this document needs."""
    from codegen.spec_diff.examples import ExampleBuilder

    spec = json.loads(resolved.read_text(encoding="utf-8"))
    request = spec["components"]["schemas"].get("ChatCompletionRequest", {})
    properties = request.get("properties", {})
    builder = ExampleBuilder(spec)
    required: dict[str, Any] = {}
    for name in request.get("required", []):
        if name not in ("model", "messages", "stream") and name in properties:
            examples = builder.examples(properties[name])
            if examples:
                # An empty value (0 max_tokens, "") is valid but asks for nothing to smoke.
                required[name] = next((e for e in examples if e not in (0, "", [], {})), examples[0])
    schema_valid = request_validator(spec)

    def valid(body: dict[str, Any]) -> bool:
        return schema_valid({**body, **required})

    message = user_message(spec, "Hello", valid)
    tool = None
    if (
        "tools" in properties
        and message is not None
        and valid({"model": MODEL_ID, "messages": [message], "tools": [FUNCTION_TOOL]})
    ):
        tool = FUNCTION_TOOL
    return SmokeInputs(message, tool, required)


def sweep_one(document: Path, overlay: Path, work: Path, typecheck: bool = False) -> Row:
    started = time.perf_counter()
    out = work / "out"
    try:
        generated = subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "generate.py"),
                "--spec",
                str(document),
                "--out",
                str(out),
                "--overlay",
                str(overlay),
            ],
            capture_output=True,
            text=True,
            timeout=GENERATE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Row(
            document.name, "FAILED", f"generation hung past {GENERATE_TIMEOUT:.0f} s", GENERATE_TIMEOUT
        )
    if generated.returncode != 0:
        broken = "Traceback" in generated.stderr or generated.returncode != 2
        report = generated.stderr.removeprefix("generate: error: ")
        return Row(
            document.name,
            "FAILED" if broken else "refused",
            _first_lines(report),
            time.perf_counter() - started,
        )
    inputs = smoke_inputs(out / "openapi.json")
    message, tool = inputs.message, inputs.tool
    if message is None:
        return Row(
            document.name, "FAILED", "the spec takes no plain user message", time.perf_counter() - started
        )
    env = {**os.environ, "PYTHONPATH": str(out), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        smoke = subprocess.run(
            [
                sys.executable,
                "-c",
                SMOKE,
                json.dumps(tool) if tool else "-",
                json.dumps(message),
                json.dumps(inputs.required),
            ],
            capture_output=True,
            text=True,
            timeout=SMOKE_TIMEOUT,
            env=env,
            cwd=work,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Row(document.name, "FAILED", f"smoke test hung past {SMOKE_TIMEOUT:.0f} s", SMOKE_TIMEOUT)
    elapsed = time.perf_counter() - started
    if smoke.returncode != 0:
        tail = smoke.stderr.strip().splitlines()[-1:] or ["(no output)"]
        return Row(document.name, "FAILED", f"smoke: {tail[0]}", elapsed)
    detail = smoke.stdout.strip()
    if typecheck:
        checked = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", PACKAGE],
            capture_output=True,
            text=True,
            cwd=out,
            check=False,
        )
        if checked.returncode != 0:
            return Row(document.name, "FAILED", f"mypy --strict: {_first_lines(checked.stdout)}", elapsed)
        detail += " + mypy --strict"
        elapsed = time.perf_counter() - started
    detail += "" if tool else " (no function tools in this document)"
    return Row(document.name, "works", detail, elapsed)


def documents_in(folder: Path) -> list[Path]:
    found = [p for p in folder.rglob("*") if p.is_file() and p.suffix in {".json", ".yaml", ".yml"}]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="a folder of vendor OpenAPI documents")
    parser.add_argument("--overlay", type=Path, default=DEFAULT_OVERLAY, help="Overlay 1.0 document")
    parser.add_argument(
        "--typecheck",
        action="store_true",
        help="also run mypy --strict on each package (about a minute each)",
    )
    args = parser.parse_args(argv)
    documents = documents_in(args.folder)
    if not documents:
        print(f"vendor-sweep: no .json or .yaml documents under {args.folder}", file=sys.stderr)
        return 2
    rows = []
    for document in documents:
        with tempfile.TemporaryDirectory(prefix="aimlapi-sweep-") as tmp:
            row = sweep_one(document, args.overlay, Path(tmp), typecheck=args.typecheck)
        rows.append(row)
        print(f"{row.outcome:8} {row.seconds:5.1f} s  {row.document}: {row.detail}", flush=True)
    counts = {
        outcome: sum(row.outcome == outcome for row in rows) for outcome in ("works", "refused", "FAILED")
    }
    print(
        f"\n{len(rows)} documents: {counts['works']} work, {counts['refused']} refused with a report,"
        f" {counts['FAILED']} failed ({PACKAGE} generated with {args.overlay.name} unchanged)"
    )
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main())
