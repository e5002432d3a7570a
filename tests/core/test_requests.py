"""Exact behaviour of one call (sync and async) against a scripted fake API: retries, typed
errors, raw access."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticatedClient,
    AuthenticationError,
    BadRequestError,
    ChatCompletion,
    ConfigurationError,
    ErrorResponse,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.errors import UnexpectedStatus
from tests.doubles.fakes import (
    CHAT_URL,
    HELLO_PATH,
    Calls,
    FakeAPI,
    Reply,
    completion_json,
    error_json,
    hello_request,
)

OK = Reply(json=completion_json("Hi!"))


def test_a_reply_is_a_typed_chat_completion(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(OK)
    completion = calls.complete(fake_api.client())
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == "Hi!"
    sent = fake_api.requests[0]
    assert sent.url == CHAT_URL
    assert sent.headers["authorization"].startswith("Bearer ")
    assert fake_api.sent_json()["stream"] is False


def _retry_after_header(form: str) -> dict[str, str]:
    if form == "seconds":
        return {"retry-after": "3"}
    if form == "milliseconds":
        return {"retry-after-ms": "1500"}
    return {"retry-after": format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)}


@pytest.mark.parametrize(
    ("form", "expected"),
    [("seconds", (3.0, 3.0)), ("milliseconds", (1.5, 1.5)), ("http-date", (28.0, 30.0))],
)
def test_429_with_retry_after_then_success(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], form: str, expected: tuple[float, float]
) -> None:
    fake_api.script(
        Reply(429, json=error_json(429, "Too many requests"), headers=_retry_after_header(form)), OK
    )
    assert calls.complete(fake_api.client()).choices[0].message.content == "Hi!"
    assert len(fake_api.requests) == 2
    assert len(sleeps) == 1
    assert expected[0] <= sleeps[0] <= expected[1]  # the server's hint, not the 0.5 s backoff


def test_503_three_times_is_an_internal_server_error_after_three_attempts(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "Service Unavailable", "req-503")))
    with pytest.raises(InternalServerError) as caught:
        calls.complete(fake_api.client())
    assert len(fake_api.requests) == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5  # backoff with jitter
    assert 0.75 <= sleeps[1] <= 1.0
    error = caught.value
    assert error.status_code == 503
    assert error.request_id == "req-503"
    assert str(error) == "HTTP 503 Service Unavailable: Service Unavailable (request id req-503)"


def test_400_is_a_bad_request_error_with_the_vendor_message_and_no_retry(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    message = "Body validation error: messages.0.content: Expected string, received number"
    fake_api.script(Reply(400, json=error_json(400, message, "8f1c2b7e")))
    with pytest.raises(BadRequestError) as caught:
        calls.complete(fake_api.client())
    assert len(fake_api.requests) == 1
    assert sleeps == []
    error = caught.value
    assert (error.status_code, error.request_id) == (400, "8f1c2b7e")
    assert isinstance(error.body, ErrorResponse)
    assert error.body.message == message
    assert str(error) == f"HTTP 400 Bad Request: {message} (request id 8f1c2b7e)"
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableEntityError),
        (402, APIStatusError),
        (429, RateLimitError),
        (500, InternalServerError),
        (504, InternalServerError),
    ],
)
def test_each_status_has_its_error_class(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float], status: int, error_class: type[APIStatusError]
) -> None:
    fake_api.script(Reply(status, json=error_json(status, "no")))
    with pytest.raises(APIStatusError) as caught:
        calls.complete(fake_api.client(), max_retries=0)
    assert type(caught.value) is error_class
    assert isinstance(caught.value, UnexpectedStatus)  # the generator's old name still catches it


@pytest.mark.parametrize("status", [408, 409])
def test_408_and_409_are_retried(fake_api: FakeAPI, calls: Calls, sleeps: list[float], status: int) -> None:
    fake_api.script(Reply(status, json=error_json(status, "again")), OK)
    assert calls.complete(fake_api.client()).choices[0].message.content == "Hi!"
    assert len(sleeps) == 1


def test_request_id_comes_from_the_header_when_the_body_has_none(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(401, json={"error": {"message": "Invalid key"}}, headers={"x-request-id": "hdr-1"}))
    with pytest.raises(AuthenticationError) as caught:
        calls.complete(fake_api.client())
    assert caught.value.body is None
    assert caught.value.request_id == "hdr-1"
    assert str(caught.value) == "HTTP 401 Unauthorized: Invalid key (request id hdr-1)"


def test_read_timeout_is_an_api_timeout_error_after_the_retries(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(raises=httpx.ReadTimeout))
    with pytest.raises(APITimeoutError) as caught:
        calls.complete(fake_api.client(max_retries=1))
    assert len(fake_api.requests) == 2
    assert len(sleeps) == 1
    assert str(caught.value) == (
        f"request timed out: the read timeout of 600 s passed (ReadTimeout): POST {CHAT_URL} (2 attempts)"
    )


def test_a_dropped_connection_is_retried_then_succeeds(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(raises=httpx.RemoteProtocolError), Reply(raises=httpx.ConnectError), OK)
    assert calls.complete(fake_api.client()).choices[0].message.content == "Hi!"
    assert len(sleeps) == 2


def test_connection_errors_after_the_retries(fake_api: FakeAPI, calls: Calls, sleeps: list[float]) -> None:
    fake_api.script(Reply(raises=httpx.ConnectError))
    with pytest.raises(APIConnectionError) as caught:
        calls.complete(fake_api.client())
    assert not isinstance(caught.value, APITimeoutError)
    assert len(fake_api.requests) == 3
    assert str(caught.value).startswith("connection error: scripted transport failure: POST ")


@pytest.mark.parametrize("base_url", ["ftp://nowhere.test", "http://[::1", "not a url", "https://"])
def test_a_base_url_that_cannot_work_is_refused_when_the_client_is_made(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        AuthenticatedClient(base_url=base_url, token="k")


def test_a_scheme_httpx_cannot_send_is_a_connection_error_and_not_retried(
    calls: Calls, sleeps: list[float]
) -> None:
    client = AuthenticatedClient(base_url="https://api.example.test", token="k")
    client.set_httpx_client(httpx.Client(base_url="ftp://nowhere.test"))
    client.set_async_httpx_client(httpx.AsyncClient(base_url="ftp://nowhere.test"))
    with pytest.raises(APIConnectionError):
        calls.complete(client)
    assert sleeps == []


def test_truncated_json_is_a_validation_error_that_keeps_the_raw_body(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    raw = '{"id": "gen-1", "object": "chat.completion", "created": 17442'
    fake_api.script(Reply(200, text=raw, headers={"content-type": "application/json"}))
    with pytest.raises(APIResponseValidationError) as caught:
        calls.complete(fake_api.client())
    assert caught.value.text == raw
    assert caught.value.status_code == 200
    assert str(caught.value).startswith("HTTP 200 body is not a valid ChatCompletion (")
    assert len(fake_api.requests) == 1
    assert sleeps == []


def test_missing_fields_are_a_validation_error_not_a_key_error(fake_api: FakeAPI, calls: Calls) -> None:
    body = completion_json()
    del body["choices"]
    fake_api.script(Reply(json=body))
    with pytest.raises(APIResponseValidationError, match="missing required field 'choices'"):
        calls.complete(fake_api.client())


def test_a_wrongly_typed_field_is_a_validation_error(fake_api: FakeAPI, calls: Calls) -> None:
    body = completion_json()
    body["object"] = "something.else"
    fake_api.script(Reply(json=body))
    with pytest.raises(APIResponseValidationError):
        calls.complete(fake_api.client())


def test_an_html_page_from_a_proxy_is_a_status_error_with_the_page(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    fake_api.script(Reply(502, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(InternalServerError) as caught:
        calls.complete(fake_api.client())
    assert caught.value.text == page
    assert caught.value.body is None
    assert str(caught.value) == f"HTTP 502 Bad Gateway: non-JSON body (text/html, {len(page)} bytes)"


def test_an_html_page_with_status_200_is_a_validation_error(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}))
    with pytest.raises(APIResponseValidationError) as caught:
        calls.complete(fake_api.client())
    assert caught.value.text == "<html>maintenance</html>"


def test_201_is_a_success_too(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(201, json=completion_json("created")))
    assert calls.complete(fake_api.client()).choices[0].message.content == "created"


def test_detailed_returns_errors_instead_of_raising(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(400, json=error_json(400, "Body validation error: model"), headers={"x-a": "1"}))
    response = calls.detailed(fake_api.client())
    assert response.status_code == 400
    assert response.headers["x-a"] == "1"
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.request_id == "req-42"
    assert b"Body validation error" in response.content


def test_detailed_retries_and_parses_the_success(
    fake_api: FakeAPI, calls: Calls, sleeps: list[float]
) -> None:
    fake_api.script(Reply(503, json=error_json(503, "busy")), OK)
    response = calls.detailed(fake_api.client())
    assert response.status_code == 200
    assert len(sleeps) == 1
    assert isinstance(response.parsed, ChatCompletion)


def test_detailed_gives_none_for_a_body_that_does_not_fit(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(520, text="<html>origin error</html>", headers={"content-type": "text/html"}))
    response = calls.detailed(fake_api.client(), max_retries=0)
    assert response.status_code == 520  # not a standard status: a plain int, no ValueError
    assert response.parsed is None
    assert response.content == b"<html>origin error</html>"


def test_detailed_still_raises_when_there_is_no_response(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(Reply(raises=httpx.ConnectTimeout))
    with pytest.raises(APITimeoutError):
        calls.detailed(fake_api.client(max_retries=0))


def test_the_body_is_sent_as_compact_utf8_json_with_its_content_type(fake_api: FakeAPI, calls: Calls) -> None:
    fake_api.script(OK)
    request = hello_request("héllo")
    if not spec.user_takes_text():
        # Its user messages take no text: the non-ASCII text goes in an extra top-level field
        # (every revision takes unknown top-level keys), so UTF-8 is still what is checked.
        request.additional_properties["note"] = "héllo"
    calls.complete(fake_api.client(), body=request)
    sent = fake_api.requests[0]
    assert sent.headers.get_list("content-type") == ["application/json"]
    text = sent.content.decode()
    assert json.loads(text)["messages"] == [spec.user_message("héllo")]
    assert "héllo" in text
    # No space after a separator and no \u escape anywhere: the JSON as compact as it gets.
    assert text == json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    assert sent.headers["content-length"] == str(len(sent.content))


def test_a_body_json_cannot_say_is_a_value_error_before_sending(fake_api: FakeAPI, calls: Calls) -> None:
    request = hello_request()
    # An extra field (every revision takes unknown top-level keys), so no number field is assumed.
    request.additional_properties["penalty"] = float("nan")
    with pytest.raises(ValueError, match="cannot be sent as JSON"):
        calls.complete(fake_api.client(), body=request)
    assert fake_api.requests == []


def test_a_pool_whose_base_url_changes_is_followed(fake_api: FakeAPI) -> None:
    # Absolute URLs are worked out once per pool and path; a new base URL is noticed.
    fake_api.script(OK)
    client = fake_api.client()
    create_chat_completion.sync(client=client, body=hello_request())
    client.get_httpx_client().base_url = httpx.URL("https://other.example.test/prefix")
    create_chat_completion.sync(client=client, body=hello_request())
    assert [str(r.url) for r in fake_api.requests] == [
        CHAT_URL,
        "https://other.example.test/prefix" + HELLO_PATH,
    ]
