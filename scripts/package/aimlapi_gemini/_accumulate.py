"""Join the chunks of a streamed chat completion into the dict of the whole ``ChatCompletion``.

Shared by ``Stream`` and ``AsyncStream``. Choices are matched by ``index``; content, refusal and
logprobs are concatenated; role and finish_reason are the last ones sent; usage comes from the last
chunk carrying it; tool-call pieces are matched by their ``index``, id/type/name taken from the
first piece that has them and the arguments concatenated. The result is a plain dict, so that
``ChatCompletion.from_dict`` validates it like any reply body.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from aimlapi_gemini.models import ChatCompletion, ChoiceLogprobs, CompletionUsage
from aimlapi_gemini.types import UNSET

from ._chat_stream_events import (
    ChatCompletionSnapshot,
    ChoiceSnapshot,
    FunctionSnapshot,
    MessageSnapshot,
    ToolCallSnapshot,
)
from ._exceptions import PARSE_ERRORS
from ._response import validation_error

__all__ = ["CompletionAccumulator", "final_completion"]


def _given(value: object) -> bool:
    return value is not UNSET and value is not None


# The per-chunk code below tests the same inline, ``x is not UNSET and x is not None``: most
# fields of most chunks are UNSET, settled by one identity test instead of a call (a third of a
# stream's CPU went to these calls). UNSET is one object, even after a pickle or a copy (_types).


def _as_dict(value: Any) -> Any:
    return value.to_dict() if hasattr(value, "to_dict") else value


class _ToolCall:
    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []

    def add(self, piece: Any) -> None:
        if self.id is None and _given(piece.id):
            self.id = piece.id
        if self.type is None and _given(piece.type_):
            self.type = str(piece.type_)
        function = piece.function
        if _given(function):
            if self.name is None and _given(function.name):
                self.name = function.name
            if _given(function.arguments):
                self.arguments.append(function.arguments)

    def to_dict(self) -> dict[str, Any]:
        call: dict[str, Any] = {"function": {"arguments": "".join(self.arguments)}}
        if self.id is not None:
            call["id"] = self.id
        call["type"] = self.type if self.type is not None else "function"
        if self.name is not None:
            call["function"]["name"] = self.name
        return call

    def snapshot(self, index: int) -> ToolCallSnapshot:
        function = FunctionSnapshot(name=self.name, arguments="".join(self.arguments))
        return ToolCallSnapshot(index=index, id=self.id, type=self.type or "function", function=function)


class _Choice:
    __slots__ = ("content", "finish_reason", "logprobs", "refusal", "role", "tool_calls")

    def __init__(self) -> None:
        self.role: str | None = None
        self.content: list[str] | None = None  # None until a piece (even "") arrives
        self.refusal: list[str] | None = None
        self.finish_reason: str | None = None
        self.logprobs: dict[str, list[Any] | None] | None = None
        self.tool_calls: dict[int, _ToolCall] = {}

    def add(self, choice: Any) -> None:
        # Most fields of most chunks are UNSET or None: each is settled by identity tests first.
        delta = choice.delta
        if delta is not UNSET and delta is not None:
            content = delta.content
            if content is not UNSET and content is not None:
                pieces = self.content
                if pieces is None:
                    self.content = [content]
                else:
                    pieces.append(content)
            role = delta.role
            if role is not UNSET and role is not None:
                self.role = str(role)
            refusal = delta.refusal
            if refusal is not UNSET and refusal is not None:
                if self.refusal is None:
                    self.refusal = []
                self.refusal.append(refusal)
            tool_calls = delta.tool_calls
            if tool_calls is not UNSET and tool_calls is not None:
                for piece in tool_calls:
                    call = self.tool_calls.get(piece.index)
                    if call is None:
                        call = self.tool_calls[piece.index] = _ToolCall()
                    call.add(piece)
        finish_reason = choice.finish_reason
        if finish_reason is not None and finish_reason is not UNSET:
            self.finish_reason = str(finish_reason)
        logprobs = choice.logprobs
        if logprobs is not None and logprobs is not UNSET:
            self._add_logprobs(logprobs)

    def _add_logprobs(self, logprobs: Any) -> None:
        if self.logprobs is None:
            self.logprobs = {"content": None, "refusal": None}
        for key in ("content", "refusal"):
            tokens = getattr(logprobs, key)
            if _given(tokens):
                joined = self.logprobs[key]
                if joined is None:
                    joined = self.logprobs[key] = []
                joined.extend(_as_dict(token) for token in tokens)

    def to_dict(self, index: int) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": self.role if self.role is not None else "assistant",
            "content": None if self.content is None else "".join(self.content),
        }
        if self.refusal is not None:
            message["refusal"] = "".join(self.refusal)
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i].to_dict() for i in sorted(self.tool_calls)]
        choice: dict[str, Any] = {"index": index, "message": message}
        if self.finish_reason is not None:  # absent when the stream stopped before the choice ended
            choice["finish_reason"] = self.finish_reason
        if self.logprobs is not None:
            choice["logprobs"] = self.logprobs
        return choice

    def snapshot(self, index: int) -> ChoiceSnapshot:
        calls = self.tool_calls
        message = MessageSnapshot(
            role=self.role if self.role is not None else "assistant",
            content=None if self.content is None else "".join(self.content),
            refusal=None if self.refusal is None else "".join(self.refusal),
            tool_calls=[calls[i].snapshot(i) for i in sorted(calls)] if calls else None,
        )
        logprobs = None if self.logprobs is None else ChoiceLogprobs.from_dict(self.logprobs)
        return ChoiceSnapshot(
            index=index, message=message, finish_reason=self.finish_reason, logprobs=logprobs
        )


class CompletionAccumulator:
    """Feed it every chunk in order (``add``); ``snapshot()`` is the completion so far, as a dict."""

    def __init__(self) -> None:
        self.chunks = 0
        """How many chunks were added."""
        self._envelope: dict[str, Any] | None = None
        self._choices: dict[int, _Choice] = {}
        self._usage: dict[str, Any] | None = None
        self._usage_model: CompletionUsage | None = None

    def add(self, chunk: Any) -> None:
        self.chunks += 1
        if self._envelope is None:
            self._envelope = {
                "id": chunk.id,
                "object": "chat.completion",
                "created": chunk.created,
                "model": chunk.model,
            }
        fingerprint = chunk.system_fingerprint
        if fingerprint is not None and fingerprint is not UNSET:
            self._envelope["system_fingerprint"] = fingerprint
        usage = chunk.usage
        if usage is not None and usage is not UNSET:
            self._usage_model = usage
            self._usage = usage.to_dict()
        choices = self._choices
        for choice in chunk.choices:
            joined = choices.get(choice.index)
            if joined is None:
                joined = choices[choice.index] = _Choice()
            joined.add(choice)

    def snapshot(self) -> dict[str, Any] | None:
        """The ``ChatCompletion`` joined so far as a JSON-shaped dict; None before the first chunk.

        Mid-stream it may lack what only the end brings (``finish_reason``, ``usage``).
        """
        if self._envelope is None:
            return None
        completion = dict(self._envelope)
        completion["choices"] = [self._choices[i].to_dict(i) for i in sorted(self._choices)]
        if self._usage is not None:
            completion["usage"] = self._usage
        return completion

    def typed_snapshot(self) -> ChatCompletionSnapshot | None:
        """``snapshot()`` as typed objects (the stream events'); None before the first chunk."""
        envelope = self._envelope
        if envelope is None:
            return None
        return ChatCompletionSnapshot(
            id=envelope["id"],
            created=envelope["created"],
            model=envelope["model"],
            choices=[self._choices[i].snapshot(i) for i in sorted(self._choices)],
            usage=self._usage_model,
            system_fingerprint=envelope.get("system_fingerprint"),
        )

    def text(self, index: int = 0) -> str | None:
        """The content of one choice so far (None when it has none)."""
        choice = self._choices.get(index)
        return None if choice is None or choice.content is None else "".join(choice.content)


def final_completion(accumulator: CompletionAccumulator, response: httpx.Response) -> ChatCompletion:
    """The joined completion, validated by ``ChatCompletion.from_dict`` (``usage`` None when the
    stream reported none); a join that does not fit (no chunk, a choice without finish_reason, a
    tool call without an id) is ``APIResponseValidationError``."""
    joined = accumulator.snapshot()
    try:
        if joined is None:
            raise ValueError("the stream carried no chunk")
        # A stream reports usage only when asked (stream_options.include_usage): null then.
        joined.setdefault("usage", None)
        return ChatCompletion.from_dict(joined)
    except PARSE_ERRORS as exc:
        text = json.dumps(joined)
        where = f"completion joined from {accumulator.chunks} chunks"
        raise validation_error(response, text, "ChatCompletion", exc, where) from exc
