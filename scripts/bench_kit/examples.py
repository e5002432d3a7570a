"""`make examples`: examples/ and their OpenAI SDK twins (examples/openai_sdk/), run side by side
against the reference server, with a table of their lengths.

Each example runs as a user runs it, `python examples/NN_name.py`, in a child process whose
environment points it at a fresh MockAPI on loopback (AIML_API_KEY, AIML_API_BASE_URL with the
version the spec's paths start with, `/v1`, as the vendor documents it; the twins read the same two
variables). The twins need the bench
extra (the `openai` package); the test suite runs only ours (tests/examples), and checks the
lengths without the SDK.

Only the examples whose spec features the spec has run (scripts/checked_code.py): one using a
feature a vendor revision dropped is left out, with its twin, and the table says so.

A length is `code_lines`: the lines holding code, so blank lines, comment-only lines and the
module docstring do not count, on both sides alike.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import spec_features
from checked_code import EXAMPLES_DIR, ROOT, checked_examples, left_out_examples

from aimlapi_gemini.testing import MockAPI
from aimlapi_gemini.testing._server.spec import sample_model, versioned_base_url

SDK_DIR = EXAMPLES_DIR / "openai_sdk"
RUN_TIMEOUT = 60.0  # seconds for one example; each takes well under one here

_NOT_CODE = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
)


def code_lines(path: Path) -> int:
    """How many lines of `path` hold code: not blank, not only a comment, not the module docstring."""
    source = path.read_text(encoding="utf-8")
    docstring: set[int] = set()
    first = next(iter(ast.parse(source).body), None)
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        docstring = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in _NOT_CODE:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstring)


def twin_of(example: Path) -> Path:
    """The OpenAI SDK version of an example: the same file name under examples/openai_sdk/."""
    return SDK_DIR / example.name


def example_env(base_url: str, api_key: str) -> dict[str, str]:
    """This environment with only AIML_API_KEY and AIML_API_BASE_URL saying where to go (any
    AIML_* or OPENAI_* variable of the caller's is left out, so none can redirect an example)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AIML_", "OPENAI_"))}
    return env | {"AIML_API_KEY": api_key, "AIML_API_BASE_URL": base_url, "PYTHONIOENCODING": "utf-8"}


def base_url_for(example: Path, server: str) -> str:
    """The AIML_API_BASE_URL an example (ours or its twin) is given: the server with the version
    the vendor documents (the spec's, `/v1`), which both clients take."""
    del example  # every example alike
    return versioned_base_url(server)


def run_example(path: Path, base_url: str, api_key: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python <path> <args>` in the repository, as a user runs it, told where to go by example_env."""
    return subprocess.run(
        [sys.executable, str(path), *args],
        env=example_env(base_url, api_key),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


# --- make examples -----------------------------------------------------------------------------

QUESTIONS = ["What is the capital of Norway?", "How far is the Moon?", "Who wrote Peer Gynt?"]


def batch_line(custom_id: str, question: str) -> dict[str, object]:
    """One input line of 08_resumable_jsonl.py (the OpenAI Batch API's shape): the question as the
    spec takes a user message (text, or where user messages take none, the message its schema builds)."""
    body = {"model": sample_model(), "messages": [spec_features.user_message(question)]}
    return {"custom_id": custom_id, "body": body}


@dataclass(frozen=True)
class Scenario:
    """What the server is scripted to answer for one example, and the arguments it is given."""

    script: Callable[[MockAPI], object] = lambda mock: None
    needs_files: bool = False


def _errors_script(mock: MockAPI) -> None:
    # 06_errors.py: the first question is answered, the second refused (400), the third rate
    # limited with a wait past what either client retries after.
    mock.reply(text="A haiku is a short poem.")
    mock.fail(400, message="Body validation error: messages[0].content: too long")
    mock.fail(429, retry_after=300)


SCENARIOS: dict[str, Scenario] = {
    "06_errors.py": Scenario(script=_errors_script),
    "08_resumable_jsonl.py": Scenario(needs_files=True),
}


@dataclass(frozen=True)
class Run:
    returncode: int
    seconds: float
    last_line: str

    @property
    def verdict(self) -> str:
        return f"{'ok' if self.returncode == 0 else f'exit {self.returncode}'} {self.seconds:.2f} s"


def _run_once(path: Path) -> Run:
    scenario = SCENARIOS.get(path.name, Scenario())
    with MockAPI() as mock, tempfile.TemporaryDirectory() as tmp:
        scenario.script(mock)
        args: list[str] = []
        if scenario.needs_files:
            requests = Path(tmp) / "requests.jsonl"
            text = "".join(json.dumps(batch_line(f"q{n}", q)) + "\n" for n, q in enumerate(QUESTIONS, 1))
            requests.write_text(text, encoding="utf-8")
            args = [str(requests), str(Path(tmp) / "answers.jsonl")]
        started = time.perf_counter()
        completed = run_example(path, base_url_for(path, mock.base_url), mock.api_key, *args)
        seconds = time.perf_counter() - started
    output = (completed.stdout.strip() or completed.stderr.strip()).splitlines()
    return Run(completed.returncode, seconds, output[-1] if output else "")


def mypy_errors(paths: Sequence[Path]) -> Counter[str]:
    """`mypy --strict` error count per file name (a name absent: no error)."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--no-error-summary",
            *map(str, paths),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    found = (re.match(r"(.+?):\d+: error:", line) for line in completed.stdout.splitlines())
    return Counter(Path(match.group(1)).name for match in found if match)


_ROW = "{:<20} {:>4} {:>4}  {:<11} {:<12} {:<12} {}"


def main(argv: Sequence[str] = ()) -> int:
    """Run every example and its twin; print the table; 1 if one of ours is longer than its twin,
    has a mypy --strict error, or a run failed."""
    del argv
    try:
        import openai  # noqa: F401  (only to say early what is missing)
    except ImportError:
        print("make examples needs the bench extra (the openai package): pip install -e '.[bench]'")
        return 2
    examples = checked_examples()  # an example using a feature the spec lacks is left out, twin too
    ours_typing, sdk_typing = mypy_errors(examples), mypy_errors([twin_of(path) for path in examples])
    print(_ROW.format("example", "ours", "SDK", "mypy errors", "ours ran", "SDK ran", "ours' last line"))
    failures: list[str] = []
    totals = [0, 0]
    for example in examples:
        twin = twin_of(example)
        lines = code_lines(example), code_lines(twin)
        totals = [totals[0] + lines[0], totals[1] + lines[1]]
        ours, sdk = _run_once(example), _run_once(twin)
        typing = f"{ours_typing[example.name]} / {sdk_typing[example.name]}"
        print(_ROW.format(example.stem, *lines, typing, ours.verdict, sdk.verdict, ours.last_line[:50]))
        if ours_typing[example.name]:
            failures.append(f"{example.name}: {ours_typing[example.name]} mypy --strict errors")
        if lines[0] > lines[1]:
            failures.append(f"{example.name} is longer than its SDK twin ({lines[0]} > {lines[1]} lines)")
        for path, run in ((example, ours), (twin, sdk)):
            if run.returncode:
                failures.append(f"{path.relative_to(ROOT)} exited {run.returncode}: {run.last_line}")
    print(_ROW.format("total", *totals, "", "", "", ""))
    for name, features in left_out_examples().items():
        print(f"left out  {name} and its twin: the spec lacks {', '.join(features)}")
    print("ours / SDK: code lines (not blank, not only a comment, not the module docstring);")
    print(
        "mypy errors: mypy --strict on ours / on the SDK twin, written as the SDK's documentation writes it"
    )
    for failure in failures:
        print(f"FAIL  {failure}")
    return 1 if failures else 0
