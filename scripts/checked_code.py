"""The code written against the package that the suite type-checks and runs (examples/, the
python blocks of README.md's "Using the client" section and its "Testing your code" example),
with the spec features each one uses.

A vendor revision may drop an optional part of the request (a field such as `max_tokens`, tools,
the image part, even text: a captioner's user messages take audio only); code that uses it then
no longer type-checks or runs, through no fault of its own. So each example file and each README
block lists here what it needs (features as `spec_features.has_feature` names them), and only
those whose needs the resolved spec meets are checked: by mypy and pyright (`make typecheck` and
tests/repo/test_quality.py through scripts/typecheck_targets.py,
tests/examples/test_examples_static.py), run (tests/examples, tests/client/test_readme_surface.py,
tests/repo/test_readme.py, tests/testing_kit/test_readme_example.py, `make examples`). The others
are left out, and tests/examples/test_checked_code.py asserts that this is exact: a file left out
uses a feature the client lacks, every need listed shows in the code's text, and no code uses an
optional feature it does not list.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from spec_features import missing_features

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
README = ROOT / "README.md"
README_SECTION = "## Using the client"
TESTING_SECTION = "## Testing your code"

# A reply appended to the conversation as it came (or as its dump) type-checks and is taken only
# where the spec says it goes back as a request message.
_REPLAY = "replay:ChatCompletionMessage"
# A message written as text (`"content": "..."`) is taken only where that role's content may be a string.
_USER_TEXT = "text:user"
_SYSTEM_TEXT = frozenset({"role:system", "text:system"})
_TOOL_ROUND_TRIP = frozenset(
    {
        "field:tools",
        "schema:ChatCompletionTool",
        "role:tool",
        "text:tool",
        "message_field:assistant:tool_calls",
        _REPLAY,
    }
)
# By file name under examples/ (their OpenAI SDK twins in examples/openai_sdk/ share them).
EXAMPLE_NEEDS: dict[str, frozenset[str]] = {
    "01_one_question.py": frozenset({"field:max_tokens", _USER_TEXT}),
    "02_stream.py": frozenset({"field:max_tokens", _USER_TEXT}),
    "03_tool_call.py": _TOOL_ROUND_TRIP | {_USER_TEXT},
    "04_text_and_image.py": frozenset({"part:user:text", "part:user:image_url"}),
    "05_concurrent.py": frozenset({"field:max_tokens", _USER_TEXT}),
    "06_errors.py": frozenset({"field:max_tokens", _USER_TEXT}),
    "07_multi_turn.py": _SYSTEM_TEXT | {_USER_TEXT, _REPLAY},
    # Its messages are the input file's: whatever the spec takes (the test writes them so).
    "08_resumable_jsonl.py": frozenset(),
    "09_stream_events.py": frozenset({"field:max_tokens", _USER_TEXT}),
}
# By the heading each block of the README's "Using the client" section is under.
README_BLOCK_NEEDS: dict[str, frozenset[str]] = {
    "Using the client": _SYSTEM_TEXT | {"field:max_tokens", _USER_TEXT},
    "Conversations and tools": _TOOL_ROUND_TRIP | {"schema:ChatCompletionMessageToolCall", _USER_TEXT},
    "Streams and helpers": frozenset({_USER_TEXT}),
    "Stream events": frozenset({_USER_TEXT}),
    "Errors": frozenset({"field:temperature", _USER_TEXT}),
    "Per-call options, timeouts and retries": frozenset({_USER_TEXT}),
    "Many concurrent calls: aiohttp": frozenset({_USER_TEXT}),
    # SystemMessage and UserMessage: the models of a spec with one model per role.
    "The functional API beneath": _SYSTEM_TEXT
    | {"field:max_tokens", "schema:SystemMessage", "schema:UserMessage", _USER_TEXT},
}
# The README's "Testing your code" example (a user's test file run by pytest): it asks in text.
KIT_EXAMPLE_NEEDS = frozenset({_USER_TEXT})

# Test modules whose static types pin a shape only some revisions have (the per-role TypedDicts, a
# reply appended as a message): mypy checks them only where the spec has it. They run whatever the
# spec (their tests follow it through spec_features); by path from the repository's root.
TEST_NEEDS: dict[str, frozenset[str]] = {
    "tests/client/test_typed_params.py": frozenset(
        {"role:system", "schema:UserMessage", "schema:AssistantMessage"}
    ),
    "tests/client/test_model_dump.py": frozenset({_REPLAY}),
    "tests/client/test_reply_goes_back.py": frozenset({_REPLAY}),
}


def left_out_tests() -> dict[str, tuple[str, ...]]:
    """Test module path -> the features it pins statically that the spec lacks (left out of mypy)."""
    missing = {path: tuple(sorted(missing_features(needs))) for path, needs in TEST_NEEDS.items()}
    return {path: features for path, features in missing.items() if features}


def example_paths() -> list[Path]:
    """Every example, in order: examples/NN_name.py."""
    return sorted(EXAMPLES_DIR.glob("[0-9][0-9]_*.py"))


def missing_for_example(path: Path) -> tuple[str, ...]:
    """The features example `path` uses that the spec lacks (none: it is checked and run)."""
    return tuple(sorted(missing_features(EXAMPLE_NEEDS[path.name])))


def checked_examples() -> list[Path]:
    """The examples this spec lets be type-checked and run."""
    return [path for path in example_paths() if not missing_for_example(path)]


def left_out_examples() -> dict[str, tuple[str, ...]]:
    """Example file name -> the features it uses that the spec lacks, for the examples left out."""
    missing = {path.name: missing_for_example(path) for path in example_paths()}
    return {name: features for name, features in missing.items() if features}


def readme_blocks() -> list[tuple[str, str]]:
    """(heading, code) of each python block in the README's "Using the client" section."""
    text = README.read_text(encoding="utf-8")
    start = text.index(README_SECTION + "\n")
    section = text[start : text.index("\n## ", start + 1)]
    found: list[tuple[str, str]] = []
    heading = ""
    for part in re.split(r"(^#{2,3} .*$)", section, flags=re.MULTILINE):
        if re.match(r"#{2,3} ", part):
            heading = part.lstrip("#").strip()
            continue
        for block in re.findall(r"^( *)```python\n(.*?)^\1```", part, flags=re.DOTALL | re.MULTILINE):
            found.append((heading, textwrap.dedent(block[1])))
    return found


def missing_for_block(heading: str) -> tuple[str, ...]:
    """The features the README block under `heading` uses that the spec lacks."""
    return tuple(sorted(missing_features(README_BLOCK_NEEDS[heading])))


def checked_readme_blocks() -> list[tuple[str, str]]:
    """The README blocks this spec lets be type-checked and run."""
    return [(heading, code) for heading, code in readme_blocks() if not missing_for_block(heading)]


def left_out_readme_blocks() -> dict[str, tuple[str, ...]]:
    """Heading -> the features its block uses that the spec lacks, for the blocks left out."""
    missing = {heading: missing_for_block(heading) for heading, _ in readme_blocks()}
    return {heading: features for heading, features in missing.items() if features}


def kit_example() -> str:
    """The python block of the README's "Testing your code" section (the one using `aimlapi_mock`)."""
    text = README.read_text(encoding="utf-8")
    start = text.index(TESTING_SECTION + "\n")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = [
        block
        for block in re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
        if "aimlapi_mock" in block
    ]
    assert len(blocks) == 1, f"{TESTING_SECTION} should have one example using the aimlapi_mock fixture"
    return str(blocks[0])


def missing_for_kit_example() -> tuple[str, ...]:
    """The features the README's testing example uses that the spec lacks (none: it is run)."""
    return tuple(sorted(missing_features(KIT_EXAMPLE_NEEDS)))
