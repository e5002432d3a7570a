"""Section 6: import time, ours vs the OpenAI SDK, each in a fresh interpreter."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from .measure import Row, rotations, spread

# Each probe times its own import in a fresh interpreter, so the interpreter's start-up (the same
# for both) is left out. "Ready" goes as far as a user's first line does: the client and its
# chat.completions resource (the SDK loads its resources lazily, on that attribute).
PROBES = {
    "aimlapi_gemini import": "import aimlapi_gemini",
    "openai import": "import openai",
    "aimlapi_gemini ready": "from aimlapi_gemini import AIMLAPI; AIMLAPI(api_key='k').chat.completions",
    "openai ready": "from openai import OpenAI; OpenAI(api_key='k').chat.completions",
}
# CPU time of the importing process: a busy machine stretches wall time, not this.
_TIMED = "import time; t = time.process_time(); {probe}; print(time.process_time() - t)"
# What we keep over the SDK: about a third of its import time (issue #10 counted 0.34).
IMPORT_LIMIT = 0.35


# Installed packages import from bytecode (pip compiles it); a source tree run with
# PYTHONDONTWRITEBYTECODE (as here) would compile every module on every import instead. So the
# probes may write __pycache__ (git ignores it), and the untimed warm-up round writes it.
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _seconds(probe: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED.format(probe=probe)],
        check=True,
        capture_output=True,
        text=True,
        env=_ENV,
    ).stdout
    return float(out.strip().splitlines()[-1])


def bench_import(rounds: int) -> list[Row]:
    samples: dict[str, list[float]] = {name: [] for name in PROBES}
    for probe in PROBES.values():  # untimed: writes the bytecode, warms the file-system cache
        _seconds(probe)
    for order in rotations(list(PROBES), rounds):
        for name in order:
            samples[name].append(_seconds(PROBES[name]))
    rows = []
    for kind in ("import", "ready"):
        ours, theirs = samples[f"aimlapi_gemini {kind}"], samples[f"openai {kind}"]
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        ratio = statistics.median(ratios)
        label = {
            "import": "import aimlapi_gemini / import openai, CPU",
            "ready": "import + AIMLAPI().chat.completions / the same with OpenAI, CPU",
        }[kind]
        rows.append(
            Row(
                "6 import",
                label,
                statistics.median(ours) * 1e3,
                "ms",
                f"openai {kind}",
                ratio,
                f"<= {IMPORT_LIMIT}",
                ratio <= IMPORT_LIMIT,
                spread=spread(ratios),
            )
        )
    return rows
