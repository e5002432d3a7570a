"""The batch runner through its Python API (aimlapi_gemini.batch) against loopback reference
servers: chaos, retries, resume, shards, --errors-only-retry, the rate limits measured where the
requests arrive."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec

from aimlapi_gemini import AuthenticatedClient, Backoff
from aimlapi_gemini.batch import BatchSummary, Shard, arun_batch, run_batch
from aimlapi_gemini.testing._server.faults import Chaos
from tests.doubles.recording import RecordedServer, sends_per_window

from .conftest import ServerFactory, ids_of, output_lines, request_body, write_input

FAST = Backoff(initial=0.005, maximum=0.02)


def client_for(server: RecordedServer, **headers: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=server.base_url, token=server.api_key, headers=headers)


def run(server: RecordedServer, source: Path, target: Path, **options: Any) -> BatchSummary:
    headers = options.pop("headers", {})
    options.setdefault("backoff", FAST)
    return asyncio.run(arun_batch(source, target, client=client_for(server, **headers), **options))


def test_a_thousand_lines_under_chaos_are_each_answered_exactly_once(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(chaos=Chaos(rate_limited=0.15, server_errors=0.05, retry_after_ms=2, seed=13))
    ids = write_input(tmp_path / "in.jsonl", 1000)
    # The default max_retries (DEFAULT_MAX_RETRIES), as the CLI and the README have it.
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=32)
    records = output_lines(tmp_path / "out.jsonl")
    assert Counter(record["custom_id"] for record in records) == Counter(ids)
    assert all(record["response"]["status_code"] == 200 for record in records)
    assert (summary.succeeded, summary.failed, summary.invalid) == (1000, 0, 0)
    # The chaos happened: about 20% of the first attempts failed and were retried.
    assert summary.rate_limited > 50
    assert summary.retries > 100
    assert len(server.arrivals) == 1000 + summary.retries
    assert summary.total_tokens == sum(
        record["response"]["body"]["usage"]["total_tokens"] for record in records
    )
    assert all(record["response"]["request_id"] for record in records)


def test_without_retries_the_failures_are_error_lines_with_everything_the_server_said(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(chaos=Chaos(rate_limited=0.15, server_errors=0.05, retry_after_ms=2, seed=5))
    ids = write_input(tmp_path / "in.jsonl", 300)
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=16, max_retries=0)
    records = output_lines(tmp_path / "out.jsonl")
    assert Counter(record["custom_id"] for record in records) == Counter(ids)
    failures = [record for record in records if record["error"] is not None]
    assert len(failures) == summary.failed > 20
    assert summary.retries == 0
    answers = [failure["response"] for failure in failures]
    assert {answer["status_code"] for answer in answers} <= {429, 500, 502, 503}
    assert 429 in {answer["status_code"] for answer in answers}
    for failure in failures:
        answer, error = failure["response"], failure["error"]
        assert error["code"] == "http_error"
        assert answer["request_id"]
        assert answer["request_id"] in error["message"]
        assert answer["body"]["statusCode"] == answer["status_code"]
        assert answer["body"]["requestId"] == answer["request_id"]
        assert error["message"].startswith(f"HTTP {answer['status_code']}")


def test_a_4xx_other_than_408_409_429_is_not_retried(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 10)
    summary = run(
        server,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        max_retries=5,
        headers={"X-Fault": "status=400"},
    )
    assert (summary.failed, summary.retries, len(server.arrivals)) == (10, 0, 10)
    assert {record["response"]["status_code"] for record in output_lines(tmp_path / "out.jsonl")} == {400}


@pytest.mark.parametrize("status", [408, 409, 429, 503])
def test_408_409_429_and_5xx_are_retried(tmp_path: Path, make_server: ServerFactory, status: int) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 6)
    faults = {
        "X-Fault": f"status={status};retry-after-ms=1",
        "X-Fault-Id": f"t{status}",
        "X-Fault-Times": "4",
    }
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=2, headers=faults)
    assert (summary.succeeded, summary.retries, len(server.arrivals)) == (6, 4, 10)


def test_a_line_keeps_one_idempotency_key_over_its_retries(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 2)
    faults = {"X-Fault": "status=503;retry-after-ms=1", "X-Fault-Id": "key", "X-Fault-Times": "2"}
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1, headers=faults)
    assert (summary.succeeded, summary.retries) == (2, 2)
    headers = server.recorder.headers
    first_line = [h for h in headers if h["idempotency-key"] == headers[0]["idempotency-key"]]
    assert [h["x-retry-count"] for h in first_line] == ["0", "1", "2"]
    assert len({h["idempotency-key"] for h in headers}) == 2  # one key per line, not per attempt
    assert all(h["idempotency-key"].startswith("aimlapi-gemini-") for h in headers)


def test_a_connection_reset_is_retried_and_then_an_error_line(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 3)
    summary = run(
        server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", max_retries=2, headers={"X-Fault": "reset"}
    )
    assert (summary.failed, summary.retries, len(server.arrivals)) == (3, 6, 9)
    record = output_lines(tmp_path / "out.jsonl")[0]
    assert record["response"] is None
    assert record["error"]["code"] == "connection_error"
    assert "connection" in record["error"]["message"].lower()
    assert record["error"]["message"].endswith("(3 attempts)")


def test_resume_sends_only_the_ids_not_answered_yet(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 50)
    target = tmp_path / "out.jsonl"
    # An earlier run answered the first 20 (a copy of what it wrote).
    first = run(server, tmp_path / "in.jsonl", target)
    kept = target.read_text().splitlines(keepends=True)[:20]
    target.write_text("".join(kept))
    before = len(server.arrivals)
    summary = run(server, tmp_path / "in.jsonl", target)
    assert first.succeeded == 50
    assert (summary.already_done, summary.succeeded, len(server.arrivals) - before) == (20, 30, 30)
    assert Counter(ids_of(target)) == Counter(ids)
    again = run(server, tmp_path / "in.jsonl", target)
    assert (again.already_done, again.succeeded, len(server.arrivals) - before) == (50, 0, 30)


def test_a_torn_last_line_is_repaired_on_resume(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 10)
    target = tmp_path / "out.jsonl"
    run(server, tmp_path / "in.jsonl", target)
    lines = target.read_bytes().splitlines(keepends=True)
    torn = json.loads(lines[3])["custom_id"]
    target.write_bytes(b"".join(lines[:3]) + lines[3][:40])  # half of the fourth line, as a crash leaves it
    summary = run(server, tmp_path / "in.jsonl", target)
    assert summary.repaired is not None
    assert "torn" in summary.repaired
    assert summary.succeeded == 7
    assert torn in ids_of(target)[3:]
    assert Counter(ids_of(target)) == Counter(ids)


def test_shards_cover_the_input_exactly_once(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 120)
    seen: list[str] = []
    for index in (1, 2, 3):
        target = tmp_path / f"out-{index}.jsonl"
        summary = run(server, tmp_path / "in.jsonl", target, shard=f"{index}/3")
        shard_ids = ids_of(target)
        assert 20 < len(shard_ids) < 60  # a real split, not everything in one
        assert summary.other_shard == 120 - len(shard_ids)
        assert all(Shard(index, 3).takes(custom_id) for custom_id in shard_ids)
        seen += shard_ids
    assert Counter(seen) == Counter(ids)


def test_errors_only_retry_resends_the_errors_and_keeps_one_line_per_id(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    flaky = make_server(chaos=Chaos(server_errors=0.4, seed=3))
    ids = write_input(tmp_path / "in.jsonl", 100)
    target = tmp_path / "out.jsonl"
    first = run(flaky, tmp_path / "in.jsonl", target, max_retries=0)
    assert 10 < first.failed < 90
    # Without the option, a rerun leaves the errors as they are: they are answers too.
    healthy = make_server()
    plain = run(healthy, tmp_path / "in.jsonl", target)
    assert (plain.already_done, len(healthy.arrivals)) == (100, 0)
    retried = run(healthy, tmp_path / "in.jsonl", target, errors_only_retry=True)
    assert (retried.succeeded, len(healthy.arrivals)) == (first.failed, first.failed)
    assert retried.compacted == first.failed
    records = output_lines(target)
    assert Counter(record["custom_id"] for record in records) == Counter(ids)
    assert all(record["error"] is None for record in records)


def test_a_file_left_with_superseded_lines_is_compacted_by_the_next_run(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    # What an --errors-only-retry run killed before its compaction leaves: an error, then the answer.
    server = make_server()
    write_input(tmp_path / "in.jsonl", 2)
    target = tmp_path / "out.jsonl"
    run(server, tmp_path / "in.jsonl", target)
    answers = target.read_text().splitlines(keepends=True)
    error = json.dumps(
        {"custom_id": "id-0", "error": {"status_code": 500, "request_id": None, "message": "x", "body": None}}
    )
    target.write_text(error + "\n" + "".join(answers))
    summary = run(server, tmp_path / "in.jsonl", target)
    assert summary.compacted == 1
    assert summary.already_done == 2
    assert [(r["error"] is None) for r in output_lines(target)] == [True, True]


# No tolerance: a request counts in the limiter's window until ``window`` seconds after its reply
# came back, the latest it can have arrived, so arrivals rpm apart are more than a window apart
# at the server, however late a cold pool delivers them. Cold pools and the default concurrency
# (16 connections opened at once) are the hard case.


def test_rpm_is_never_exceeded_in_any_window_at_the_server(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 25)
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", rpm=10, window=1.0)
    assert summary.succeeded == 25
    assert sends_per_window(server.arrivals, 1.0) <= 10
    assert server.arrivals[-1] - server.arrivals[0] >= 2.0  # 25 starts need three windows


def test_the_rpm_check_fails_without_the_limit(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 25)
    run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert sends_per_window(server.arrivals, 1.0) > 10


def test_rpm_counts_the_retries_too(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server(chaos=Chaos(server_errors=0.3, seed=8))
    write_input(tmp_path / "in.jsonl", 12)
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", rpm=8, window=1.0)
    assert summary.retries > 0
    assert sends_per_window(server.arrivals, 1.0) <= 8


def test_tpm_is_never_exceeded_in_any_window(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    # "hello id-N" is 10 characters, 3 estimated tokens, plus max_tokens 20: 23 a request.
    write_input(tmp_path / "in.jsonl", 9, max_tokens=20)
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", tpm=70, window=1.0)
    assert summary.succeeded == 9
    assert sends_per_window(server.arrivals, 1.0) <= 3
    assert server.arrivals[-1] - server.arrivals[0] >= 2.0


def test_a_429_slows_everyone_down(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 8)
    # The first request of all is answered 429 with retry-after-ms 300: nobody starts for 300 ms.
    faults = {"X-Fault": "status=429;retry-after-ms=300", "X-Fault-Id": "slow", "X-Fault-Times": "1"}
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1, headers=faults)
    assert (summary.succeeded, summary.rate_limited) == (8, 1)
    assert server.arrivals[1] - server.arrivals[0] >= 0.3


def test_a_stop_cancels_at_once_the_lines_still_waiting_for_the_limiter(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 20)
    target = tmp_path / "out.jsonl"

    async def go() -> tuple[BatchSummary, float]:
        stop = asyncio.Event()
        run = asyncio.create_task(
            arun_batch(
                tmp_path / "in.jsonl",
                target,
                client=client_for(server),
                concurrency=4,
                rpm=5,
                window=30,
                stop=stop,
            )
        )
        while not target.exists() or target.read_bytes().count(b"\n") < 5:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the other workers are queued at the limiter by now
        stopped = time.monotonic()
        stop.set()
        summary = await run
        return summary, time.monotonic() - stopped

    summary, took = asyncio.run(go())
    # Five sent and written; the four lines waiting for the rpm window were never sent and go at once
    # rather than after the window (30 s) or the grace period (30 s).
    assert (summary.succeeded, summary.unfinished, summary.interrupted) == (5, 4, True)
    assert len(server.arrivals) == 5
    assert len(ids_of(target)) == 5
    assert took < 5


def test_a_stop_ends_at_once_the_retries_waiting_for_the_limiter(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 2)
    target = tmp_path / "out.jsonl"
    # Both first attempts are answered 503; their retries then wait for the rpm window (30 s).
    faults = {"X-Fault": "status=503", "X-Fault-Id": "first-two", "X-Fault-Times": "2"}

    async def go() -> tuple[BatchSummary, float]:
        stop = asyncio.Event()
        run = asyncio.create_task(
            arun_batch(
                tmp_path / "in.jsonl",
                target,
                client=client_for(server, **faults),
                backoff=FAST,
                concurrency=2,
                rpm=2,
                window=30,
                grace=20,
                stop=stop,
            )
        )
        while len(server.arrivals) < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # past the backoff: both retries are queued at the limiter
        stopped = time.monotonic()
        stop.set()
        summary = await run
        return summary, time.monotonic() - stopped

    summary, took = asyncio.run(go())
    # In flight, so not cancelled at once, but nothing is sent for them any more: they end at
    # the stop rather than after the grace period (20 s) or the window (30 s).
    assert (summary.retries, summary.unfinished, summary.interrupted) == (2, 2, True)
    assert len(server.arrivals) == 2
    assert not target.read_bytes()
    assert took < 5


def test_without_a_stop_the_retries_waiting_for_the_limiter_are_sent(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 2)
    faults = {"X-Fault": "status=503", "X-Fault-Id": "first-two", "X-Fault-Times": "2"}
    options: dict[str, Any] = {"concurrency": 2, "rpm": 2, "window": 0.5, "headers": faults}
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", **options)
    assert (summary.retries, summary.succeeded, summary.unfinished) == (2, 2, 0)
    assert len(server.arrivals) == 4
    assert server.arrivals[2] - server.arrivals[0] >= 0.5  # they did wait for the window


def test_invalid_lines_are_reported_with_line_numbers_and_never_sent(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    good = request_body("fine")
    lines = [
        json.dumps({"custom_id": "a", "body": good}),  # 1
        "not json at all",  # 2
        json.dumps([1, 2]),  # 3
        json.dumps(
            {"custom_id": "b", "body": {**good, "messages": [{"role": "robot", "content": "x"}]}}
        ),  # 4
        json.dumps({"custom_id": "a", "body": good}),  # 5: a repeated id
        "",  # 6: blank lines are ignored
        json.dumps(good),  # 7: a bare body, custom_id "7"
        json.dumps({"body": good}),  # 8: wrapped without an id
        json.dumps({"custom_id": "c", "url": "/v1/embeddings", "body": good}),  # 9
        json.dumps({"custom_id": "d", "body": {**good, "stream": True}}),  # 10
        json.dumps({"custom_id": "e", "method": "POST", "url": spec.chat_path(), "body": good}),  # 11
    ]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    reported: list[int] = []
    summary = run(
        server,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        on_invalid=lambda line: reported.append(line.line_number),
    )
    assert sorted(reported) == [2, 3, 4, 5, 8, 9, 10]
    assert [
        line.line_number for line in sorted(summary.invalid_lines, key=lambda x: x.line_number)
    ] == reported
    by_number = {line.line_number: line for line in summary.invalid_lines}
    assert "messages[0].role" in by_number[4].reason
    assert by_number[4].custom_id == "b"
    assert "repeats" in by_number[5].reason
    records = output_lines(tmp_path / "out.jsonl")
    assert sorted(r["custom_id"] for r in records if r["error"] is None) == ["7", "a", "e"]
    # Every invalid line has its error line: under its own custom_id when it has a usable one that
    # no earlier line took, else under none, its message naming the line.
    invalid = [r for r in records if r["error"] is not None]
    assert all(r["response"] is None and r["error"]["code"] == "invalid_request" for r in invalid)
    assert sorted(r["custom_id"] for r in invalid if r["custom_id"] is not None) == ["b", "c", "d"]
    unkeyed = sorted(r["error"]["message"] for r in invalid if r["custom_id"] is None)
    assert [message.split(":")[0].split(" (")[0] for message in unkeyed] == [
        "line 2",
        "line 3",
        "line 5",
        "line 8",
    ]
    assert len(server.arrivals) == 3
    assert (summary.succeeded, summary.invalid, summary.ok) == (3, 7, False)

    # A rerun sends nothing and writes nothing: every id is answered, and the lines without an id
    # have their error lines already.
    before = (tmp_path / "out.jsonl").read_bytes()
    again = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == before
    assert len(server.arrivals) == 3
    assert (again.invalid, again.already_done, again.failed_before) == (4, 6, 3)


def test_valid_lines_alone_give_a_clean_run(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(request_body(f"n{n}")) for n in range(3)) + "\n")
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert (summary.succeeded, summary.invalid, summary.ok) == (3, 0, True)
    assert sorted(ids_of(tmp_path / "out.jsonl")) == ["1", "2", "3"]  # bare bodies: their line numbers


def test_strict_stops_at_the_first_invalid_line(tmp_path: Path, make_server: ServerFactory) -> None:
    from aimlapi_gemini.batch import InvalidInputError

    server = make_server()
    write_input(tmp_path / "in.jsonl", 5)
    with (tmp_path / "in.jsonl").open("a") as file:
        file.write("{broken\n")
        file.write(json.dumps(request_body("after")) + "\n")
    with pytest.raises(InvalidInputError) as raised:
        run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1, strict=True)
    assert raised.value.line.line_number == 6
    assert "line 6" in str(raised.value)
    assert len(server.arrivals) == 5
    assert len(ids_of(tmp_path / "out.jsonl")) == 5


def test_run_batch_is_the_same_without_an_event_loop(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 5)
    summary = run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client_for(server))
    assert summary.succeeded == 5
    assert Counter(ids_of(tmp_path / "out.jsonl")) == Counter(ids)
    assert "5 ok" in summary.line()


def test_an_output_that_is_not_a_batch_output_is_refused(tmp_path: Path, make_server: ServerFactory) -> None:
    from aimlapi_gemini.batch import BatchFileError

    server = make_server()
    write_input(tmp_path / "in.jsonl", 2)
    (tmp_path / "out.jsonl").write_text('{"custom_id": "x", "response": {}}\nsomething else\n')
    with pytest.raises(BatchFileError, match="line 2 is not a batch output line"):
        run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert not server.arrivals
