"""One change of the report (``Change``) and the report's forms: text, Markdown, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    """One difference between the two documents (or the two generated packages)."""

    location: str
    change: str
    before: Any
    after: Any
    breaking: bool
    why: str
    # Where it was found: ("request",), ("response",), both, ("python",), or () for the operation itself.
    sides: tuple[str, ...] = ()

    @property
    def side(self) -> str:
        """One word for ``sides``: request, response, both (a schema reached from both), python, operation."""
        if not self.sides:
            return "operation"
        return "both" if len(self.sides) > 1 else self.sides[0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "breaking": self.breaking,
            "why": self.why,
            "side": self.side,
        }


def changes_as_json(changes: Iterable[Change]) -> list[dict[str, Any]]:
    return [c.as_dict() for c in changes]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _in_order(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (not c.breaking, c.location, c.change))


def format_text(changes: list[Change]) -> str:
    """The report as lines for a terminal: breaking changes first."""
    if not changes:
        return "API changes: none"
    breaking = sum(c.breaking for c in changes)
    lines = [f"API changes: {len(changes)} ({breaking} breaking)"]
    for c in _in_order(changes):
        mark = "BREAKING" if c.breaking else "ok      "
        lines.append(
            f"  {mark} {c.change} [{c.side}] at {c.location}: {_short(c.before)} -> {_short(c.after)}"
        )
        lines.append(f"           {c.why}")
    return "\n".join(lines)


def format_markdown(changes: list[Change]) -> str:
    if not changes:
        return "## API changes\n\nNone.\n"
    breaking = sum(c.breaking for c in changes)
    rows = [
        f"## API changes\n\n{len(changes)} change(s), {breaking} breaking.\n",
        "| breaking | change | side | location | before | after | why |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    for c in _in_order(changes):
        rows.append(
            f"| {'**yes**' if c.breaking else 'no'} | {cell(c.change)} | {c.side} | `{cell(c.location)}` | "
            f"`{cell(_short(c.before))}` | `{cell(_short(c.after))}` | {cell(c.why)} |"
        )
    return "\n".join(rows) + "\n"
