"""The client over real loopback HTTP against the reference server's fault injection (X-Fault), in
its sync and async forms: what a user sees when the network or the API misbehaves."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticatedClient,
    BadRequestError,
    ChatCompletionRequest,
    ErrorResponse,
    InternalServerError,
    StreamError,
    StreamInterruptedError,
)
from aimlapi_gemini.testing._server import BackgroundServer
from tests.doubles.fakes import Calls


def client_for(server: BackgroundServer, **options: Any) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=server.base_url, token=server.api_key, **options)


def fault(kind: str, times: int | None = None, **headers: str) -> dict[str, str]:
    """Headers asking the server for ``kind``; with ``times``, only for the first requests of a fresh id."""
    chosen = {"X-Fault": kind, "X-Fault-Id": uuid.uuid4().hex, **headers}
    if times is not None:
        chosen["X-Fault-Times"] = str(times)
    return chosen


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("status=429;retry-after=1", (1.0, 1.0)),
        ("status=429;retry-after-ms=250", (0.25, 0.25)),
        ("status=429;retry-after-date=5", (3.0, 5.0)),  # HTTP-dates have whole seconds
    ],
    ids=["seconds", "milliseconds", "http-date"],
)
def test_429_with_each_retry_after_form_then_success(
    reference_server: BackgroundServer,
    calls: Calls,
    sleeps: list[float],
    kind: str,
    expected: tuple[float, float],
) -> None:
    completion = calls.complete(client_for(reference_server), extra_headers=fault(kind, times=1))
    assert completion.choices[0].message.content
    assert len(sleeps) == 1
    assert expected[0] <= sleeps[0] <= expected[1]


def test_503_three_times_is_an_internal_server_error_after_exactly_three_attempts(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    headers = fault("status=503", times=3)
    with pytest.raises(InternalServerError) as caught:
        calls.complete(client_for(reference_server), extra_headers=headers)
    assert caught.value.status_code == 503
    assert caught.value.request_id
    assert len(sleeps) == 2
    # The server counted three requests with this id: the fourth is served normally.
    assert calls.complete(client_for(reference_server), extra_headers=headers, max_retries=0).choices


def test_a_body_the_server_rejects_is_a_bad_request_error_without_retry(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    body = ChatCompletionRequest(model="gemini-pro", messages=[spec.user_message_model("Hello")])
    # Set after construction, as the client sends it: a number past a bound of a field this
    # revision has (without one: a model that is no string).
    bounded = [field for field in spec.optional_fields() if spec.out_of_range_value(field) is not None]
    if bounded:
        setattr(body, bounded[0], spec.out_of_range_value(bounded[0]))
    else:
        body.model = 9  # type: ignore[assignment]
    with pytest.raises(BadRequestError) as caught:
        calls.complete(client_for(reference_server), body=body)
    error = caught.value
    assert isinstance(error.body, ErrorResponse)
    assert error.body.message.startswith("Body validation error")
    assert error.request_id == error.response.headers["x-request-id"]
    assert str(error) == f"HTTP 400 Bad Request: {error.body.message} (request id {error.request_id})"
    assert sleeps == []


def test_a_slow_server_is_an_api_timeout_error(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    with pytest.raises(APITimeoutError):
        calls.complete(
            client_for(reference_server, max_retries=1), timeout=0.2, extra_headers=fault("latency=1")
        )
    assert len(sleeps) == 1


def test_a_reset_connection_is_retried(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    assert calls.complete(client_for(reference_server), extra_headers=fault("reset", times=1)).choices
    assert len(sleeps) == 1


def test_a_connection_reset_every_time_is_a_connection_error(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    with pytest.raises(APIConnectionError):
        calls.complete(client_for(reference_server), extra_headers=fault("reset"))
    assert len(sleeps) == 2


def test_truncated_json_is_a_validation_error_with_the_raw_body(
    reference_server: BackgroundServer, calls: Calls
) -> None:
    with pytest.raises(APIResponseValidationError) as caught:
        calls.complete(client_for(reference_server), extra_headers=fault("truncate"))
    assert caught.value.text.startswith('{"id": ')
    assert not caught.value.text.rstrip().endswith("}")


def test_an_html_error_page_is_a_status_error_with_the_page(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    with pytest.raises(InternalServerError) as caught:
        calls.complete(client_for(reference_server, max_retries=0), extra_headers=fault("html=502"))
    assert caught.value.body is None
    assert "<center><h1>502 Bad Gateway</h1></center>" in caught.value.text
    assert str(caught.value).startswith("HTTP 502 Bad Gateway: non-JSON body (text/html, ")


def test_a_stream_delivers_one_chunk_per_token(reference_server: BackgroundServer, calls: Calls) -> None:
    outcome = calls.stream(client_for(reference_server), extra_headers={"X-Reply-Tokens": "50"})
    assert outcome.error is None
    assert len(outcome.text.split()) == 50
    assert outcome.chunks[-1].choices[0].finish_reason is not None


def test_a_stream_cut_midway_raises_after_the_chunks_received(
    reference_server: BackgroundServer, calls: Calls
) -> None:
    outcome = calls.stream(
        client_for(reference_server), extra_headers={**fault("stream-cut=5"), "X-Reply-Tokens": "20"}
    )
    assert len(outcome.chunks) == 6  # the role chunk and five tokens
    assert len(outcome.text.split()) == 5
    assert isinstance(outcome.error, StreamInterruptedError)
    assert outcome.error.chunks_received == 6


def test_an_error_event_midway_raises_after_the_chunks_received(
    reference_server: BackgroundServer, calls: Calls
) -> None:
    outcome = calls.stream(
        client_for(reference_server), extra_headers={**fault("stream-error=3"), "X-Reply-Tokens": "20"}
    )
    assert len(outcome.text.split()) == 3
    error = outcome.error
    assert type(error) is StreamError
    assert error.chunks_received == 4
    assert isinstance(error.body, ErrorResponse)
    assert error.body.status_code == 500
    assert error.request_id == error.response.headers["x-request-id"]


def test_opening_a_stream_retries(
    reference_server: BackgroundServer, calls: Calls, sleeps: list[float]
) -> None:
    outcome = calls.stream(client_for(reference_server), extra_headers=fault("status=502", times=2))
    assert outcome.error is None
    assert outcome.text
    assert len(sleeps) == 2


def test_leaving_a_long_stream_early_returns_at_once(
    reference_server: BackgroundServer, calls: Calls
) -> None:
    outcome = calls.stream(
        client_for(reference_server, timeout=5.0), extra_headers={"X-Reply-Tokens": "100000"}, stop_after=10
    )
    assert len(outcome.chunks) == 10
    assert outcome.error is None
