"""What the TypedDicts must reject: mypy --strict on deliberately wrong dict literals finds each error.

The wrong code is a string written to a temporary file (it cannot live under tests/, which
tests/repo/test_quality.py type-checks and expects clean). Its twin, the code that must type-check, is
test_typed_params.py.
"""

# ruff: noqa: E501 (one snippet line per entry, as mypy reads it)

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import spec_features as spec

REPO = Path(__file__).resolve().parents[2]

# Each line that must be an error, tagged with the text mypy's message must contain; lines
# without a tag must type-check. Lines about an optional part of the request come with the part
# they need (spec_features), and are checked only when this revision of the spec has it.
ALWAYS = None
# The parts beyond request fields: OpenAI function tools, and replies that go back as messages.
FUNCTION_TOOLS, REPLAY = "function tools", "replay"


def _message_error(item: str) -> str:
    """What mypy names for a message dict wrong in `item`: against a union of several message
    TypedDicts (per-role ones, and also a shared one) only the whole append fails; against the
    one TypedDict all roles share, the item that is wrong."""
    return f'TypedDict item "{item}"' if len(spec.message_kinds()) == 1 else "append"


# The spec's user message as a Python literal (it may take no text), and the same with one value
# wrong, so that each wrong line is wrong in that value alone.
USER = repr(spec.user_message("hi"))
WRONG_ROLE = repr({**spec.user_message("hi"), "role": "usr"})
WRONG_CONTENT = repr({**spec.user_message("hi"), "content": 3})

LINES: list[tuple[str | None, str]] = [
    (ALWAYS, "from aimlapi_gemini.params import ChatCompletionMessageParam as Message"),
    (ALWAYS, "from aimlapi_gemini.params import ChatCompletionRequestParam as Request"),
    (FUNCTION_TOOLS, "from aimlapi_gemini.params import ChatCompletionToolParam as Tool"),
    (ALWAYS, f"messages: list[Message] = [{USER}]"),
    (
        "max_tokens",
        'typo: Request = {"model": "gemini-pro", "messages": messages, "max_token": 5}  # E: "max_token"',
    ),
    (ALWAYS, 'unknown: Request = {"model": "gemini-pro", "messages": messages, "colour": 5}  # E: "colour"'),
    (ALWAYS, 'no_messages: Request = {"model": "gemini-pro"}  # E: "messages"'),
    (ALWAYS, f"messages.append({WRONG_ROLE})  # E: {_message_error('role')}"),
    (ALWAYS, f"messages.append({WRONG_CONTENT})  # E: {_message_error('content')}"),
    (ALWAYS, f'messages.append({{"role": "tool", "content": "42"}})  # E: {_message_error("role")}'),
    (
        FUNCTION_TOOLS,
        'tool: Tool = {"type": "function", "function": {"name": "f", "descripton": "d"}}  # E: "descripton"',
    ),
    (
        "temperature",
        'hot: Request = {"model": "gemini-pro", "messages": [], "temperature": "hot"}  # E: "temperature"',
    ),
    (
        "logit_bias",
        'bias: Request = {"model": "gemini-pro", "messages": [], "logit_bias": {"42": "high"}}  # E: "str": "float"',
    ),
    (ALWAYS, "from aimlapi_gemini import AIMLAPI"),
    (ALWAYS, 'client = AIMLAPI(api_key="k")'),
    (ALWAYS, f'client.chat.completions.create(model="gemini-pro", messages=[{USER}])'),
    (ALWAYS, f'client.chat.completions.create(model="x", messages=[{WRONG_ROLE}])  # E: [list-item]'),
    (ALWAYS, 'completion = client.chat.completions.create(model="gemini-pro", messages=messages)'),
    (REPLAY, "messages.append(completion.choices[0].message)"),
    (REPLAY, "messages.append(completion.choices[0].message.model_dump(exclude_none=True))"),
    (REPLAY, "messages.append(completion.choices[0].message.model_dump())"),
    (ALWAYS, "messages.append(completion.model_dump())  # E: append"),
    (ALWAYS, "messages.append(completion.usage.model_dump(exclude_none=True))  # E: append"),
    (ALWAYS, "messages.append(dict(completion.choices[0].message.model_dump()))  # E: append"),
    (ALWAYS, "messages.append(completion)  # E: append"),
    (ALWAYS, "messages.append(completion.choices[0])  # E: append"),
    (
        ALWAYS,
        'client.chat.completions.create(model="gemini-pro", messages=[completion])  # E: "ChatCompletion"; expected',
    ),
    ("logit_bias", 'client.chat.completions.create(model="x", messages=messages, logit_bias={"42": -5})'),
    (
        "logit_bias",
        'client.chat.completions.create(model="x", messages=messages, logit_bias={"42": "high"})  # E: "str": "float"',
    ),
    (
        "logit_bias",
        'client.chat.completions.create(model="x", messages=messages, logit_bias=["42"])  # E: [call-overload]',
    ),
    ("stop", 'client.chat.completions.create(model="x", messages=messages, stop=("a", "b"))'),
    (
        "stop",
        'client.chat.completions.create(model="x", messages=messages, stop=[1])  # E: type "int"; expected "str"',
    ),
    # The types of the optional fields follow the schema (their twins, the wrong values, are above).
    (ALWAYS, "from typing import assert_type"),
    (ALWAYS, "from collections.abc import Mapping"),
    (
        "logit_bias",
        'biased: Request = {"model": "gemini-pro", "messages": [], "logit_bias": {"42": -5, "7": 2.5}}',
    ),
    ("logit_bias", 'assert_type(biased["logit_bias"], Mapping[str, float] | None)'),
]


def wrong_code() -> str:
    """The lines of LINES whose part of the request the spec has (absent parts: checked absent)."""
    needed = {feature for feature, _ in LINES if feature is not None}
    present = {feature for feature in needed if _present(feature)}
    lines = [line for feature, line in LINES if feature is None or feature in present]
    return "\n" + "\n".join([*lines, *_content_part_lines()]) + "\n"


def _present(feature: str) -> bool:
    if feature == FUNCTION_TOOLS:
        return spec.function_tools_present()
    if feature == REPLAY:
        return spec.reply_replayed()
    return spec.field_present(feature)


def _content_part_lines() -> list[str]:
    """A user message's content is what the spec says: text or a list of the parts this revision
    names, or (where user messages take no text) the list alone."""
    names = [f"{name}Param" for name in spec.content_part_model_names("user")]
    forms = {"string": "str", "array": f"Sequence[{' | '.join(names)}]", "null": "None"}
    content = " | ".join(forms[kind] for kind in spec.content_types("user"))
    user = f"{spec.class_of_role('user')}Param"
    return [
        "from collections.abc import Sequence",
        f"from aimlapi_gemini.params import {', '.join([user, *names])}",
        f"user: {user} = {USER}",
        f'assert_type(user["content"], {content})',
    ]


def test_mypy_rejects_each_wrong_dict_literal(tmp_path: Path) -> None:
    WRONG = wrong_code()
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
