"""What the TypedDicts must reject: mypy --strict on deliberately wrong dict literals finds each error.

The wrong code is a string written to a temporary file (it cannot live under tests/, which
tests/test_quality.py type-checks and expects clean). Its twin, the code that must type-check, is
test_typed_params.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Each line that must be an error, tagged with the text mypy's message must contain.
WRONG = """
from aimlapi_gemini.params import ChatCompletionMessageParam as Message
from aimlapi_gemini.params import ChatCompletionRequestParam as Request
from aimlapi_gemini.params import ChatCompletionToolParam as Tool

messages: list[Message] = [{"role": "user", "content": "hi"}]
typo: Request = {"model": "gemini-pro", "messages": messages, "max_token": 5}  # E: "max_token"
no_messages: Request = {"model": "gemini-pro"}  # E: "messages"
messages.append({"role": "usr", "content": "hi"})  # E: append
messages.append({"role": "user", "content": 3})  # E: append
messages.append({"role": "tool", "content": "42"})  # E: append
tool: Tool = {"type": "function", "function": {"name": "f", "descripton": "d"}}  # E: "descripton"
hot: Request = {"model": "gemini-pro", "messages": [], "temperature": "hot"}  # E: "temperature"
bias: Request = {"model": "gemini-pro", "messages": [], "logit_bias": {"42": "high"}}  # E: "str": "float"

from aimlapi_gemini import AIMLAPI
client = AIMLAPI(api_key="k")
client.chat.completions.create(model="gemini-pro", messages=[{"role": "user", "content": "hi"}])
client.chat.completions.create(model="x", messages=[{"role": "usr", "content": "x"}])  # E: [list-item]
completion = client.chat.completions.create(model="gemini-pro", messages=messages)
messages.append(completion.choices[0].message)
messages.append(completion)  # E: append
messages.append(completion.choices[0])  # E: append
client.chat.completions.create(model="gemini-pro", messages=[completion])  # E: "ChatCompletion"; expected
client.chat.completions.create(model="x", messages=messages, logit_bias={"42": -5})
client.chat.completions.create(model="x", messages=messages, logit_bias={"42": "high"})  # E: "str": "float"
client.chat.completions.create(model="x", messages=messages, logit_bias=["42"])  # E: [call-overload]
client.chat.completions.create(model="x", messages=messages, stop=("a", "b"))
client.chat.completions.create(model="x", messages=messages, stop=[1])  # E: type "int"; expected "str"
"""


def test_mypy_rejects_each_wrong_dict_literal(tmp_path: Path) -> None:
    source = tmp_path / "wrong_params.py"
    source.write_text(WRONG, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--show-error-codes", str(source)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    errors: dict[int, str] = {}
    for line in result.stdout.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and parts[0].endswith("wrong_params.py") and parts[1].isdigit():
            errors[int(parts[1])] = errors.get(int(parts[1]), "") + parts[3]
    expected = {
        number: line.split("# E: ", 1)[1]
        for number, line in enumerate(WRONG.splitlines(), start=1)
        if "# E: " in line
    }
    for number, needle in expected.items():
        wrong = WRONG.splitlines()[number - 1]
        assert number in errors, f"line {number} type-checked: {wrong}\n{result.stdout}"
        assert needle in errors[number], (number, errors[number])
    # And nothing else: the lines without a tag are valid.
    assert set(errors) == set(expected), result.stdout
