"""Section 5: `scripts/generate.py` wall time."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .measure import Row, median_time

REPO = Path(__file__).resolve().parents[2]


def bench_generate(rounds: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:

        def run() -> None:
            subprocess.run(
                [sys.executable, str(REPO / "scripts" / "generate.py"), "--out", f"{tmp}/g"],
                check=True,
                capture_output=True,
            )

        seconds = median_time(run, rounds)
    return [
        Row("5 generate", "scripts/generate.py wall time", seconds, "s", "", None, "<= 5 s", seconds <= 5.0)
    ]
