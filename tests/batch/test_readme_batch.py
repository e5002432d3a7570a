"""The README's "Batch jobs" example runs as written against the local reference server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aimlapi_gemini.testing._server import BackgroundServer

from .conftest import write_input

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_batch_jobs_example_runs(
    reference_server: BackgroundServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Batch jobs") :]
    section = section[: section.index("\n## ", 1)]
    block = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, "the Batch jobs section has no python example"
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", reference_server.base_url)
    monkeypatch.chdir(tmp_path)
    ids = write_input(tmp_path / "requests.jsonl", 12)
    exec(compile(block.group(1), "README.md", "exec"), {"__name__": "readme_batch"})
    assert capsys.readouterr().out.startswith("batch done: 12 ok, 0 errors, 0 invalid")
    answered = [
        json.loads(line)["custom_id"] for line in (tmp_path / "answers.jsonl").read_text().splitlines()
    ]
    assert sorted(answered) == sorted(ids)
