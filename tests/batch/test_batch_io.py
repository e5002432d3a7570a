"""The batch files without a server: reading lazily, shards, token estimates, torn-line repair,
compaction, the limiter's rules, and what ``import aimlapi_gemini`` leaves out."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from aimlapi_gemini._batch_io import (
    BatchFileError,
    BatchItem,
    OutputWriter,
    ReadStats,
    compact_output,
    count_lines,
    error_record,
    read_items,
    response_record,
    scan_output,
)
from aimlapi_gemini._rate_limit import RateLimiter
from aimlapi_gemini.batch import Shard, estimate_tokens, shard_of

from .conftest import request_body, write_input


def test_shard_of_is_a_truncated_sha256_so_every_machine_agrees() -> None:
    for custom_id in ("a", "request-42", "ünïcode", ""):
        digest = hashlib.sha256(custom_id.encode()).digest()
        assert shard_of(custom_id, 7) == int.from_bytes(digest[:8], "big") % 7
    # The same in another interpreter, whose str hash() has another salt.
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "from aimlapi_gemini.batch import shard_of; print(shard_of('request-42', 1000))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(other.stdout) == shard_of("request-42", 1000)


def test_shards_split_ids_evenly_enough() -> None:
    counts = Counter(shard_of(f"id-{n}", 3) for n in range(3000))
    assert set(counts) == {0, 1, 2}
    assert min(counts.values()) > 900


@pytest.mark.parametrize("text", ["1/3", "3/3", " 2 / 3 "])
def test_shard_accepts_k_of_n(text: str) -> None:
    shard = Shard.parse(text)
    assert 1 <= shard.index <= shard.count == 3


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "1", "1/3/4", "-1/3", ""])
def test_shard_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="shard must be K/N"):
        Shard.parse(text)


def test_tokens_are_estimated_from_the_text_and_the_reply_budget() -> None:
    # A body of its own: the estimate reads text wherever a message has it, whatever the spec takes.
    body = {"model": "gemini-pro", "messages": [{"role": "user", "content": "x" * 40}], "max_tokens": 10}
    assert estimate_tokens(body) == 10 + 10
    parts = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "y" * 8}]}]}
    assert estimate_tokens(parts) == 2 + 512  # no max_tokens: the API's default budget
    assert estimate_tokens({"messages": "not a list"}) == 512


def test_the_input_is_read_one_line_at_a_time() -> None:
    # A pipe that has been given one line and is still open: the first item comes all the same.
    import os
    import threading

    read_end, write_end = os.pipe()
    path = Path(f"/dev/fd/{read_end}")
    if not path.exists():
        pytest.skip("no /dev/fd on this system")
    os.write(write_end, (json.dumps({"custom_id": "first", "body": request_body("hi")}) + "\n").encode())
    items = read_items(path)
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.append(next(items)))
    reader.start()
    reader.join(timeout=10)
    alive = reader.is_alive()
    os.close(write_end)
    reader.join(timeout=10)
    assert not alive, "the reader waited for the whole input"
    assert isinstance(got[0], BatchItem)
    assert got[0].custom_id == "first"
    assert list(items) == []
    os.close(read_end)


def _peak_while_reading(path: Path) -> int:
    tracemalloc.start()
    try:
        for item in read_items(path):
            assert isinstance(item, BatchItem)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_ten_times_the_lines_costs_only_the_ids(tmp_path: Path) -> None:
    # Lines of about 4 KB: 20 MB of input for 5,000 lines. The reader keeps the set of ids it has
    # seen (to refuse a repeated one) and nothing else of the lines.
    text = "z" * 4000
    for count, name in ((500, "small"), (5000, "large")):
        with (tmp_path / f"{name}.jsonl").open("w") as file:
            for n in range(count):
                file.write(json.dumps({"custom_id": f"c{n}", "body": request_body(text)}) + "\n")
    small, large = (
        _peak_while_reading(tmp_path / "small.jsonl"),
        _peak_while_reading(tmp_path / "large.jsonl"),
    )
    size = (tmp_path / "large.jsonl").stat().st_size
    assert size > 20_000_000
    assert large < size / 20
    assert large - small < 4500 * 200  # the extra ids (a short string and a set slot each), no more


def test_count_lines_ignores_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text("{}\n\n  \n{}\n{}")
    assert count_lines(tmp_path / "in.jsonl") == 3


def test_read_items_skips_other_shards_and_done_ids(tmp_path: Path) -> None:
    ids = write_input(tmp_path / "in.jsonl", 30)
    stats = ReadStats()
    shard = Shard(2, 3)
    done = {ids[0], ids[1], ids[2]}
    items = list(read_items(tmp_path / "in.jsonl", shard=shard, done=done, stats=stats))
    mine = [custom_id for custom_id in ids if shard.takes(custom_id)]
    assert [item.custom_id for item in items if isinstance(item, BatchItem)] == [
        i for i in mine if i not in done
    ]
    assert stats.other_shard == 30 - len(mine)
    assert stats.already_done == len(done & set(mine))
    assert stats.lines == 30


def test_output_lines_are_whole_json_records(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with OutputWriter(target) as writer:
        writer.write(response_record("a", 200, "r1", {"text": "line\nbreak \u2028 ü"}))
        answer = {"status_code": 503, "request_id": "r2", "body": {"statusCode": 503}}
        writer.write(error_record("b", "http_error", "HTTP 503: busy", answer))
    lines = target.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert len(lines) == 3
    assert json.loads(lines[0])["response"]["body"]["text"] == "line\nbreak \u2028 ü"
    assert json.loads(lines[1])["response"]["status_code"] == 503
    assert json.loads(lines[1])["error"] == {"code": "http_error", "message": "HTTP 503: busy"}
    state = scan_output(target)
    assert state.answered == {"a": True, "b": False}
    assert state.repaired is None


def test_a_torn_last_line_is_cut_off(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    whole = json.dumps(response_record("a", 200, "r", {})) + "\n"
    target.write_text(whole + whole.replace('"a"', '"b"')[:25])
    state = scan_output(target)
    assert state.repaired is not None
    assert "torn" in state.repaired
    assert target.read_text() == whole
    assert state.answered == {"a": True}


def test_a_whole_last_line_without_its_newline_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    whole = json.dumps(response_record("a", 200, "r", {}))
    target.write_text(whole)
    state = scan_output(target)
    assert state.repaired is not None
    assert "completed" in state.repaired
    assert target.read_text() == whole + "\n"
    assert state.answered == {"a": True}


def test_a_torn_line_longer_than_one_read_block_is_found(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    whole = json.dumps(response_record("a", 200, "r", {})) + "\n"
    target.write_text(whole + '{"custom_id": "b", "response": {"body": "' + "x" * 200_000)
    scan_output(target)
    assert target.read_text() == whole


@pytest.mark.parametrize(
    "line",
    [
        "garbage",
        "[]",
        '{"custom_id": 5, "response": {}}',
        '{"custom_id": "a"}',
        '{"custom_id": "a", "response": {}, "error": {}}',
        '{"id": "batch_req_1", "custom_id": "a", "response": null, "error": null}',
        '{"id": "batch_req_1", "custom_id": "a", "response": {"status_code": 500}, "error": null}',
        '{"id": "batch_req_1", "custom_id": 7, "response": null, "error": {"code": "x", "message": "m"}}',
        '{"id": "batch_req_1", "custom_id": "a", "response": null, "error": {"code": "x"}}',
    ],
)
def test_a_line_that_is_no_output_record_stops_the_scan(tmp_path: Path, line: str) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text(line + "\n" + json.dumps(response_record("a", 200, "r", {})) + "\n")
    with pytest.raises(BatchFileError, match="line 1 is not a batch output line"):
        scan_output(target)


def test_compaction_keeps_the_last_line_of_each_id(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with OutputWriter(target) as writer:
        writer.write(
            error_record("a", "http_error", "x", {"status_code": 500, "request_id": None, "body": None})
        )
        writer.write(response_record("b", 200, None, {}))
        writer.write(response_record("a", 200, None, {"second": True}))
    assert scan_output(target).superseded == 1
    assert compact_output(target) == 1
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [record["custom_id"] for record in records] == ["b", "a"]
    assert records[1]["response"]["body"] == {"second": True}
    assert scan_output(target).superseded == 0
    assert not list(tmp_path.glob(".*compacting"))


def test_errors_only_retry_counts_only_responses_as_done(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with OutputWriter(target) as writer:
        writer.write(error_record("a", "connection_error", "x"))
        writer.write(response_record("b", 200, None, {}))
    state = scan_output(target)
    assert set(state.done_ids(errors_only_retry=False)) == {"a", "b"}
    assert set(state.done_ids(errors_only_retry=True)) == {"b"}


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 1, "rpm": 0}, "rpm"),
        ({"concurrency": 1, "tpm": 0}, "tpm"),
        ({"concurrency": 1, "window": 0}, "window"),
    ],
)
def test_the_limiter_rejects_settings_that_cannot_work(settings: dict[str, int], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        RateLimiter(
            concurrency=settings["concurrency"],
            rpm=settings.get("rpm"),
            tpm=settings.get("tpm"),
            window=settings.get("window", 60.0),
        )


def test_the_limiter_halves_once_per_burst_of_429s_and_climbs_back() -> None:
    now = [0.0]
    limiter = RateLimiter(concurrency=16, clock=lambda: now[0])

    async def scenario() -> None:
        permits = [await limiter.acquire() for _ in range(16)]
        now[0] = 1.0
        for permit in permits[:5]:  # five 429s for requests that were in flight together
            limiter.rate_limited_for(permit, 0.5)
            limiter.release(permit)
        assert limiter.limit == 8
        assert limiter.paused_until == 1.5
        assert limiter.rate_limited == 5
        for permit in permits[5:]:
            limiter.release(permit)
        now[0] = 2.0
        later = await limiter.acquire()  # started after the cut: its 429 cuts again
        limiter.rate_limited_for(later, 0.0)
        limiter.release(later)
        assert limiter.limit == 4
        for _ in range(200):
            limiter.succeeded()
        assert limiter.limit == 16

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))


def test_try_acquire_grants_a_start_only_while_the_limits_allow_one_now() -> None:
    now = [0.0]
    limiter = RateLimiter(concurrency=3, rpm=2, window=10, clock=lambda: now[0])
    first, second = limiter.try_acquire(), limiter.try_acquire()
    assert first is not None
    assert second is not None
    assert limiter.try_acquire() is None  # rpm 2: both still count
    limiter.release(first)
    assert limiter.try_acquire() is None  # its window runs from its end
    now[0] = 10.0
    assert limiter.try_acquire() is not None


def test_a_start_given_back_unsent_is_not_counted_but_a_sent_one_is() -> None:
    now = [0.0]
    limiter = RateLimiter(concurrency=2, rpm=1, tpm=100, window=10, clock=lambda: now[0])
    unsent = limiter.try_acquire(60)
    assert unsent is not None
    limiter.release(unsent, sent=False)  # no request went out: no arrival, no tokens
    sent = limiter.try_acquire(60)
    assert sent is not None
    limiter.release(sent)  # this one arrived: its window holds the next one back
    assert limiter.try_acquire(1) is None


def test_a_request_larger_than_tpm_still_goes_when_nothing_else_is_counted() -> None:
    limiter = RateLimiter(concurrency=2, tpm=10, window=60)

    async def scenario() -> None:
        permit = await asyncio.wait_for(limiter.acquire(50), timeout=1)
        limiter.release(permit, used_tokens=50)
        with pytest.raises(TimeoutError):  # the window is full now: the next one waits
            await asyncio.wait_for(limiter.acquire(5), timeout=0.1)
        with pytest.raises(TimeoutError):  # and so does another one larger than tpm
            await asyncio.wait_for(limiter.acquire(50), timeout=0.1)

    asyncio.run(scenario())


def test_import_aimlapi_gemini_does_not_load_the_batch_machinery() -> None:
    code = (
        "import sys, aimlapi_gemini\n"
        "loaded = [m for m in sys.modules if m.startswith('aimlapi_gemini._batch_runner') or m == 'tqdm'"
        " or m in ('aimlapi_gemini.batch', 'aimlapi_gemini._rate_limit')]\n"
        "print(loaded)\n"
        "import aimlapi_gemini.batch\n"
        "print('tqdm' in sys.modules, 'aimlapi_gemini._batch_runner' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["[]", "False True"]


def test_a_reply_is_written_as_the_server_sent_it_when_it_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    compact = b'{"id":"c1","note":"caf\\u00e9 \xc3\xa9","n":1.50}'
    pretty = b'{\n  "id": "c2"\n}'
    with OutputWriter(target) as writer:
        writer.write_response("a", 200, "r1", compact)
        writer.write_response("b", 200, None, pretty)
    first, second = target.read_bytes().splitlines()
    assert first.endswith(b',"body":' + compact + b'},"error":null}')  # byte for byte: 1.50 stays 1.50
    record = json.loads(first)
    assert record.pop("id").startswith("batch_req_")
    assert record == {
        "custom_id": "a",
        "response": {"status_code": 200, "request_id": "r1", "body": json.loads(compact)},
        "error": None,
    }
    assert json.loads(second)["response"] == {"status_code": 200, "request_id": None, "body": {"id": "c2"}}


def test_the_batch_module_exports_exactly_its_public_names() -> None:
    from aimlapi_gemini import batch

    assert sorted(batch.__all__) == [
        "BatchFileError",
        "BatchSummary",
        "ERROR_CODES",
        "InvalidInputError",
        "InvalidLine",
        "Shard",
        "arun_batch",
        "estimate_tokens",
        "run_batch",
        "shard_of",
    ]
    assert all(hasattr(batch, name) for name in batch.__all__)
