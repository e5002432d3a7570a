"""The client as it was at a baseline commit, measured in the same run as today's.

The package imports itself by absolute name (``aimlapi_gemini``), so two versions cannot live in
one interpreter: each runs in its own process (stream_worker.py) with PYTHONPATH on its tree.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CURRENT_TREE = REPO / "generated"
# The last commit that landed before issue #9's work: "today" in its targets.
BASELINE_COMMIT = "655be1f"
WORKER = Path(__file__).with_name("stream_worker.py")


@contextmanager
def tree_at(commit: str) -> Iterator[Path]:
    """``generated/`` as it was at ``commit``, extracted to a temporary directory (the directory to
    put on PYTHONPATH)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, "generated/"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(
            f"bench: cannot read generated/ at {commit}: {archive.stderr.decode().strip()} "
            "(a shallow clone? `git fetch --unshallow`, or pass --baseline-commit)"
        )
    with tempfile.TemporaryDirectory(prefix=f"bench-{commit}-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "generated"


class StreamWorker:
    """A client process on one tree; ``cpu_per_chunk()`` has it consume one stream."""

    def __init__(self, tree: Path, base_url: str, api_key: str, chunks: int, body: Mapping[str, Any]) -> None:
        self.tree = tree
        self.chunks = chunks
        # -P: do not put bench_kit/ on sys.path; only PYTHONPATH decides which client is imported.
        self._process = subprocess.Popen(
            [sys.executable, "-P", str(WORKER), base_url, api_key, str(chunks), json.dumps(body)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(tree)},
        )
        try:
            # Which package it imported, before it sends anything (another tree's paths may differ).
            package = str(self._read(counted=False)["package"])
            if not Path(package).resolve().is_relative_to(tree.resolve()):
                raise SystemExit(f"bench: the worker for {tree} imported {package} instead")
            self._read()  # the warm-up stream
        except BaseException:
            self._process.kill()
            self.close()
            raise

    def _read(self, *, counted: bool = True) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise SystemExit(f"bench: the stream worker for {self.tree} died (exit {self._process.wait()})")
        fields: dict[str, Any] = json.loads(line)
        if counted and fields["chunks"] < self.chunks:
            raise SystemExit(f"bench: the worker for {self.tree} received {fields['chunks']} chunks")
        return fields

    def cpu_per_chunk(self) -> float:
        assert self._process.stdin is not None
        self._process.stdin.write("run\n")
        self._process.stdin.flush()
        fields = self._read()
        return float(fields["cpu"]) / int(fields["chunks"])

    def close(self) -> None:
        """End the worker: it finishes when its stdin closes."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._process.stdout.close()
