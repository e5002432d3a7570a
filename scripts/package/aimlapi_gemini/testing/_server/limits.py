"""The server's resource limits: one place for every size, depth, count and deadline.

Each limit has a name (the field name), and every error a limit causes names it, so a client
that hits one knows which knob it met: `... (limit max_json_depth=64)`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from .validation import BodyError, parse_json_body


@dataclass(frozen=True)
class Limits:
    # Bytes of request body read before answering 413.
    max_body_bytes: int = 8 * 1024 * 1024
    # Nesting depth of the JSON body (objects and arrays); deeper gets 400.
    max_json_depth: int = 64
    # JSON values (objects, arrays, strings, numbers, ...) in one body.
    max_json_values: int = 200_000
    # Digits of one JSON integer: Python's own default int/str conversion limit.
    max_integer_digits: int = sys.int_info.default_max_str_digits
    # Entries of `messages`.
    max_messages: int = 2048
    # Largest X-Reply-Tokens value (each token is held in memory while the reply is built:
    # 10,000,000 took 1.2 GiB; 100,000 about 12 MiB).
    max_reply_tokens: int = 100_000
    # Bodies larger than this are parsed and validated in a worker thread, off the event loop.
    offload_bytes: int = 32 * 1024
    # Seconds a connection may take to send a request's headers (from connect, or from the
    # first byte of a later request on a kept-alive connection) before it is closed.
    header_timeout: float = 10.0
    # Seconds a request may take to send its whole body before it gets 408.
    body_timeout: float = 30.0
    # Seconds an idle kept-alive connection stays open (uvicorn's timeout_keep_alive).
    keep_alive_timeout: int = 5
    # Bytes of one incomplete HTTP event, i.e. the request line plus headers (h11's limit).
    max_header_bytes: int = 64 * 1024
    # Open connections or running requests beyond which new requests get 503 (uvicorn's
    # limit_concurrency, made in protocol.py so the 503 is vendor-shaped); above the 1,000
    # connections plus 400 slow sockets `make load` opens.
    max_concurrency: int = 4096


class LimitError(BodyError):
    """A request broke one of the Limits; `status` is 400, 408 or 413."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def limit_text(limits: Limits, name: str) -> str:
    return f"(limit {name}={getattr(limits, name)})"


def check_structure(limits: Limits, body: Any) -> None:
    """Depth, value count and message count of a parsed body, before schema validation (whose
    recursion and work grow with them). Iterative, so any depth json.loads produced is safe."""
    values = 0
    # depth = how many arrays/objects enclose a value, itself included.
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > limits.max_json_values:
            raise LimitError(
                f"Body validation error: body: more than {limits.max_json_values} JSON values "
                + limit_text(limits, "max_json_values")
            )
        if not isinstance(value, dict | list):
            continue
        if depth > limits.max_json_depth:
            raise LimitError(
                f"Body validation error: body: JSON nested deeper than {limits.max_json_depth} levels "
                + limit_text(limits, "max_json_depth")
            )
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
    messages = body.get("messages") if isinstance(body, dict) else None
    if isinstance(messages, list) and len(messages) > limits.max_messages:
        raise LimitError(
            f"Body validation error: messages: {len(messages)} messages, more than {limits.max_messages} "
            + limit_text(limits, "max_messages")
        )


def parse_json_limited(limits: Limits, raw: bytes) -> Any:
    """validation.parse_json_body, with the integer-digit and nesting limits turned into 400s
    (json.loads would raise ValueError past Python's digit limit, RecursionError when too deep)."""

    def parse_int(text: str) -> int:
        digits = len(text.lstrip("-"))
        if digits > limits.max_integer_digits:
            raise LimitError(
                f"Body validation error: body: an integer of {digits} digits, more than "
                f"{limits.max_integer_digits} " + limit_text(limits, "max_integer_digits")
            )
        return int(text)

    try:
        return parse_json_body(raw, parse_int=parse_int)
    except RecursionError:
        raise LimitError(
            f"Body validation error: body: JSON nested deeper than {limits.max_json_depth} levels "
            + limit_text(limits, "max_json_depth")
        ) from None
