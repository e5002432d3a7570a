"""scripts/checked_code.py leaves out of type checks and runs exactly the examples and README blocks
(those of "Using the client", the testing kit's example) that use a feature the spec lacks: every
need it lists shows in the code's text, no code uses an optional feature it does not list, and
what is left out is what needs a feature the generated client lacks (so, on the committed spec,
nothing). Dropping each listed feature from the resolved spec leaves out exactly the code that
uses it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spec_features as spec
from bench_kit.examples import twin_of
from checked_code import (
    EXAMPLE_NEEDS,
    KIT_EXAMPLE_NEEDS,
    README_BLOCK_NEEDS,
    ROOT,
    TEST_NEEDS,
    checked_examples,
    checked_readme_blocks,
    example_paths,
    kit_example,
    left_out_examples,
    left_out_readme_blocks,
    left_out_tests,
    missing_for_kit_example,
    readme_blocks,
)
from typecheck_targets import MYPY_TREES, example_targets, mypy_exclusions, mypy_targets

# A revision may lack the system role (its system prompt a top-level field instead).
ALWAYS_THERE_ROLES = ("user", "assistant")


def _text_of(role: str) -> str:
    """A `role` message with text as its content: a dict literal whose `content` is no list (the
    keys in either order, within one dict), or its model given text (`UserMessage(content="Hi")`,
    `UserMessage(question)`)."""
    within = r"[^{}\[\]]*"  # no bracket between the two keys: the same dict
    tag = rf'"role":\s*"{re.escape(role)}"'
    text = r'"content":(?!\s*\[)'
    model = re.escape(spec.MESSAGE_CLASS_OF_ROLE.get(role, role))
    literal = [r"\{" + within + tag + within + text, r"\{" + within + text + within + tag]
    return "|".join([*literal, rf"\b{model}\((?:content=)?(?:f?[\"']|\w+\s*[,)])"])


def uses(feature: str, code: str) -> bool:
    """Whether `code` shows it uses `feature`: a request field as a keyword (`max_tokens=`) or a
    dict key, a role in a message dict or by its model, a content part by its type, a message
    property written (a key, a keyword) or read from a reply that goes back, a model by its name
    or its TypedDict's (`ChatCompletionToolParam`), a reply that goes back by appending something
    other than a dict literal (or by `to_param()`), a role's message with text as its content
    (`_text_of`)."""
    kind, _, rest = feature.partition(":")
    name = re.escape(rest.rpartition(":")[2])
    if kind == "field":
        # A field sent through extra_body goes unchecked, whatever the spec says of it.
        code = re.sub(r"extra_body=\{[^\n]*\}", "", code)
    replay = r"\.append\((?!\{)|\.to_param\("
    patterns = {
        "field": rf'\b{name}=|"{name}":',
        "role": rf'"role":\s*"{name}"|\b{spec.MESSAGE_CLASS_OF_ROLE.get(rest, rest)}\b',
        "part": rf'"type":\s*"{name}"',
        "message_field": rf'"{name}":|\b{name}=|(?s:\.{name}\b.*(?:{replay}))|(?s:(?:{replay}).*\.{name}\b)',
        "schema": rf"\b{name}(Param)?\b",
        "replay": replay,
        "text": _text_of(rest),
    }
    return re.search(patterns[kind], code) is not None


def _ours() -> list[tuple[str, str, frozenset[str]]]:
    """(label, text, needs) of each example and each README block."""
    found = [
        (path.name, path.read_text(encoding="utf-8"), EXAMPLE_NEEDS[path.name]) for path in example_paths()
    ]
    found += [(f"README: {heading}", code, README_BLOCK_NEEDS[heading]) for heading, code in readme_blocks()]
    found.append(("README: Testing your code", kit_example(), KIT_EXAMPLE_NEEDS))
    return found


OURS = _ours()
# The OpenAI SDK twins are left out with their example (`make examples`): they may use no more.
TWINS = [
    (f"openai_sdk/{path.name}", twin_of(path).read_text(encoding="utf-8"), EXAMPLE_NEEDS[path.name])
    for path in example_paths()
]
LISTED = sorted(set().union(*EXAMPLE_NEEDS.values(), *README_BLOCK_NEEDS.values(), KIT_EXAMPLE_NEEDS))


def _optional_features() -> set[str]:
    """The features code may use that a revision may drop: the listed ones, and those of this spec
    (its optional request fields, message kinds beyond the three always there, content parts
    beyond text, text as any role's content)."""
    found = set(LISTED) | {f"field:{name}" for name in spec.optional_fields()}
    roles = [role for role in spec.message_roles() if role not in ALWAYS_THERE_ROLES]
    found |= {f"role:{role}" for role in roles}
    found |= {f"text:{role}" for role in spec.message_roles()}
    for role in spec.message_roles():
        found |= {f"part:{role}:{kind}" for kind in spec.content_part_types(role) if kind != "text"}
    return found


def test_the_tables_name_every_example_and_block_and_only_known_features() -> None:
    assert sorted(EXAMPLE_NEEDS) == [path.name for path in example_paths()]
    assert list(README_BLOCK_NEEDS) == [heading for heading, _ in readme_blocks()]
    for feature in LISTED:
        spec.has_feature(feature)  # raises for a kind it does not know


def test_an_unknown_kind_of_feature_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown feature 'flag:tools'"):
        spec.has_feature("flag:tools")
    with pytest.raises(ValueError, match="unknown feature"):
        spec.feature_present("tools")


@pytest.mark.parametrize(("label", "text", "needs"), OURS, ids=[label for label, _, _ in OURS])
def test_each_listed_need_shows_in_the_code(label: str, text: str, needs: frozenset[str]) -> None:
    assert {feature for feature in needs if not uses(feature, text)} == set(), label


@pytest.mark.parametrize(
    ("label", "text", "needs"), OURS + TWINS, ids=[label for label, _, _ in OURS + TWINS]
)
def test_no_code_uses_an_optional_feature_it_does_not_list(
    label: str, text: str, needs: frozenset[str]
) -> None:
    used = {feature for feature in _optional_features() if uses(feature, text)}
    if label.startswith("openai_sdk/"):
        # A twin's keywords are the OpenAI SDK's, sent to a server that takes unknown fields: only
        # what it sends by its shape (roles, parts, models) depends on this spec.
        used = {feature for feature in used if not feature.startswith("field:")}
    assert used <= needs, label


def test_uses_tells_code_that_uses_a_feature_from_code_that_does_not() -> None:
    assert uses("field:max_tokens", 'create(model="m", messages=m, max_tokens=5)')
    assert uses("field:max_tokens", '{"model": "m", "max_tokens": 5}')
    assert not uses("field:max_tokens", 'create(model="m", messages=m, temperature=1)')
    assert not uses("field:n", "for n in range(3): print(n)")
    assert uses("role:tool", '{"role": "tool", "tool_call_id": "1", "content": "x"}')
    assert uses("role:function", 'FunctionMessage(content="x", name="f")')
    assert not uses("role:tool", '{"role": "user", "content": "tools"}')
    assert uses("part:user:image_url", '{"type": "image_url", "image_url": {"url": u}}')
    assert not uses("part:user:image_url", '{"type": "text", "text": "image_url"}')
    assert uses("schema:ChatCompletionTool", "tools: list[ChatCompletionToolParam] = []")
    assert not uses("schema:ChatCompletionTool", "from x import ChatCompletionToolChoice")
    assert uses("replay:ChatCompletionMessage", "messages.append(reply.model_dump(exclude_none=True))")
    assert not uses("replay:ChatCompletionMessage", 'messages.append({"role": "user", "content": q})')
    assert uses("message_field:assistant:tool_calls", "m.append(reply)\nfor call in reply.tool_calls: ...")
    assert uses("message_field:assistant:tool_calls", '{"role": "assistant", "tool_calls": calls}')
    assert not uses("message_field:assistant:tool_calls", "print(reply.tool_calls[0])")
    assert uses("text:user", 'messages.append({"role": "user", "content": q})')
    assert uses("text:user", '[{"content": "Hi", "role": "user"}]')
    assert uses("text:user", 'UserMessage(content="Why?")')
    assert uses("text:tool", '{"role": "tool", "tool_call_id": call.id, "content": result}')
    assert not uses("text:user", '{"role": "user", "content": [{"type": "text", "text": "Hi"}]}')
    assert not uses("text:user", '{"role": "user",\n "content":\n [{"type": "input_audio"}]}')
    assert not uses("text:user", '{"role": "system", "content": "Be brief."}')
    assert not uses("text:user", "UserMessage(content=[TextContentPart(text=q)])")


def _absent(features: list[str]) -> set[str]:
    # feature_present asserts that the generated client lacks what the spec lacks.
    return {feature for feature in features if not spec.feature_present(feature)}


def test_what_is_left_out_is_exactly_what_uses_a_feature_the_client_lacks() -> None:
    absent = _absent(LISTED)
    expected_examples = {
        name: tuple(sorted(needs & absent)) for name, needs in EXAMPLE_NEEDS.items() if needs & absent
    }
    expected_blocks = {
        heading: tuple(sorted(needs & absent))
        for heading, needs in README_BLOCK_NEEDS.items()
        if needs & absent
    }
    # On the committed spec nothing is absent, so these say that nothing is left out.
    assert left_out_examples() == expected_examples
    assert left_out_readme_blocks() == expected_blocks
    assert missing_for_kit_example() == tuple(sorted(KIT_EXAMPLE_NEEDS & absent))
    assert [path.name for path in checked_examples()] == [
        path.name for path in example_paths() if path.name not in expected_examples
    ]
    assert [heading for heading, _ in checked_readme_blocks()] == [
        heading for heading, _ in readme_blocks() if heading not in expected_blocks
    ]


def test_the_type_checks_take_the_checked_examples() -> None:
    checked = [f"examples/{path.name}" for path in checked_examples()]
    assert example_targets() == checked
    assert mypy_targets() == [*MYPY_TREES, *checked, *mypy_exclusions()]
    assert all(Path(target).name in EXAMPLE_NEEDS for target in checked)


def test_mypy_leaves_out_exactly_the_test_modules_pinning_a_shape_the_spec_lacks() -> None:
    assert all((ROOT / path).is_file() for path in TEST_NEEDS)
    absent = _absent(sorted(set().union(*TEST_NEEDS.values())))
    left_out = [path for path, needs in TEST_NEEDS.items() if needs & absent]
    assert list(left_out_tests()) == left_out
    assert mypy_exclusions() == [arg for path in left_out for arg in ("--exclude", f"^{re.escape(path)}$")]


def test_a_spec_without_a_shape_a_test_module_pins_leaves_it_out_of_mypy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without = spec.without_feature("replay:ChatCompletionMessage")
    monkeypatch.setattr(spec, "spec", lambda: without)
    assert {"tests/client/test_model_dump.py", "tests/client/test_reply_goes_back.py"} <= set(
        left_out_tests()
    )
    assert "^tests/client/test_model_dump\\.py$" in mypy_exclusions()


@pytest.mark.parametrize("feature", LISTED)
def test_a_spec_without_a_feature_leaves_out_exactly_the_code_using_it(
    monkeypatch: pytest.MonkeyPatch, feature: str
) -> None:
    already = _absent(LISTED)
    if feature in already:
        # Nothing to drop: what this spec lacks is left out now, as
        # test_what_is_left_out_is_exactly_what_uses_a_feature_the_client_lacks checks.
        return
    without = spec.without_feature(feature)
    monkeypatch.setattr(spec, "spec", lambda: without)
    assert not spec.has_feature(feature)
    # With what goes with it (a dropped role takes its model: role:system, schema:SystemMessage).
    gone = {listed for listed in LISTED if not spec.has_feature(listed)}
    assert already | {feature} <= gone
    assert left_out_examples() == {
        name: tuple(sorted(needs & gone)) for name, needs in EXAMPLE_NEEDS.items() if needs & gone
    }
    assert left_out_readme_blocks() == {
        heading: tuple(sorted(needs & gone)) for heading, needs in README_BLOCK_NEEDS.items() if needs & gone
    }
    assert missing_for_kit_example() == tuple(sorted(KIT_EXAMPLE_NEEDS & gone))
    assert {path.name for path in checked_examples()}.isdisjoint(
        name for name, needs in EXAMPLE_NEEDS.items() if feature in needs
    )
