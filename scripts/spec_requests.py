"""Requests a resolved spec takes, for code that must send one whatever the revision (the vendor
sweep's smoke test, the tests' doubles through spec_features): a user message, a function tool.

A revision may take user text as a string, only as text parts, or no text at all (a captioner's
user messages take audio parts only); the first form the spec's request schema accepts is used,
checked with the change report's JSON Schema 2020-12 validator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FUNCTION_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
# A model id every revision takes (ours are added to the document's own: x-extensible-enum).
MODEL_ID = "gemini-pro"


def chat_operation(spec: dict[str, Any]) -> dict[str, Any]:
    """The resolved spec's chat-completions operation (marked by the pipeline)."""
    operations: list[dict[str, Any]] = [
        item["post"]
        for item in spec["paths"].values()
        if isinstance(item.get("post"), dict) and item["post"].get("x-chat-completions")
    ]
    (operation,) = operations
    return operation


def request_validator(spec: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """Whether a request body is valid for the spec's chat operation, $refs resolved in the whole
    document."""
    from codegen.spec_diff.examples import NEW_URI, validator

    schema = chat_operation(spec)["requestBody"]["content"]["application/json"]["schema"]
    checker = validator(schema, spec, NEW_URI)
    return lambda body: bool(checker.is_valid(body))


def user_message(
    spec: dict[str, Any],
    text: str = "Hello",
    valid: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any] | None:
    """A user message the spec takes: ``text`` as a string, else as one text part, else the first
    user message its schema's examples build that a request takes; None when none is taken.
    ``valid`` judges a whole request body (default: the spec's request schema)."""
    from codegen.spec_diff.examples import ExampleBuilder

    valid = valid or request_validator(spec)
    for message in (
        {"role": "user", "content": text},
        {"role": "user", "content": [{"type": "text", "text": text}]},
    ):
        if valid({"model": MODEL_ID, "messages": [message]}):
            return message
    request = spec["components"]["schemas"].get("ChatCompletionRequest", {})
    items = request.get("properties", {}).get("messages", {}).get("items")
    if items is None:
        return None
    for example in ExampleBuilder(spec).examples(items):
        if (
            isinstance(example, dict)
            and example.get("role") == "user"
            and valid({"model": MODEL_ID, "messages": [example]})
        ):
            return example
    return None
