"""`make load` (scripts/load.py) runs end to end with tiny numbers. Its timing figures and the
p99 target are not checked here (timing targets belong to `make load` itself, never to tests);
the outcomes that do not depend on timing are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LOAD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load.py"


def test_load_script_prints_its_figures_and_verdicts() -> None:
    command = [sys.executable, str(LOAD_SCRIPT), "--connections", "3,6", "--requests", "12"]
    command += ["--slow", "4", "--header-timeout", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    out = result.stdout
    assert "connections  requests  errors" in out, result.stderr
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["3"], ["6"])]
    assert [(row[0], row[1], row[2]) for row in rows] == [("3", "12", "0"), ("6", "12", "0")]
    assert "PASS  0 errors at 6 connections (0)" in out
    assert "PASS  every slow-header socket cut (4/4)" in out
    # 413, or a reset that discarded it (see load.abuse); never the whole body accepted.
    assert "PASS  100 MB chunked body refused (" in out
    assert "PASS  X-Reply-Tokens: 10000000 refused (400)" in out
    assert "server peak RSS: " in out
    verdicts = [line for line in out.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(verdicts) == 6
    assert result.returncode == (1 if any(v.startswith("FAIL") for v in verdicts) else 0)
