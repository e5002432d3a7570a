"""``python -m aimlapi_gemini chat ...`` against loopback servers: replies on stdout, one-line errors
on stderr, exit codes 0 / 1 (API or output) / 2 (usage). Most tests run the program as a user does,
in a subprocess; the hostile replies that need the library's typed errors are in test_cli_hostile.py.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini.__main__ import main
from aimlapi_gemini._spec_facts import VERSION_PATH
from aimlapi_gemini.testing import MockAPI
from aimlapi_gemini.testing._server import BackgroundServer
from tests.doubles.canned_server import CannedReply, canned_server
from tests.doubles.fakes import (
    FAKE_KEY,
    SOUND_FILE,
    chat_args,
    chunk_event,
    completion_json,
    error_json,
)

SPEC = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"


def cli_env(base_url: str, key: str = "") -> dict[str, str]:
    """The caller's environment without any AIML_API_* setting, then the given ones."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIML_API")}
    env["AIML_API_BASE_URL"] = base_url
    if key:
        env["AIML_API_KEY"] = key
    return env


def run_cli(
    *args: str | bytes, env: dict[str, str], stdin: bytes | None = None, stdout: Any = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "aimlapi_gemini", *args],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[bytes], code: int, *fragments: str) -> str:
    """Exit ``code``, nothing on stdout, exactly one line on stderr that holds every fragment."""
    err = result.stderr.decode("utf-8", "backslashreplace")
    assert result.returncode == code, err
    assert not result.stdout
    assert err.startswith("aimlapi-gemini"), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    return err


@pytest.fixture
def env(reference_server: BackgroundServer) -> dict[str, str]:
    return cli_env(reference_server.base_url, reference_server.api_key)


@pytest.fixture
def server_env(reference_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> BackgroundServer:
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", reference_server.base_url)
    return reference_server


# --- replies -------------------------------------------------------------------------------------

# The request field each of the CLI's field options fills (a revision may lack it).
FIELD_OF_OPTION = {"--temperature": "temperature", "--max-tokens": "max_tokens"}


def _at_most(tokens: int) -> tuple[list[str], int | None]:
    """`--max-tokens N` and the bound on the reply's words, where the spec has max_tokens."""
    if spec.field_present("max_tokens"):
        return ["--max-tokens", str(tokens)], tokens
    return [], None


@pytest.mark.usefixtures("server_env")
@pytest.mark.parametrize("stream", [[], ["--stream"]], ids=["reply", "streamed"])
def test_chat_prints_the_reply(capsys: pytest.CaptureFixture[str], stream: list[str]) -> None:
    limit, words = _at_most(5)
    # The system prompt where the spec has system messages (absent: checked refused).
    system = ["--system", "Be brief."] if spec.role_present("system") else []
    assert main(["chat", *chat_args("Hello there"), *system, *limit, *stream]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n")
    assert 1 <= len(out.split()) <= (words or len(out.split()))


@pytest.mark.usefixtures("server_env")
def test_streamed_and_plain_replies_are_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    # some option this revision's spec has (a fixed reply either way: the server is deterministic)
    option = ["--temperature", "0.2"] if spec.has_request_field("temperature") else []
    main(["chat", *chat_args("Same question"), *option])
    plain = capsys.readouterr().out
    main(["chat", *chat_args("Same question"), *option, "--stream"])
    assert capsys.readouterr().out == plain


def test_the_module_runs_as_a_program(env: dict[str, str]) -> None:
    limit, words = _at_most(3)
    result = run_cli("chat", *chat_args("Hello"), "--stream", *limit, env=env)
    assert result.returncode == 0, result.stderr
    assert 1 <= len(result.stdout.split()) <= (words or len(result.stdout.split()))
    assert result.stderr == b""


@pytest.mark.parametrize("stream", [[], ["--stream"]], ids=["reply", "streamed"])
def test_a_dash_reads_the_prompt_from_stdin(env: dict[str, str], stream: list[str]) -> None:
    from_stdin = run_cli("chat", "-", *stream, env=env, stdin="Tell me about the Loire ✓".encode())
    from_argv = run_cli("chat", "Tell me about the Loire ✓", *stream, env=env)
    if not spec.user_takes_text():  # refused either way: test_text_and_audio_are_sent_where_...
        assert from_stdin.returncode == from_argv.returncode == 2
        assert from_stdin.stderr == from_argv.stderr
        return
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert "Loire ✓" in from_stdin.stdout.decode()  # the reference server echoes the topic
    assert from_stdin.stdout == from_argv.stdout


# What a user message may hold, as the CLI is given it, and as the content a spec may take it in.
_SOUND = base64.b64encode(SOUND_FILE.read_bytes()).decode()
_AUDIO_PARTS = [
    {"type": "input_audio", "input_audio": {"data": _SOUND}},
    {"type": "input_audio", "input_audio": {"data": _SOUND, "format": "wav"}},
]
_TEXT_FORMS: list[Any] = ["Hello", [{"type": "text", "text": "Hello"}]]
MESSAGES: dict[str, tuple[list[str], list[Any]]] = {
    "text": (["Hello"], _TEXT_FORMS),
    "audio": (["--audio", str(SOUND_FILE)], [[part] for part in _AUDIO_PARTS]),
    "text and audio": (
        ["Hello", "--audio", str(SOUND_FILE)],
        [[{"type": "text", "text": "Hello"}, part] for part in _AUDIO_PARTS],
    ),
}


@pytest.mark.parametrize("message", list(MESSAGES))
def test_text_and_audio_are_sent_where_the_spec_takes_them_and_refused_in_one_line_elsewhere(
    aimlapi_mock: MockAPI, message: str
) -> None:
    """The oracle is an outside JSON Schema validator on the spec: whether any form of the content
    is valid decides between a reply and a usage error that names what the API does not take."""
    args, forms = MESSAGES[message]
    aimlapi_mock.reply(text="Heard.")
    result = run_cli("chat", *args, env=cli_env(aimlapi_mock.base_url, aimlapi_mock.api_key))
    if any(spec.user_takes_content(form) for form in forms):
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"Heard.\n"
        (sent,) = aimlapi_mock.requests
        assert spec.user_takes_content(sent.to_dict()["messages"][-1]["content"])
    else:
        takes_text = any(spec.user_takes_content(form) for form in _TEXT_FORMS)
        # the part the API does not take is named: with both, the audio where it takes text
        says = "take no audio" if message == "audio" or (message != "text" and takes_text) else "take no text"
        assert_one_line_error(result, 2, says)
        assert aimlapi_mock.requests == []


def test_a_sound_file_that_cannot_be_read_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.wav"
    with canned_server(CannedReply(500)) as server:
        result = run_cli("chat", "--audio", str(missing), env=cli_env(server.base_url, "any-key"))
    assert_one_line_error(result, 2, "--audio: cannot read", "missing.wav", "No such file")
    assert server.requests == 0


def test_no_message_at_all_is_a_usage_error_naming_both_ways_to_give_one() -> None:
    with canned_server(CannedReply(500)) as server:
        result = run_cli("chat", env=cli_env(server.base_url, "any-key"))
    assert_one_line_error(result, 2, "PROMPT", "--audio FILE")
    assert server.requests == 0


def test_version_is_the_installed_package_version() -> None:
    result = run_cli("--version", env=cli_env("http://127.0.0.1:9"))
    assert result.returncode == 0
    assert result.stdout.decode() == f"aimlapi-gemini {version('aimlapi-gemini')}\n"


# --- options: what is accepted, and its rejected twin ----------------------------------------------


REQUEST = json.loads(SPEC.read_text())["components"]["schemas"]["ChatCompletionRequest"]["properties"]
# The top of the spec's temperature range (2 for a revision that gives none), an edge that is sent.
_TEMPERATURE_TOP: float = REQUEST.get("temperature", {}).get("maximum", 2)


# The ends of the ranges the CLI's options may meet: (option, field, bound, a step beyond it).
EDGES = [
    ("--temperature", "temperature", "maximum", 0.5),
    ("--temperature", "temperature", "minimum", -0.1),
    ("--max-tokens", "max_tokens", "minimum", -1),
]
# Beyond the usual ranges, for a field whose spec gives no bound there.
UNBOUNDED = {("temperature", "maximum"): 2.5, ("temperature", "minimum"): -0.1, ("max_tokens", "minimum"): 0}


@pytest.mark.parametrize(
    ("option", "field", "bound", "step"), EDGES, ids=[f"{edge[0]} {edge[2]}" for edge in EDGES]
)
def test_a_value_beyond_the_specs_range_is_a_usage_error_naming_the_range_and_no_other_is(
    option: str, field: str, bound: str, step: float
) -> None:
    """The range is the spec's: the CLI copies no bound (an unbounded end lets any value through
    to the server) and checks every one the spec gives, before anything is sent."""
    schema = REQUEST.get(field)
    limit = None if schema is None else schema.get(bound)
    value = UNBOUNDED[field, bound] if limit is None else limit + step
    text = f"{value:g}" if isinstance(value, float) else str(value)
    with canned_server(CannedReply(500)) as server:  # answers what is sent, with an error
        result = run_cli(
            "chat",
            *chat_args("Hi"),
            option,
            text,
            "--max-retries",
            "0",
            env=cli_env(server.base_url, "any-key"),
        )
    if schema is None:
        assert_one_line_error(result, 2, f"{option}: this API's requests have no {field} field")
        assert server.requests == 0
    elif limit is None:
        assert server.requests == 1, result.stderr
    else:
        assert_one_line_error(
            result, 2, f"error: {option}: ", f"{'<=' if bound == 'maximum' else '>='} {limit:g}"
        )
        assert server.requests == 0


@pytest.mark.parametrize(
    ("option", "field"), [("--temperature", "temperature"), ("--max-tokens", "max_tokens")]
)
def test_an_option_for_a_field_the_spec_lacks_is_refused_and_one_it_has_is_sent(
    env: dict[str, str], option: str, field: str
) -> None:
    result = run_cli("chat", *chat_args("Hi"), option, "1", env=env)
    if field in REQUEST:
        assert result.returncode == 0, result.stderr
    else:
        assert_one_line_error(result, 2, f"{option}: this API's requests have no {field} field")


@pytest.mark.parametrize(
    "option",
    [
        ["--temperature", "0"],
        ["--temperature", f"{_TEMPERATURE_TOP:g}"],
        ["--temperature", "0.7"],
        ["--timeout", "30"],
        ["--timeout", "0.5e2"],
        ["--max-retries", "0"],
        ["--max-tokens", "1"],
    ],
    ids=" ".join,
)
def test_options_in_range_are_sent(env: dict[str, str], option: list[str]) -> None:
    if option[0] in FIELD_OF_OPTION and not spec.has_request_field(FIELD_OF_OPTION[option[0]]):
        return  # refused instead: test_an_option_for_a_field_the_spec_lacks_is_refused_...
    result = run_cli("chat", *chat_args("Hi"), *option, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize(
    ("option", "says"),
    [
        (["--temperature", "nan"], "finite"),
        (["--temperature", "inf"], "finite"),
        (["--temperature=-inf"], "finite"),  # with "=": argparse reads "-inf" alone as an option
        (["--temperature", "warm"], "not a number"),
        (["--timeout", "-1"], "above 0"),
        (["--timeout", "0"], "above 0"),
        (["--timeout", "nan"], "finite"),
        (["--max-retries", "-1"], "0 or more"),
        (["--max-retries", "1.5"], "not a whole number"),
        (["--max-tokens", "-1"], "0 or more"),
        (["--max-tokens", "many"], "not a whole number"),
        (["--base-url", "http://[::1"], "not a valid URL"),
        (["--base-url", "api.aimlapi.com"], "absolute http"),
        (["--base-url", "ftp://127.0.0.1"], "absolute http"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_options_out_of_range_are_usage_errors_before_any_call(option: list[str], says: str) -> None:
    with canned_server(CannedReply(500)) as server:  # would answer, if anything were sent
        result = run_cli("chat", *chat_args("Hi"), *option, env=cli_env(server.base_url, "any-key"))
    assert_one_line_error(result, 2, f"argument {option[0].split('=')[0]}: ", says)
    assert server.requests == 0


def test_a_missing_command_is_one_line_too() -> None:
    assert_one_line_error(run_cli(env=cli_env("http://127.0.0.1:9")), 2, "required")


def test_bad_usage_exits_2_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["chat", *chat_args("Hi"), "--max-tokens", "many"])
    assert caught.value.code == 2
    assert "--max-tokens" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", ["", VERSION_PATH, VERSION_PATH + "/"])
def test_base_url_option_wins_over_the_environment(reference_server: BackgroundServer, suffix: str) -> None:
    env = cli_env("http://127.0.0.1:9", reference_server.api_key)  # nothing listens on port 9
    # With the vendor's spelling (.../v1) too: the version is sent once.
    result = run_cli("chat", *chat_args("Hi"), "--base-url", reference_server.base_url + suffix, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize(
    "model", ["gemini-pro", "google/gemini-pro", "my-org/a-model-the-spec-does-not-list"]
)
def test_model_takes_any_id_as_the_spec_does(
    aimlapi_mock: MockAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], model: str
) -> None:
    monkeypatch.setenv("AIML_API_KEY", aimlapi_mock.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", aimlapi_mock.base_url)
    aimlapi_mock.reply(text="Served.")
    assert main(["chat", *chat_args("Hi"), "--model", model]) == 0
    assert capsys.readouterr().out == "Served.\n"
    assert [request.model for request in aimlapi_mock.requests] == [model]


def test_help_suggests_the_known_model_ids(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["chat", "--help"])
    assert caught.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the help text
    assert "--model ID" in shown
    for known in spec.model_ids():  # the ids this revision lists, if any
        assert known in shown
    assert "or any other" in shown


# --- text that is not UTF-8 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["chat", b"caf\xe9 au lait"],
        ["chat", *chat_args("Hi"), "--system", b"\xff\xfe be brief"],
        ["chat", *chat_args("Hi"), "--model", b"gemini-\xff"],
    ],
    ids=["prompt", "system", "model"],
)
def test_arguments_that_are_not_utf8_are_usage_errors(args: list[str | bytes]) -> None:
    with canned_server(CannedReply(500)) as server:
        result = run_cli(*args, env=cli_env(server.base_url, "any-key"))
    assert_one_line_error(result, 2, "not UTF-8 text")
    assert server.requests == 0


def test_stdin_that_is_not_utf8_is_a_usage_error() -> None:
    with canned_server(CannedReply(500)) as server:
        result = run_cli("chat", "-", env=cli_env(server.base_url, "any-key"), stdin=b"caf\xe9 au lait")
    assert_one_line_error(result, 2, "standard input is not UTF-8 text", "byte 3")
    assert server.requests == 0


def test_a_utf8_prompt_beyond_ascii_is_sent(env: dict[str, str]) -> None:
    result = run_cli("chat", "Crème brûlée, 東京 🚀", env=env)
    if not spec.user_takes_text():  # refused: test_text_and_audio_are_sent_where_the_spec_takes_them
        assert_one_line_error(result, 2, "take no text")
        return
    assert result.returncode == 0, result.stderr
    assert "Crème brûlée, 東京 🚀" in result.stdout.decode()


# --- the key and the API's answers ---------------------------------------------------------------


def test_no_key_is_a_usage_error_naming_the_variable() -> None:
    assert_one_line_error(
        run_cli("chat", *chat_args("Hi"), env=cli_env("http://127.0.0.1:9")), 2, "AIML_API_KEY"
    )


def test_a_wrong_key_is_one_line_on_stderr_without_the_key(reference_server: BackgroundServer) -> None:
    result = run_cli("chat", *chat_args("Hi"), env=cli_env(reference_server.base_url, FAKE_KEY))
    err = assert_one_line_error(result, 1, "(request id ")
    assert err.startswith("aimlapi-gemini: error: HTTP 401 Unauthorized: ")
    assert FAKE_KEY not in err


@pytest.mark.parametrize("stream", [[], ["--stream"]], ids=["reply", "streamed"])
def test_a_request_the_api_rejects_exits_1_with_the_vendors_message(stream: list[str]) -> None:
    body = json.dumps(error_json(400, "Body validation error: messages is too long", "req-cli-7")).encode()
    with canned_server(CannedReply(400, body)) as server:
        result = run_cli("chat", *chat_args("Hi"), *stream, env=cli_env(server.base_url, "any-key"))
    assert_one_line_error(result, 1, "HTTP 400", "messages is too long", "req-cli-7")


# --- stdout that goes away -----------------------------------------------------------------------

BROKEN_PIPE_LINE = b"aimlapi-gemini: stopped: the reader of standard output went away (broken pipe)\n"


@pytest.mark.parametrize("stream", [[], ["--stream"]], ids=["reply", "streamed"])
def test_a_reader_that_left_ends_the_program_with_one_line(env: dict[str, str], stream: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` after it has read its fill: every write gets EPIPE
    try:
        result = run_cli("chat", *chat_args("Hello"), *stream, env=env, stdout=write_end)
    finally:
        os.close(write_end)
    # One line, no traceback, no "Exception ignored ... BrokenPipeError" at interpreter shutdown.
    assert result.stderr == BROKEN_PIPE_LINE
    assert result.returncode == 1


@pytest.mark.parametrize("stream", ["", "--stream"], ids=["reply", "streamed"])
def test_piping_into_head_prints_the_start_and_at_most_one_line(env: dict[str, str], stream: str) -> None:
    limit = " ".join(_at_most(400)[0])  # a long reply, where the spec lets the CLI ask for one
    command = (
        f"{sys.executable} -m aimlapi_gemini chat {shlex.join(chat_args())} {limit} {stream} | head -c 5"
    )
    result = subprocess.run(["sh", "-c", command], capture_output=True, env=env, timeout=60, check=False)
    # Whether the program writes again after head has left depends on timing: then it says so once.
    assert result.stderr in (b"", BROKEN_PIPE_LINE)
    assert len(result.stdout) == 5


def test_a_closed_stdout_is_one_line_and_sends_nothing() -> None:
    with canned_server(CannedReply(500)) as server:
        result = subprocess.run(
            [
                "sh",
                "-c",
                'exec "$@" >&-',
                "sh",
                sys.executable,
                "-m",
                "aimlapi_gemini",
                "chat",
                *chat_args("Hi"),
            ],
            capture_output=True,
            env=cli_env(server.base_url, "any-key"),
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    err = result.stderr.decode()
    assert err == "aimlapi-gemini: error: cannot print the reply: standard output is closed\n"
    assert server.requests == 0


def test_a_stream_that_breaks_keeps_the_partial_reply_then_one_line() -> None:
    error = json.dumps(error_json(500, "upstream model crashed", "req-cli-9"))
    body = chunk_event("Once ") + chunk_event("upon ") + f"event: error\ndata: {error}\n\n".encode()
    with canned_server(CannedReply(200, body, {"Content-Type": "text/event-stream"})) as server:
        result = subprocess.run(
            [sys.executable, "-m", "aimlapi_gemini", "chat", *chat_args("Hi"), "--stream"],
            capture_output=True,
            env=cli_env(server.base_url, "any-key"),
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stdout == b"Once upon \n"
    err = result.stderr.decode()
    assert err.count("\n") == 1
    assert "upstream model crashed" in err
    assert "req-cli-9" in err


@pytest.mark.parametrize(
    ("content", "encoding", "printed"),
    [("lone \ud800 surrogate", "utf-8", b"lone \\ud800 surrogate\n"), ("café", "ascii", b"caf\\xe9\n")],
    ids=["lone-surrogate", "ascii-stdout"],
)
def test_characters_stdout_cannot_encode_are_printed_escaped(
    content: str, encoding: str, printed: bytes
) -> None:
    # json.dumps writes the lone surrogate as the escape \ud800, which json.loads reads back.
    reply = CannedReply(200, json.dumps(completion_json(content)).encode())
    with canned_server(reply) as server:
        env = {**cli_env(server.base_url, "any-key"), "PYTHONIOENCODING": encoding}
        result = run_cli("chat", *chat_args("Hi"), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == printed


# `python -m aimlapi_gemini chat Hi` as started from a terminal: a suite run in the background by a
# non-interactive shell inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
_CHAT_AS_AT_A_TERMINAL = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
    f" sys.argv = {['aimlapi-gemini', 'chat', *chat_args('Hi')]!r};"
    " runpy.run_module('aimlapi_gemini', run_name='__main__')"
)


def test_ctrl_c_while_waiting_is_one_line_and_exit_130() -> None:
    reply = CannedReply(200, json.dumps(completion_json()).encode(), delay=30)
    # Leaving the block closes the child's pipes and reaps it, pass or fail.
    with (
        canned_server(reply) as server,
        subprocess.Popen(
            [sys.executable, "-c", _CHAT_AS_AT_A_TERMINAL],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=cli_env(server.base_url, "any-key"),
        ) as process,
    ):
        deadline = time.monotonic() + 30
        while server.requests_seen == 0 and time.monotonic() < deadline:  # the call is under way
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 130
    assert out == b""
    assert err == b"aimlapi-gemini: interrupted\n"


def test_a_stdout_that_fails_to_write_is_one_line(env: dict[str, str]) -> None:
    with open("/dev/full", "wb") as full:  # Linux: every write fails with ENOSPC
        result = run_cli("chat", *chat_args("Hello"), env=env, stdout=full)
    err = result.stderr.decode()
    assert result.returncode == 1
    assert err == "aimlapi-gemini: error: cannot print the reply: No space left on device\n"
