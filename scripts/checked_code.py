"""The code written against the package that the suite type-checks and runs (examples/, and the
python blocks of README.md's "Using the client" section), with the spec features each one uses.

A vendor revision may drop an optional part of the request (a field such as `max_tokens`, tools,
the image part); code that uses it then no longer type-checks or runs, through no fault of its
own. So each example file and each README block lists here what it needs (features as
`spec_features.has_feature` names them), and only those whose needs the resolved spec meets are
checked: by mypy and pyright (`make typecheck` and tests/repo/test_quality.py through
scripts/typecheck_targets.py, tests/examples/test_examples_static.py), run (tests/examples,
tests/client/test_readme_surface.py, tests/repo/test_readme.py, `make examples`). The others are left
out, and tests/examples/test_checked_code.py asserts that this is exact: a file left out uses a
feature the client lacks, every need listed shows in the code's text, and no code uses an optional
feature it does not list.
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

# A reply appended to the conversation as it came (or as its dump) type-checks and is taken only
# where the spec says it goes back as a request message.
_REPLAY = "replay:ChatCompletionMessage"
_TOOL_ROUND_TRIP = frozenset(
    {"field:tools", "schema:ChatCompletionTool", "role:tool", "message_field:assistant:tool_calls", _REPLAY}
)
# By file name under examples/ (their OpenAI SDK twins in examples/openai_sdk/ share them).
EXAMPLE_NEEDS: dict[str, frozenset[str]] = {
    "01_one_question.py": frozenset({"field:max_tokens"}),
    "02_stream.py": frozenset({"field:max_tokens"}),
    "03_tool_call.py": _TOOL_ROUND_TRIP,
    "04_text_and_image.py": frozenset({"part:user:text", "part:user:image_url"}),
    "05_concurrent.py": frozenset({"field:max_tokens"}),
    "06_errors.py": frozenset({"field:max_tokens"}),
    "07_multi_turn.py": frozenset({"role:system", _REPLAY}),
    "08_resumable_jsonl.py": frozenset(),
    "09_stream_events.py": frozenset({"field:max_tokens"}),
}
# By the heading each block of the README's "Using the client" section is under.
README_BLOCK_NEEDS: dict[str, frozenset[str]] = {
    "Using the client": frozenset({"field:max_tokens", "role:system"}),
    "Conversations and tools": _TOOL_ROUND_TRIP | {"schema:ChatCompletionMessageToolCall"},
    "Streams and helpers": frozenset(),
    "Stream events": frozenset(),
    "Errors": frozenset({"field:temperature"}),
    "Per-call options, timeouts and retries": frozenset(),
    "Many concurrent calls: aiohttp": frozenset(),
    # SystemMessage and UserMessage: the models of a spec with one model per role.
    "The functional API beneath": frozenset(
        {"field:max_tokens", "role:system", "schema:SystemMessage", "schema:UserMessage"}
    ),
}

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
