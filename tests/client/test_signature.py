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
import spec_features
from spec_requests import chat_operation

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
    operation = chat_operation(SPEC)  # wherever the spec puts it
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


def _description(name: str) -> str | None:
    """The description the spec gives request property `name` (on it or on the schema it refers to)."""
    declared = _request_schema()["properties"][name]
    prop = (
        SPEC["components"]["schemas"][declared["$ref"].rsplit("/", 1)[-1]] if "$ref" in declared else declared
    )
    description = declared.get("description", prop.get("description"))
    return None if description is None else str(description)


def _first_words(description: str) -> str:
    return " ".join(description.split()[:6])


@pytest.mark.parametrize("function", CREATES.values(), ids=CREATES.keys())
def test_each_keyword_is_documented_with_the_specs_description(function: Callable[..., Any]) -> None:
    """Each keyword is listed under Args; with the spec's description where the spec gives one."""
    doc = " ".join((function.__doc__ or "").split())
    described = 0
    for name in _request_schema()["properties"]:
        description = _description(name)
        if description is None:
            assert re.search(rf"(^| ){name}:", doc), name
        else:
            described += 1
            assert f"{name}: {_first_words(description)}" in doc, name
    assert described, "the spec describes no request property"


def test_help_shows_the_keywords_and_their_descriptions() -> None:
    text = pydoc.render_doc(AIMLAPI(api_key="k").chat.completions.create, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    flat = " ".join(text.split())
    for name in _request_schema()["properties"]:
        description = _description(name)
        if description is not None:
            assert _first_words(description) in flat, name
    if spec_features.field_present("temperature"):
        assert re.search(r"temperature: float \| .*Unset = ", text)
    # The known ids are suggested, any other string is accepted.
    known = ", ".join(repr(value) for value in typing.get_args(typing.get_args(_model_annotation())[0]))
    if spec_features.model_ids():
        assert f"model: Union[Literal[{known}], str]" in text
    else:
        assert "model: str" in text


def _model_annotation() -> Any:
    return _keywords(ChatCompletions.create)["model"].annotation


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
    """The ids the spec lists (the overlay adds gemini-pro's own) are suggested; any string goes."""
    annotation = _model_annotation()
    ids = spec_features.model_ids()
    if not ids:
        assert annotation is str
        return
    assert {"gemini-pro", "google/gemini-pro"} <= set(ids)
    suggested, other = typing.get_args(annotation)
    assert other is str
    assert typing.get_origin(suggested) is Literal
    assert sorted(typing.get_args(suggested)) == sorted(ids)


def test_the_clients_have_the_resources_of_the_spec_paths() -> None:
    assert isinstance(AIMLAPI(api_key="k").chat.completions, ChatCompletions)
    assert isinstance(AsyncAIMLAPI(api_key="k").chat.completions, AsyncChatCompletions)
