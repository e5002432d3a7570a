"""Each entry point names its own fix when the key is missing: ``AIMLAPI()`` / ``AsyncAIMLAPI()``
their ``api_key=``, the command line the variable alone (it takes no key option)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, ConfigurationError, MissingAPIKeyError
from aimlapi_gemini.__main__ import main
from tests.doubles.fakes import FAKE_KEY, chat_args, hello_request

CLI_MESSAGE = "aimlapi-gemini: error: no API key: set the AIML_API_KEY environment variable\n"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIML_API_KEY", raising=False)


@pytest.mark.parametrize("client_class", [AIMLAPI, AsyncAIMLAPI])
def test_the_sdk_clients_name_their_api_key_argument(no_key: None, client_class: type[AIMLAPI]) -> None:
    with pytest.raises(MissingAPIKeyError) as caught:
        client_class()
    assert str(caught.value) == (
        "no API key: set the AIML_API_KEY environment variable"
        f" or pass api_key=... to {client_class.__name__}()"
    )
    assert "token=" not in str(caught.value)


@pytest.mark.parametrize("client_class", [AIMLAPI, AsyncAIMLAPI])
def test_the_sdk_clients_take_the_key_they_are_given(no_key: None, client_class: type[AIMLAPI]) -> None:
    assert client_class(api_key=FAKE_KEY).api_key.get_secret_value() == FAKE_KEY


def test_an_empty_or_unsendable_api_key_names_api_key_not_the_key(no_key: None) -> None:
    with pytest.raises(MissingAPIKeyError, match=r"pass a key in api_key=\.\.\."):
        AIMLAPI(api_key=" ")
    with pytest.raises(ConfigurationError) as inner:
        AIMLAPI(api_key="sk-\x07-key")
    assert str(inner.value).endswith("check api_key=...")
    assert "sk-" not in str(inner.value)


def test_with_options_names_api_key_too(no_key: None) -> None:
    client = AIMLAPI(api_key=FAKE_KEY)
    with pytest.raises(MissingAPIKeyError, match=r"api_key=\.\.\."):
        client.with_options(api_key="")


def test_the_chat_command_names_the_variable(no_key: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", *chat_args("Hi")]) == 2
    assert capsys.readouterr().err == CLI_MESSAGE


def test_the_batch_command_names_the_variable(
    no_key: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(hello_request("Hi").to_dict()) + "\n")
    assert main(["batch", str(source), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert capsys.readouterr().err == CLI_MESSAGE
    assert not (tmp_path / "out.jsonl").exists()


def test_the_commands_run_past_the_key_when_it_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The twin: with the key set, the same command fails later, on the (unreachable) base URL's input.
    monkeypatch.setenv("AIML_API_KEY", FAKE_KEY)
    assert main(["batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "no such input file" in err
    assert "API key" not in err
