"""The CLI's inputs that only the library can turn into typed errors: a key that cannot go into a
header, a base URL from the environment that is not one, replies that lie about their encoding,
nest too deep, or break the schema. The CLI catches AimlApiError and nothing broader, so each of
these ends as one line on stderr once the library raises a typed error for it.
"""

from __future__ import annotations

import gzip
import json
import subprocess

import pytest

from aimlapi_gemini.testing._server import BackgroundServer
from tests.client.test_cli import assert_one_line_error, cli_env, run_cli
from tests.doubles.canned_server import CannedReply, canned_server
from tests.doubles.fakes import DONE_EVENT, FAKE_KEY, chat_args, chunk_event, completion_json

DEPTH = 1_000  # deeper than CPython's default recursion limit lets json.loads go

STREAMING = ["", "--stream"]


def _sse(*events: bytes) -> CannedReply:
    return CannedReply(200, b"".join((*events, DONE_EVENT)), {"Content-Type": "text/event-stream"})


def _run_against(reply: CannedReply, stream: str) -> subprocess.CompletedProcess[bytes]:
    with canned_server(reply) as server:
        return run_cli(
            "chat", *chat_args("Hi"), *([stream] if stream else []), env=cli_env(server.base_url, FAKE_KEY)
        )


# --- configuration the library rejects (exit 2: nothing was sent) ---------------------------------


@pytest.mark.parametrize("key", ["sk-clé-7f3a", "sk-\u2028line-separator"], ids=["accent", "u2028"])
def test_a_key_that_cannot_go_into_a_header_is_a_usage_error_without_the_key(key: str) -> None:
    with canned_server(CannedReply(500)) as server:
        result = run_cli("chat", *chat_args("Hi"), env=cli_env(server.base_url, key))
    err = assert_one_line_error(result, 2, "AIML_API_KEY")
    assert key not in err
    assert server.requests == 0


def test_a_key_with_surrounding_whitespace_works(reference_server: BackgroundServer) -> None:
    # The library strips it (issue #9 item 4); before that, the key was printed in the error.
    result = run_cli(
        "chat", *chat_args("Hi"), env=cli_env(reference_server.base_url, f" {reference_server.api_key}\n")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_a_base_url_from_the_environment_that_is_not_one_is_a_usage_error() -> None:
    result = run_cli("chat", *chat_args("Hi"), env=cli_env("http://[::1", FAKE_KEY))
    assert_one_line_error(result, 2, "http://[::1")


# --- hostile replies (exit 1) --------------------------------------------------------------------


@pytest.mark.parametrize("stream", STREAMING, ids=["reply", "streamed"])
def test_a_reply_that_is_not_the_gzip_it_claims_is_one_line(stream: str) -> None:
    body = json.dumps(completion_json()).encode() if not stream else chunk_event("Hello") + DONE_EVENT
    content_type = "text/event-stream" if stream else "application/json"
    reply = CannedReply(200, body, {"Content-Type": content_type, "Content-Encoding": "gzip"})
    assert_one_line_error(_run_against(reply, stream), 1)


def test_a_reply_that_really_is_gzip_is_read() -> None:
    # The twin of the gzip lie: an honest gzip body is decoded and printed.
    body = gzip.compress(json.dumps(completion_json("Zipped hello.")).encode())
    reply = CannedReply(200, body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    result = _run_against(reply, "")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Zipped hello.\n"


@pytest.mark.parametrize("stream", STREAMING, ids=["reply", "streamed"])
def test_json_nested_too_deep_is_one_line(stream: str) -> None:
    deep = "[" * DEPTH + "]" * DEPTH
    if stream:
        reply = _sse(f'data: {{"id": "gen-1", "choices": {deep}}}\n\n'.encode())
    else:
        reply = CannedReply(200, f'{{"id": "gen-1", "choices": {deep}}}'.encode())
    assert_one_line_error(_run_against(reply, stream), 1)


@pytest.mark.parametrize("content", [{}, {"text": "Hello"}, ["Hello"], 42], ids=repr)
def test_a_reply_whose_content_is_not_a_string_is_one_line_naming_the_field(content: object) -> None:
    reply = CannedReply(200, json.dumps(completion_json(content)).encode())  # type: ignore[arg-type]
    assert_one_line_error(_run_against(reply, ""), 1, "choices[0].message.content")


def test_a_streamed_chunk_whose_content_is_an_object_is_one_line() -> None:
    chunk = json.loads(chunk_event("x").decode().removeprefix("data: "))
    chunk["choices"][0]["delta"]["content"] = {"text": "Hello"}
    reply = _sse(chunk_event("Hi "), f"data: {json.dumps(chunk)}\n\n".encode())
    result = _run_against(reply, "--stream")
    assert result.returncode == 1
    assert result.stdout == b"Hi \n"  # what came before the bad chunk is kept
    err = result.stderr.decode()
    assert err.count("\n") == 1
    assert "choices[0].delta.content" in err
