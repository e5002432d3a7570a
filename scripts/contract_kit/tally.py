"""Counts of generated contract cases, so the suite can assert (and report) how many ran."""

from __future__ import annotations

from collections import Counter

CASES: Counter[str] = Counter()


def total(prefix: str) -> int:
    return sum(count for name, count in CASES.items() if name.startswith(prefix))
