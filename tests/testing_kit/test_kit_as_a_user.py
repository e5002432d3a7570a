"""The testing kit used as a user uses it: only the public API, the aimlapi_mock fixture from the
plugin the package registers (entry point pytest11; no conftest here provides it)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import (
    APIResponseValidationError,
    APITimeoutError,
    AuthenticatedClient,
    Backoff,
    BadRequestError,
    ChatCompletionRequest,
    InternalServerError,
    RateLimitError,
    StreamInterruptedError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.models import ChatCompletionMessageToolCall
from aimlapi_gemini.testing import MockAPI, ScriptError

PATH = spec.chat_path()  # where the spec puts the chat operation, its parameters filled


def ask(text: str = "What is the weather?", **fields: object) -> ChatCompletionRequest:
    """A request of one user message carrying `text` (where user messages take no text, a message
    that still differs for each `text`: spec.distinct_user_message)."""
    return ChatCompletionRequest.from_dict(
        {"model": "gemini-pro", "messages": [spec.distinct_user_message(text)], **fields}
    )


def opening(text: str) -> str:
    """How the mock's unscripted reply to a user message carrying `text` begins: it quotes the
    text; a message without words (where user messages take no text) is greeted instead."""
    return f'You wrote: "{text}"' if spec.user_takes_text() else "Hello! How can I help you today?"


def streamed_text(client: AuthenticatedClient, body: ChatCompletionRequest, **options: object) -> str:
    text = ""
    with create_chat_completion.stream(client=client, body=body, **options) as stream:  # type: ignore[arg-type]
        for chunk in stream:
            for choice in chunk.choices:
                if choice.delta and isinstance(choice.delta.content, str):
                    text += choice.delta.content
    return text


def test_the_fixture_comes_from_the_entry_point_plugin(
    request: pytest.FixtureRequest, aimlapi_mock: MockAPI
) -> None:
    plugin = request.config.pluginmanager.get_plugin("aimlapi_gemini")
    assert plugin is not None
    assert plugin.__name__ == "aimlapi_gemini.testing.plugin"
    assert isinstance(aimlapi_mock, MockAPI)


def test_reply_answers_plain_and_streamed_requests_in_order(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="It is sunny.").reply(text="Now it rains, all day long.")
    client = aimlapi_mock.client()

    completion = create_chat_completion.sync(client=client, body=ask())
    assert completion.choices[0].message.content == "It is sunny."
    assert completion.choices[0].finish_reason == "stop"
    assert streamed_text(client, ask()) == "Now it rains, all day long."
    assert aimlapi_mock.pending == 0


def test_unscripted_calls_get_the_deterministic_reply(aimlapi_mock: MockAPI) -> None:
    client = aimlapi_mock.client()
    first = create_chat_completion.sync(client=client, body=ask("Tell me about tides"))
    again = create_chat_completion.sync(client=client, body=ask("Tell me about tides"))
    other = create_chat_completion.sync(client=client, body=ask("Tell me about stars"))

    assert first.to_dict() == again.to_dict()
    assert isinstance(first.choices[0].message.content, str)
    assert first.choices[0].message.content.startswith(opening("Tell me about tides"))
    assert other.id != first.id
    if spec.user_takes_text():  # (without text, both replies open with the same greeting)
        assert other.choices[0].message.content != first.choices[0].message.content
    assert streamed_text(client, ask("Tell me about tides")) == first.choices[0].message.content


def test_reply_tool_call_plain_and_streamed(aimlapi_mock: MockAPI) -> None:
    arguments = {"city": "Lisbon", "days": 3, "units": ["metric"]}
    aimlapi_mock.reply_tool_call(name="get_forecast", arguments=arguments)
    aimlapi_mock.reply_tool_call(name="get_forecast", arguments=arguments, call_id="call_42")
    client = aimlapi_mock.client()

    completion = create_chat_completion.sync(client=client, body=ask())
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert isinstance(call, ChatCompletionMessageToolCall)
    assert call.function.name == "get_forecast"
    assert json.loads(call.function.arguments) == arguments

    names, pieces, ids = [], [], []
    with create_chat_completion.stream(client=client, body=ask()) as stream:
        for chunk in stream:
            for streamed in chunk.choices:
                for delta in (streamed.delta.tool_calls or []) if streamed.delta else []:
                    ids += [delta.id] if isinstance(delta.id, str) else []
                    if delta.function and isinstance(delta.function.name, str):
                        names.append(delta.function.name)
                    if delta.function and isinstance(delta.function.arguments, str):
                        pieces.append(delta.function.arguments)
    assert (names, ids) == (["get_forecast"], ["call_42"])
    assert json.loads("".join(pieces)) == arguments


def test_fail_gives_the_status_error_with_retry_after(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.fail(status=429, retry_after=1, message="Slow down")
    with pytest.raises(RateLimitError) as caught:
        create_chat_completion.sync(client=aimlapi_mock.client(max_retries=0), body=ask())
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 1
    assert caught.value.body is not None
    assert caught.value.body.message == "Slow down"

    aimlapi_mock.fail(status=503)
    with pytest.raises(InternalServerError):
        streamed_text(aimlapi_mock.client(max_retries=0), ask())


def test_a_failure_then_a_reply_exercises_the_clients_retry(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.fail(status=503).reply(text="Second time lucky.")
    client = aimlapi_mock.client(backoff=Backoff(initial=0.01, maximum=0.01))
    completion = create_chat_completion.sync(client=client, body=ask("retry me"))
    assert completion.choices[0].message.content == "Second time lucky."
    sent = spec.distinct_user_message("retry me")
    assert [r.to_dict()["messages"] for r in aimlapi_mock.requests] == [[sent], [sent]]


def test_cut_stream_keeps_the_chunks_before_the_cut(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.cut_stream(after=2, text="one two three four")
    received: list[str] = []

    def read_stream() -> None:
        with create_chat_completion.stream(client=aimlapi_mock.client(), body=ask(), max_retries=0) as stream:
            for chunk in stream:
                delta = chunk.choices[0].delta if chunk.choices else None
                received.append(delta.content if delta and isinstance(delta.content, str) else "")

    with pytest.raises(StreamInterruptedError) as caught:
        read_stream()
    assert "".join(received) == "one two"
    assert caught.value.chunks_received == 3  # the role chunk and two words


def test_cut_stream_on_a_plain_request_sends_half_a_body(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.cut_stream(text="whole words")
    with pytest.raises(APIResponseValidationError) as caught:
        create_chat_completion.sync(client=aimlapi_mock.client(max_retries=0), body=ask())
    assert caught.value.text is not None
    assert caught.value.text.startswith('{"id": "chatcmpl-')


def test_slow_stream_delays_every_event(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.slow_stream(delay=0.05, text="a b c").slow_stream(delay=0.05, text="a b c")
    client = aimlapi_mock.client()
    started = time.monotonic()
    assert streamed_text(client, ask()) == "a b c"
    # role chunk, three words, final chunk, [DONE]: six events, each after the delay (a lower bound)
    assert time.monotonic() - started >= 6 * 0.05

    # its twin: a read timeout shorter than the delay, after the headers: the stream is interrupted
    with pytest.raises(StreamInterruptedError, match="ReadTimeout"):
        streamed_text(client, ask(), timeout=0.01, max_retries=0)


def test_slow_stream_on_a_plain_request_waits_before_the_reply(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.slow_stream(delay=0.3, text="late")
    with pytest.raises(APITimeoutError):
        create_chat_completion.sync(client=aimlapi_mock.client(timeout=0.05, max_retries=0), body=ask())
    aimlapi_mock.slow_stream(delay=0.05, text="late")
    completion = create_chat_completion.sync(client=aimlapi_mock.client(), body=ask())
    assert completion.choices[0].message.content == "late"


def test_requests_are_captured_as_chat_completion_requests(aimlapi_mock: MockAPI) -> None:
    client = aimlapi_mock.client()
    # some optional fields this revision has, with values their schemas take
    optional = {field: spec.example_value(field) for field in spec.optional_fields()[:2]}
    create_chat_completion.sync(client=client, body=ask("first", **optional))
    streamed_text(client, ask("second"))

    first, second = aimlapi_mock.requests
    assert isinstance(first, ChatCompletionRequest)
    assert first.to_dict()["messages"] == [spec.distinct_user_message("first")]
    assert {field: first.to_dict()[field] for field in optional} == optional
    assert second.to_dict()["messages"] == [spec.distinct_user_message("second")]
    assert second.stream is True


def test_an_invalid_request_is_rejected_and_takes_no_scripted_reply(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="for the valid request")
    bad = ask()
    # a number past a bound of a field this revision has (or, without one, a model that is no string)
    bounded = [field for field in spec.optional_fields() if spec.out_of_range_value(field) is not None]
    field = bounded[0] if bounded else "model"
    setattr(bad, field, spec.out_of_range_value(field) if bounded else 9)
    with pytest.raises(BadRequestError, match=field):
        create_chat_completion.sync(client=aimlapi_mock.client(), body=bad)
    assert aimlapi_mock.pending == 1
    assert aimlapi_mock.requests == []
    completion = create_chat_completion.sync(client=aimlapi_mock.client(), body=ask())
    assert completion.choices[0].message.content == "for the valid request"


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        (
            lambda m: m.reply(text="Hi", finish_reason="sideways"),
            r"\(ChatCompletion\): choices\[0\]\.finish_",
        ),
        (lambda m: m.reply(text=42), r"\(ChatCompletion\): choices\[0\]\.message\.content: expected"),
        (
            lambda m: m.reply_tool_call(name=None),
            r"\(ChatCompletion\): choices\[0\]\.message\.tool_calls\[0\]",
        ),
        (lambda m: m.reply_tool_call(name="f", arguments={"x": object()}), "arguments are not JSON"),
        (lambda m: m.fail(status=418), "418 is not an error the spec documents"),
        (lambda m: m.fail(status=200), "200 is not an error the spec documents"),
        (lambda m: m.fail(status=429, message=7), r"\(ErrorResponse\): message: expected string"),
        (lambda m: m.fail(status=429, retry_after=-1), "retry_after must be a non-negative number"),
        (lambda m: m.cut_stream(after=-1), r"cut_stream\(after=...\) must be a non-negative int"),
        (lambda m: m.slow_stream(delay="fast"), r"slow_stream\(delay=...\) must be a non-negative float"),
    ],
)
def test_a_scripted_reply_that_breaks_the_spec_fails_clearly(
    aimlapi_mock: MockAPI, script: object, problem: str
) -> None:
    with pytest.raises(ScriptError, match=problem):
        script(aimlapi_mock)  # type: ignore[operator]
    assert aimlapi_mock.pending == 0  # nothing was queued
    completion = create_chat_completion.sync(client=aimlapi_mock.client(), body=ask("still fine"))
    assert isinstance(completion.choices[0].message.content, str)
    assert completion.choices[0].message.content.startswith(opening("still fine"))


def test_the_async_functional_api(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="async hello").reply(text="async stream").cut_stream(after=1, text="x y z")
    client = aimlapi_mock.async_client()

    async def run() -> tuple[str | None, str, str]:
        completion = await create_chat_completion.asyncio(client=client, body=ask())
        text = ""
        async with create_chat_completion.astream(client=client, body=ask()) as stream:
            async for chunk in stream:
                delta = chunk.choices[0].delta if chunk.choices else None
                text += delta.content if delta and isinstance(delta.content, str) else ""
        partial = ""
        try:
            async with create_chat_completion.astream(client=client, body=ask(), max_retries=0) as stream:
                async for chunk in stream:
                    delta = chunk.choices[0].delta if chunk.choices else None
                    partial += delta.content if delta and isinstance(delta.content, str) else ""
        except StreamInterruptedError:
            partial += "|cut"
        content = completion.choices[0].message.content
        return content if isinstance(content, str) else None, text, partial

    assert asyncio.run(run()) == ("async hello", "async stream", "x|cut")
    assert len(aimlapi_mock.requests) == 3


def test_loopback_base_url_with_plain_httpx(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="over a real socket").reply(text="streamed over it").cut_stream(after=1)
    url = aimlapi_mock.base_url + PATH
    assert url.startswith("http://127.0.0.1:")
    auth = {"authorization": f"Bearer {aimlapi_mock.api_key}"}
    body = {"model": "gemini-pro", "messages": [spec.distinct_user_message("hi")]}

    reply = httpx.post(url, json=body, headers=auth)
    assert reply.status_code == 200
    assert reply.json()["choices"][0]["message"]["content"] == "over a real socket"

    with httpx.stream("POST", url, json={**body, "stream": True}, headers=auth) as streamed:
        lines = [line for line in streamed.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    deltas = [json.loads(line[6:])["choices"][0]["delta"].get("content") for line in lines[:-1]]
    assert "".join(d for d in deltas if d) == "streamed over it"

    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", url, json={**body, "stream": True}, headers=auth) as cut,
    ):
        cut.read()

    assert httpx.post(url, json=body).status_code == 401  # the key is checked here too
    assert [r.to_dict()["messages"] for r in aimlapi_mock.requests] == [body["messages"]] * 3


def test_loopback_and_in_process_share_one_script(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="in process").reply(text="on loopback")
    completion = create_chat_completion.sync(client=aimlapi_mock.client(), body=ask())
    assert completion.choices[0].message.content == "in process"
    with AuthenticatedClient(base_url=aimlapi_mock.base_url, token=aimlapi_mock.api_key) as loopback:
        completion = create_chat_completion.sync(client=loopback, body=ask())
    assert completion.choices[0].message.content == "on loopback"
    assert len(aimlapi_mock.requests) == 2


# ----- the OpenAI-SDK-shaped clients --------------------------------------------------------


def test_the_aimlapi_client_gets_scripted_replies_plain_and_streamed(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="It is sunny.").reply(text="Now it rains.")
    with aimlapi_mock.aimlapi() as client:
        messages = [spec.user_message_model("Weather?")]
        completion = client.chat.completions.create(model="gemini-pro", messages=messages)
        assert completion.choices[0].message.content == "It is sunny."
        stream = client.chat.completions.create(model="gemini-pro", messages=messages, stream=True)
        assert stream.get_final_completion().choices[0].message.content == "Now it rains."
    assert [request.stream for request in aimlapi_mock.requests] == [False, True]


def test_a_scripted_stream_with_or_without_usage_gives_the_final_completion(aimlapi_mock: MockAPI) -> None:
    """`reply(..., usage=False)` is a stream as OpenAI-compatible servers send it unasked: the final
    completion is there, iterated directly or not read at all, its usage None; `usage=True` has it."""
    messages = [spec.user_message_model("Weather?")]
    aimlapi_mock.reply("No usage here.", usage=False).reply("Nor here.", usage=False)
    aimlapi_mock.reply("Counted.", usage=True)
    with aimlapi_mock.aimlapi() as client:
        with client.chat.completions.create(model="gemini-pro", messages=messages, stream=True) as stream:
            deltas = [chunk.choices[0].delta.content for chunk in stream if chunk.choices]
            final = stream.get_final_completion()
        assert "".join(text for text in deltas if isinstance(text, str)) == "No usage here."
        assert (final.choices[0].message.content, final.usage) == ("No usage here.", None)
        unread = client.chat.completions.create(model="gemini-pro", messages=messages, stream=True)
        final = unread.get_final_completion()
        assert (final.choices[0].message.content, final.usage) == ("Nor here.", None)
        counted = client.chat.completions.create(model="gemini-pro", messages=messages, stream=True)
        usage = counted.get_final_completion().usage
        assert usage is not None
        assert usage.completion_tokens == 1


def test_a_scripted_stream_without_usage_in_the_async_client(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply("Async, no usage.", usage=False)

    async def ask() -> tuple[str | None, object]:
        async with aimlapi_mock.async_aimlapi() as client:
            stream = await client.chat.completions.create(
                model="gemini-pro", messages=[spec.user_message_model("Hi")], stream=True
            )
            async with stream:
                async for _ in stream:
                    pass
                final = await stream.get_final_completion()
            return final.choices[0].message.content, final.usage

    assert asyncio.run(ask()) == ("Async, no usage.", None)


def test_the_aimlapi_client_sees_a_scripted_failure_as_its_typed_error(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.fail(status=400)
    with aimlapi_mock.aimlapi(max_retries=0) as client, pytest.raises(BadRequestError):
        # A dict literal type-checks as the TypedDict of its message kind (params.py).
        client.chat.completions.create(model="gemini-pro", messages=[spec.user_message("Hi")])


def test_the_async_aimlapi_client_gets_scripted_replies(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.reply(text="Async hello.")

    async def ask() -> str | None:
        async with aimlapi_mock.async_aimlapi() as client:
            completion = await client.chat.completions.create(
                model="gemini-pro", messages=[spec.user_message_model("Hi")]
            )
            return completion.choices[0].message.content

    assert asyncio.run(ask()) == "Async hello."


def test_a_lone_surrogate_sent_through_the_mock_is_a_400_naming_it() -> None:
    # What json.dumps writes for such text: valid JSON; before, a raw UnicodeEncodeError here.
    raw = b'{"model": "gemini-pro", "messages": [{"role": "user", "content": "a\\ud800b"}]}'
    with MockAPI() as mock, httpx.Client(transport=mock.transport, base_url="http://mock") as http:
        response = http.post(
            PATH,
            content=raw,
            headers={"Authorization": "Bearer test-key", "content-type": "application/json"},
        )
    assert response.status_code == 400
    assert "messages[0].content: holds a lone surrogate (U+D800" in response.json()["message"]


def test_a_surrogate_pair_sent_through_the_mock_is_served() -> None:
    mark = "TEXT-GOES-HERE"  # where the raw JSON text goes in the body built as a dict
    body: dict[str, Any] = {"model": "gemini-pro", "messages": [spec.user_message(mark)]}
    if not spec.user_takes_text():  # in an unknown top-level key, which the schema admits
        body["note"] = mark
    raw = json.dumps(body).replace(mark, "\\ud83d\\ude00").encode()
    with MockAPI() as mock, httpx.Client(transport=mock.transport, base_url="http://mock") as http:
        response = http.post(
            PATH,
            content=raw,
            headers={"Authorization": "Bearer test-key", "content-type": "application/json"},
        )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["role"] == "assistant"
