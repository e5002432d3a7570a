"""Deterministic replies: the same request body (and X-Reply-Tokens) always gets the same answer.

Everything random-looking (id, created, which filler sentences) comes from a SHA-256 of the
canonical JSON of the request. Tokens are whitespace-separated words: `max_tokens`, `usage`
and X-Reply-Tokens all count them that way.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import cycle, islice
from typing import Any

from aimlapi_gemini._spec_facts import MODEL_IDS

from .arguments import example_arguments

DEFAULT_MAX_TOKENS = 512
_BASE_CREATED = 1_744_217_468
_FILLER = (
    "That is a good question to start with.",
    "The short answer depends on a few details you have not mentioned yet.",
    "In most cases the simplest approach works best, so begin there.",
    "If you share more context, I can give a more specific answer.",
    "Here is a summary of the main points to keep in mind.",
    "Many people find it helpful to break the problem into smaller steps.",
    "Let me know if you would like examples or further explanation.",
    "I hope this helps you move forward.",
)


@dataclass(frozen=True)
class ToolCallPlan:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ReplyPlan:
    """What the model 'says': text pieces (one per token) or tool calls, and why it stopped."""

    completion_id: str
    created: int
    pieces: tuple[str, ...]
    tool_calls: tuple[ToolCallPlan, ...]
    finish_reason: str
    prompt_tokens: int
    model: str

    @property
    def content(self) -> str | None:
        return None if self.tool_calls else "".join(self.pieces)

    @property
    def completion_tokens(self) -> int:
        if self.tool_calls:
            return sum(len(call.arguments.split()) for call in self.tool_calls)
        return len(self.pieces)

    def usage(self) -> dict[str, int]:
        completion = self.completion_tokens
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
        }

    def completion(self) -> dict[str, Any]:
        """The reply as a `chat.completion` object."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return {
            "id": self.completion_id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self.usage(),
        }


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message: plain content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def _last_user_text(messages: list[Mapping[str, Any]]) -> str:
    return next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")


def _opening(messages: list[Mapping[str, Any]]) -> str:
    last = messages[-1] if messages else {}
    if last.get("role") in ("tool", "function"):
        result = " ".join(message_text(last).split()[:12]) or "nothing"
        return f'The tool returned "{result}". Based on that result, here is what it means.'
    words = _last_user_text(messages).split()
    if not words:
        return "Hello! How can I help you today?"
    topic = " ".join(words[:12]) + (" ..." if len(words) > 12 else "")
    return f'You wrote: "{topic}". Here is my reply.'


def _words(messages: list[Mapping[str, Any]], digest: bytes) -> Iterator[str]:
    """An endless, deterministic stream of words: the opening, then filler sentences."""
    yield from _opening(messages).split()
    start = digest[0] % len(_FILLER)
    for sentence in cycle(_FILLER[start:] + _FILLER[:start]):
        yield from sentence.split()


def _natural_length(messages: list[Mapping[str, Any]], digest: bytes) -> int:
    """The opening plus one to three whole filler sentences, so replies end at a full stop."""
    start = digest[0] % len(_FILLER)
    sentences = (_FILLER[(start + i) % len(_FILLER)] for i in range(1 + digest[1] % 3))
    return len(_opening(messages).split()) + sum(len(s.split()) for s in sentences)


def _cut_at_stop(text: str, stop: object) -> tuple[str, bool]:
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    hits = [text.find(s) for s in stops if isinstance(s, str) and s and s in text]
    return (text[: min(hits)], True) if hits else (text, False)


def _pieces(text: str) -> tuple[str, ...]:
    """Split into tokens, each carrying its leading whitespace, so that they join back to `text`."""
    pieces = re.findall(r"\s*\S+", text)
    tail = text[len("".join(pieces)) :]
    if pieces and tail:
        pieces[-1] += tail
    return tuple(pieces)


def _chosen_tool(body: Mapping[str, Any]) -> tuple[str, Any] | None:
    """Which function to call, with its parameter schema, or None for a text reply."""
    # Function tools only: a revision may also take other kinds (custom tools, allowed_tools
    # choices), which this server answers in words.
    tools = [
        t["function"]
        for t in body.get("tools") or []
        if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping) and "name" in t["function"]
    ]
    choice = body.get("tool_choice")
    if choice == "none":
        return None
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if not (isinstance(function, Mapping) and isinstance(function.get("name"), str)):
            return None
        name = function["name"]
        return name, next((t.get("parameters") for t in tools if t["name"] == name), None)
    if not tools:
        return None
    messages = body["messages"]
    if choice != "required" and messages and messages[-1].get("role") in ("tool", "function"):
        return None  # the model has its tool result and now answers in words
    user_text = _last_user_text(messages)
    tool = next((t for t in tools if t["name"] and t["name"] in user_text), tools[0])
    return tool["name"], tool.get("parameters")


def reported_model(requested: str) -> str:
    """The model a reply names: the spec's id that is `requested` with a provider in front, as the
    vendor answers `google/gemini-pro` to `gemini-pro`; else `requested` itself."""
    return next((model for model in MODEL_IDS if model.endswith("/" + requested)), requested)


def _token_cap(value: Any) -> int:
    """``max_tokens`` as a count of words: a spec may type it ``integer`` (and JSON Schema 2020-12
    counts 1.0 as one) or ``number`` without bounds, so a valid body may send 2.5, -3 or 1e400
    (which JSON parsers read as infinity): fractions round down, below zero is none, no finite
    value is no cap."""
    if isinstance(value, float) and not math.isfinite(value):
        return sys.maxsize
    return max(0, min(int(value), sys.maxsize))


def plan_reply(body: Mapping[str, Any], reply_tokens: int | None = None) -> ReplyPlan:
    """Plan the reply to a schema-valid request body."""
    # `stream` (and its options) only change the framing, so streamed and whole replies carry the same text.
    framing_free = {key: value for key, value in body.items() if key not in ("stream", "stream_options")}
    canonical = json.dumps(framing_free, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{canonical}|{reply_tokens}".encode()).digest()
    messages: list[Mapping[str, Any]] = body["messages"]
    completion_id = "chatcmpl-" + digest.hex()[:29]
    created = _BASE_CREATED + int.from_bytes(digest[2:6]) % 10_000_000
    prompt_tokens = sum(len(message_text(m).split()) for m in messages)
    model = reported_model(str(body["model"]))

    tool = _chosen_tool(body)
    if tool is not None:
        name, parameters = tool
        arguments = json.dumps(example_arguments(parameters, _last_user_text(messages)))
        call = ToolCallPlan(id="call_" + digest.hex()[29:53], name=name, arguments=arguments)
        return ReplyPlan(completion_id, created, (), (call,), "tool_calls", prompt_tokens, model)

    # X-Reply-Tokens is capped only by an explicit max_tokens, not by the 512 default, so that
    # long-stream tests need not know about the default.
    default_cap = DEFAULT_MAX_TOKENS if reply_tokens is None else reply_tokens
    max_tokens = _token_cap(body.get("max_tokens", default_cap))
    wanted = reply_tokens if reply_tokens is not None else _natural_length(messages, digest)
    text = " ".join(islice(_words(messages, digest), min(wanted, max_tokens)))
    text, stopped = _cut_at_stop(text, body.get("stop"))
    finish = "length" if not stopped and wanted > max_tokens else "stop"
    return ReplyPlan(completion_id, created, _pieces(text), (), finish, prompt_tokens, model)
