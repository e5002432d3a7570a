"""Each example of examples/ runs as a user runs it (`python examples/NN_name.py`, a child process
with AIML_API_KEY and AIML_API_BASE_URL set) against the reference server on loopback, and what
it prints is checked against what the server received and answered. An example that uses a feature
this spec lacks is left out (scripts/checked_code.py, asserted exact in test_checked_code.py): its
test has nothing to run."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import spec_features as spec
from checked_code import example_paths

from .served import ExampleAPI, left_out


def test_one_question_prints_the_reply_and_the_usage_the_server_counted(api: ExampleAPI) -> None:
    if left_out("01_one_question"):
        return
    lines = api.run_ok("01_one_question")

    [request] = api.requests
    assert request.to_dict()["max_tokens"] == 100
    # The same body sent again gets the same deterministic reply: the numbers printed are its own.
    again = httpx.post(
        api.server.base_url + spec.chat_path(request.to_dict()["model"]),
        json=request.to_dict(),
        headers={"Authorization": f"Bearer {api.server.api_key}"},
    ).json()
    usage = again["usage"]
    assert lines == [
        again["choices"][0]["message"]["content"],
        f"tokens: {usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion"
        f" = {usage['total_tokens']}",
    ]
    assert usage["total_tokens"] > usage["prompt_tokens"] > 0


def test_stream_prints_the_text_as_it_comes_and_the_final_finish_reason(api: ExampleAPI) -> None:
    if left_out("02_stream"):
        return
    api.mock.reply(text="The keeper lit the lamp and the ships came home.", finish_reason="length")

    lines = api.run_ok("02_stream")

    assert lines == ["The keeper lit the lamp and the ships came home.", "finish_reason: length, 10 tokens"]
    [request] = api.requests
    assert request.stream is True
    # A declared field where the spec has stream_options, else an extra body field: sent either way.
    assert request.to_dict()["stream_options"] == {"include_usage": True}


def test_stream_events_print_the_text_its_length_and_the_finish_reason(api: ExampleAPI) -> None:
    if left_out("09_stream_events"):
        return
    api.mock.reply(text="A tall white tower. Its lamp turns all night.", finish_reason="stop")

    lines = api.run_ok("09_stream_events")

    text = "A tall white tower. Its lamp turns all night."
    assert lines == [text, f"({len(text)} characters)", "finish_reason: stop"]
    [request] = api.requests
    assert request.stream is True
    assert request.to_dict()["max_tokens"] == 200


def test_tool_call_round_trip_sends_the_tool_result_back_to_the_server(api: ExampleAPI) -> None:
    if left_out("03_tool_call"):
        return
    api.mock.reply_tool_call(name="get_weather", arguments={"city": "Oslo"}, call_id="call_oslo")

    lines = api.run_ok("03_tool_call")

    first, second = (request.to_dict() for request in api.requests)
    assert [tool["function"]["name"] for tool in first["tools"]] == ["get_weather"]
    user, assistant, tool = second["messages"]
    assert user["role"] == "user"
    assert assistant["role"] == "assistant"  # the reply, replayed with its tool call
    assert [
        (call["id"], call["function"]["name"], json.loads(call["function"]["arguments"]))
        for call in assistant["tool_calls"]
    ] == [("call_oslo", "get_weather", {"city": "Oslo"})]
    assert isinstance(api.requests[1].messages[2], spec.optional_model("ToolMessage"))
    assert (tool["tool_call_id"], tool["content"]) == ("call_oslo", "Sunny and 21 °C in Oslo")
    # The reference server's answer to a tool result quotes it: the result reached it.
    assert lines[0].startswith('The tool returned "Sunny and 21 °C in Oslo".')
    assert len(lines) == 1


def test_text_and_image_sends_both_parts_in_one_user_turn(api: ExampleAPI) -> None:
    if left_out("04_text_and_image"):
        return
    api.mock.reply(text="A mountain above a lake, in snow.")

    lines = api.run_ok("04_text_and_image")

    assert lines == ["A mountain above a lake, in snow."]
    [request] = api.requests
    [message] = request.messages
    assert isinstance(message, spec.message_models("user"))
    assert not isinstance(message.content, str)
    text, image = message.content
    # The text part as the spec names it (a schema of its own, or inline in the user message).
    assert text.to_dict() == {"type": "text", "text": "What is in this picture?"}
    assert image.to_dict()["type"] == "image_url"
    assert image.to_dict()["image_url"]["url"].startswith("https://")
    assert image.to_dict()["image_url"]["url"].endswith(".jpg")


def test_concurrent_calls_stay_within_the_limit_and_all_come_back(api: ExampleAPI) -> None:
    if left_out("05_concurrent"):
        return
    api.watch.delay = 0.1  # each request is held, so calls that may overlap do

    lines = api.run_ok("05_concurrent")

    assert len(api.requests) == 100
    assert len({request.messages[0].content for request in api.requests}) == 100  # 100 questions
    assert 5 <= api.watch.peak <= 10  # concurrent, and never more than LIMIT = 10 in flight
    total = sum(reply["usage"]["total_tokens"] for reply in api.watch.replies)
    assert lines == [f"100 answers, {total} tokens"]


def test_errors_a_400_skips_the_question_and_a_429_stops_with_the_advised_wait(api: ExampleAPI) -> None:
    if left_out("06_errors"):
        return
    api.mock.fail(400, message="Body validation error: messages[0].content: too long")
    api.mock.fail(429, retry_after=300)  # past the client's 120 s cap: not retried, handed over

    lines = api.run_ok("06_errors")

    refused = re.fullmatch(
        r"refused \(400\): Body validation error: messages\[0\]\.content: too long, request id (\S+)",
        lines[0],
    )
    limited = re.fullmatch(r"rate limited \(429\): retry in 300\.0 s, id (\S+)", lines[1])
    assert refused, lines
    assert limited, lines
    assert len(lines) == 2  # the loop stopped at the 429: the third question was never asked
    # The ids printed are the server's own, of the requests that carried those questions.
    asked = [
        json.loads(api.server.app.received_body(match.group(1)) or b"null")["messages"][0]["content"]
        for match in (refused, limited)
    ]
    assert asked == ["What is a haiku?", "Write one about rain."]
    assert len(api.requests) == 2
    assert api.mock.pending == 0


def test_multi_turn_sends_the_whole_conversation_each_time(api: ExampleAPI) -> None:
    if left_out("07_multi_turn"):
        return
    replies = ["Porto, for the river.", "The Algarve stays mild.", "Take the train, three hours."]
    for reply in replies:
        api.mock.reply(text=reply)

    lines = api.run_ok("07_multi_turn")

    questions = ["Where should I go in Portugal?", "And in winter?", "How do I get there from Lisbon?"]
    assert lines == [line for q, r in zip(questions, replies, strict=True) for line in (f"> {q}", r, "")]
    last = api.requests[-1].messages
    assert isinstance(last[0], spec.message_models("system"))
    turns = [(type(m).__name__, m.to_dict()["content"]) for m in last[1:]]
    assert turns == [
        (spec.class_of_role("user"), questions[0]),
        (spec.class_of_role("assistant"), replies[0]),
        (spec.class_of_role("user"), questions[1]),
        (spec.class_of_role("assistant"), replies[1]),
        (spec.class_of_role("user"), questions[2]),
    ]


def _batch_line(custom_id: str, question: str) -> dict[str, Any]:
    """One input line of 08_resumable_jsonl.py (the OpenAI Batch API's shape): the question as the
    spec takes a user message (text, or where user messages take none, the message its schema builds)."""
    body = {"model": spec.model_id(), "messages": [spec.user_message(question)]}
    return {"custom_id": custom_id, "body": body}


def _sent_messages(bodies: list[dict[str, Any]]) -> list[str]:
    """The messages of each body, as sorted JSON (to compare what was sent, in any order)."""
    return sorted(json.dumps(body["messages"], sort_keys=True) for body in bodies)


def _records(path: Path) -> list[dict[str, Any]]:
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    )


def test_resumable_jsonl_run_sends_only_the_ids_a_killed_run_left(api: ExampleAPI, tmp_path: Path) -> None:
    if left_out("08_resumable_jsonl"):
        return
    requests, answers = tmp_path / "requests.jsonl", tmp_path / "answers.jsonl"
    questions = {f"q{n}": f"Question number {n}?" for n in range(1, 7)}
    lines = {i: _batch_line(i, q) for i, q in questions.items()}
    text = "".join(json.dumps(line) + "\n" for line in lines.values())
    requests.write_text(text, encoding="utf-8")
    api.watch.answer_first = 2  # the other requests wait, unanswered, until the run is killed

    run = api.start("08_resumable_jsonl", str(requests), str(answers))
    try:
        deadline = time.monotonic() + 30
        while (len(_records(answers)) < 2 or api.watch.arrived < 6) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        run.kill()  # a crash: no chance to finish or clean up
        run.communicate()
        api.watch.answer_first = None
    first = _records(answers)
    assert len(first) == 2
    assert all(record["response"]["status_code"] == 200 for record in first)
    answered = {record["custom_id"] for record in first}
    api.mock.reset()

    printed = api.run_ok("08_resumable_jsonl", str(requests), str(answers))

    assert len(printed) == 1
    assert printed[0].startswith("batch done: 4 ok, 0 errors, 0 invalid, 2 done before, 0 retries"), printed
    left = [lines[i]["body"] for i in questions.keys() - answered]
    sent = _sent_messages([request.to_dict() for request in api.requests])
    assert sent == _sent_messages(left)  # and nothing else
    final = _records(answers)
    assert final[:2] == first
    assert sorted(record["custom_id"] for record in final) == sorted(questions)  # each id once
    for record in final:
        # Each answer is the server's to its own line's messages (by the request id it answered with).
        received = json.loads(api.server.app.received_body(record["response"]["request_id"]) or b"null")
        assert received["messages"] == lines[record["custom_id"]]["body"]["messages"]
        if spec.user_takes_text():  # the reference server opens its reply with the question
            reply = record["response"]["body"]["choices"][0]["message"]["content"]
            assert reply.startswith(f'You wrote: "{questions[record["custom_id"]]}"')

    printed = api.run_ok("08_resumable_jsonl", str(requests), str(answers))

    assert printed[0].startswith("batch done: 0 ok, 0 errors, 0 invalid, 6 done before"), printed
    assert len(api.requests) == 4  # all done: nothing was sent again
    assert _records(answers) == final


def test_every_example_is_run_here() -> None:
    tested = set(re.findall(r'"(\d\d_\w+)"', Path(__file__).read_text(encoding="utf-8")))
    assert tested == {path.stem for path in example_paths()}
    assert len(tested) == 9
