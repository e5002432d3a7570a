"""The report: a table on stdout, reports/bench.json and reports/bench.png."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from .measure import Row

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def print_table(rows: list[Row], machine: str) -> None:
    print(f"\n{machine}")
    print(
        f"{'section':<11} {'measure':<58} {'value':>12}  {'ratio':>7}  {'spread':<13}  {'target':<14} result"
    )
    print("-" * 127)
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        result = row.note or ("" if row.passed is None else ("PASS" if row.passed else "FAIL"))
        value = f"{row.value:>8.2f} {row.unit:<4}"
        measure = f"{row.section:<11} {row.name:<58} {value} {ratio:>7}"
        print(f"{measure}  {row.spread:<13}  {row.target:<14} {result}")
    goals = sorted({row.goal for row in rows if row.goal})
    for goal in goals:
        print(f"\ntargets of issue {goal}:")
        for row in rows:
            if row.goal == goal and row.ratio is not None:
                verdict = row.note or ("PASS" if row.passed else "FAIL")
                print(f"  {row.name}: {row.ratio:.2f} (target {row.target}) {verdict}")


def write_reports(rows: list[Row]) -> None:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "bench.json").write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = [r for r in rows if r.ratio is not None]

    def label(row: Row) -> str:
        direction = {"<": "lower is better", ">": "higher is better"}.get(row.target[:1], "for reference")
        return f"{row.name}\n[{direction}; target {row.target or 'none'}]"

    fig, ax = plt.subplots(figsize=(11, 0.6 * len(ratios) + 1.5))
    colors = ["tab:green" if r.passed else ("tab:red" if r.passed is False else "tab:gray") for r in ratios]
    ax.barh([label(r) for r in ratios], [r.ratio or 0 for r in ratios], color=colors)
    ax.set_xscale("log")  # ratios span 0.01 to 10
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("ratio against the baseline measured in the same run (log scale; 1 = equal)")
    ax.set_title("aimlapi-gemini benchmarks: green = target met, red = missed, grey = no target")
    fig.tight_layout()
    fig.savefig(REPORTS / "bench.png", dpi=100)
