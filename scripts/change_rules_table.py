#!/usr/bin/env python3
"""Rewrite the table of change rules in the maintainer docs ("How changes are judged",
docs/pages/maintainers/generation.md) from scripts/codegen/spec_diff/rules.py.

tests/codegen/test_spec_changes.py fails when the table differs from the rules; run this then.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codegen.spec_diff.rules import RULES_TABLE_BEGIN, RULES_TABLE_END, render_rules_table

TABLE_PAGE = Path(__file__).resolve().parent.parent / "docs" / "pages" / "maintainers" / "generation.md"


def rewritten(text: str) -> str:
    """``text`` with the block between the markers replaced by the rendered table."""
    start, end = text.index(RULES_TABLE_BEGIN), text.index(RULES_TABLE_END) + len(RULES_TABLE_END)
    return text[:start] + render_rules_table() + text[end:]


def main() -> int:
    text = TABLE_PAGE.read_text(encoding="utf-8")
    TABLE_PAGE.write_text(rewritten(text), encoding="utf-8")
    print(f"rewrote the rules table in {TABLE_PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
