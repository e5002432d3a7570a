"""What the clients send and parse: the same bodies for every client, since the server's reply
depends on the body; where and with which key header raw clients send them (the spec's). The
bodies hold only what the spec has (scripts/spec_features.py), so the bench runs, and this module
type-checks, whatever a vendor revision drops."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

import attrs
from spec_features import (
    content_part_schemas,
    content_part_types,
    has_request_field,
    message_model,
    missing_features,
    optional_model,
    user_message,
)

from aimlapi_gemini.testing._server.spec import credential_headers, find_operation, sample_model

API_KEY = "bench-key"
# The spec's chat path and key header, for the raw httpx baselines.
CHAT_PATH = find_operation().path
RAW_HEADERS = {**credential_headers(API_KEY), "Content-Type": "application/json"}
MODEL = sample_model()


SYSTEM_TEXT = "You are brief and exact."
QUESTION = "What is the capital of France, and why is it famous?"
# The conversation's message kinds, in order, each with the spec features it needs
# (spec_features.has_feature): a kind the spec lacks is left out of the conversation, so the bench
# runs whatever a vendor revision drops (even the system role). The committed spec has all six.
# The user kind is the spec's user message holding QUESTION (`question`): a string, a text part,
# or where user messages take no text (an audio captioner), the message the spec's schema builds.
KIND_NEEDS: dict[str, frozenset[str]] = {
    "system": frozenset({"role:system"}),
    "user": frozenset(),
    "assistant": frozenset(
        {"message_field:assistant:tool_calls", "schema:ToolCall", "schema:ToolCallFunction"}
    ),
    "tool": frozenset({"role:tool"}),
    "function": frozenset({"role:function"}),
    "user_image": frozenset({"part:user:text", "part:user:image_url"}),
}
_BODIES: dict[str, dict[str, Any]] = {
    "system": {"role": "system", "content": SYSTEM_TEXT},
    "assistant": {
        "role": "assistant",
        "content": "Let me look that up.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "lookup", "arguments": '{"q": "Paris"}'},
            }
        ],
    },
    "tool": {"role": "tool", "content": '{"answer": "Paris"}', "tool_call_id": "call_1"},
    "function": {"role": "function", "content": "Paris", "name": "lookup"},
    "user_image": {
        "role": "user",
        "content": [
            {"type": "text", "text": "And what is in this picture?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/eiffel.png", "detail": "low"}},
        ],
    },
}
# Sent with every request, where the spec has the field.
OPTIONS: dict[str, Any] = {"max_tokens": 64, "temperature": 0.7}


@functools.cache  # the spec is read once; the bench's build row times typed_request as a whole
def message_kinds() -> tuple[str, ...]:
    """The kinds of KIND_NEEDS this spec takes, in order."""
    return tuple(kind for kind, needs in KIND_NEEDS.items() if not missing_features(needs))


@functools.cache  # as message_kinds: its validator is built once, not in the timed builds
def question() -> dict[str, Any]:
    """The user kind's message: QUESTION as the spec takes a user message (spec_features.user_message)."""
    message: dict[str, Any] = user_message(QUESTION)
    return message


def forget_spec() -> None:
    """Drop what this module read from the spec (for tests that swap the spec under it)."""
    message_kinds.cache_clear()
    question.cache_clear()


def _message(kind: str) -> dict[str, Any]:
    return copy.deepcopy(question() if kind == "user" else _BODIES[kind])


def _options() -> dict[str, Any]:
    return {name: value for name, value in OPTIONS.items() if has_request_field(name)}


def request_body(messages: int = 1) -> dict[str, Any]:
    """A request with one question, or a conversation of `messages` cycling through the kinds."""
    kinds = ("user",) if messages == 1 else message_kinds()
    bodies = [_message(kind) for kind in kinds]  # each call its own, as callers may edit
    chosen = [bodies[i % len(bodies)] for i in range(messages)]
    return {"model": MODEL, "messages": chosen, **_options()}


def _typed_makers() -> dict[str, Callable[[], Any]]:
    """Per kind this spec takes, a function building its message with the generated models'
    constructors (a user message of content parts is parsed by its model). The models only some
    revisions have are looked up by name (optional_model), and the message models by role
    (message_model: one per role, or one the roles share), once, so that this module type-checks
    whatever the spec drops."""
    from aimlapi_gemini import models as m

    kinds = message_kinds()
    user_model = message_model("user")
    asked, content = question(), question()["content"]
    makers: dict[str, Callable[[], Any]] = {}
    if isinstance(content, str):
        makers["user"] = lambda: user_model(role="user", content=content)
    else:
        # Content parts (a text part; audio where the spec takes no text): the model parses them,
        # whatever part models the spec has.
        makers["user"] = lambda: user_model.from_dict(asked)
    if "system" in kinds:
        system_message = message_model("system")
        makers["system"] = lambda: system_message(role="system", content=SYSTEM_TEXT)
    if "assistant" in kinds:
        tool_call, call_function = optional_model("ToolCall"), optional_model("ToolCallFunction")
        assistant = message_model("assistant")  # takes tool_calls only where the spec has them

        def assistant_message() -> Any:
            call = tool_call(
                id="call_1",
                type_="function",
                function=call_function(name="lookup", arguments='{"q": "Paris"}'),
            )
            return assistant(role="assistant", content="Let me look that up.", tool_calls=[call])

        makers["assistant"] = assistant_message
    if "tool" in kinds:
        tool_message = optional_model("ToolMessage")
        makers["tool"] = lambda: tool_message(
            role="tool", content='{"answer": "Paris"}', tool_call_id="call_1"
        )
    if "function" in kinds:
        function_message = optional_model("FunctionMessage")
        makers["function"] = lambda: function_message(role="function", content="Paris", name="lookup")
    if "user_image" in kinds:
        # The part models found by their type, not their names: a revision may give "ImageContentPart"
        # to a part of another shape (an image by source), leaving the image_url part its place name.
        parts = dict(zip(content_part_types("user"), content_part_schemas("user"), strict=True))
        text_part, image_part = getattr(m, parts["text"]), getattr(m, parts["image_url"])
        # Its image_url's model, whatever the revision names it: the field's annotation says
        # (a string, the models' annotations being postponed).
        url_model = getattr(m, str(attrs.fields_dict(image_part)["image_url"].type).split("|")[0].strip())
        makers["user_image"] = lambda: user_model(
            role="user",
            content=[
                text_part(type_="text", text="And what is in this picture?"),
                image_part(
                    type_="image_url", image_url=url_model(url="https://example.com/eiffel.png", detail="low")
                ),
            ],
        )
    return makers


def typed_request(messages: int) -> Any:
    """The same conversation as ``request_body(messages)``, built from the generated models."""
    from aimlapi_gemini import models as m

    makers = _typed_makers()
    kinds = [makers[kind] for kind in (("user",) if messages == 1 else message_kinds())]
    options: Any = _options()  # the keywords the request model takes for this spec
    return m.ChatCompletionRequest(
        model=MODEL, messages=[kinds[i % len(kinds)]() for i in range(messages)], **options
    )


def large_completion(choices: int = 32, tokens: int = 64) -> dict[str, Any]:
    def logprob(i: int) -> dict[str, Any]:
        return {
            "token": f"tok{i}",
            "logprob": -0.25 * (i % 7),
            "bytes": [116, 111, 107],
            "top_logprobs": [{"token": f"alt{j}", "logprob": -1.0 - j, "bytes": [97]} for j in range(3)],
        }

    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": [
            {
                "index": c,
                "finish_reason": "tool_calls" if c % 2 else "stop",
                "message": {
                    "role": "assistant",
                    "content": None if c % 2 else "word " * tokens,
                    "tool_calls": [
                        {
                            "id": f"call_{c}_{k}",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": json.dumps({"q": "x" * 20, "k": k})},
                        }
                        for k in range(3)
                    ]
                    if c % 2
                    else None,
                },
                "logprobs": {"content": [logprob(i) for i in range(tokens)], "refusal": None},
            }
            for c in range(choices)
        ],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": choices * tokens,
            "total_tokens": 100 + choices * tokens,
        },
    }
