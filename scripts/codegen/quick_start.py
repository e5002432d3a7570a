"""The package README's quick start message, in a form the resolved spec takes: the question as a
string, else as one text part, else a recording of it as an ``input_audio`` part (read from a file by
lines the quick start shows first), else the first user message the schema's examples build.

Each form is checked with the change report's JSON Schema 2020-12 validator on the whole request,
so the quick start that pip users copy is always a request the API takes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .spec_diff.examples import NEW_URI, ExampleBuilder, validator
from .spec_facts import chat_operation

QUESTION = "Why is the sky blue?"
SOUND_FILE = "question.wav"
# What the quick start's lines read the recording into, and a stand-in for it in the checks.
SOUND_NAME = "sound"
_SOUND_STAND_IN = "UklGRiQAAABXQVZF"
# The lines that read the recording (base64, as the input_audio part carries it).
_SOUND_SETUP = (
    "import base64\n"
    "from pathlib import Path\n\n"
    f'{SOUND_NAME} = base64.b64encode(Path("{SOUND_FILE}").read_bytes()).decode()  # the question, recorded\n\n'
)


@dataclass(frozen=True)
class QuickStart:
    """``content``: the user message's content as a Python expression; ``setup``: lines before it."""

    content: str
    setup: str = ""


def _audio_parts() -> list[dict[str, Any]]:
    audio = {"data": _SOUND_STAND_IN}
    return [
        {"type": "input_audio", "input_audio": audio},
        {"type": "input_audio", "input_audio": {**audio, "format": "wav"}},
    ]


def quick_start(spec: dict[str, Any], model: str) -> QuickStart:
    _, _, operation, _ = chat_operation(spec)
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    checker = validator(schema, spec, NEW_URI)

    def taken(content: Any) -> bool:
        message = {"role": "user", "content": content}
        return bool(checker.is_valid({"model": model, "messages": [message]}))

    for content in (QUESTION, [{"type": "text", "text": QUESTION}]):
        if taken(content):
            return QuickStart(_python(content))
    for part in _audio_parts():
        if taken([part]):
            literal = _python([part]).replace(json.dumps(_SOUND_STAND_IN), SOUND_NAME)
            return QuickStart(literal, _SOUND_SETUP)
    items = schema.get("properties", {}).get("messages", {}).get("items")
    builder = ExampleBuilder(spec)
    for example in builder.examples(items) if items is not None else []:
        if isinstance(example, dict) and example.get("role") == "user" and taken(example.get("content")):
            return QuickStart(_python(example["content"]))
    return QuickStart(_python(QUESTION))  # no user message fits: the request check will say why


def _python(value: Any) -> str:
    """``value`` (JSON data) as a Python literal, written as the README writes its dicts."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_python(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_python(str(key))}: {_python(item)}" for key, item in value.items()) + "}"
    return repr(value)
