"""The reference server's server-wide chaos (_server/faults.py, "Server-wide chaos")."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer, ServerConfig
from aimlapi_gemini.testing._server.faults import Chaos, ChaosDraw

PATH = spec.chat_path()  # where the spec puts the chat operation, its parameters filled
HELLO: dict[str, Any] = {"model": "gemini-pro", "messages": [spec.user_message("Hi there")]}


def statuses(draw: ChaosDraw, count: int) -> list[int]:
    return [int(fault.value) if (fault := draw.next_fault()) else 200 for _ in range(count)]


def test_the_shares_follow_the_settings_and_the_seed_repeats_them() -> None:
    chaos = Chaos(rate_limited=0.15, server_errors=0.05, seed=7)
    first = statuses(ChaosDraw(chaos), 4000)
    counts = Counter("429" if s == 429 else "5xx" if s >= 500 else "ok" for s in first)
    assert 0.12 < counts["429"] / 4000 < 0.18
    assert 0.03 < counts["5xx"] / 4000 < 0.07
    assert {s for s in first if s >= 500} == {500, 502, 503}
    assert statuses(ChaosDraw(chaos), 4000) == first
    assert statuses(ChaosDraw(Chaos(rate_limited=0.15, server_errors=0.05, seed=8)), 4000) != first


def test_no_chaos_by_default() -> None:
    assert set(statuses(ChaosDraw(Chaos()), 200)) == {200}


def test_the_server_answers_429_with_retry_after_ms_and_x_fault_wins() -> None:
    config = ServerConfig(chaos=Chaos(rate_limited=1.0, retry_after_ms=25))
    with BackgroundServer(config) as server, httpx.Client(base_url=server.base_url) as http:
        auth = {"Authorization": f"Bearer {server.api_key}"}
        limited = http.post(PATH, json=HELLO, headers=auth)
        assert limited.status_code == 429
        assert limited.headers["retry-after-ms"] == "25"
        assert limited.json()["statusCode"] == 429
        chosen = http.post(PATH, json=HELLO, headers={**auth, "X-Fault": "latency=0"})
        assert chosen.status_code == 200  # a request's own fault header replaces the chaos


@pytest.mark.parametrize("text", ["429=0.15,5xx=0.05,retry-after-ms=5,seed=1", "5xx=0.5", "", "429=1"])
def test_parse_accepts_the_settings(text: str) -> None:
    assert isinstance(Chaos.parse(text), Chaos)


def test_parse_reads_each_setting() -> None:
    assert Chaos.parse("429=0.15,5xx=0.05,retry-after-ms=5,seed=1") == Chaos(0.15, 0.05, 5.0, 1)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("429=1.5", "probability"),
        ("5xx=-0.1", "probability"),
        ("429=0.6,5xx=0.6", "more than 1"),
        ("teapot=0.1", "unknown setting"),
        ("429=lots", "must be a number"),
        ("seed=1.5", "must be a number"),
        ("retry-after-ms=-1", "retry_after_ms"),
    ],
)
def test_parse_rejects_what_cannot_work(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        Chaos.parse(text)


def test_the_server_command_line_takes_chaos() -> None:
    import subprocess

    from aimlapi_gemini.testing._server.runner import SERVE_COMMAND

    bad = subprocess.run(
        [*SERVE_COMMAND, "--chaos", "429=2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 2
    assert "probability" in bad.stderr
