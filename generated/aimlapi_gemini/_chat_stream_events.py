# Copied from scripts/package/aimlapi_gemini/_chat_stream_events.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The events of ``client.chat.completions.stream(...)`` and the completion snapshot they carry,
named as the OpenAI SDK names them (``event.type`` is the SDK's string: ``"content.delta"``...).

Plain frozen dataclasses: an event is built for every chunk, so they cost no validation; what they
carry comes from chunks the generated models already validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from aimlapi_gemini.models import ChatCompletionChunk, ChoiceLogprobs, CompletionUsage

__all__ = [
    "ChatCompletionSnapshot",
    "ChatCompletionStreamEvent",
    "ChoiceSnapshot",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionSnapshot",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "MessageSnapshot",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "ToolCallSnapshot",
]


@dataclass(frozen=True, slots=True)
class FunctionSnapshot:
    """The function of a tool call so far: its name (None until sent) and the arguments' JSON text so far."""

    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallSnapshot:
    """One tool call so far, matched up by ``index``."""

    index: int
    id: str | None
    type: str
    function: FunctionSnapshot


@dataclass(frozen=True, slots=True)
class MessageSnapshot:
    """A choice's message so far: ``content`` None until a piece of text arrives."""

    role: str
    content: str | None
    refusal: str | None
    tool_calls: list[ToolCallSnapshot] | None


@dataclass(frozen=True, slots=True)
class ChoiceSnapshot:
    """One choice so far; ``finish_reason`` None until its last chunk."""

    index: int
    message: MessageSnapshot
    finish_reason: str | None
    logprobs: ChoiceLogprobs | None


@dataclass(frozen=True, slots=True)
class ChatCompletionSnapshot:
    """The completion joined so far (the SDK's ``ParsedChatCompletionSnapshot``): not validated as a
    ``ChatCompletion``, since mid-stream it lacks what only the end brings (``finish_reason``,
    ``usage``); ``get_final_completion()`` gives the validated one."""

    id: str
    created: int
    model: str
    choices: list[ChoiceSnapshot]
    usage: CompletionUsage | None
    system_fingerprint: str | None
    object: Literal["chat.completion"] = "chat.completion"


@dataclass(frozen=True, slots=True)
class ChunkEvent:
    """Every chunk, as it arrives, with the completion joined so far (this chunk included)."""

    chunk: ChatCompletionChunk
    snapshot: ChatCompletionSnapshot
    type: Literal["chunk"] = field(default="chunk", init=False)


@dataclass(frozen=True, slots=True)
class ContentDeltaEvent:
    """A chunk's piece of text (``delta``) and the choice's text so far (``snapshot``)."""

    delta: str
    snapshot: str
    index: int = 0
    """The choice it belongs to."""
    type: Literal["content.delta"] = field(default="content.delta", init=False)


@dataclass(frozen=True, slots=True)
class ContentDoneEvent:
    """A choice's whole text: when the choice ends, or when its tool calls begin."""

    content: str
    index: int = 0
    type: Literal["content.done"] = field(default="content.done", init=False)


@dataclass(frozen=True, slots=True)
class RefusalDeltaEvent:
    """A chunk's piece of a refusal and the refusal so far."""

    delta: str
    snapshot: str
    index: int = 0
    type: Literal["refusal.delta"] = field(default="refusal.delta", init=False)


@dataclass(frozen=True, slots=True)
class RefusalDoneEvent:
    """A choice's whole refusal."""

    refusal: str
    index: int = 0
    type: Literal["refusal.done"] = field(default="refusal.done", init=False)


@dataclass(frozen=True, slots=True)
class FunctionToolCallArgumentsDeltaEvent:
    """A piece of a tool call's arguments (``arguments_delta``) and the arguments so far.
    ``index`` is the tool call's (as in the SDK), ``name`` its function's ("" until sent)."""

    name: str
    index: int
    arguments: str
    arguments_delta: str
    type: Literal["tool_calls.function.arguments.delta"] = field(
        default="tool_calls.function.arguments.delta", init=False
    )


@dataclass(frozen=True, slots=True)
class FunctionToolCallArgumentsDoneEvent:
    """A tool call's whole arguments (JSON text, as the model wrote them: check before use): when
    the next tool call begins or the choice ends."""

    name: str
    index: int
    arguments: str
    type: Literal["tool_calls.function.arguments.done"] = field(
        default="tool_calls.function.arguments.done", init=False
    )


ChatCompletionStreamEvent: TypeAlias = (
    ChunkEvent
    | ContentDeltaEvent
    | ContentDoneEvent
    | RefusalDeltaEvent
    | RefusalDoneEvent
    | FunctionToolCallArgumentsDeltaEvent
    | FunctionToolCallArgumentsDoneEvent
)
"""What iterating a ``ChatCompletionStream`` gives; tell them apart by ``event.type``."""
