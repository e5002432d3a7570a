"""Static checks are part of the suite: mypy --strict (generated code and examples/ included) and ruff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def test_mypy_strict_on_generated_code_scripts_tests_and_examples() -> None:
    # examples/openai_sdk/ is excluded in pyproject.toml: the SDK twins are written untyped, as the
    # SDK's documentation writes them, and need the bench extra.
    result = _run("mypy", "--strict", "generated/aimlapi_gemini", "scripts", "tests", "examples")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", "scripts", "tests", "examples")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run("ruff", "format", "--check", "scripts", "tests", "examples")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_generated_package_ships_type_information() -> None:
    assert (REPO / "generated" / "aimlapi_gemini" / "py.typed").is_file()
