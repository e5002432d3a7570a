#!/usr/bin/env python3
"""`make examples`: examples/ and their OpenAI SDK twins against the reference server, with a
table of their lengths (scripts/bench_kit/examples.py). Needs the bench extra."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_kit

from bench_kit.examples import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
