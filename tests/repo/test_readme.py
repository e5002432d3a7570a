"""The README's usage example runs as written (against the local reference server)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from checked_code import left_out_readme_blocks, readme_blocks

from aimlapi_gemini.testing._server import BackgroundServer

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_usage_example_runs(
    reference_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, "the README has no python example"
    heading, code = readme_blocks()[0]
    assert code == blocks[0]  # the first of the README is the first of "Using the client"
    if heading in left_out_readme_blocks():  # it uses a feature this spec lacks (test_checked_code.py)
        return
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", reference_server.base_url)

    exec(compile(blocks[0], "README.md", "exec"), {"__name__": "readme_example"})

    printed = capsys.readouterr().out
    reply_line, streamed = printed.split("\n", 1)
    # A reply with its token count, then the same reply streamed piece by piece.
    text, _, tokens = reply_line.rpartition(" ")
    assert "Why is the sky blue?" in text
    assert int(tokens) > 0
    assert streamed.strip() == text.strip()
