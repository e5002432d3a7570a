"""Scripted replies: answers a test has queued, consulted (in order) before the deterministic reply.

A step is checked against the spec when it is queued: the reply it makes, whole and as a stream,
must validate against ChatCompletion / ChatCompletionChunk / ErrorResponse, and a failure status
must be one the operation documents, so a test cannot script what the real API never sends.
ScriptError (an AssertionError: the test itself is wrong) names the problem.

Each request with a valid body takes the next step (or none: the deterministic reply); the
bodies are kept, in order, for the testing kit's `requests`. Steps reuse faults.py: a cut stream
is `stream-cut` (a plain request gets `truncate`), a slow plain reply is `latency`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

from . import faults
from .errors import error_body
from .replies import ReplyPlan, ToolCallPlan, _pieces, plan_reply
from .spec import find_operation, load_spec, sample_model
from .streaming import events
from .validation import BodyError, check_request_body

_SCHEMAS = "#/components/schemas/"
_SAMPLE_REQUEST: dict[str, Any] = {
    "model": sample_model(),
    "messages": [{"role": "user", "content": "Hello"}],
}


class ScriptError(AssertionError):
    """A scripted reply the spec does not allow (or that cannot be sent); the message says why."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One scripted answer. `text`/`tool_call` replace the reply's content; `status` fails instead."""

    text: str | None = None
    tool_call: ToolCallPlan | None = None
    finish_reason: str | None = None
    status: int | None = None
    message: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    cut_after: int | None = None
    delay: float | None = None
    usage: bool | None = None
    """A stream's last chunk with usage (True) or without (False); None: as the request asks."""

    def plan(self, plan: ReplyPlan) -> ReplyPlan:
        """`plan` (the deterministic reply) with this step's content."""
        if self.tool_call is not None:
            plan = dataclasses.replace(
                plan, pieces=(), tool_calls=(self.tool_call,), finish_reason="tool_calls"
            )
        elif self.text is not None:
            pieces = _pieces(self.text) or ((self.text,) if self.text else ())
            plan = dataclasses.replace(plan, pieces=pieces, tool_calls=(), finish_reason="stop")
        if self.finish_reason is not None:
            plan = dataclasses.replace(plan, finish_reason=self.finish_reason)
        return plan

    def fault(self, streamed: bool) -> faults.Fault | None:
        """The fault this step injects, as faults.py knows them."""
        if self.cut_after is not None:
            return faults.Fault("stream-cut", self.cut_after) if streamed else faults.Fault("truncate")
        if self.delay is not None and not streamed:
            return faults.Fault("latency", self.delay)
        return None


class ReplyScript:
    """The queue of steps and the bodies of the requests served; safe across threads."""

    def __init__(self) -> None:
        self._steps: deque[Step] = deque()
        self._received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, step: Step) -> None:
        check_step(step)
        with self._lock:
            self._steps.append(step)

    def take(self, body: dict[str, Any]) -> Step | None:
        """Record a request's (valid) body; the step that answers it, if any is left."""
        with self._lock:
            self._received.append(body)
            return self._steps.popleft() if self._steps else None

    @property
    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._received)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._steps)

    def clear(self) -> None:
        with self._lock:
            self._steps.clear()
            self._received.clear()


def _check_document(schema: str, document: Any, what: str) -> None:
    try:
        check_request_body(_SCHEMAS + schema, document)
    except BodyError as exc:
        detail = str(exc).removeprefix("Body validation error: ")
        raise ScriptError(f"scripted {what} breaks the spec ({schema}): {detail}") from None


def _check_number(value: object, name: str, kind: type[int] | type[float]) -> None:
    allowed = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed) or not value >= 0:
        raise ScriptError(f"scripted {name} must be a non-negative {kind.__name__}, got {value!r}")


def _documented_statuses() -> list[int]:
    operation = find_operation()
    responses = load_spec()["paths"][operation.path][operation.method.lower()]["responses"]
    return sorted(int(code) for code in responses if code.isdigit())


def _check_failure(step: Step) -> None:
    status = step.status
    documented = [code for code in _documented_statuses() if code >= 400]
    if isinstance(status, bool) or not isinstance(status, int) or status not in documented:
        listed = ", ".join(map(str, documented))
        raise ScriptError(
            f"scripted failure status {status!r} is not an error the spec documents for "
            f"{find_operation().method} {find_operation().path} (documented: {listed})"
        )
    _check_document("ErrorResponse", error_body(status, find_operation().path, "0", step.message), "error")


def _check_reply(step: Step) -> None:
    sample = plan_reply(_SAMPLE_REQUEST)
    document = sample.completion()
    choice = document["choices"][0]
    if step.tool_call is not None:
        call = step.tool_call
        choice["message"]["content"] = None
        choice["message"]["tool_calls"] = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        ]
        choice["finish_reason"] = "tool_calls"
    elif step.text is not None:
        choice["message"]["content"] = step.text
        choice["finish_reason"] = "stop"
    if step.finish_reason is not None:
        choice["finish_reason"] = step.finish_reason
    _check_document("ChatCompletion", document, "reply")
    for event in events(step.plan(sample)):
        data = event.decode().removeprefix("data: ").strip()
        if data != "[DONE]":
            _check_document("ChatCompletionChunk", json.loads(data), "stream chunk")


def check_step(step: Step) -> None:
    """Raise ScriptError if the spec does not allow what `step` would send."""
    if step.cut_after is not None:
        _check_number(step.cut_after, "cut_stream(after=...)", int)
    if step.delay is not None:
        _check_number(step.delay, "slow_stream(delay=...)", float)
    if step.status is not None:
        _check_failure(step)
    else:
        _check_reply(step)


def tool_call_step(name: str, arguments: Mapping[str, Any] | str, call_id: str | None = None) -> Step:
    """The step for a tool call; `arguments` is a JSON object (a dict) or its JSON text."""
    if isinstance(arguments, Mapping):
        try:
            arguments = json.dumps(arguments)
        except (TypeError, ValueError) as exc:
            raise ScriptError(f"scripted tool call arguments are not JSON: {exc}") from None
    call_id = call_id if call_id is not None else f"call_{uuid.uuid4().hex[:24]}"
    return Step(tool_call=ToolCallPlan(id=call_id, name=name, arguments=arguments))
