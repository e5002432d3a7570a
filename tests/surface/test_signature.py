"""create()'s keywords are the request schema's properties (read from the resolved spec), typed
and documented, in every form: sync, async, raw, and each overload."""

from __future__ import annotations

import inspect
import json
import pydoc
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, AsyncStream, ChatCompletion, ChatCompletionChunk, Stream
from aimlapi_gemini.resources import (
    AsyncChatCompletions,
    AsyncChatCompletionsWithRawResponse,
    ChatCompletions,
    ChatCompletionsWithRawResponse,
)

SPEC = json.loads((Path(__file__).resolve().parents[2] / "generated" / "openapi.json").read_text())
CALL_OPTIONS = ["extra_headers", "extra_query", "extra_body", "timeout", "max_retries", "deadline"]


def _request_schema() -> dict[str, Any]:
    operation = SPEC["paths"]["/v1/chat/completions"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    found: dict[str, Any] = SPEC["components"]["schemas"][name]
    return found


def _keywords(function: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(function).parameters)


CREATES = {
    "sync": ChatCompletions.create,
    "async": AsyncChatCompletions.create,
    "sync raw": ChatCompletionsWithRawResponse.create,
    "async raw": AsyncChatCompletionsWithRawResponse.create,
}


@pytest.mark.parametrize("function", CREATES.values(), ids=CREATES.keys())
def test_every_request_property_is_a_keyword_and_nothing_else_is(function: Callable[..., Any]) -> None:
    schema = _request_schema()
    parameters = _keywords(function)
    assert next(iter(parameters)) == "self"
    named = [name for name in parameters if name != "self"]
    assert sorted(set(named) - set(CALL_OPTIONS)) == sorted(schema["properties"])
    assert all(parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in named)
    # Required in the schema: no default; optional: a default (so create(model=..., messages=...) works).
    for name in schema["properties"]:
        has_default = parameters[name].default is not inspect.Parameter.empty
        assert has_default == (name not in schema.get("required", [])), name


@pytest.mark.parametrize("function", CREATES.values(), ids=CREATES.keys())
def test_each_keyword_is_documented_with_the_specs_description(function: Callable[..., Any]) -> None:
    doc = " ".join((function.__doc__ or "").split())
    for name, declared in _request_schema()["properties"].items():
        prop = (
            SPEC["components"]["schemas"][declared["$ref"].rsplit("/", 1)[-1]]
            if "$ref" in declared
            else declared
        )
        first_words = " ".join(prop["description"].split()[:6])
        assert f"{name}: {first_words}" in doc, name


def test_help_shows_the_keywords_and_their_descriptions() -> None:
    text = pydoc.render_doc(AIMLAPI(api_key="k").chat.completions.create, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    assert re.search(r"temperature: float \| .*Unset = ", text)
    assert "Sampling temperature" in text
    # The known ids are suggested, any other string is accepted.
    assert "model: Union[Literal['gemini-pro', 'google/gemini-pro'], str]" in text


def test_the_stream_overloads_say_what_each_flag_returns() -> None:
    for cls, stream_class in ((ChatCompletions, Stream), (AsyncChatCompletions, AsyncStream)):
        returns = {}
        for overload in typing.get_overloads(cls.create):
            signature = inspect.signature(overload)
            returns[signature.parameters["stream"].annotation] = signature.return_annotation
        assert returns == {
            Literal[False]: ChatCompletion,
            Literal[True]: stream_class[ChatCompletionChunk],
            bool: ChatCompletion | stream_class[ChatCompletionChunk],
        }


def test_model_suggests_the_known_ids_and_takes_any_string() -> None:
    annotation = _keywords(ChatCompletions.create)["model"].annotation
    assert typing.get_args(annotation) == (Literal["gemini-pro", "google/gemini-pro"], str)
    known = _request_schema()["properties"]["model"]["anyOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert SPEC["components"]["schemas"][known]["enum"] == ["gemini-pro", "google/gemini-pro"]


def test_the_clients_have_the_resources_of_the_spec_paths() -> None:
    assert isinstance(AIMLAPI(api_key="k").chat.completions, ChatCompletions)
    assert isinstance(AsyncAIMLAPI(api_key="k").chat.completions, AsyncChatCompletions)
