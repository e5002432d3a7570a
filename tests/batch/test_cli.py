"""``aimlapi-gemini batch`` run as a user runs it, in a subprocess: kill -9 and resume, Ctrl-C,
exit codes, what it prints with and without a terminal."""

from __future__ import annotations

import fcntl
import os
import random
import signal
import struct
import subprocess
import sys
import termios
import time
from collections import Counter
from pathlib import Path

import pytest

from aimlapi_gemini.testing._server.faults import Chaos
from tests.doubles.fakes import chat_args

from .conftest import ServerFactory, cli_env, ids_of, output_lines, write_input


def batch_command(source: Path, target: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "aimlapi_gemini", "batch", str(source), "-o", str(target), *options]


def run_cli(base_url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aimlapi_gemini", *args],
        capture_output=True,
        text=True,
        env=cli_env(base_url),
        timeout=timeout,
        check=False,
    )


def lines_in(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for_lines(path: Path, count: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while lines_in(path) < count:
        assert process.poll() is None, "the batch ended before it could be interrupted"
        assert time.monotonic() < deadline, f"fewer than {count} lines after {timeout} s"
        time.sleep(0.005)


def test_killed_twice_with_sigkill_then_resumed_every_id_exactly_once(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(delay=0.01)
    ids = write_input(tmp_path / "in.jsonl", 400)
    target = tmp_path / "out.jsonl"
    rng = random.Random(20261201)
    for _ in range(2):
        process = subprocess.Popen(
            batch_command(tmp_path / "in.jsonl", target, "--concurrency", "8"),
            env=cli_env(server.base_url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        wait_for_lines(target, lines_in(target) + rng.randint(20, 120), process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        written = ids_of(target)  # every line whole, whatever the moment of the kill
        assert len(written) == len(set(written)) < 400
    result = subprocess.run(
        batch_command(tmp_path / "in.jsonl", target),
        env=cli_env(server.base_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert Counter(ids_of(target)) == Counter(ids)
    assert "done before" in result.stderr
    # Each request that reached the server either has its line, or was cut by a kill and sent again.
    assert 400 <= len(server.arrivals) <= 400 + 2 * 8


def test_a_torn_last_line_left_by_a_crash_is_repaired_by_the_cli(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 5)
    target = tmp_path / "out.jsonl"
    target.write_text(
        '{"custom_id": "id-0", "response": {"status_code": 200, "request_id": "r", "body": {"id": "chat'
    )
    result = run_cli(server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "removed a torn last line" in result.stderr
    assert Counter(ids_of(target)) == Counter(ids)


def test_ctrl_c_finishes_the_lines_in_flight_and_leaves_a_consistent_file(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(delay=0.3)
    ids = write_input(tmp_path / "in.jsonl", 60)
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        batch_command(tmp_path / "in.jsonl", target, "--concurrency", "4"),
        env=cli_env(server.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_lines(target, 4, process)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "batch interrupted" in err
    assert "Traceback" not in err
    written = ids_of(target)
    # Every request the server got before the interrupt was finished and written; no new one started.
    assert len(written) == len(set(written)) == len(server.arrivals) < 60
    resumed = run_cli(
        server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(target), "--concurrency", "16"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert Counter(ids_of(target)) == Counter(ids)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_the_run_as_ctrl_c_does(
    tmp_path: Path, make_server: ServerFactory, signum: signal.Signals, code: int
) -> None:
    server = make_server(delay=0.3)
    ids = write_input(tmp_path / "in.jsonl", 60)
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        batch_command(tmp_path / "in.jsonl", target, "--concurrency", "4"),
        env=cli_env(server.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_lines(target, 4, process)
    process.send_signal(signum)
    _out, err = process.communicate(timeout=30)
    # Not killed outright (-signum): the grace period, the summary, 128 + the signal's number.
    assert process.returncode == code, err
    assert "batch interrupted" in err
    assert "Traceback" not in err
    written = ids_of(target)
    # Every request the server got was answered and kept (none paid for and dropped).
    assert len(written) == len(set(written)) == len(server.arrivals) < 60
    resumed = run_cli(
        server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(target), "--concurrency", "16"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert Counter(ids_of(target)) == Counter(ids)


def test_ctrl_c_past_the_grace_period_cancels_the_lines_in_flight(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server(delay=3.0)
    ids = write_input(tmp_path / "in.jsonl", 8)
    target = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        batch_command(tmp_path / "in.jsonl", target, "--concurrency", "4", "--grace", "0.2"),
        env=cli_env(server.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while len(server.arrivals) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert time.monotonic() - started < 2.5  # it did not wait for the 3 s replies
    assert "4 unfinished" in err
    assert lines_in(target) == 0
    resumed = run_cli(
        server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(target), "--concurrency", "8"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert Counter(ids_of(target)) == Counter(ids)


def test_exit_codes_and_the_summary_line(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 3)
    clean = run_cli(server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "a.jsonl"))
    assert (clean.returncode, clean.stdout) == (0, "")
    assert clean.stderr.count("\n") == 1
    assert "batch done: 3 ok, 0 errors, 0 invalid" in clean.stderr
    assert "tokens" in clean.stderr
    assert " s\n" in clean.stderr
    with (tmp_path / "in.jsonl").open("a") as file:
        file.write("[]\n")
    skipped = run_cli(server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "b.jsonl"))
    assert skipped.returncode == 1
    assert f"{tmp_path / 'in.jsonl'}:4: skipped: expected a JSON object, got list" in skipped.stderr
    strict = run_cli(
        server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "c.jsonl"), "--strict"
    )
    assert strict.returncode == 2
    assert "line 4" in strict.stderr
    assert "--strict" in strict.stderr


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--shard", "4/3"], "shard must be K/N with 1 <= K <= N"),
        (["--shard", "one"], "shard must be K/N"),
        (["--concurrency", "0"], "must be 1 or more"),
        (["--rpm", "-5"], "must be 1 or more"),
        (["--grace", "0"], "above 0"),
        (["--base-url", "ftp://x"], "http"),
    ],
)
def test_bad_options_are_one_line_usage_errors(
    tmp_path: Path, options: list[str], complaint: str, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 1)
    result = run_cli(
        server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o.jsonl"), *options
    )
    assert result.returncode == 2
    assert complaint in result.stderr
    assert result.stderr.count("\n") == 1
    assert not server.arrivals


def test_a_missing_input_or_a_foreign_output_is_a_usage_error(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    missing = run_cli(server.base_url, "batch", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl"))
    assert missing.returncode == 2
    assert "no such input file" in missing.stderr
    write_input(tmp_path / "in.jsonl", 1)
    for notes in ("my notes\n", "my notes\nno newline at the end"):
        (tmp_path / "notes.txt").write_text(notes)
        foreign = run_cli(
            server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "notes.txt")
        )
        assert foreign.returncode == 2
        assert "line 1 is not a batch output line" in foreign.stderr
        assert (tmp_path / "notes.txt").read_text() == notes  # not appended to, not repaired
    assert not server.arrivals


def test_shards_from_the_command_line(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 60)
    seen: list[str] = []
    for index in (1, 2, 3):
        target = tmp_path / f"out{index}.jsonl"
        result = run_cli(
            server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(target), "--shard", f"{index}/3"
        )
        assert result.returncode == 0, result.stderr
        assert "in other shards" in result.stderr
        seen += ids_of(target)
    assert Counter(seen) == Counter(ids)


def test_the_progress_bar_is_drawn_on_a_terminal_only(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 30)
    quiet = run_cli(server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "q.jsonl"))
    assert quiet.returncode == 0
    assert "line/s" not in quiet.stderr
    assert "%|" not in quiet.stderr
    # On a pseudo-terminal (stdout and stderr both): tqdm's bar with the batch's postfix.
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    process = subprocess.Popen(
        batch_command(tmp_path / "in.jsonl", tmp_path / "t.jsonl"),
        env=cli_env(server.base_url),
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    drawn = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(primary)
    assert process.wait(timeout=30) == 0
    text = drawn.decode("utf-8", "replace")
    assert "30/30" in text
    assert "line/s" in text
    assert "ok 30" in text
    assert "in flight" in text
    assert "batch done: 30 ok" in text
    assert len(output_lines(tmp_path / "t.jsonl")) == 30


def test_the_chat_command_still_works_beside_batch(make_server: ServerFactory) -> None:
    server = make_server()
    result = run_cli(server.base_url, "chat", *chat_args("Hi there"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    helped = run_cli(server.base_url, "batch", "--help")
    assert helped.returncode == 0
    for option in (
        "--concurrency",
        "--rpm",
        "--tpm",
        "--max-retries",
        "--base-url",
        "--timeout",
        "--shard",
        "--errors-only-retry",
    ):
        assert option in helped.stdout


def test_a_wrong_key_stops_the_run_after_the_lines_in_flight(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 200)
    result = subprocess.run(
        batch_command(tmp_path / "in.jsonl", tmp_path / "out.jsonl", "--concurrency", "4"),
        env=cli_env(server.base_url, key="not-the-key"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "error: stopped: HTTP 401" in result.stderr
    assert "batch stopped" in result.stderr
    records = output_lines(tmp_path / "out.jsonl")
    assert 1 <= len(records) == len(server.arrivals) <= 8  # not 200 error lines
    assert {record["response"]["status_code"] for record in records} == {401}


def test_the_right_key_is_no_reason_to_stop(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 20)
    result = run_cli(server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0
    assert "stopped" not in result.stderr
    assert len(output_lines(tmp_path / "out.jsonl")) == 20


def test_no_key_or_no_output_directory_is_one_line(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 2)
    env = cli_env(server.base_url)
    del env["AIML_API_KEY"]
    keyless = subprocess.run(
        batch_command(tmp_path / "in.jsonl", tmp_path / "out.jsonl"),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert keyless.returncode == 2
    assert "AIML_API_KEY" in keyless.stderr
    assert keyless.stderr.count("\n") == 1
    nowhere = run_cli(
        server.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "no" / "out.jsonl")
    )
    assert nowhere.returncode == 1
    assert "No such file or directory" in nowhere.stderr
    assert nowhere.stderr.count("\n") == 1
    assert "Traceback" not in nowhere.stderr
    assert not server.arrivals


def test_errors_only_retry_from_the_command_line(tmp_path: Path, make_server: ServerFactory) -> None:
    flaky = make_server(chaos=Chaos(server_errors=0.5, seed=2))
    ids = write_input(tmp_path / "in.jsonl", 30)
    target = str(tmp_path / "out.jsonl")
    first = run_cli(flaky.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", target, "--max-retries", "0")
    failed = sum(record["error"] is not None for record in output_lines(tmp_path / "out.jsonl"))
    assert first.returncode == 1
    assert failed > 3
    assert f"{failed} errors" in first.stderr
    healthy = make_server()
    retried = run_cli(
        healthy.base_url, "batch", str(tmp_path / "in.jsonl"), "-o", target, "--errors-only-retry"
    )
    assert retried.returncode == 0, retried.stderr
    assert f"({failed} older lines removed)" in retried.stderr
    assert len(healthy.arrivals) == failed
    records = output_lines(tmp_path / "out.jsonl")
    assert Counter(record["custom_id"] for record in records) == Counter(ids)
    assert all(record["error"] is None for record in records)
