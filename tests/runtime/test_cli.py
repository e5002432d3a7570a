"""``python -m aimlapi_gemini chat ...`` against the reference server: replies on stdout, one-line
errors on stderr, exit codes 0 / 1 (API) / 2 (usage)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aimlapi_gemini.__main__ import main
from reference_server import BackgroundServer

from .fakes import FAKE_KEY


@pytest.fixture
def server_env(reference_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> BackgroundServer:
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", reference_server.base_url)
    return reference_server


@pytest.mark.usefixtures("server_env")
@pytest.mark.parametrize("stream", [[], ["--stream"]], ids=["reply", "streamed"])
def test_chat_prints_the_reply(capsys: pytest.CaptureFixture[str], stream: list[str]) -> None:
    assert main(["chat", "Hello there", "--system", "Be brief.", "--max-tokens", "5", *stream]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.endswith("\n")
    assert 1 <= len(out.split()) <= 5


@pytest.mark.usefixtures("server_env")
def test_streamed_and_plain_replies_are_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    main(["chat", "Same question", "--temperature", "0.2"])
    plain = capsys.readouterr().out
    main(["chat", "Same question", "--temperature", "0.2", "--stream"])
    assert capsys.readouterr().out == plain


def test_base_url_option_wins_over_the_environment(
    reference_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["chat", "Hi", "--base-url", reference_server.base_url]) == 0
    assert capsys.readouterr().out.strip()


def test_no_key_is_a_usage_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AIML_API_KEY", raising=False)
    assert main(["chat", "Hi"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "AIML_API_KEY" in err


def test_a_wrong_key_is_one_line_on_stderr_without_the_key(
    server_env: BackgroundServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIML_API_KEY", FAKE_KEY)
    assert main(["chat", "Hi"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("aimlapi-gemini: error: HTTP 401 Unauthorized: ")
    assert "(request id " in err
    assert err.count("\n") == 1
    assert FAKE_KEY not in err


@pytest.mark.usefixtures("server_env")
def test_a_request_the_api_rejects_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "Hi", "--temperature", "9"]) == 1
    assert "HTTP 400 Bad Request: Body validation error" in capsys.readouterr().err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["chat", "Hi", "--max-tokens", "many"])
    assert caught.value.code == 2
    assert "--max-tokens" in capsys.readouterr().err


def test_the_module_runs_as_a_program(server_env: BackgroundServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aimlapi_gemini", "chat", "Hello", "--stream", "--max-tokens", "3"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert 1 <= len(result.stdout.split()) <= 3
