"""Server-sent events for `stream: true`: role chunk, one chunk per token, final chunk (with usage
when the request asked for it: `reports_usage`), [DONE]."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

from .replies import ReplyPlan

DONE = b"data: [DONE]\n\n"
# Without a delay nobody can observe event boundaries, so events go out in batches of about
# this many bytes: 100,000-token streams then cost thousands of socket writes, not 100,000.
_BATCH_BYTES = 16 * 1024
_ARGUMENT_PIECE = 8


class StreamCut(Exception):
    """The stream must end here without [DONE], by dropping the connection."""


def sse(data: str, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


class _Chunks:
    """Serialises chunk objects fast: the envelope is encoded once, only deltas per token."""

    def __init__(self, plan: ReplyPlan) -> None:
        envelope = {"id": plan.completion_id, "object": "chat.completion.chunk", "created": plan.created}
        self._head = (
            json.dumps({**envelope, "model": plan.model})[:-1] + ', "choices": [{"index": 0, "delta": '
        )

    def event(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> bytes:
        rest = "".join(f", {json.dumps(key)}: {json.dumps(value)}" for key, value in extra.items())
        return sse(
            f'{self._head}{json.dumps(delta)}, "finish_reason": {json.dumps(finish_reason)}}}]{rest}}}'
        )


def _tool_call_deltas(plan: ReplyPlan) -> Iterator[dict[str, Any]]:
    for index, call in enumerate(plan.tool_calls):
        yield {
            "tool_calls": [
                {
                    "index": index,
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": ""},
                }
            ]
        }
        for start in range(0, len(call.arguments), _ARGUMENT_PIECE):
            piece = call.arguments[start : start + _ARGUMENT_PIECE]
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}


def body_deltas(plan: ReplyPlan) -> Iterator[dict[str, Any]]:
    """The deltas between the role chunk and the final chunk: tokens or tool-call pieces."""
    if plan.tool_calls:
        yield from _tool_call_deltas(plan)
    else:
        for piece in plan.pieces:
            yield {"content": piece}


USAGE_HEADER = "X-Stream-Usage"
USAGE_CHOICES = ("include", "omit")


def reports_usage(body: Mapping[str, Any], asked: str | None, declared: bool) -> bool:
    """Whether a stream's last chunk carries usage. The `X-Stream-Usage: include|omit` header
    decides when given (tests see both kinds with any spec); else, where the spec declares
    `stream_options`, only when the request asks (`stream_options.include_usage`), as
    OpenAI-compatible servers do; else always (that revision offers no way to ask)."""
    if asked is not None:
        return asked == "include"
    if not declared:
        return True
    options = body.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def events(plan: ReplyPlan, stop_after: int | None = None, *, usage: bool = True) -> Iterator[bytes]:
    """The stream's events, each a complete `data: ...\\n\\n` block, [DONE] last.

    With `stop_after`, only the role chunk and that many body chunks (a faulty stream); without
    `usage`, a last chunk with no usage.
    """
    chunks = _Chunks(plan)
    yield chunks.event({"role": "assistant", "content": None if plan.tool_calls else ""})
    for position, delta in enumerate(body_deltas(plan)):
        if stop_after is not None and position >= stop_after:
            return
        yield chunks.event(delta)
    if stop_after is None:
        if usage:
            yield chunks.event({}, plan.finish_reason, usage=plan.usage())
        else:
            yield chunks.event({}, plan.finish_reason)
        yield DONE


async def stream_body(
    plan: ReplyPlan,
    *,
    delay: float = 0.0,
    cut_after: int | None = None,
    error_after: int | None = None,
    error_event: Callable[[], bytes] = lambda: b"",
    usage: bool = True,
) -> AsyncIterator[bytes]:
    """Yield the stream's bytes as they should go out; raise StreamCut to drop the connection.

    `cut_after`/`error_after` count body chunks (tokens or tool-call pieces after the role chunk).
    """
    batch = bytearray()
    for event in events(plan, cut_after if cut_after is not None else error_after, usage=usage):
        if delay > 0:
            await asyncio.sleep(delay)
            yield event
            continue
        batch += event
        if len(batch) >= _BATCH_BYTES:
            yield bytes(batch)
            batch.clear()
            await asyncio.sleep(0)  # let other connections run during very long streams
    if error_after is not None and cut_after is None:
        batch += error_event()
    if batch:
        yield bytes(batch)
    if cut_after is not None:
        raise StreamCut
