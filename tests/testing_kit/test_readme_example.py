"""The README's "Testing your code" example passes as a user's own test file would: run by pytest in
a directory of its own, the aimlapi_mock fixture coming from the installed plugin alone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _kit_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    examples = [block for block in blocks if "aimlapi_mock" in block]
    assert len(examples) == 1, "the README should have one example using the aimlapi_mock fixture"
    return str(examples[0])


def test_readme_testing_example_passes_under_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_my_app.py").write_text(_kit_example(), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b6 passed\b", result.stdout), result.stdout
