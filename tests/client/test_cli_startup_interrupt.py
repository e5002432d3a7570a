"""A Ctrl-C while the command line starts (its imports, building the parser, reading the options)
is one line and exit 130, as later: never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spec_features as spec

from aimlapi_gemini import __main__ as cli
from tests.doubles.fakes import chat_args

# `aimlapi-gemini --version` as its console script starts it (the module imported, then main()),
# with SIGINT at its default; a Ctrl-C is made to land while the module imports the batch's
# command line, which nothing imported before it: where a fixed timer would be a race.
_LAUNCH = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import aimlapi_gemini

class Finalized:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)

class InterruptAt:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            if {in_finalizer!r}:
                Finalized()  # collected at once: the Ctrl-C lands in its __del__, which Python drops
            else:
                raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, InterruptAt())
sys.argv = ["aimlapi-gemini", "--version"]
from aimlapi_gemini.__main__ import main
sys.exit(main())
"""


class CtrlCInItsFinalizer:
    """Python reports a KeyboardInterrupt raised in a finalizer ("Exception ignored") and goes on:
    made and dropped at once, this is a Ctrl-C landing while something is finalized."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)


def main_at_a_terminal(argv: list[str]) -> int:
    """``main(argv)`` with SIGINT at Python's own handler, as at a terminal."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return cli.main(argv)
    finally:
        signal.signal(signal.SIGINT, previous)


def launch(interrupted_module: str, *, in_finalizer: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LAUNCH.format(module=interrupted_module, in_finalizer=in_finalizer)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("in_finalizer", [False, True], ids=["raised", "in a finalizer"])
def test_a_ctrl_c_while_the_cli_imports_is_one_line_and_exit_130(in_finalizer: bool) -> None:
    result = launch("aimlapi_gemini._batch_cli", in_finalizer=in_finalizer)
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
        code = cli.main(["chat", *chat_args("Hi")])
    except KeyboardInterrupt:  # would end the test session, not fail this test
        pytest.fail("the KeyboardInterrupt left main()")
    assert code == 130
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "aimlapi-gemini: interrupted\n")


def test_a_ctrl_c_dropped_in_a_finalizer_while_the_options_are_read_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found under load: a SIGINT that lands in a finalizer before the chat runs (Python prints
    "Exception ignored" and goes on) ended in the chat's own error, exit 1."""
    parser = cli._parser

    def parser_with_a_finalizer() -> object:
        CtrlCInItsFinalizer()  # collected at once
        return parser()

    monkeypatch.setattr(cli, "_parser", parser_with_a_finalizer)
    monkeypatch.setattr(cli, "_run", lambda args: pytest.fail("the chat ran after the Ctrl-C"))
    assert main_at_a_terminal(["chat", "Hi"]) == 130
    assert capsys.readouterr().err == "aimlapi-gemini: interrupted\n"


def test_options_read_without_a_ctrl_c_are_used(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("aimlapi-gemini ")


# The console script as installed (`[project.scripts]`), run as from a terminal: SIGINT at its
# default, where a background shell would have it ignored.
SCRIPT = Path(sys.executable).parent / "aimlapi-gemini"

# Imported by the interpreter's start-up (`site`) before the script runs. It reports on the pipe
# named by the environment a moment of the start: "site", the end of the interpreter's start-up
# (next come locating the package, a few milliseconds, and the command's code); "command", the
# first import the command's own code asks for (once aimlapi_gemini.__main__ runs). Or it raises
# KeyboardInterrupt at that first import, as a Ctrl-C at that instant would. What comes before the
# end of the start-up is the interpreter's own: docs/pages/maintainers/development.md.
_SITECUSTOMIZE = """
import os, sys

def report():
    os.write(int(os.environ["START_PIPE"]), b"started")
    os.close(int(os.environ["START_PIPE"]))

class AtTheCommandsFirstImport:
    def find_spec(self, name, path=None, target=None):
        if "aimlapi_gemini.__main__" not in sys.modules:
            return None
        sys.meta_path.remove(self)
        if os.environ["CTRL_C_AT"] == "raise":
            raise KeyboardInterrupt
        report()
        return None

if os.environ["CTRL_C_AT"] == "site":
    report()
else:
    sys.meta_path.insert(0, AtTheCommandsFirstImport())
"""


def _start(site_dir: Path, write_end: int, ctrl_c: str) -> subprocess.Popen[str]:
    (site_dir / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    # The package under test: the one the tests import where PYTHONPATH names it, else the installed one.
    search_path = [str(site_dir), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(search_path),
        "START_PIPE": str(write_end),
        "CTRL_C_AT": ctrl_c,
        "AIML_API_KEY": "sk-test",
        "AIML_API_BASE_URL": "http://127.0.0.1:9",
    }
    # `chat -` waits for the prompt on stdin (left open): the command is still running at every
    # moment a Ctrl-C is sent, whatever the machine's speed.
    return subprocess.Popen(
        [str(SCRIPT), "chat", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        pass_fds=(write_end,),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )


def _run(
    site_dir: Path, ctrl_c: str, delay: float | None, prompt: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Start the script; ``delay`` seconds after its code starts, send SIGINT (none if None)."""
    read_end, write_end = os.pipe()
    try:
        command = _start(site_dir, write_end, ctrl_c)
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as started:
        marker = started.read()  # b"" when the command raised instead, or ended before
    if delay is not None:
        assert marker == b"started", "the command never reached its first import"
        time.sleep(delay)
        command.send_signal(signal.SIGINT)
    try:
        out, err = command.communicate(prompt, timeout=60)
    finally:
        command.kill()
    return subprocess.CompletedProcess(command.args, command.returncode, out, err)


@pytest.mark.parametrize(
    ("moment", "delay"),
    [("command", 0.0), ("command", 0.02), ("site", 0.05), ("site", 0.1), ("site", 0.3)],
)
def test_a_ctrl_c_at_any_moment_of_the_scripts_start_is_one_line_and_exit_130(
    tmp_path: Path, moment: str, delay: float
) -> None:
    result = _run(tmp_path, moment, delay)
    assert (result.returncode, result.stderr) == (130, "aimlapi-gemini: interrupted\n")
    assert result.stdout == ""


def test_a_ctrl_c_at_the_commands_first_import_is_one_line_and_exit_130(tmp_path: Path) -> None:
    result = _run(tmp_path, "raise", None)
    assert (result.returncode, result.stderr) == (130, "aimlapi-gemini: interrupted\n")


def test_the_script_started_the_same_way_without_a_ctrl_c_runs(tmp_path: Path) -> None:
    result = _run(tmp_path, "command", None, prompt="Hi")
    # It read the prompt and went on to the (unreachable) API: one line, exit 1, no "interrupted".
    # Where user messages take no text, it read the prompt and refused it: a usage error, exit 2.
    takes_text = spec.user_takes_text()
    assert result.returncode == (1 if takes_text else 2), result.stderr
    assert result.stderr.startswith("aimlapi-gemini: error: ")
    assert takes_text or "--audio" in result.stderr  # the refusal names the option that would work
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


_IMPORTED_BY = (
    "import json, sys; before = set(sys.modules); {statement}; "
    "print(json.dumps(sorted(set(sys.modules) - before)))"
)


def _newly_imported(statement: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORTED_BY.format(statement=statement)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    names: list[str] = json.loads(out)
    return names


def test_importing_the_package_imports_nothing_else() -> None:
    """What the script does before the command's code runs: nothing there to interrupt."""
    assert _newly_imported("import aimlapi_gemini") == ["aimlapi_gemini"]


def test_a_name_of_the_package_imports_its_module_when_used() -> None:
    imported = _newly_imported("from aimlapi_gemini import AIMLAPI; assert AIMLAPI.__name__ == 'AIMLAPI'")
    assert "aimlapi_gemini.resources" in imported


def test_a_ctrl_c_that_lands_in_a_finalizer_still_ends_the_chat_with_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python reports a KeyboardInterrupt raised in a finalizer ("Exception ignored") and goes on:
    the Ctrl-C must not be lost (found under load, a SIGINT landing while a socket was finalized)."""

    def chat_with_a_finalizer(args: object) -> int:
        CtrlCInItsFinalizer()  # collected at once: the SIGINT lands in its __del__
        return 1  # and the chat goes on to an error of its own

    monkeypatch.setattr(cli, "_run", chat_with_a_finalizer)
    assert main_at_a_terminal(["chat", "Hi"]) == 130
    assert capsys.readouterr().err == "aimlapi-gemini: interrupted\n"
