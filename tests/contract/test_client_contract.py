"""Client contract: the generated client sends and reads exactly what the spec describes.

Request direction: every valid body round-trips through ChatCompletionRequest unchanged, and
the bytes on the wire (and, locally, the bytes the reference server received) decode to it.
Response direction: every valid ChatCompletion / ChatCompletionChunk / ErrorResponse
round-trips through its model unchanged; so does the vendor docs page's example reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import spec_features as spec
from contract_kit.strategies import component_values, request_bodies
from contract_kit.target import Target
from hypothesis import HealthCheck, given, settings

from aimlapi_gemini import AuthenticatedClient, ValidationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ErrorResponse,
)
from aimlapi_gemini.testing._server.validation import schema_errors
from aimlapi_gemini.types import UNSET

ROUND_TRIP = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
OVER_THE_WIRE = settings(ROUND_TRIP, max_examples=60)

# The reply shown on the vendor's documentation page for gemini-pro.
DOCS_EXAMPLE_REPLY: dict[str, Any] = {
    "id": "2025-04-09|09:51:08.984451-07|9.7.154.129|1796348799",
    "object": "chat.completion",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {"role": "assistant", "content": "Hello! 👋 How can I assist you today? 😊"},
        }
    ],
    "created": 1744217468,
    "model": "google/gemini-pro",
    "usage": {"prompt_tokens": 0, "completion_tokens": 9, "total_tokens": 9},
}


class WireRecorder:
    """Keeps the bodies of requests as the client hands them to the network."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> None:
        self.bodies.append(request.read())


@pytest.fixture(scope="module")
def wire() -> WireRecorder:
    return WireRecorder()


@pytest.fixture(scope="module")
def client(contract_target: Target, wire: WireRecorder) -> Iterator[AuthenticatedClient]:
    hooks = {"event_hooks": {"request": [wire]}}
    with AuthenticatedClient(
        base_url=contract_target.base_url, token=contract_target.api_key, httpx_args=hooks
    ) as c:
        yield c


def assert_valid(component: str, payload: Any) -> None:
    errors = schema_errors(f"#/components/schemas/{component}", payload)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


@given(body=request_bodies())
@ROUND_TRIP
def test_request_bodies_round_trip_through_the_model(body: Any) -> None:
    assert ChatCompletionRequest.from_dict(body).to_dict() == body


@given(generated=request_bodies())
@OVER_THE_WIRE
def test_client_sends_exactly_the_body(
    generated: Any, client: AuthenticatedClient, wire: WireRecorder, contract_target: Target
) -> None:
    # The client chooses JSON or SSE by method, so its non-streaming call always sends
    # stream: false; the body under test says so itself, and must then arrive unchanged.
    body = {**generated, "stream": False}
    response = create_chat_completion.sync_detailed(client=client, body=ChatCompletionRequest.from_dict(body))
    assert json.loads(wire.bodies[-1]) == body
    if contract_target.server is not None:
        received = contract_target.server.app.received_body(response.headers["x-request-id"])
        assert received is not None
        assert json.loads(received) == body
    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, ChatCompletion)
    assert_valid("ChatCompletion", json.loads(response.content))
    assert_valid("ChatCompletion", response.parsed.to_dict())


@pytest.mark.parametrize("model", [ChatCompletion, ChatCompletionChunk, ErrorResponse])
def test_response_models_round_trip(model: Any) -> None:
    @given(data=component_values(model.__name__))
    @ROUND_TRIP
    def round_trip(data: Any) -> None:
        assert model.from_dict(data).to_dict() == data

    round_trip()


def test_docs_example_reply_parses_and_round_trips() -> None:
    reply = ChatCompletion.from_dict(DOCS_EXAMPLE_REPLY)
    assert reply.choices[0].message.content == "Hello! 👋 How can I assist you today? 😊"
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == 0
    assert reply.to_dict() == DOCS_EXAMPLE_REPLY


def test_client_reply_from_the_server_validates(client: AuthenticatedClient) -> None:
    body = ChatCompletionRequest.from_dict(
        {"model": "gemini-pro", "messages": [spec.user_message("Name three rivers.")]}
    )
    response = create_chat_completion.sync_detailed(client=client, body=body)
    assert isinstance(response.parsed, ChatCompletion)
    assert_valid("ChatCompletion", response.parsed.to_dict())
    assert response.parsed.to_dict() == json.loads(response.content)


def test_client_error_reply_round_trips(client: AuthenticatedClient) -> None:
    # A number past a bound of a field this revision has (without one, a model that is no string),
    # so the server rejects it (built directly: from_dict would refuse it before sending). The
    # vendor writes timestamps like "2025-04-09T16:51:08.984Z"; the parsed error must give back
    # exactly what was sent.
    bounded = [field for field in spec.optional_fields() if spec.out_of_range_value(field) is not None]
    wrong: dict[str, Any] = {bounded[0]: spec.out_of_range_value(bounded[0])} if bounded else {"model": 9}
    body = ChatCompletionRequest(**{"model": "gemini-pro", "messages": [], **wrong})
    response = create_chat_completion.sync_detailed(client=client, body=body)
    assert response.status_code == 400
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.to_dict() == json.loads(response.content)


GET_CAPITAL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_capital",
        "description": "Look up a country's capital.",
        "parameters": {
            "type": "object",
            "properties": {"country": {"type": "string"}},
            "required": ["country"],
        },
    },
}


def test_a_tool_call_reply_goes_back_into_the_conversation_unchanged(
    client: AuthenticatedClient, wire: WireRecorder
) -> None:
    """The reply's message (content null beside tool_calls) is the next request's assistant message."""
    if not (
        spec.field_present("tools") and spec.field_present("tool_choice") and spec.schema_present("ToolCall")
    ):
        return
    asking = {
        "model": "gemini-pro",
        "messages": [spec.user_message("What is the capital of France?")],
        "tools": [GET_CAPITAL],
        "tool_choice": "required",
    }
    reply = create_chat_completion.sync(client=client, body=asking)
    message = reply.choices[0].message
    assert message.content is None
    assert message.tool_calls
    replayed = spec.message_model("assistant").from_dict(message.to_dict())
    assert replayed.to_dict() == message.to_dict()
    request = ChatCompletionRequest.from_dict(asking)
    request.messages = [*request.messages, replayed]  # a Sequence field: messages of one kind fit
    response = create_chat_completion.sync_detailed(client=client, body=request)
    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, ChatCompletion)
    assert json.loads(wire.bodies[-1])["messages"][-1] == message.to_dict()


def test_a_chunk_choice_with_an_empty_delta_is_valid_and_parses() -> None:
    # What ends a choice in real streams: {} when nothing is new (the overlay's reason).
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "google/gemini-pro",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    assert_valid("ChatCompletionChunk", chunk)
    parsed = ChatCompletionChunk.from_dict(chunk)
    assert parsed.choices[0].delta.content is UNSET
    assert parsed.choices[0].finish_reason == "stop"
    assert parsed.to_dict() == chunk


@pytest.mark.parametrize(
    "choice", [{"index": 0}, {"index": 0, "delta": None}], ids=["no-delta", "null-delta"]
)
def test_a_chunk_choice_without_a_delta_is_invalid_and_refused(choice: dict[str, Any]) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "google/gemini-pro",
        "choices": [{**choice, "finish_reason": "stop"}],
    }
    assert schema_errors("#/components/schemas/ChatCompletionChunk", chunk)
    with pytest.raises(ValidationError, match=r"choices\[0\]"):
        ChatCompletionChunk.from_dict(chunk)


@pytest.mark.parametrize("delta", ["text", 5, []])
def test_a_chunk_choice_whose_delta_is_not_an_object_is_invalid(delta: object) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "google/gemini-pro",
        "choices": [{"index": 0, "delta": delta}],
    }
    assert schema_errors("#/components/schemas/ChatCompletionChunk", chunk)
