"""Every python block of the README's "Using the client" section runs as written against the
reference server, prints what it says it prints and type-checks under mypy --strict
(tests/repo/test_readme.py runs the first one again with the base URL written without /v1). A block
that uses a feature this spec lacks is left out (scripts/checked_code.py, asserted exact by
tests/examples/test_checked_code.py): it is not run, and mypy --strict finds it wrong, as it
should, the typed client lacking what it uses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from checked_code import README, left_out_readme_blocks, readme_blocks

from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.testing._server.spec import versioned_base_url

# What each block prints, by the heading it is under: a regex the whole output must match. A
# block under a heading not listed here fails, so that every new block gets its check.
PRINTS = {
    # The reply with its token count, then the same reply streamed (the server echoes the question).
    "Using the client": r"(?P<reply>.*Why is the sky blue\?.*) \d+\n(?P=reply)",
    # The tool's result goes back and the model answers in words: not None, not the tool call.
    "Conversations and tools": r"(?!None\n).+\n",
    "Streams and helpers": r".*Tell me about the sea\..*\nstop \d+\n",
    # The text as its pieces came, then the final completion's text is the snapshot's.
    "Stream events": r".*Tell me about the sea\..*\nTrue\n",
    # 3 is beyond the spec's temperature range, whose top the error names (2, or 1 in some revisions).
    "Errors": r"invalid: temperature .*<= \d+(\.\d+)?, got 3\n401 \S+ .*\n",
    "Per-call options, timeouts and retries": r".+\n20[01] \S+ \d+\n",
    "Many concurrent calls: aiohttp": r"20 .*Question 0\?.*\n",
    "The functional API beneath": r"(?P<reply>.*Why is the sky blue\?.*) \d+\n(?P=reply)",
}


BLOCKS = readme_blocks()
# The blocks using a feature the spec lacks (test_checked_code.py asserts it is exact; none on the
# committed spec).
LEFT_OUT = left_out_readme_blocks()


def test_the_section_has_the_blocks_this_test_checks() -> None:
    assert [heading for heading, _ in BLOCKS] == list(PRINTS)


@pytest.mark.parametrize(("heading", "code"), BLOCKS, ids=[heading for heading, _ in BLOCKS])
def test_each_block_runs_against_the_reference_server(
    reference_server: BackgroundServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    heading: str,
    code: str,
) -> None:
    if heading in LEFT_OUT:
        return  # not written for this spec: test_the_blocks_type_check_under_mypy_strict finds it wrong
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", versioned_base_url(reference_server.base_url))
    exec(compile(code, f"README.md ({heading})", "exec"), {"__name__": "readme_block"})
    printed = capsys.readouterr().out
    assert re.fullmatch(PRINTS[heading], printed), printed


def test_the_blocks_type_check_under_mypy_strict(tmp_path: Path) -> None:
    # What a user pastes into a strictly typed project type-checks as it is; a block using what the
    # spec lacks does not (the typed client refuses it before anything runs).
    files = []
    for number, (_, code) in enumerate(BLOCKS):
        files.append(tmp_path / f"readme_block_{number}.py")
        files[-1].write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, files)],
        cwd=README.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    wrong = {Path(line.split(":", 1)[0]).name for line in result.stdout.splitlines() if ": error: " in line}
    left_out = {path.name for path, (heading, _) in zip(files, BLOCKS, strict=True) if heading in LEFT_OUT}
    assert wrong == left_out, output
    assert result.returncode == (1 if left_out else 0), output
    if left_out:
        assert f"(checked {len(files)} source files)" in result.stdout, output
    else:
        assert f"no issues found in {len(files)} source files" in result.stdout, output
