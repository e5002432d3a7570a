"""``run_batch`` / ``arun_batch`` from Python as the rest of the package is used: ``api_key=``,
an ``AIMLAPI`` client, a progress bar on request; old output lines still resume and compact."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, AuthenticatedClient, Backoff, MissingAPIKeyError
from aimlapi_gemini.batch import BatchSummary, arun_batch, run_batch
from tests.doubles.recording import RecordedServer

from .conftest import ServerFactory, output_lines, request_body, write_input

FAST = Backoff(initial=0.005, maximum=0.02)


def _run(source: Path, target: Path, **options: Any) -> BatchSummary:
    options.setdefault("backoff", FAST)
    return asyncio.run(arun_batch(source, target, **options))


# -- the key ----------------------------------------------------------------------------------------


def test_api_key_is_the_key_sent(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 3)
    summary = _run(
        tmp_path / "in.jsonl", tmp_path / "out.jsonl", api_key=server.api_key, base_url=server.base_url
    )
    assert (summary.succeeded, summary.failed) == (3, 0)


def test_a_wrong_api_key_is_refused_by_the_server(tmp_path: Path, make_server: ServerFactory) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 3)
    summary = _run(
        tmp_path / "in.jsonl", tmp_path / "out.jsonl", api_key="not-the-key", base_url=server.base_url
    )
    assert summary.succeeded == 0
    assert summary.stopped_by is not None
    assert "401" in summary.stopped_by


def test_no_key_names_run_batchs_own_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIML_API_KEY", raising=False)
    write_input(tmp_path / "in.jsonl", 1)
    with pytest.raises(MissingAPIKeyError) as caught:
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert str(caught.value) == (
        "no API key: set the AIML_API_KEY environment variable or pass api_key=... to run_batch()"
    )


def test_an_empty_api_key_names_the_argument(tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 1)
    with pytest.raises(MissingAPIKeyError, match=r"pass a key in api_key=\.\.\."):
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", api_key=" ")


def test_api_key_beside_a_client_is_refused(tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 1)
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token="k")
    with pytest.raises(TypeError, match="not both"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client, api_key="other")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("client_class", [AIMLAPI, AsyncAIMLAPI])
def test_an_sdk_client_is_taken_as_the_client(
    tmp_path: Path, make_server: ServerFactory, client_class: type[AIMLAPI]
) -> None:
    server = make_server()
    write_input(tmp_path / "in.jsonl", 4)
    client = client_class(api_key=server.api_key, base_url=server.base_url)
    summary = _run(tmp_path / "in.jsonl", tmp_path / "out.jsonl", client=client)
    assert (summary.succeeded, len(server.arrivals)) == (4, 4)


# -- the progress bar -------------------------------------------------------------------------------


def _bar_output(
    tmp_path: Path, server: RecordedServer, monkeypatch: pytest.MonkeyPatch, progress: bool | None, tty: bool
) -> str:
    stderr = io.StringIO()
    stderr.isatty = lambda: tty  # type: ignore[method-assign]
    stdout = io.StringIO()
    stdout.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", stderr)
    monkeypatch.setattr("sys.stdout", stdout)
    write_input(tmp_path / "in.jsonl", 5)
    _run(
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        api_key=server.api_key,
        base_url=server.base_url,
        progress=progress,
    )
    return stderr.getvalue()


@pytest.mark.parametrize(("progress", "tty"), [(True, False), (None, True)])
def test_a_bar_is_drawn_when_asked_or_on_a_terminal(
    tmp_path: Path,
    make_server: ServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    progress: bool | None,
    tty: bool,
) -> None:
    drawn = _bar_output(tmp_path, make_server(), monkeypatch, progress, tty)
    assert "5/5" in drawn
    assert "ok 5, errors 0, invalid 0" in drawn


@pytest.mark.parametrize(("progress", "tty"), [(False, True), (None, False)])
def test_no_bar_when_refused_or_off_a_terminal(
    tmp_path: Path,
    make_server: ServerFactory,
    monkeypatch: pytest.MonkeyPatch,
    progress: bool | None,
    tty: bool,
) -> None:
    assert _bar_output(tmp_path, make_server(), monkeypatch, progress, tty) == ""


# -- output lines: old and new ----------------------------------------------------------------------


def test_a_file_of_earlier_lines_resumes_and_compacts_with_new_ones(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    ids = write_input(tmp_path / "in.jsonl", 4)
    target = tmp_path / "out.jsonl"
    # Lines as earlier versions wrote them: no id, one of response and error.
    old = [
        {"custom_id": ids[0], "response": {"status_code": 200, "request_id": "r", "body": {"id": "old"}}},
        {
            "custom_id": ids[1],
            "error": {"status_code": 500, "request_id": None, "message": "x", "body": None},
        },
    ]
    target.write_text("".join(json.dumps(line) + "\n" for line in old))
    first = _run(tmp_path / "in.jsonl", target, api_key=server.api_key, base_url=server.base_url)
    assert (first.succeeded, first.already_done, first.failed_before) == (2, 2, 1)
    assert len(server.arrivals) == 2
    retried = _run(
        tmp_path / "in.jsonl",
        target,
        api_key=server.api_key,
        base_url=server.base_url,
        errors_only_retry=True,
    )
    assert (retried.succeeded, retried.compacted) == (1, 1)
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert sorted(line["custom_id"] for line in lines) == sorted(ids)
    assert {
        "custom_id": ids[0],
        "response": {"status_code": 200, "request_id": "r", "body": {"id": "old"}},
    } in lines
    assert all(line["error"] is None for line in lines if "id" in line)


def test_a_fixed_invalid_line_is_sent_by_errors_only_retry(
    tmp_path: Path, make_server: ServerFactory
) -> None:
    server = make_server()
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    bad = {"custom_id": "x", "body": {**request_body("hi"), "messages": "hi"}}  # every revision takes a list
    source.write_text(json.dumps(bad) + "\n")
    first = _run(source, target, api_key=server.api_key, base_url=server.base_url)
    assert (first.invalid, len(server.arrivals)) == (1, 0)
    assert output_lines(target)[0]["custom_id"] == "x"
    # Not fixed: a plain rerun skips the answered id, like any error line.
    again = _run(source, target, api_key=server.api_key, base_url=server.base_url)
    assert (again.invalid, again.already_done, again.failed_before) == (0, 1, 1)
    source.write_text(json.dumps({"custom_id": "x", "body": request_body("hi")}) + "\n")
    fixed = _run(source, target, api_key=server.api_key, base_url=server.base_url, errors_only_retry=True)
    assert (fixed.succeeded, fixed.compacted, len(server.arrivals)) == (1, 1, 1)
    assert [line["error"] for line in output_lines(target)] == [None]


def test_strict_writes_no_line_for_the_invalid_line(tmp_path: Path, make_server: ServerFactory) -> None:
    from aimlapi_gemini.batch import InvalidInputError

    server = make_server()
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("not json\n")
    for _ in range(2):  # the next run stops at it again
        with pytest.raises(InvalidInputError):
            _run(source, target, api_key=server.api_key, base_url=server.base_url, strict=True)
        assert target.read_bytes() == b""


def test_lines_without_an_id_are_compacted_to_one_each(tmp_path: Path) -> None:
    from aimlapi_gemini._batch_io import (
        InvalidLine,
        OutputWriter,
        compact_output,
        invalid_record,
        scan_output,
    )

    target = tmp_path / "out.jsonl"
    with OutputWriter(target) as writer:
        for _ in range(2):
            writer.write(invalid_record(InvalidLine(2, "not JSON")))
            writer.write(invalid_record(InvalidLine(3, "not JSON")))
    state = scan_output(target)
    assert (state.unkeyed, state.superseded) == ({"line 2: not JSON", "line 3: not JSON"}, 2)
    assert compact_output(target) == 2
    assert [line["error"]["message"] for line in output_lines(target)] == [
        "line 2: not JSON",
        "line 3: not JSON",
    ]
