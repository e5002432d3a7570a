"""The backoff arithmetic and the Retry-After parsing, exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from aimlapi_gemini import Backoff
from aimlapi_gemini._retry import gives_up, is_retryable_status, retry_after

NOW = datetime(2025, 4, 9, 17, 4, 28, tzinfo=UTC)


def test_backoff_doubles_from_half_a_second_up_to_eight() -> None:
    backoff = Backoff()
    assert [backoff.delay(retry, rand=lambda: 0.0) for retry in range(7)] == [0.5, 1, 2, 4, 8, 8, 8]


def test_jitter_takes_off_at_most_a_quarter() -> None:
    backoff = Backoff()
    assert backoff.delay(2, rand=lambda: 1.0) == pytest.approx(2 * 0.75)
    assert backoff.delay(2, rand=lambda: 0.5) == pytest.approx(2 * 0.875)
    assert all(1.5 <= backoff.delay(2) <= 2.0 for _ in range(200))


def test_backoff_settings_are_configurable() -> None:
    backoff = Backoff(initial=1.0, factor=3.0, maximum=5.0, jitter=0.0)
    assert [backoff.delay(retry) for retry in range(4)] == [1.0, 3.0, 5.0, 5.0]


def test_a_huge_retry_number_does_not_overflow() -> None:
    assert Backoff(jitter=0.0).delay(10_000) == 8.0


@pytest.mark.parametrize(
    "settings",
    [{"initial": -1.0}, {"maximum": -0.1}, {"factor": 0.5}, {"jitter": 1.5}, {"jitter": -0.1}],
)
def test_nonsense_backoff_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        Backoff(**settings)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": format_datetime(NOW + timedelta(seconds=7), usegmt=True)}, 7.0),
        ({"retry-after": format_datetime(NOW - timedelta(seconds=30), usegmt=True)}, 0.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # the precise one wins
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after": "120"}, 120.0),
        ({"retry-after": "121"}, 121.0),  # what it says; gives_up() decides about waits this long
        ({"retry-after-ms": "600000"}, 600.0),
        ({"retry-after": "-5"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "tomorrow-ish"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(headers, now=NOW) == expected


def test_a_usable_hint_replaces_the_computed_backoff_and_an_unusable_one_does_not() -> None:
    backoff = Backoff()
    assert backoff.delay(0, {"retry-after": "30"}, rand=lambda: 0.0) == 30.0
    assert backoff.delay(0, {"retry-after": "0.2"}, rand=lambda: 0.0) == 0.2
    assert backoff.delay(0, {"retry-after": "3600"}, rand=lambda: 0.0) == 0.5


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "0"},
        {"retry-after-ms": "0"},
        {"retry-after": format_datetime(NOW - timedelta(seconds=30), usegmt=True)},
    ],
)
def test_retry_after_zero_or_a_past_date_still_waits_the_computed_backoff(headers: dict[str, str]) -> None:
    backoff = Backoff()
    assert backoff.delay(0, headers, now=NOW, rand=lambda: 0.0) == 0.5
    assert backoff.delay(2, headers, now=NOW, rand=lambda: 0.0) == 2.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "121"}, 121.0),
        ({"retry-after": "3600"}, 3600.0),
        ({"retry-after-ms": "130000"}, 130.0),
        ({"retry-after": "120"}, None),  # within the cap: retried after it
        ({"retry-after": "0"}, None),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_a_wait_above_the_cap_means_giving_up(headers: dict[str, str], expected: float | None) -> None:
    assert gives_up(headers) == expected


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        *[(400, False), (401, False), (403, False), (404, False), (408, True), (409, True), (422, False)],
        *[(429, True), (500, True), (502, True), (503, True), (504, True), (520, True)],
    ],
)
def test_which_statuses_are_retried(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable
