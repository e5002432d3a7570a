"""The garbage collector is paused while a large body is parsed, and only then (``_collector``)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import httpx
import pytest

from aimlapi_gemini._collector import LARGE_BODY_BYTES, paused
from aimlapi_gemini._response import parse_body, parse_or_none


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _response(size: int) -> httpx.Response:
    return httpx.Response(200, content=b" " * (size - 2) + b"{}")


def _collector_state(_: httpx.Response) -> bool:
    return gc.isenabled()


def test_a_large_body_is_parsed_with_the_collector_paused_and_it_runs_again_after() -> None:
    assert parse_body(_response(LARGE_BODY_BYTES), _collector_state, "Thing") is False
    assert parse_or_none(_response(LARGE_BODY_BYTES), _collector_state) is False
    assert gc.isenabled()


def test_a_small_body_is_parsed_with_the_collector_running() -> None:
    assert parse_body(_response(LARGE_BODY_BYTES - 1), _collector_state, "Thing") is True
    assert parse_or_none(_response(100), _collector_state) is True


def test_the_collector_runs_again_after_a_parse_that_fails() -> None:
    def refuse(_: httpx.Response) -> object:
        raise ValueError("does not fit")

    assert parse_or_none(_response(LARGE_BODY_BYTES), refuse) is None
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    assert paused(lambda _: gc.isenabled(), None) is False
    assert not gc.isenabled()


def test_the_pause_lasts_until_the_last_of_overlapping_parses_ends() -> None:
    first_inside, second_done, states = threading.Event(), threading.Event(), []

    def first(_: None) -> None:
        first_inside.set()
        second_done.wait(5)
        states.append(("first, after the second ended", gc.isenabled()))

    def second() -> None:
        first_inside.wait(5)
        paused(lambda _: None, None)
        second_done.set()

    helper = threading.Thread(target=second)
    helper.start()
    paused(first, None)
    helper.join(5)
    assert states == [("first, after the second ended", False)]
    assert gc.isenabled()
