#!/usr/bin/env python3
"""`make bench` and `make profile`: the entry point of the bench in scripts/bench_kit/ (its
__init__ lists the sections). ``--quick`` does fewer rounds; ``--help`` lists the options."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_kit

from bench_kit.runner import main

if __name__ == "__main__":
    sys.exit(main())
