"""The checks every contract run applies: schemathesis's defaults, with event streams judged per `data:`.

The spec puts ChatCompletionChunk under `text/event-stream`, meaning "each event's data is
a chunk". schemathesis reads a pre-3.2 `schema` there as the shape of the *event object*
({data, event, id, retry}) and so rejects every real stream. This check validates what the
spec means instead and delegates everything that is not an event stream to schemathesis.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis import BaseSchema, Case, CheckContext, Response
from schemathesis.core.transport import is_event_stream
from schemathesis.specs.openapi.checks import response_schema_conformance

from reference_server.spec import SPEC_PATH
from reference_server.validation import schema_errors

CHUNK_REF = "#/components/schemas/ChatCompletionChunk"


def sse_events(text: str) -> list[dict[str, str]]:
    """Parse an event stream into events with their `event` and joined `data` fields."""
    events: list[dict[str, str]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, list[str]] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":"):
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))
        if "data" in fields:
            events.append(
                {"event": "".join(fields.get("event", ["message"])), "data": "\n".join(fields["data"])}
            )
    return events


def stream_problems(text: str) -> list[str]:
    """What is wrong with a chat completion event stream; empty when it conforms."""
    events = sse_events(text)
    if not events or events[-1]["data"] != "[DONE]":
        return ["the stream does not end with data: [DONE]"]
    problems: list[str] = []
    for number, event in enumerate(events[:-1]):
        try:
            chunk: Any = json.loads(event["data"])
        except json.JSONDecodeError as exc:
            problems.append(f"event #{number}: data is not JSON ({exc})")
            continue
        problems += [f"event #{number}: {error.message}" for error in schema_errors(CHUNK_REF, chunk)]
    return problems


def response_conformance(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """schemathesis's response_schema_conformance, except that event streams are read per data."""
    content_type = ", ".join(response.headers.get("content-type", []))
    if not is_event_stream(content_type):
        return response_schema_conformance(ctx, response, case)
    problems = stream_problems(response.text)
    if problems:
        raise AssertionError("Event stream violates the spec:\n" + "\n".join(problems[:10]))
    return True


def call_and_check(case: Case[Any], headers: dict[str, str], base_url: str | None = None) -> Response:
    """Send the case and run all default checks, with `response_conformance` for schema conformance."""
    return case.call_and_validate(
        base_url=base_url,
        headers=headers,
        excluded_checks=[response_schema_conformance],
        additional_checks=[response_conformance],
    )


def contract_schema(app: Any = None) -> BaseSchema:
    """generated/openapi.json for schemathesis, sent to `app` in-process when one is given."""
    schema = schemathesis.openapi.from_path(SPEC_PATH)
    schema.app = app
    # schemathesis stops reading a stream after 20 events by default; read whole replies
    # (512 tokens by default, plus role, final and [DONE]) so that [DONE] can be checked.
    schema.config.max_stream_events = 1_000
    return schema
