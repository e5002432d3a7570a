"""`make demo` (scripts/demo.py): the CLI twice against a reference server it starts and stops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def _demo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DEMO), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_demo_prints_a_reply_and_a_streamed_reply() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIML_API")}
    result = _demo(env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("$ aimlapi-gemini chat ") == 2
    plain, streamed = (part.split("\n", 1)[1].strip() for part in out.split("$ aimlapi-gemini chat ")[1:])
    assert plain
    assert streamed.startswith(plain)  # the same deterministic reply, printed as it arrived
    assert "demo: reference server stopped" in out


def test_live_demo_without_a_key_says_what_is_missing() -> None:
    env = {key: value for key, value in os.environ.items() if key != "AIML_API_KEY"}
    result = _demo("--live", env=env)
    assert result.returncode == 2
    assert "AIML_API_KEY" in result.stderr
