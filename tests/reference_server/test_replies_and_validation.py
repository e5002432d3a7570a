"""The reference server's behaviour over real loopback HTTP: replies, validation, streaming."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.testing._server.validation import schema_errors

PATH = spec.chat_path()  # where the spec puts the chat operation, its parameters filled
QUESTION = "What is the capital of France?"
HELLO: dict[str, Any] = {"model": "gemini-pro", "messages": [spec.user_message(QUESTION)]}
# How the server opens a reply to a user message without words (where they take audio only).
GREETING = "Hello! How can I help you today?"
TOOL: dict[str, Any] = spec.FUNCTION_TOOL


def post(server: BackgroundServer, body: Any, **headers: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {server.api_key}"}
    return httpx.post(server.base_url + PATH, json=body, headers={**auth, **headers}, timeout=30)


def sse_data(response: httpx.Response) -> list[str]:
    return [line[len("data: ") :] for line in response.text.split("\n") if line.startswith("data: ")]


def assert_valid(component: str, payload: Any) -> None:
    errors = schema_errors(f"#/components/schemas/{component}", payload)
    assert not errors, [e.message for e in errors]


def test_reply_is_valid_realistic_and_deterministic(reference_server: BackgroundServer) -> None:
    first, second = post(reference_server, HELLO), post(reference_server, HELLO)
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    reply = first.json()
    assert_valid("ChatCompletion", reply)
    assert reply == second.json()
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert (reply["object"], reply["model"]) == ("chat.completion", "google/gemini-pro")
    choice = reply["choices"][0]
    if spec.user_takes_text():
        assert "capital of France" in choice["message"]["content"]
    else:  # nothing to echo: the server greets instead, and counts no prompt words
        assert choice["message"]["content"].startswith(GREETING)
    assert choice["finish_reason"] == "stop"
    usage = reply["usage"]
    assert usage["prompt_tokens"] == (len(QUESTION.split()) if spec.user_takes_text() else 0)
    assert usage["completion_tokens"] == len(choice["message"]["content"].split())
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_other_conversations_get_other_replies(reference_server: BackgroundServer) -> None:
    other = {**HELLO, "messages": [spec.distinct_user_message("Tell me a joke")]}
    assert other["messages"] != HELLO["messages"]
    assert post(reference_server, other).json()["id"] != post(reference_server, HELLO).json()["id"]


def test_max_tokens_truncates_with_length(reference_server: BackgroundServer) -> None:
    if not spec.field_present("max_tokens"):
        return
    choice = post(reference_server, {**HELLO, "max_tokens": 3}).json()["choices"][0]
    assert len(choice["message"]["content"].split()) == 3
    assert choice["finish_reason"] == "length"


def test_stop_cuts_before_the_stop_text(reference_server: BackgroundServer) -> None:
    if not spec.field_present("stop"):
        return
    full = post(reference_server, HELLO).json()["choices"][0]["message"]["content"]
    choice = post(reference_server, {**HELLO, "stop": ["France"]}).json()["choices"][0]
    assert choice["message"]["content"] == full[: full.index("France")]
    assert choice["finish_reason"] == "stop"


def test_tools_give_tool_calls_with_arguments_from_the_schema(reference_server: BackgroundServer) -> None:
    if not spec.function_tools_present():
        _assert_tools_of_the_spec_are_answered_in_words(reference_server)
        return
    reply = post(reference_server, {**HELLO, "tools": [TOOL]}).json()
    assert_valid("ChatCompletion", reply)
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["function"]["name"] == "get_capital"
    arguments = json.loads(call["function"]["arguments"])
    assert isinstance(arguments["country"], str)
    assert arguments["limit"] >= 3


def _assert_tools_of_the_spec_are_answered_in_words(server: BackgroundServer) -> None:
    """A revision whose tools are no function tools: a function tool is refused naming `tools`,
    and the tools it does take get a reply in words that is a valid ChatCompletion."""
    if not spec.has_request_field("tools"):
        return
    refused = post(server, {**HELLO, "tools": [TOOL]})
    assert refused.status_code == 400
    assert refused.json()["message"].startswith("Body validation error: tools")
    taken = post(server, {**HELLO, "tools": spec.example_value("tools")})
    assert taken.status_code == 200, taken.text
    reply = taken.json()
    assert_valid("ChatCompletion", reply)
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert "tool_calls" not in reply["choices"][0]["message"]
    assert reply["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    ("tool_choice", "calls"),
    [
        ("none", False),
        ("auto", True),
        ("required", True),
        ({"type": "function", "function": {"name": "x"}}, True),
    ],
)
def test_tool_choice(reference_server: BackgroundServer, tool_choice: object, calls: bool) -> None:
    if not (spec.function_tools_present() and spec.field_present("tool_choice")):
        return
    body = {**HELLO, "tools": [TOOL], "tool_choice": tool_choice}
    if not spec.field_accepts("tool_choice", tool_choice):
        # A revision whose tool_choice takes other shapes refuses this one, naming it.
        refused = post(reference_server, body)
        assert refused.status_code == 400
        assert refused.json()["message"].startswith("Body validation error: tool_choice")
        return
    message = post(reference_server, body).json()
    assert ("tool_calls" in message["choices"][0]["message"]) is calls


def test_reply_tokens_header_forces_the_length(reference_server: BackgroundServer) -> None:
    if not spec.field_present("max_tokens"):
        return
    content = post(reference_server, HELLO, **{"X-Reply-Tokens": "250"}).json()["choices"][0]["message"]
    assert len(content["content"].split()) == 250
    capped = post(reference_server, {**HELLO, "max_tokens": 7}, **{"X-Reply-Tokens": "250"}).json()
    assert len(capped["choices"][0]["message"]["content"].split()) == 7
    assert capped["choices"][0]["finish_reason"] == "length"


def test_stream_has_role_chunk_token_chunks_final_chunk_and_done(reference_server: BackgroundServer) -> None:
    response = post(reference_server, {**HELLO, "stream": True}, **{"X-Reply-Tokens": "10000"})
    assert response.headers["content-type"].startswith("text/event-stream")
    data = sse_data(response)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(item) for item in data[:-1]]
    assert len(chunks) == 10_002
    for chunk in chunks[:3] + chunks[-2:]:
        assert_valid("ChatCompletionChunk", chunk)
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    text = "".join(c["choices"][0]["delta"]["content"] for c in chunks[1:-1])
    assert len(text.split()) == 10_000
    whole = post(reference_server, HELLO, **{"X-Reply-Tokens": "10000"}).json()
    assert text == whole["choices"][0]["message"]["content"]


def test_streamed_tool_call_comes_in_pieces(reference_server: BackgroundServer) -> None:
    if not spec.function_tools_present():
        return
    data = sse_data(post(reference_server, {**HELLO, "stream": True, "tools": [TOOL]}))
    deltas = [json.loads(item)["choices"][0]["delta"] for item in data[:-1]]
    first = deltas[1]["tool_calls"][0]
    assert (first["index"], first["type"], first["function"]["name"]) == (0, "function", "get_capital")
    arguments = "".join(d["tool_calls"][0]["function"]["arguments"] for d in deltas[1:-1])
    assert len(deltas) > 4
    reply = post(reference_server, {**HELLO, "tools": [TOOL]}).json()
    assert arguments == reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messages": []}, "Body validation error: model: is required"),
        (
            {**HELLO, "messages": [{"role": "robot", "content": "x"}]},
            "Body validation error: messages[0].role:",
        ),
        (
            {**HELLO, "messages": [{"role": "user"}]},
            "Body validation error: messages[0].content: is required",
        ),
        ([1, 2], "Body validation error: body: expected object"),
    ],
)
def test_invalid_bodies_get_400_naming_the_field(
    reference_server: BackgroundServer, body: object, message: str
) -> None:
    response = post(reference_server, body)
    assert response.status_code == 400
    error = response.json()
    assert_valid("ErrorResponse", error)
    assert error["message"].startswith(message)
    assert (error["statusCode"], error["path"]) == (400, PATH)
    assert error["requestId"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_tokens", 0, "Body validation error: max_tokens: expected a number >= 1"),
        ("temperature", "hot", "Body validation error: temperature: expected number"),
    ],
)
def test_invalid_optional_fields_get_400_naming_the_field(
    reference_server: BackgroundServer, field: str, value: object, message: str
) -> None:
    if not spec.field_present(field):
        return
    response = post(reference_server, {**HELLO, field: value})
    if spec.field_accepts(field, value):  # a revision without this bound: the value is taken
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400
    assert response.json()["message"].startswith(message)


def test_malformed_json_is_a_400(reference_server: BackgroundServer) -> None:
    response = httpx.post(
        reference_server.base_url + PATH,
        content=b'{"model": ',
        headers={"Authorization": f"Bearer {reference_server.api_key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("Body validation error: body: expected a JSON document")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", "Basic test-key", "test-key"])
def test_wrong_or_missing_key_is_401(reference_server: BackgroundServer, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = httpx.post(reference_server.base_url + PATH, json=HELLO, headers=headers)
    assert response.status_code == 401
    assert_valid("ErrorResponse", response.json())


def test_unknown_path_is_404_and_wrong_method_405(reference_server: BackgroundServer) -> None:
    missing = httpx.post(reference_server.base_url + "/v1/nothing", json=HELLO)
    assert missing.status_code == 404
    assert_valid("ErrorResponse", missing.json())
    wrong = httpx.get(reference_server.base_url + PATH)
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert wrong.json()["statusCode"] == 405
    assert wrong.json()["requestId"] == wrong.headers["x-request-id"]


def test_server_records_request_bodies_by_request_id(reference_server: BackgroundServer) -> None:
    response = post(reference_server, HELLO)
    recorded = reference_server.app.received_body(response.headers["x-request-id"])
    assert recorded is not None
    assert json.loads(recorded) == HELLO


@pytest.mark.parametrize("role", [{}, [], 1, None])
def test_a_role_that_is_not_a_string_gets_400_naming_role(
    reference_server: BackgroundServer, role: object
) -> None:
    response = post(reference_server, {**HELLO, "messages": [{**spec.user_message(), "role": role}]})
    assert response.status_code == 400
    # Messages of one model per role are told apart by role (its values); one model shared by the
    # roles, or the one kind of message of a spec without a discriminator, checks its role field
    # as any other (a string first).
    told_apart = _roles_told_apart_by_a_discriminator() and not spec.roles_share_a_model()
    expected = "one of" if told_apart else "string"
    assert response.json()["message"].startswith(
        f"Body validation error: messages[0].role: expected {expected}"
    )


def _roles_told_apart_by_a_discriminator() -> bool:
    """Whether the items of `messages` (of one of the lists it may be) are a union of message
    kinds with a discriminator on `role` (told apart by its values)."""
    messages = spec.field_schema("messages")
    arrays = [messages] if "items" in messages else messages.get("anyOf") or messages.get("oneOf") or []
    return any(
        spec.resolve(spec.resolve(array).get("items", {})).get("discriminator", {}).get("propertyName")
        == "role"
        for array in arrays
    )


def test_a_tool_call_reply_goes_back_unchanged_as_the_next_assistant_message(
    reference_server: BackgroundServer,
) -> None:
    if not (spec.field_present("tools") and spec.role_present("tool") and spec.schema_present("ToolCall")):
        return
    asking = {**HELLO, "tools": [TOOL]}
    message = post(reference_server, asking).json()["choices"][0]["message"]
    assert message["content"] is None
    assert message["tool_calls"]
    replayed = {**asking, "messages": [*HELLO["messages"], message]}
    response = post(reference_server, replayed)
    assert response.status_code == 200, response.text
    call = message["tool_calls"][0]
    answered = {
        **replayed,
        "messages": [*replayed["messages"], {"role": "tool", "tool_call_id": call["id"], "content": "Paris"}],
    }
    response = post(reference_server, answered)
    assert response.status_code == 200, response.text
    assert "Paris" in response.json()["choices"][0]["message"]["content"]


@pytest.mark.parametrize("content", [5, {"text": "x"}, True])
def test_an_assistant_message_content_of_another_type_is_still_rejected(
    reference_server: BackgroundServer, content: object
) -> None:
    # A revision without assistant messages: the same holds for the role it has, the user's.
    if spec.role_present("assistant"):
        wrong: dict[str, Any] = {"role": "assistant", "content": content}
    else:
        wrong = {**spec.user_message(), "content": content}
    body = {**HELLO, "messages": [*HELLO["messages"], wrong]}
    response = post(reference_server, body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Body validation error: messages[1].content")


def test_max_tokens_as_a_whole_float_is_an_integer(reference_server: BackgroundServer) -> None:
    if not spec.field_present("max_tokens"):
        return
    # JSON Schema 2020-12: "1.0" is an integer (a number with a zero fractional part).
    response = post(reference_server, {**HELLO, "max_tokens": 1.0})
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["usage"]["completion_tokens"] == 1
    assert reply["choices"][0]["finish_reason"] == "length"
    streamed = post(reference_server, {**HELLO, "max_tokens": 2.0, "stream": True})
    assert streamed.status_code == 200
    assert sse_data(streamed)[-1] == "[DONE]"


@pytest.mark.parametrize("max_tokens", [1.5, 0.0, "1"])
def test_max_tokens_that_is_not_a_whole_number_is_rejected(
    reference_server: BackgroundServer, max_tokens: object
) -> None:
    if not spec.field_present("max_tokens"):
        return
    response = post(reference_server, {**HELLO, "max_tokens": max_tokens})
    if spec.field_accepts("max_tokens", max_tokens):  # a revision typing it an unbounded number
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400
    assert response.json()["message"].startswith("Body validation error: max_tokens: expected")


def test_a_request_with_tools_of_other_kinds_is_answered_in_words_and_a_function_tool_is_called() -> None:
    """A revision may take custom tools and tool choices that name no function object: the server
    calls function tools only, and answers the others in words instead of failing."""
    from aimlapi_gemini.testing._server.replies import _chosen_tool

    messages = [spec.user_message("hi")]
    custom = {"type": "custom", "custom": {"name": "grep"}}
    assert _chosen_tool({"messages": messages, "tools": [custom]}) is None
    assert (
        _chosen_tool({"messages": messages, "tool_choice": {"type": "function", "function": "name"}}) is None
    )
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    assert _chosen_tool({"messages": messages, "tools": [custom, weather]}) == (
        "get_weather",
        {"type": "object"},
    )


@pytest.mark.parametrize(
    ("max_tokens", "words"), [(-3, 0), (0, 0), (2.5, 2), (3, 3), (float("inf"), None), (10**400, None)]
)
def test_any_number_a_spec_may_allow_as_max_tokens_caps_the_reply(max_tokens: Any, words: int | None) -> None:
    # A revision may type max_tokens as an unbounded `number` (the server must answer any valid
    # body, never a 500): fractions round down, below zero is no words, no finite value is no cap.
    from aimlapi_gemini.testing._server.replies import plan_reply

    body = {"model": spec.model_id(), "messages": [spec.user_message("say something long")]}
    reply = plan_reply({**body, "max_tokens": max_tokens}, reply_tokens=8)
    assert len("".join(reply.pieces).split()) == (8 if words is None else words)
    assert reply.finish_reason == ("stop" if words is None else "length")
