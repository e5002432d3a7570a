"""``AIML_API_LOG=debug|info``: the ``aimlapi_gemini`` logger, set when the first client is made;
one line per attempt at info, headers (the key redacted) at debug."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from aimlapi_gemini import AuthenticatedClient, _logs
from tests.doubles.fakes import CHAT_URL, FAKE_KEY, Calls, FakeAPI, Reply, completion_json, error_json

OK = Reply(json=completion_json("Hi!"), headers={"x-request-id": "r-1"})


@pytest.fixture
def fresh_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """The package's logger as if no client had been made yet; restored afterwards."""
    logger = logging.getLogger("aimlapi_gemini")
    level, handlers = logger.level, list(logger.handlers)
    _logs.configure_from_env.cache_clear()
    monkeypatch.delenv("AIML_API_LOG", raising=False)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers
    _logs.configure_from_env.cache_clear()


def _client_with_log(
    monkeypatch: pytest.MonkeyPatch, fake_api: FakeAPI, value: str, **options: object
) -> AuthenticatedClient:
    monkeypatch.setenv("AIML_API_LOG", value)
    return fake_api.client(**options)


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "aimlapi_gemini"]


@pytest.mark.parametrize(
    ("value", "level"), [("debug", logging.DEBUG), ("info", logging.INFO), (" INFO ", logging.INFO)]
)
def test_the_variable_sets_the_level_when_the_first_client_is_made(
    fresh_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch, fake_api: FakeAPI, value: str, level: int
) -> None:
    fresh_logger.setLevel(logging.NOTSET)
    _client_with_log(monkeypatch, fake_api, value)
    assert fresh_logger.level == level


def test_the_variable_is_read_once(
    fresh_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch, fake_api: FakeAPI
) -> None:
    fresh_logger.setLevel(logging.NOTSET)
    _client_with_log(monkeypatch, fake_api, "info")
    fresh_logger.setLevel(logging.WARNING)  # the application's own choice afterwards stands
    _client_with_log(monkeypatch, fake_api, "debug")
    assert fresh_logger.level == logging.WARNING


def test_no_variable_leaves_logging_alone(fresh_logger: logging.Logger, fake_api: FakeAPI) -> None:
    fresh_logger.setLevel(logging.NOTSET)
    fake_api.client()
    assert fresh_logger.level == logging.NOTSET


def test_an_unknown_value_is_a_one_line_warning_and_changes_nothing(
    fresh_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch, fake_api: FakeAPI
) -> None:
    fresh_logger.setLevel(logging.NOTSET)
    with pytest.warns(RuntimeWarning) as warned:
        _client_with_log(monkeypatch, fake_api, "verbose")
    assert [str(w.message) for w in warned] == [
        "AIML_API_LOG='verbose' is not one of debug, info; logging is left as it is"
    ]
    assert fresh_logger.level == logging.NOTSET


def test_without_any_handler_the_lines_go_to_stderr(
    fresh_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    fresh_logger.handlers[:] = []
    assert _logs.apply("info") == logging.INFO
    assert [type(h) for h in fresh_logger.handlers] == [logging.StreamHandler]


def test_with_the_applications_handlers_none_is_added(fresh_logger: logging.Logger) -> None:
    fresh_logger.handlers[:] = []
    assert logging.getLogger().handlers  # pytest's own capture handler
    _logs.apply("debug")
    assert fresh_logger.handlers == []


@pytest.mark.usefixtures("fresh_logger", "sleeps")
def test_info_logs_one_line_per_attempt_and_the_retry_with_its_wait(
    monkeypatch: pytest.MonkeyPatch,
    fake_api: FakeAPI,
    calls: Calls,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_api.script(Reply(status=503, json=error_json(503, "Busy")), OK)
    client = _client_with_log(monkeypatch, fake_api, "info")
    with caplog.at_level(logging.INFO, logger="aimlapi_gemini"):
        calls.complete(client)
    lines = _messages(caplog)
    url = f"POST {CHAT_URL}"
    attempts = [line for line in lines if line.startswith(url + ": HTTP")]
    assert len(attempts) == 2
    assert re.fullmatch(
        re.escape(url) + r": HTTP 503 Service Unavailable \(attempt 1, \d+\.\d{3} s\)", attempts[0]
    )
    assert re.fullmatch(re.escape(url) + r": HTTP 200 OK \(attempt 2, \d+\.\d{3} s\)", attempts[1])
    assert any(
        line.startswith(f"retrying {url} in ") and "(retry 1 of 2) after HTTP 503" in line for line in lines
    )
    assert not any("headers=" in line for line in lines)  # headers only at debug


@pytest.mark.usefixtures("fresh_logger", "sleeps")
def test_info_logs_an_attempt_without_a_response(
    monkeypatch: pytest.MonkeyPatch,
    fake_api: FakeAPI,
    calls: Calls,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import httpx

    fake_api.script(Reply(raises=httpx.ConnectError), OK)
    client = _client_with_log(monkeypatch, fake_api, "info")
    with caplog.at_level(logging.INFO, logger="aimlapi_gemini"):
        calls.complete(client)
    assert any(
        re.search(r": ConnectError: scripted transport failure \(attempt 1, \d+\.\d{3} s\)$", line)
        for line in _messages(caplog)
    )


def test_nothing_is_logged_below_the_level(
    fresh_logger: logging.Logger, fake_api: FakeAPI, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.script(OK)
    fresh_logger.setLevel(logging.WARNING)
    with caplog.at_level(logging.WARNING, logger="aimlapi_gemini"):
        calls.complete(fake_api.client())
    assert _messages(caplog) == []


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"auth_header_name": "X-Gateway-Credential", "prefix": ""},
        {"auth_header_name": "X-Gw", "prefix": "Key"},
    ],
)
@pytest.mark.usefixtures("fresh_logger")
def test_debug_shows_the_headers_and_never_the_key(
    monkeypatch: pytest.MonkeyPatch,
    fake_api: FakeAPI,
    calls: Calls,
    caplog: pytest.LogCaptureFixture,
    auth: dict[str, str],
) -> None:
    fake_api.script(OK)
    client = _client_with_log(monkeypatch, fake_api, "debug", **auth)
    with caplog.at_level(logging.DEBUG, logger="aimlapi_gemini"):
        calls.complete(client, extra_headers={"X-Echo": f"copy {FAKE_KEY}"})
    lines = _messages(caplog)
    header = auth.get("auth_header_name", "authorization").lower()
    request_lines = [line for line in lines if line.startswith("request POST ")]
    assert request_lines
    assert all(f"'{header}': '<redacted>'" in line for line in request_lines)
    assert any("'x-echo': '<redacted>'" in line for line in request_lines)  # the key under any name
    assert any(line.startswith("response POST ") and "'x-request-id': 'r-1'" in line for line in lines)
    for record in caplog.records:
        assert FAKE_KEY not in record.getMessage()
        assert FAKE_KEY not in repr(record.args)
