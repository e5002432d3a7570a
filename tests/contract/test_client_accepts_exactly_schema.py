"""The client accepts exactly what the schema accepts (a property test, issue 9 item 2).

Hypothesis mutates valid ChatCompletion, ChatCompletionChunk and ErrorResponse documents (the
docs page's reply, hand-written rich ones, and schema-generated ones) at every depth: wrong
types, nulls, missing and extra fields, other strings. The oracle is a JSON Schema 2020-12
validator (jsonschema's Draft202012Validator over a referencing registry holding
generated/openapi.json). A valid document must parse and round-trip; an invalid one must be
rejected, by ``from_dict`` with ValidationError and by a real endpoint call on an
httpx.MockTransport with APIResponseValidationError that keeps the raw body.
"""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import spec_features
from contract_kit.strategies import component_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from aimlapi_gemini import AuthenticatedClient
from aimlapi_gemini._validation import ValidationError
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.errors import APIResponseValidationError
from aimlapi_gemini.models import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ErrorResponse

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SPEC_URI = "urn:aimlapi-gemini:openapi"
EXAMPLES_PER_MODEL = 220
MUTANTS_PER_EXAMPLE = 3  # each example checks its seed and this many mutants of it
MIN_DOCUMENTS = 2_000

DOCUMENTS: Counter[str] = Counter()
VERDICTS: Counter[str] = Counter()

# Values a mutation puts in place of a node: every JSON type, and the near misses (1.0, "1").
REPLACEMENTS: list[Any] = [None, True, False, 0, 1, -1, 1.0, 1.5, "", "1", "x", [], [1], ["x"], {}, {"x": 1}]
# Strings that some field of these schemas takes, so enums and discriminators are hit too.
NEAR_STRINGS = [
    "assistant",
    "function",
    "custom",
    "stop",
    "tool_calls",
    "chat.completion",
    "chat.completion.chunk",
]
# Field names to add: unknown ones (kept by the client) and ones of other objects here.
EXTRA_NAMES = ["x-extra", "id", "type", "content", "usage", "index", "delta", "message"]


@functools.cache
def _validator(name: str) -> Any:
    spec = json.loads((REPO / "generated" / "openapi.json").read_text(encoding="utf-8"))
    resource: Resource[Any] = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/components/schemas/{name}"}, registry=registry)


def _rich_completion() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "rich_completion.json").read_text(encoding="utf-8"))
    return document


def _rich_chunk() -> dict[str, Any]:
    return {
        "id": "gen-1",
        "object": "chat.completion.chunk",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "content": "Hel",
                    "tool_calls": [
                        {"index": 0, "id": "c", "type": "function", "function": {"arguments": "{"}}
                    ],
                },
                "finish_reason": None,
            }
        ],
        "usage": None,
    }


def _error() -> dict[str, Any]:
    return {
        "message": "Body validation error: messages: required",
        "path": "/v1/chat/completions",
        "requestId": "req-1",
        "statusCode": 400,
        "timestamp": "2025-04-09T16:51:08.984Z",
    }


SEEDS: dict[str, list[Any]] = {
    "ChatCompletion": [
        json.loads((FIXTURES / "docs_example_response.json").read_text(encoding="utf-8")),
        _rich_completion(),
    ],
    "ChatCompletionChunk": [_rich_chunk()],
    "ErrorResponse": [_error()],
}


def _nodes(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every node of a JSON document with its path, the root first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _parent(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


@st.composite
def _mutant(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` changed in one to three places, each at any depth."""
    document = copy.deepcopy(seed)

    def fresh(choices: list[Any]) -> Any:  # a copy: later mutations must not change the pool
        return copy.deepcopy(draw(st.sampled_from(choices)))

    for _ in range(draw(st.integers(1, 3))):
        path, value = draw(st.sampled_from(list(_nodes(document))))
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "add" and isinstance(value, dict):
            value[draw(st.sampled_from(EXTRA_NAMES))] = fresh(REPLACEMENTS)
        elif action == "add" and isinstance(value, list):
            value.append(fresh([*REPLACEMENTS, *value]))
        elif action == "delete" and path:
            del _parent(document, path)[path[-1]]
        else:
            new = fresh(REPLACEMENTS + NEAR_STRINGS if isinstance(value, str) else REPLACEMENTS)
            if not path:
                return new  # the whole document replaced
            _parent(document, path)[path[-1]] = new
    return document


def _mock_client(handler: Any) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url="https://api.example.test",
        token="test-key",
        httpx_args={"transport": httpx.MockTransport(handler)},
    )


REQUEST = ChatCompletionRequest.from_dict(
    {"model": spec_features.model_id(), "messages": [spec_features.user_message("hi")]}
)


def _check_through_the_endpoint(name: str, document: Any, valid: bool) -> None:
    """The same verdict through a real call: a reply body, or one stream event."""
    text = json.dumps(document)
    if name == "ChatCompletion":
        client = _mock_client(
            lambda request: httpx.Response(200, text=text, headers={"content-type": "application/json"})
        )
        with client:
            if valid:
                assert create_chat_completion.sync(client=client, body=REQUEST).to_dict() == document
                return
            with pytest.raises(APIResponseValidationError) as excinfo:
                create_chat_completion.sync(client=client, body=REQUEST)
    else:
        events = f"data: {text}\n\ndata: [DONE]\n\n".encode()
        client = _mock_client(
            lambda request: httpx.Response(200, content=events, headers={"content-type": "text/event-stream"})
        )
        with client, create_chat_completion.stream(client=client, body=REQUEST) as stream:
            if valid:
                assert [chunk.to_dict() for chunk in stream] == [document]
                return
            with pytest.raises(APIResponseValidationError) as excinfo:
                list(stream)
    assert excinfo.value.text.strip() == text, "the raw body is kept"
    assert "is not a valid" in str(excinfo.value)


def _check(name: str, document: Any) -> None:
    model: Any = {
        "ChatCompletion": ChatCompletion,
        "ChatCompletionChunk": ChatCompletionChunk,
        "ErrorResponse": ErrorResponse,
    }[name]
    schema_error = next(iter(_validator(name).iter_errors(document)), None)
    DOCUMENTS[name] += 1
    VERDICTS["valid" if schema_error is None else "invalid"] += 1
    if schema_error is None:
        try:
            parsed = model.from_dict(document)
        except ValidationError as exc:
            raise AssertionError(f"the schema accepts this {name} but the client rejects it: {exc}") from exc
        assert parsed.to_dict() == document, "a valid document round-trips"
    else:
        with pytest.raises(ValidationError) as excinfo:
            model.from_dict(document)
        assert excinfo.value.message, f"the schema rejects it ({schema_error.message}) and so does the client"
    if name != "ErrorResponse":
        _check_through_the_endpoint(name, document, valid=schema_error is None)


PROPERTY = settings(
    max_examples=EXAMPLES_PER_MODEL,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", ["ChatCompletion", "ChatCompletionChunk", "ErrorResponse"])
def test_the_client_accepts_exactly_what_the_schema_accepts(name: str) -> None:
    seeds = st.one_of(st.sampled_from(SEEDS[name]), component_values(name))

    @given(data=st.data(), seed=seeds)
    @PROPERTY
    def check(data: st.DataObject, seed: Any) -> None:
        _check(name, seed)
        for _ in range(MUTANTS_PER_EXAMPLE):
            _check(name, data.draw(_mutant(seed)))

    check()


def test_enough_documents_were_checked() -> None:
    """Runs after the property tests (file order): the count is part of the contract."""
    if len(DOCUMENTS) < 3:
        pytest.fail(f"run the whole file: only {dict(DOCUMENTS)} were checked")
    print(f"checked {sum(DOCUMENTS.values())} documents: {dict(DOCUMENTS)}, {dict(VERDICTS)}")
    assert sum(DOCUMENTS.values()) >= MIN_DOCUMENTS, dict(DOCUMENTS)
    # Both verdicts are exercised in earnest, not just a few of one kind.
    assert min(VERDICTS["valid"], VERDICTS["invalid"]) >= MIN_DOCUMENTS // 5, dict(VERDICTS)
