#!/usr/bin/env python3
"""Rewrite the README's table of change rules from scripts/codegen/spec_diff/rules.py.

tests/codegen/test_spec_changes.py fails when the README's table differs from the rules; run this then.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codegen.spec_diff.rules import README_BEGIN, README_END, render_readme_table

README = Path(__file__).resolve().parent.parent / "README.md"


def rewritten(text: str) -> str:
    """``text`` with the block between the markers replaced by the rendered table."""
    start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END)
    return text[:start] + render_readme_table() + text[end:]


def main() -> int:
    text = README.read_text(encoding="utf-8")
    README.write_text(rewritten(text), encoding="utf-8")
    print(f"rewrote the rules table in {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
