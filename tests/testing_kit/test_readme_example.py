"""The README's "Testing your code" example passes as a user's own test file would: run by pytest in
a directory of its own, the aimlapi_mock fixture coming from the installed plugin alone. Where the
spec lacks what the example uses (scripts/checked_code.py: it asks in text), the kit, which checks
every request against the spec, makes that user's tests fail on the request it refuses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from checked_code import kit_example, missing_for_kit_example


def test_readme_testing_example_passes_under_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_my_app.py").write_text(kit_example(), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    output = result.stdout + result.stderr
    if missing_for_kit_example():
        # Its questions are text, which this spec's user messages do not take: refused at their content.
        assert missing_for_kit_example() == ("text:user",)
        assert result.returncode == 1, output
        assert re.search(r"messages\[0\]\.content: .*", result.stdout), output
        return
    assert result.returncode == 0, output
    assert re.search(r"\b6 passed\b", result.stdout), result.stdout
