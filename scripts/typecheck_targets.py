"""What `make typecheck` (and tests/repo/test_quality.py) type-checks, for the spec at hand.

`typecheck_targets.py mypy` prints mypy's paths: the generated package, scripts/, tests/ and the
examples scripts/checked_code.py keeps for this spec; `typecheck_targets.py pyright` prints the
examples pyright checks (with pyproject's [tool.pyright] settings, strict). An example left out
(it uses a feature the spec lacks) is named on stderr with the features, so that a regenerated
client says what it stopped checking.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from checked_code import ROOT, checked_examples, left_out_examples, left_out_tests

# Checked whatever the spec has (they follow it through scripts/spec_features.py).
MYPY_TREES = ("generated/aimlapi_gemini", "scripts", "tests", "docs")


def example_targets() -> list[str]:
    """The checked examples, relative to the repository (where mypy and pyright run)."""
    return [path.relative_to(ROOT).as_posix() for path in checked_examples()]


def mypy_exclusions() -> list[str]:
    """`--exclude` for each test module whose static types pin a shape the spec lacks."""
    return [arg for path in left_out_tests() for arg in ("--exclude", f"^{re.escape(path)}$")]


def mypy_targets() -> list[str]:
    """mypy's arguments: the trees, the checked examples, and the test modules it leaves out."""
    return [*MYPY_TREES, *example_targets(), *mypy_exclusions()]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args not in (["mypy"], ["pyright"]):
        print("usage: typecheck_targets.py mypy|pyright", file=sys.stderr)
        return 2
    for name, features in left_out_examples().items():
        print(f"left out examples/{name}: the spec lacks {', '.join(features)}", file=sys.stderr)
    for path, features in left_out_tests().items():
        print(f"left out of mypy {path}: the spec lacks {', '.join(features)}", file=sys.stderr)
    print(" ".join(mypy_targets() if args == ["mypy"] else example_targets()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
