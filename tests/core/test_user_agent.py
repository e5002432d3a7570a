"""Requests say which client sent them; a user's own User-Agent wins."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import aimlapi_gemini
from aimlapi_gemini.api.chat_completions import create_chat_completion
from tests.doubles.fakes import FakeAPI, Reply, completion_json, hello_request


def _user_agent_sent(fake_api: FakeAPI, client_headers: dict[str, str]) -> str:
    fake_api.script(Reply(json=completion_json()))
    create_chat_completion.sync(client=fake_api.client(headers=client_headers), body=hello_request())
    return fake_api.requests[0].headers["user-agent"]


def test_requests_name_the_client_and_its_version(fake_api: FakeAPI) -> None:
    assert _user_agent_sent(fake_api, {}).startswith(f"aimlapi-gemini/{aimlapi_gemini.__version__} ")


def test_the_version_is_the_projects_as_installed() -> None:
    # Baked into _version.py by `make generate` (no importlib.metadata at import time).
    with (Path(__file__).resolve().parents[2] / "pyproject.toml").open("rb") as file:
        declared = tomllib.load(file)["project"]["version"]
    assert aimlapi_gemini.__version__ == declared == version("aimlapi-gemini")


def test_a_user_agent_set_by_the_user_wins(fake_api: FakeAPI) -> None:
    assert _user_agent_sent(fake_api, {"User-Agent": "my-app/2.0"}) == "my-app/2.0"
