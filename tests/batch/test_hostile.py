"""What hostile input, servers and setups do to a batch run: never a traceback, never a corrupt
output, never the whole input burnt on an answer every line would get."""

from __future__ import annotations

import asyncio
import json
import pickle
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from aimlapi_gemini import AuthenticatedClient, Backoff, batch
from aimlapi_gemini._batch_io import InvalidLine, OutputWriter
from aimlapi_gemini._batch_runner import DEFAULT_MAX_RETRIES, MAX_CONCURRENCY
from aimlapi_gemini.batch import BatchSummary, InvalidInputError, arun_batch
from tests.doubles.fakes import completion_json
from tests.doubles.recording import RecordedServer

from .conftest import ServerFactory, cli_env, ids_of, output_lines, request_body, write_input

FAST = Backoff(initial=0.005, maximum=0.02)


def run(server: RecordedServer, source: Path, target: Path, **options: Any) -> BatchSummary:
    headers = options.pop("headers", {})
    client = AuthenticatedClient(base_url=server.base_url, token=server.api_key, headers=headers)
    options.setdefault("backoff", FAST)
    return asyncio.run(arun_batch(source, target, client=client, **options))


def run_mock(handler: Any, source: Path, target: Path, **options: Any) -> BatchSummary:
    transport = httpx.MockTransport(handler)
    client = AuthenticatedClient(
        base_url="http://127.0.0.1:9", token="k", httpx_args={"transport": transport}
    )
    return asyncio.run(arun_batch(source, target, client=client, backoff=FAST, **options))


def wrapped(custom_id: str, text: str) -> str:
    # json.dumps writes a lone surrogate as the escape \ud800, as a hostile file would hold it.
    return json.dumps({"custom_id": custom_id, "body": request_body(text)})


def batch_cli(base_url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aimlapi_gemini", "batch", *args],
        capture_output=True,
        text=True,
        env=cli_env(base_url),
        timeout=timeout,
        check=False,
    )


# --- 1. a line the client cannot send, a line that raises ----------------------------------------


def test_a_lone_surrogate_in_a_body_is_an_invalid_line_never_sent(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    lines = [wrapped("a", "fine"), wrapped("b", "bad \ud800 here"), wrapped("c", "also fine")]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    reported: list[InvalidLine] = []
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", on_invalid=reported.append)
    assert [(line.line_number, line.custom_id) for line in reported] == [(2, "b")]
    assert "lone surrogate (U+D800" in reported[0].reason
    assert (summary.succeeded, summary.invalid, len(server.arrivals)) == (2, 1, 2)
    assert sorted(ids_of(tmp_path / "out.jsonl")) == ["a", "b", "c"]  # b: its error line
    (invalid,) = [r for r in output_lines(tmp_path / "out.jsonl") if r["custom_id"] == "b"]
    assert (invalid["response"], invalid["error"]["code"]) == (None, "invalid_request")


def test_text_beyond_ascii_is_sent_as_it_is(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    (tmp_path / "in.jsonl").write_text(wrapped("ü", "héllo 😀 \u2028") + "\n", encoding="utf-8")
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert (summary.succeeded, summary.invalid) == (1, 0)
    assert ids_of(tmp_path / "out.jsonl") == ["ü"]


def test_a_lone_surrogate_custom_id_is_an_invalid_line_and_the_output_stays_utf8(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    lines = [wrapped("ok", "x"), wrapped("id-\udc80", "x")]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert (summary.succeeded, summary.invalid) == (1, 1)
    assert "custom_id holds a lone surrogate" in summary.invalid_lines[0].reason
    (tmp_path / "out.jsonl").read_bytes().decode("utf-8")  # strict: raises on anything else


def test_an_error_line_holding_a_lone_surrogate_is_written_as_an_escape(tmp_path: Path) -> None:
    with OutputWriter(tmp_path / "out.jsonl") as writer:
        writer.write({"custom_id": "a", "error": {"message": "odd \udc80", "body": None}})
        writer.write({"custom_id": "b", "error": {"message": "plain é", "body": None}})
    data = (tmp_path / "out.jsonl").read_bytes()
    assert b"\\udc80" in data
    assert "é".encode() in data  # the usual line keeps its UTF-8
    assert [json.loads(line)["error"]["message"] for line in data.decode("utf-8").splitlines()] == [
        "odd \udc80",
        "plain é",
    ]


def test_an_unexpected_exception_of_one_line_is_its_error_line_and_the_run_goes_on(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if b"explode" in request.content:
            raise RuntimeError("the transport broke in a way nobody planned for")
        return httpx.Response(200, json=completion_json())

    lines = [wrapped("a", "fine"), wrapped("b", "explode"), wrapped("c", "fine")]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    summary = run_mock(handler, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1)
    assert (summary.succeeded, summary.failed) == (2, 1)
    records = output_lines(tmp_path / "out.jsonl")
    errors = {r["custom_id"]: r["error"] for r in records if r["error"] is not None}
    assert errors == {
        "b": {
            "code": "client_error",
            "message": "RuntimeError: the transport broke in a way nobody planned for",
        }
    }


# --- 2. --strict ----------------------------------------------------------------------------


def test_strict_sends_nothing_read_after_the_invalid_line_at_the_default_concurrency(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(delay=0.05)
    write_input(tmp_path / "in.jsonl", 5)
    with (tmp_path / "in.jsonl").open("a") as file:
        file.write("{broken\n")
    write_input(tmp_path / "after.jsonl", 40, prefix="after")
    with (tmp_path / "in.jsonl").open("a") as file:
        file.write((tmp_path / "after.jsonl").read_text())
    with pytest.raises(InvalidInputError) as raised:
        run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", strict=True)
    assert raised.value.line.line_number == 6
    assert len(server.arrivals) == 5
    assert sorted(ids_of(tmp_path / "out.jsonl")) == [f"id-{n}" for n in range(5)]


def test_without_strict_the_lines_after_an_invalid_one_are_sent(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 5)
    with (tmp_path / "in.jsonl").open("a") as file:
        file.write("{broken\n" + wrapped("after", "x") + "\n")
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert (summary.succeeded, summary.invalid, len(server.arrivals)) == (6, 1, 6)


# --- 3. pickling ----------------------------------------------------------------------------


def _batch_instance(error_class: type[BaseException]) -> BaseException:
    if issubclass(error_class, InvalidInputError):
        return error_class(Path("in.jsonl"), InvalidLine(6, "not JSON (x)", "id-6"))
    return error_class("out.jsonl: line 2 is not a batch output line")


BATCH_ERRORS = [
    name
    for name in batch.__all__
    if isinstance(getattr(batch, name), type) and issubclass(getattr(batch, name), BaseException)
]


def test_the_batch_module_exports_its_exception_classes() -> None:
    assert BATCH_ERRORS == ["BatchFileError", "InvalidInputError"]


@pytest.mark.parametrize("name", BATCH_ERRORS)
def test_every_batch_exception_pickles_with_its_message_and_attributes(name: str) -> None:
    original = _batch_instance(getattr(batch, name))
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is type(original)
    assert str(copy) == str(original)
    assert copy.args == original.args
    assert vars(copy) == vars(original)


# --- 5. one run per output ------------------------------------------------------------------


def test_a_second_run_on_the_same_output_is_refused_while_the_first_runs(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(delay=0.2)
    ids = write_input(tmp_path / "in.jsonl", 30)
    target = tmp_path / "out.jsonl"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aimlapi_gemini",
            "batch",
            str(tmp_path / "in.jsonl"),
            "-o",
            str(target),
            "--concurrency",
            "2",
        ],
        env=cli_env(server.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not target.exists() or not target.read_bytes():
        assert first.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second = batch_cli(server.base_url, str(tmp_path / "in.jsonl"), "-o", str(target))
    assert second.returncode == 2, second.stderr
    assert second.stderr.strip().count("\n") == 0
    assert "another batch run is writing to it" in second.stderr
    _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert sorted(ids_of(target)) == sorted(ids)  # each id once: the second run sent nothing
    assert len(server.arrivals) == 30
    # Once the first has ended, the same command runs (and finds everything done).
    third = batch_cli(server.base_url, str(tmp_path / "in.jsonl"), "-o", str(target))
    assert third.returncode == 0, third.stderr
    assert "30 done before" in third.stderr


# --- 6. a Retry-After longer than the client waits --------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_above_the_cap_stops_the_run_without_burning_the_input(
    tmp_path: Path, make_server: ServerFactory, status: int
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 300)
    target = tmp_path / "out.jsonl"
    summary = run(
        server, tmp_path / "in.jsonl", target, headers={"X-Fault": f"status={status};retry-after=300"}
    )
    assert summary.stopped_by is not None
    assert "Retry-After 300 s" in summary.stopped_by
    assert len(server.arrivals) <= 16  # the lines in flight at the first answer, no more
    assert ids_of(target) == []  # no line answered: the next run sends them all
    assert summary.unfinished == len(server.arrivals)
    assert summary.ok is False


def test_a_retry_after_within_the_cap_is_waited_for_and_retried(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 3)
    faults = {"X-Fault": "status=429;retry-after=0.1", "X-Fault-Id": "short", "X-Fault-Times": "1"}
    summary = run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=1, headers=faults)
    assert (summary.succeeded, summary.stopped_by, summary.retries) == (3, None, 1)


# --- 7. --concurrency ---------------------------------------------------------------------


def test_workers_are_started_per_line_not_per_slot(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 3)
    most: list[int] = []
    summary = run(
        server,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        concurrency=MAX_CONCURRENCY,
        on_progress=lambda *_: most.append(len(asyncio.all_tasks())),
    )
    assert summary.succeeded == 3
    # Three lines: at most four workers, plus the run's own few tasks, never 1024.
    assert max(most) <= 10


def test_concurrency_above_the_cap_is_refused(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 1)
    with pytest.raises(ValueError, match=f"concurrency must be 1 to {MAX_CONCURRENCY}"):
        run(server, tmp_path / "in.jsonl", tmp_path / "out.jsonl", concurrency=MAX_CONCURRENCY + 1)
    result = batch_cli(
        server.base_url,
        str(tmp_path / "in.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--concurrency",
        "100000000",
    )
    assert result.returncode == 2
    assert f"must be {MAX_CONCURRENCY} or less" in result.stderr
    assert not server.arrivals
    ok = batch_cli(
        server.base_url,
        str(tmp_path / "in.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--concurrency",
        str(MAX_CONCURRENCY),
    )
    assert ok.returncode == 0, ok.stderr


# --- 8. a reply in UTF-16 -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_reply_in_utf16_is_re_encoded_so_the_output_stays_utf8(tmp_path: Path, encoding: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.dumps(completion_json("héllo"), separators=(",", ":")).encode(encoding)
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    write_input(tmp_path / "in.jsonl", 2)
    target = tmp_path / "out.jsonl"
    summary = run_mock(handler, tmp_path / "in.jsonl", target)
    assert summary.succeeded == 2
    text = target.read_bytes().decode("utf-8")
    assert [
        json.loads(line)["response"]["body"]["choices"][0]["message"]["content"] for line in text.splitlines()
    ] == [
        "héllo",
        "héllo",
    ]
    again = run_mock(handler, tmp_path / "in.jsonl", target)  # the output still reads as an output
    assert again.already_done == 2


def test_a_utf8_reply_is_spliced_byte_for_byte(tmp_path: Path) -> None:
    raw = json.dumps(completion_json("héllo"), ensure_ascii=False, separators=(",", ":")).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=raw, headers={"content-type": "application/json"})

    write_input(tmp_path / "in.jsonl", 1)
    run_mock(handler, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert b',"body":' + raw + b'},"error":null}\n' in (tmp_path / "out.jsonl").read_bytes()


# --- 9. retries' default, resumed errors, an unreachable server ------------------------------


def test_the_cli_default_max_retries_is_the_runners() -> None:
    import argparse

    from aimlapi_gemini._batch_cli import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["batch", "in.jsonl", "-o", "out.jsonl"])
    assert args.max_retries == DEFAULT_MAX_RETRIES == 10


def test_a_resumed_run_with_error_lines_left_is_not_ok(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 4)
    target = tmp_path / "out.jsonl"
    error = {
        "custom_id": "id-1",
        "error": {"status_code": 500, "request_id": None, "message": "x", "body": None},
    }
    target.write_text(json.dumps(error) + "\n")
    summary = run(server, tmp_path / "in.jsonl", target)
    assert (summary.succeeded, summary.already_done, summary.failed_before, summary.ok) == (3, 1, 1, False)
    assert "1 of them errors (--errors-only-retry sends them again)" in summary.line()
    result = batch_cli(server.base_url, str(tmp_path / "in.jsonl"), "-o", str(target))
    assert result.returncode == 1, result.stderr
    fixed = batch_cli(server.base_url, str(tmp_path / "in.jsonl"), "-o", str(target), "--errors-only-retry")
    assert fixed.returncode == 0, fixed.stderr
    again = batch_cli(server.base_url, str(tmp_path / "in.jsonl"), "-o", str(target))
    assert again.returncode == 0, again.stderr  # every earlier line a response: nothing to report


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_stops_the_run_after_one_lines_retries(tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 200)
    target = tmp_path / "out.jsonl"
    client = AuthenticatedClient(base_url=f"http://127.0.0.1:{_closed_port()}", token="k")
    started = time.monotonic()
    summary = asyncio.run(
        arun_batch(tmp_path / "in.jsonl", target, client=client, backoff=FAST, max_retries=3)
    )
    assert summary.stopped_by is not None
    assert "no attempt reached the server" in summary.stopped_by
    assert ids_of(target) == []  # nothing answered: the next run sends every line
    assert summary.retries <= 16 * 2  # three attempts of the lines in flight, not all 200 lines
    assert time.monotonic() - started < 30


def test_the_cli_exits_2_on_an_unreachable_server_after_three_attempts(tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 100)
    started = time.monotonic()
    result = batch_cli(
        f"http://127.0.0.1:{_closed_port()}", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o.jsonl")
    )
    assert result.returncode == 2, result.stderr
    assert "no attempt reached the server" in result.stderr
    assert "100 unfinished" not in result.stderr  # only the lines in flight were taken
    assert time.monotonic() - started < 20  # default backoff: 0.5 s + 1 s, not ten retries a line


def test_the_cli_limits_are_the_runners() -> None:
    from aimlapi_gemini import _batch_cli, _batch_runner

    assert (_batch_cli.MAX_CONCURRENCY, _batch_cli.DEFAULT_MAX_RETRIES) == (
        _batch_runner.MAX_CONCURRENCY,
        _batch_runner.DEFAULT_MAX_RETRIES,
    )


def test_a_run_stopped_before_it_starts_sends_nothing(tmp_path: Path, make_server: ServerFactory) -> None:
    # What a Ctrl-C during the scan of the output amounts to: the stop is there before any line.
    server = make_server()
    write_input(tmp_path / "in.jsonl", 40)

    async def go() -> BatchSummary:
        stop = asyncio.Event()
        stop.set()
        client = AuthenticatedClient(base_url=server.base_url, token=server.api_key)
        return await arun_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, stop=stop)

    summary = asyncio.run(go())
    assert summary.interrupted
    assert (summary.succeeded, len(server.arrivals)) == (0, 0)


def test_a_stop_cuts_a_retry_wait_short(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 1)

    async def go() -> tuple[BatchSummary, float]:
        stop = asyncio.Event()
        client = AuthenticatedClient(
            base_url=server.base_url, token=server.api_key, headers={"X-Fault": "status=503;retry-after=60"}
        )
        running = asyncio.create_task(
            arun_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, stop=stop)
        )
        while not server.arrivals:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # in its 60 s wait now
        stopped = time.monotonic()
        stop.set()
        return await running, time.monotonic() - stopped

    summary, took = asyncio.run(go())
    assert took < 5  # not the 60 s wait, nor the 30 s grace
    assert (summary.unfinished, len(server.arrivals)) == (1, 1)
    assert ids_of(tmp_path / "out.jsonl") == []


def test_a_line_that_raises_gives_its_rpm_slot_back(tmp_path: Path) -> None:
    # Were the permit kept, rpm=2 would leave no room after two exploding lines: the run would hang.
    def handler(request: httpx.Request) -> httpx.Response:
        if b"explode" in request.content:
            raise RuntimeError("boom")
        return httpx.Response(200, json=completion_json())

    lines = [wrapped("a", "explode"), wrapped("b", "explode"), wrapped("c", "fine")]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    transport = httpx.MockTransport(handler)
    client = AuthenticatedClient(
        base_url="http://127.0.0.1:9", token="k", httpx_args={"transport": transport}
    )
    summary = asyncio.run(
        asyncio.wait_for(
            arun_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, rpm=2, window=0.2),
            timeout=20,
        )
    )
    assert (summary.succeeded, summary.failed) == (1, 2)
