"""examples/ without running it: each example is no longer than its OpenAI SDK twin (counted
without the SDK), and pyright in strict mode passes on it (mypy --strict does too:
tests/repo/test_quality.py checks examples/ with the rest of the tree), while the same strict run
finds the errors of deliberately wrong code. Type checks take the examples whose spec features the
spec has (scripts/checked_code.py; test_checked_code.py asserts which are left out)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import spec_features as spec
from bench_kit.examples import SDK_DIR, code_lines, twin_of
from checked_code import ROOT, checked_examples, example_paths
from npm_tools import pyright_command
from typecheck_targets import example_targets


def test_there_are_nine_examples_each_with_an_sdk_twin() -> None:
    names = [path.name for path in example_paths()]
    assert [name[:3] for name in names] == [f"{n:02}_" for n in range(1, 10)]
    assert sorted(path.name for path in SDK_DIR.glob("*.py")) == names


@pytest.mark.parametrize("example", example_paths(), ids=lambda path: path.stem)
def test_example_is_no_longer_than_its_sdk_twin(example: Path) -> None:
    ours, sdk = code_lines(example), code_lines(twin_of(example))
    assert 0 < ours <= sdk, f"{example.name}: {ours} code lines, its OpenAI SDK twin {sdk}"


def test_code_lines_counts_code_only(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        '"""The module docstring,\n\nover three lines."""\n'
        "\n"
        "# a comment line\n"
        "import os  # a comment after code\n"
        "\n"
        "TEXT = '''a string\n"
        "over two lines'''\n"
        "def f() -> None:\n"
        '    """A function docstring is code."""\n'
        "    print(os.sep,\n"
        "          TEXT)\n",
        encoding="utf-8",
    )
    assert code_lines(source) == 7
    source.write_text("# only a comment\n\n", encoding="utf-8")
    assert code_lines(source) == 0


def _pyright(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [*pyright_command(), "--pythonpath", sys.executable, "--outputjson", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def test_pyright_strict_passes_on_the_examples() -> None:
    # The examples `make typecheck` gives pyright (those whose spec features the spec has), with the
    # [tool.pyright] settings of pyproject.toml: strict.
    targets = example_targets()
    result = _pyright(*targets)
    report = json.loads(result.stdout)
    checked = {Path(d["file"]).name for d in report["generalDiagnostics"]}
    assert report["summary"]["errorCount"] == 0, json.dumps(report["generalDiagnostics"], indent=1)
    assert result.returncode == 0, result.stderr
    assert report["summary"]["filesAnalyzed"] == len(targets) == len(checked_examples()), (
        report["summary"],
        checked,
    )


# A user message as the spec takes it, and two wrong ones (a typo in a key, in the role), written as
# dict literals for the TypedDicts to check.
USER = spec.user_message("hi")
UNKNOWN_KEY = {**USER, "max_token": 5}
UNKNOWN_ROLE = {**USER, "role": "usr"}
MODEL = spec.model_id()
# Each line that must be an error in strict mode, tagged with a word of pyright's message.
WRONG = f"""
import json
from aimlapi_gemini import AIMLAPI

create = AIMLAPI().chat.completions.create
create(model={MODEL!r}, messages=[{UNKNOWN_KEY!r}])  # E: messages
create(model={MODEL!r}, messages=[{UNKNOWN_ROLE!r}])  # E: messages
reply = create(model={MODEL!r}, messages=[{USER!r}])
print(reply.choices[0].message.tool_calls[0])  # E: subscriptable
done = set()  # E: partially unknown
def ask(question): return json.dumps(question)  # E: annotation
"""


def test_pyright_strict_finds_the_errors_of_wrong_code(tmp_path: Path) -> None:
    # The examples' settings, in a project of its own (wrong code cannot live under examples/).
    with (ROOT / "pyproject.toml").open("rb") as pyproject:
        settings = tomllib.load(pyproject)["tool"]["pyright"]
    config = {key: settings[key] for key in ("typeCheckingMode", "pythonVersion")}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "wrong.py").write_text(WRONG, encoding="utf-8")
    result = _pyright(cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    found: dict[int, str] = {}
    for diagnostic in json.loads(result.stdout)["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            line = diagnostic["range"]["start"]["line"] + 1
            found[line] = found.get(line, "") + diagnostic["message"]
    expected = {n: line.split("# E: ")[1] for n, line in enumerate(WRONG.splitlines(), 1) if "# E: " in line}
    assert set(found) == set(expected), found
    for number, word in expected.items():
        assert word in found[number], (WRONG.splitlines()[number - 1], found[number])
