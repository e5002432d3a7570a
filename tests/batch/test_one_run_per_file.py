"""One run per output file, whatever name each run reaches it by: a second run through a symlink
or a hard link is refused like a second run on the same path, and compaction leaves links as
they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aimlapi_gemini._batch_io import (
    BatchFileError,
    compact_output,
    error_record,
    lock_output,
    response_record,
)

from .conftest import ServerFactory, cli_env, ids_of, output_lines, write_input

# Each makes ``alias`` another name for ``target``.
ALIASES: dict[str, Callable[[Path, Path], None]] = {
    "symlink": lambda target, alias: alias.symlink_to(target),
    "relative symlink": lambda target, alias: alias.symlink_to(os.path.relpath(target, alias.parent)),
    "hard link": lambda target, alias: alias.hardlink_to(target),
}


def alias_of(kind: str, target: Path, tmp_path: Path) -> Path:
    """Another name for ``target``: ALIASES' kinds, or the same name in a symlinked directory."""
    if kind == "symlinked directory":
        (tmp_path / "dir").symlink_to(target.parent, target_is_directory=True)
        return tmp_path / "dir" / target.name
    alias = tmp_path / "other-name.jsonl"
    ALIASES[kind](target, alias)
    return alias


KINDS = ["symlink", "relative symlink", "symlinked directory", "hard link"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_lock_through_another_name_of_the_output_is_refused(tmp_path: Path, kind: str) -> None:
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "out.jsonl"
    target.write_bytes(b"")
    alias = alias_of(kind, target, tmp_path)
    with lock_output(target), pytest.raises(BatchFileError) as refused:
        lock_output(alias)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{alias}: another batch run is writing to it")


def test_a_lock_on_another_file_is_taken(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b"")
    (tmp_path / "b.jsonl").write_bytes(b"")
    with lock_output(tmp_path / "a.jsonl"), lock_output(tmp_path / "b.jsonl"):
        pass  # neither refused: two outputs, two runs


@pytest.mark.parametrize("kind", KINDS)
def test_the_output_is_free_again_once_the_first_run_has_ended(tmp_path: Path, kind: str) -> None:
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "out.jsonl"
    target.write_bytes(b"")
    alias = alias_of(kind, target, tmp_path)
    with lock_output(target):
        pass
    with lock_output(alias):
        pass


@pytest.mark.parametrize("kind", ["symlink", "hard link"])
def test_a_second_run_through_a_link_is_refused_while_the_first_runs(
    tmp_path: Path, make_server: ServerFactory, kind: str
) -> None:
    server = make_server(delay=0.2)
    ids = write_input(tmp_path / "in.jsonl", 30)
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"")  # a hard link needs the file
    alias = tmp_path / "alias.jsonl"
    ALIASES[kind](target, alias)
    command = [sys.executable, "-m", "aimlapi_gemini", "batch", str(tmp_path / "in.jsonl")]
    with subprocess.Popen(
        [*command, "-o", str(target), "--concurrency", "2"],
        env=cli_env(server.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as first:
        deadline = time.monotonic() + 30
        while not target.read_bytes():
            assert first.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.01)
        second = subprocess.run(
            [*command, "-o", str(alias)],
            env=cli_env(server.base_url),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        _out, err = first.communicate(timeout=60)
    assert second.returncode == 2, second.stderr
    assert second.stderr.count("\n") == 1  # one line
    assert "another batch run is writing to it" in second.stderr
    assert first.returncode == 0, err
    assert sorted(ids_of(target)) == sorted(ids)  # each id once: the second run sent nothing
    assert len(server.arrivals) == 30
    assert alias.read_bytes() == target.read_bytes()  # still one file under two names


def test_compaction_through_a_symlink_keeps_the_symlink(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    records = [
        error_record("a", "http_error", "x", {"status_code": 500, "request_id": None, "body": None}),
        response_record("a", 200, None, {}),
    ]
    target.write_text("".join(json.dumps(record) + "\n" for record in records))
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(target)
    with lock_output(alias) as lock:
        assert compact_output(alias, lock) == 1
        with pytest.raises(BatchFileError):  # the compacted file is held too
            lock_output(target)
    assert alias.is_symlink()
    assert [record["error"] for record in output_lines(target)] == [None]


def test_a_compacted_output_is_held_under_its_new_inode(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    record = json.dumps(
        error_record("a", "http_error", "x", {"status_code": 500, "request_id": None, "body": None})
    )
    target.write_text(record + "\n" + record + "\n")
    with lock_output(target) as lock:
        before = os.stat(target).st_ino
        compact_output(target, lock)
        assert os.stat(target).st_ino != before
        late_link = tmp_path / "late-link.jsonl"
        late_link.hardlink_to(target)  # made after the compaction: still the held file
        with pytest.raises(BatchFileError):
            lock_output(late_link)
