"""Messages that name the right fix: where a setting came from, the timeout and the attempts, the
wait a 429 asks for; one line, no secret."""

from __future__ import annotations

import httpx
import pytest

from aimlapi_gemini import (
    APIConnectionError,
    APITimeoutError,
    AuthenticatedClient,
    ConfigurationError,
    InternalServerError,
    MissingAPIKeyError,
    RateLimitError,
)
from aimlapi_gemini._spec_facts import VERSION_PATH
from tests.doubles.fakes import CHAT_URL, FAKE_KEY, Calls, FakeAPI, Reply, error_json

# -- the key ----------------------------------------------------------------------------------------


def test_no_key_names_the_variable_and_the_token_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIML_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError) as caught:
        AuthenticatedClient(base_url="https://api.example.test")
    assert str(caught.value) == (
        "no API key: set the AIML_API_KEY environment variable or pass token=... to AuthenticatedClient"
    )


def test_a_key_in_the_environment_needs_no_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_KEY", FAKE_KEY)
    assert AuthenticatedClient(base_url="https://api.example.test").token.get_secret_value() == FAKE_KEY


def test_a_key_that_cannot_be_sent_names_where_it_came_from_not_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = FAKE_KEY + "\u00e9"
    with pytest.raises(ConfigurationError) as given:
        AuthenticatedClient(base_url="https://api.example.test", token=bad)
    assert "check token=... to AuthenticatedClient" in str(given.value)
    monkeypatch.setenv("AIML_API_KEY", bad)
    with pytest.raises(ConfigurationError) as from_env:
        AuthenticatedClient(base_url="https://api.example.test")
    assert "check the value of AIML_API_KEY" in str(from_env.value)
    for message in (str(given.value), str(from_env.value)):
        assert FAKE_KEY not in message
        assert "\n" not in message


def test_an_empty_key_argument_says_so() -> None:
    with pytest.raises(MissingAPIKeyError, match=r"the API key is empty: pass a key in token=\.\.\."):
        AuthenticatedClient(base_url="https://api.example.test", token="  ")


# -- the base URL -----------------------------------------------------------------------------------


def test_a_bad_base_url_argument_is_named_as_the_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIML_API_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as caught:
        AuthenticatedClient(base_url="ftp://files.example.test", token=FAKE_KEY)
    assert str(caught.value) == (
        "base_url='ftp://files.example.test' is not an http:// or https:// URL with a host"
    )


def test_a_bad_base_url_variable_is_named_as_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIML_API_BASE_URL", "http://a:99999")
    with pytest.raises(ConfigurationError) as caught:
        AuthenticatedClient(token=FAKE_KEY)
    assert str(caught.value) == (
        "the AIML_API_BASE_URL environment variable ('http://a:99999') has port 99999, outside 1-65535"
    )


def test_a_good_base_url_variable_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    # Written as the vendor writes it: with the version segment the spec's paths start with, if any.
    monkeypatch.setenv("AIML_API_BASE_URL", f"https://proxy.example.test{VERSION_PATH}")
    assert AuthenticatedClient(token=FAKE_KEY)._base_url == "https://proxy.example.test"


def test_a_base_url_argument_wins_over_a_bad_variable_only_when_the_variable_is_unused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The variable is read only when no base_url is given, so a bad one does not break a good argument.
    monkeypatch.setenv("AIML_API_BASE_URL", "not a url")
    client = AuthenticatedClient(base_url="https://api.example.test", token=FAKE_KEY)
    assert client._base_url == "https://api.example.test"


# -- timeouts and attempts --------------------------------------------------------------------------


def test_a_read_timeout_says_the_timeout_and_the_attempts(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(raises=httpx.ReadTimeout))
    with pytest.raises(APITimeoutError) as caught:
        calls.complete(fake_api.client(timeout=42.5, max_retries=2))
    assert str(caught.value) == (
        f"request timed out: the read timeout of 42.5 s passed (ReadTimeout): POST {CHAT_URL} (3 attempts)"
    )


def test_a_connect_timeout_names_the_connect_phase(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(raises=httpx.ConnectTimeout))
    with pytest.raises(APITimeoutError) as caught:
        calls.complete(fake_api.client(timeout=httpx.Timeout(30.0, connect=2.5), max_retries=0))
    assert "the connect timeout of 2.5 s passed (ConnectTimeout)" in str(caught.value)
    assert str(caught.value).endswith("(1 attempt)")


def test_a_timeout_httpx_gives_no_phase_says_the_timeout(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(raises=httpx.TimeoutException))
    with pytest.raises(APITimeoutError, match=r"^request timed out: the timeout passed \(TimeoutException\)"):
        calls.complete(fake_api.client(max_retries=0))


def test_a_connection_error_says_the_attempts_too(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(raises=httpx.ConnectError))
    with pytest.raises(APIConnectionError) as caught:
        calls.complete(fake_api.client(max_retries=1))
    assert not isinstance(caught.value, APITimeoutError)
    assert str(caught.value).endswith("(2 attempts)")


# -- the wait a server asks for ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ({"Retry-After": "7"}, "; the server asks to wait 7 s (Retry-After)"),
        ({"retry-after-ms": "250"}, "; the server asks to wait 0.25 s (retry-after-ms)"),
        ({"retry-after-ms": "0"}, "; the server asks to wait 0 s (retry-after-ms)"),
        ({"retry-after-ms": "soon", "Retry-After": "3"}, "; the server asks to wait 3 s (Retry-After)"),
    ],
)
def test_a_429_says_the_wait_the_server_asked_for(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], headers: dict[str, str], said: str
) -> None:
    fake_api.script(Reply(status=429, json=error_json(429, "Slow down", "rl-1"), headers=headers))
    with pytest.raises(RateLimitError) as caught:
        calls.complete(fake_api.client(max_retries=0))
    assert str(caught.value) == f"HTTP 429 Too Many Requests: Slow down (request id rl-1){said}"


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "whenever"}])
def test_a_429_without_a_usable_wait_says_none(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], headers: dict[str, str]
) -> None:
    fake_api.script(Reply(status=429, json=error_json(429, "Slow down", "rl-1"), headers=headers))
    with pytest.raises(RateLimitError) as caught:
        calls.complete(fake_api.client(max_retries=0))
    assert str(caught.value) == "HTTP 429 Too Many Requests: Slow down (request id rl-1)"


def test_a_503_too_long_to_wait_for_says_the_wait(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(
        Reply(status=503, json=error_json(503, "Maintenance", "m-1"), headers={"Retry-After": "300"})
    )
    with pytest.raises(InternalServerError) as caught:
        calls.complete(fake_api.client(max_retries=3))
    assert len(fake_api.requests) == 1  # more than the client waits: no retry
    assert str(caught.value).endswith("(request id m-1); the server asks to wait 300 s (Retry-After)")
