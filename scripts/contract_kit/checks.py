"""The checks every contract run applies: schemathesis's defaults, plus the one no schema can say.

The spec describes an event stream per event (ChatCompletionStreamEvent: `data` is a
ChatCompletionChunk as JSON text, or `[DONE]`), and schemathesis's own
response_schema_conformance validates every event's data through its contentMediaType and
contentSchema. A schema of one event cannot say that the stream *ends* with `data: [DONE]`;
`stream_ends_with_done` checks that, reading the stream with schemathesis's own SSE parser.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import BaseSchema, Case, CheckContext, Response
from schemathesis.core.deserialization import DeserializationContext, deserialize_response
from schemathesis.core.transport import is_event_stream

from aimlapi_gemini.testing._server.spec import SPEC_PATH

DONE = "[DONE]"


@schemathesis.check
def stream_ends_with_done(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An event stream ends with one `data: [DONE]` event, and only there."""
    content_type = ", ".join(response.headers.get("content-type", []))
    if not is_event_stream(content_type) or not 200 <= response.status_code < 300:
        return None
    if response.stream_cut_short:
        return None  # only the first events were read; where the stream ends is unknown
    events = deserialize_response(
        response, "text/event-stream", context=DeserializationContext(operation=case.operation, case=case)
    )
    data = [event["data"] for event in events]
    if not data or data[-1] != DONE:
        last = repr(data[-1][:80]) if data else "no event at all"
        raise AssertionError(f"The event stream does not end with data: [DONE] (the last data is {last})")
    if DONE in data[:-1]:
        raise AssertionError(f"The event stream has events after data: [DONE] (event #{data.index(DONE)})")
    return True


def call_and_check(case: Case[Any], headers: dict[str, str], base_url: str | None = None) -> Response:
    """Send the case and run schemathesis's default checks (with `stream_ends_with_done`)."""
    return case.call_and_validate(base_url=base_url, headers=headers)


def contract_schema(app: Any = None) -> BaseSchema:
    """generated/openapi.json for schemathesis, sent to `app` in-process when one is given."""
    schema = schemathesis.openapi.from_path(SPEC_PATH)
    schema.app = app
    # schemathesis stops reading a stream after 20 events by default; read whole replies
    # (512 tokens by default, plus role, final and [DONE]) so that [DONE] can be checked.
    schema.config.max_stream_events = 1_000
    return schema
