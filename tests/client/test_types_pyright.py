"""pyright in strict mode (beside mypy --strict, which checks tests/ itself) agrees on what the
surface takes: a reply appended to a ``list[ChatCompletionMessageParam]``, plain dicts for the
free-form object keywords, the types of raw streams; and on what it refuses, line by line."""

# ruff: noqa: E501 (snippet lines as users write them, with their tags)

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import spec_features as spec
from npm_tools import pyright_command

# Must pass strict: each line is something a user writes; USER_MESSAGE is the spec's user message
# (spec_features.user_message: it may take no text). A line tagged `# needs: FIELD ...` uses
# optional request fields (or other features, as spec_features names them: `replay:...`, a reply
# that goes back); it is checked only where this revision of the spec has them all.
VALID = """
from typing import assert_type

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, AsyncStream, ChatCompletion, ChatCompletionChunk
from aimlapi_gemini import RawResponse, Stream
from aimlapi_gemini.batch import run_batch
from aimlapi_gemini.models import LogitBias  # needs: logit_bias
from aimlapi_gemini.params import ChatCompletionMessageParam, ChatCompletionRequestParam


def sync_calls(client: AIMLAPI) -> ChatCompletionRequestParam:
    messages: list[ChatCompletionMessageParam] = [USER_MESSAGE]
    completion = client.chat.completions.create(model="gemini-pro", messages=messages)
    assert_type(completion, ChatCompletion)
    messages.append(completion.choices[0].message)  # needs: replay:ChatCompletionMessage
    client.chat.completions.create(model="gemini-pro", messages=messages, logit_bias={"42": -5})  # needs: logit_bias
    bias = LogitBias({"1": 2})  # needs: logit_bias
    client.chat.completions.create(model="my/model", messages=messages, logit_bias=bias)  # needs: logit_bias
    client.chat.completions.create(model="my/model", messages=messages, stop=("a",))  # needs: stop
    raw = client.chat.completions.with_raw_response.create(model="gemini-pro", messages=messages, stream=True)
    assert_type(raw, RawResponse[Stream[ChatCompletionChunk]])
    assert_type(raw.parse(), Stream[ChatCompletionChunk])
    plain = client.chat.completions.with_raw_response.create(model="m", messages=messages)
    assert_type(plain.parse(), ChatCompletion)
    return {"model": "gemini-pro", "messages": messages, "logit_bias": {"42": -5}}  # needs: logit_bias
    return {"model": "gemini-pro", "messages": messages}


def batch() -> bool:
    return run_batch("in.jsonl", "out.jsonl", concurrency=8, rpm=600, shard="1/3").ok


async def async_calls(client: AsyncAIMLAPI) -> None:
    messages: list[ChatCompletionMessageParam] = [USER_MESSAGE]
    completion = await client.chat.completions.create(model="gemini-pro", messages=messages)
    assert_type(completion, ChatCompletion)
    messages.append(completion.choices[0].message)  # needs: replay:ChatCompletionMessage
    raw = await client.chat.completions.with_raw_response.create(model="m", messages=messages, stream=True)
    assert_type(raw.parse(), AsyncStream[ChatCompletionChunk])
"""

# Each line that must be an error, tagged with words of pyright's message.
WRONG = """
from aimlapi_gemini import AIMLAPI
from aimlapi_gemini.batch import run_batch
from aimlapi_gemini.params import ChatCompletionMessageParam, ChatCompletionRequestParam


def wrong(client: AIMLAPI) -> ChatCompletionRequestParam:
    messages: list[ChatCompletionMessageParam] = [USER_MESSAGE]
    completion = client.chat.completions.create(model="gemini-pro", messages=messages)
    messages.append(completion)  # E: "ChatCompletion" cannot be assigned
    messages.append(completion.choices[0])  # E: "ChatCompletionChoice" cannot be assigned
    client.chat.completions.create(model="m", messages=messages, logit_bias={"42": "high"})  # needs: logit_bias # E: logit_bias
    client.chat.completions.create(model="gemini-pro", messages=messages, stop=[1])  # needs: stop # E: stop
    run_batch("in.jsonl", "out.jsonl", concurency=8)  # E: concurency
    return {"model": "gemini-pro", "messages": [], "logit_bias": {"42": "x"}}  # needs: logit_bias # E: is not assignable
    return {"model": "gemini-pro", "messages": []}
"""


def for_this_spec(source: str) -> str:
    """The source with each `# needs:` line whose fields the spec lacks blanked (they are checked
    absent), and the spec's user message, as a Python literal, for USER_MESSAGE."""
    lines = []
    for line in source.replace("USER_MESSAGE", repr(spec.user_message("hi"))).splitlines():
        fields = line.partition("# needs: ")[2].partition(" # E:")[0].split()
        lines.append(line if all(_present(field) for field in fields) else "")
    return "\n".join(lines) + "\n"


def _present(need: str) -> bool:
    return spec.feature_present(need) if ":" in need else spec.field_present(need)


def _pyright(tmp_path: Path, source: str) -> dict[int, str]:
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"}), encoding="utf-8"
    )
    (tmp_path / "checked.py").write_text(source, encoding="utf-8")
    command = [*pyright_command(), "--pythonpath", sys.executable, "--outputjson", "checked.py"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300)
    report = json.loads(result.stdout)
    assert report["summary"]["filesAnalyzed"] == 1, report["summary"]
    found: dict[int, str] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            line = diagnostic["range"]["start"]["line"] + 1
            found[line] = found.get(line, "") + diagnostic["message"]
    return found


def test_pyright_strict_takes_what_the_surface_takes(tmp_path: Path) -> None:
    assert _pyright(tmp_path, for_this_spec(VALID)) == {}


def test_pyright_strict_refuses_each_wrong_line(tmp_path: Path) -> None:
    wrong = for_this_spec(WRONG)
    found = _pyright(tmp_path, wrong)
    expected = {n: line.split("# E: ")[1] for n, line in enumerate(wrong.splitlines(), 1) if "# E: " in line}
    assert set(found) == set(expected), found
    for number, words in expected.items():
        assert words in found[number], (wrong.splitlines()[number - 1], found[number])
