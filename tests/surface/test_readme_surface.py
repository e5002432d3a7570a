"""The README's AIMLAPI example runs as written against the reference server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reference_server import BackgroundServer

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_aimlapi_example_runs(
    reference_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The OpenAI-SDK-shaped client") :]
    block = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", reference_server.base_url + "/v1")
    exec(compile(block.group(1), "README.md", "exec"), {"__name__": "readme_surface_example"})
    reply, streamed = capsys.readouterr().out.split("\n", 1)
    assert "Why is the sky blue?" in reply
    assert streamed.strip() == reply.strip()
