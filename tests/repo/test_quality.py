"""Static checks are part of the suite: mypy --strict (generated code and examples/ included) and ruff."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from typecheck_targets import MYPY_TREES, mypy_targets

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_mypy_strict_on_generated_code_scripts_tests_and_examples() -> None:
    # The paths `make typecheck` checks: the examples whose spec features the spec has (all of them
    # on the committed spec; tests/examples/test_checked_code.py asserts which are left out). Not
    # examples/openai_sdk/: the SDK twins are written untyped, as the SDK's documentation writes them.
    targets = mypy_targets()
    assert targets[: len(MYPY_TREES)] == list(MYPY_TREES)
    result = _run("mypy", "--strict", *targets)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"in {len(_python_files(targets))} source files" in result.stdout, result.stdout


def _python_files(targets: list[str]) -> set[Path]:
    """The .py files mypy reads for `targets` (directories walked, as mypy walks them, less what an
    `--exclude REGEX` pair leaves out: test modules pinning a shape the spec lacks)."""
    found: set[Path] = set()
    excluded: list[re.Pattern[str]] = []
    arguments = iter(targets)
    for target in arguments:
        if target == "--exclude":
            excluded.append(re.compile(next(arguments)))
            continue
        path = REPO / target
        found |= set(path.rglob("*.py")) if path.is_dir() else {path}
    return {path for path in found if not any(p.search(path.relative_to(REPO).as_posix()) for p in excluded)}


def test_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", "scripts", "tests", "examples", "docs")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run("ruff", "format", "--check", "scripts", "tests", "examples", "docs")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_generated_package_ships_type_information() -> None:
    assert (REPO / "generated" / "aimlapi_gemini" / "py.typed").is_file()
