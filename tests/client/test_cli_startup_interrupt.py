"""A Ctrl-C while the command line starts (its imports, building the parser, reading the options)
is one line and exit 130, as later: never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aimlapi_gemini import __main__ as cli

# `aimlapi-gemini --version` as its console script starts it (the module imported, then main()),
# with SIGINT at its default; a Ctrl-C is made to land while the module imports the batch's
# command line, which nothing imported before it: where a fixed timer would be a race.
_LAUNCH = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import aimlapi_gemini

class InterruptAt:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, InterruptAt())
sys.argv = ["aimlapi-gemini", "--version"]
from aimlapi_gemini.__main__ import main
sys.exit(main())
"""


def launch(interrupted_module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LAUNCH.format(module=interrupted_module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_ctrl_c_while_the_cli_imports_is_one_line_and_exit_130() -> None:
    result = launch("aimlapi_gemini._batch_cli")
    assert result.returncode == 130, result.stderr
    assert result.stderr == "aimlapi-gemini: interrupted\n"
    assert result.stdout == ""


def test_without_a_ctrl_c_the_same_start_runs() -> None:
    result = launch("no.such.module")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("aimlapi-gemini ")
    assert result.stderr == ""


def test_a_ctrl_c_while_the_options_are_read_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted() -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_parser", interrupted)
    try:
        code = cli.main(["chat", "Hi"])
    except KeyboardInterrupt:  # would end the test session, not fail this test
        pytest.fail("the KeyboardInterrupt left main()")
    assert code == 130
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "aimlapi-gemini: interrupted\n")


def test_options_read_without_a_ctrl_c_are_used(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("aimlapi-gemini ")
