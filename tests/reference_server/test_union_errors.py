"""Which error the server names when a value fits none of a union's alternatives (no
discriminator to say which was meant): the deepest, and among alternatives failing equally deep
the one the client names too (``_validation.furthest``). Never the union's own message, which
quotes the whole value (10,000 items of it, once)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from openapi_schema_validator import OAS31Validator

from aimlapi_gemini.testing._server.validation import _best_error, _BoundedValidator, _describe, field_path

ROLE = {"type": "string", "enum": ["user", "assistant"]}
SHARED_MESSAGE = {"type": "object", "properties": {"role": ROLE, "content": {"type": "string"}}}
PER_ROLE_MESSAGE = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"role": {"const": role}, "content": {"type": "string"}},
            "required": ["role"],
        }
        for role in ("user", "assistant")
    ]
}
# A list of one shared message model, or a list of one model per role (a revision's `messages`).
TWO_LISTS = {
    "type": "object",
    "properties": {
        "messages": {
            "anyOf": [
                {"type": "array", "items": SHARED_MESSAGE},
                {"type": "array", "items": PER_ROLE_MESSAGE},
            ]
        }
    },
}


def named(instance: Any, schema: dict[str, Any] = TWO_LISTS) -> str:
    # The server's validator: a list is checked up to its first failing item.
    error: ValidationError | None = _best_error(_BoundedValidator(schema).iter_errors(instance))
    assert error is not None, "valid"
    path, expected = _describe(error)
    return f"{field_path(path)}: {expected}"


@pytest.mark.parametrize("role", [{}, [], 1, None])
def test_a_wrong_role_is_named_at_the_role_by_the_alternative_that_got_deepest(role: object) -> None:
    # The shared model's errors are at messages[0].role (type, then enum), the per-role list's at
    # messages[0]: the deeper wins, and of one alternative's two the schema's first (type).
    assert named({"messages": [{"role": role}]}) == "messages[0].role: expected string"


def test_alternatives_failing_equally_deep_name_the_one_that_got_furthest_through_the_list() -> None:
    # Item 0 fails the per-role list (no role), item 0 passes the shared list and item 1 fails it.
    both_wrong_at_depth_two = {"messages": [{"content": "x"}, 5]}
    assert named(both_wrong_at_depth_two) == "messages[1]: expected object"


def test_alternatives_failing_at_the_same_place_name_the_later_one() -> None:
    tied = {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "array", "items": {"minimum": 1}}]
    }
    assert named([0], tied) == "[0]: expected a number >= 1"


def test_the_message_never_quotes_the_whole_value() -> None:
    wrong_items = {"messages": list(range(10_000))}
    message = named(wrong_items)
    assert message.startswith("messages[0]: expected object"), message
    assert len(message) < 100


def test_a_valid_value_of_either_list_has_no_error() -> None:
    for instance in ({"messages": [{"role": "user"}]}, {"messages": [{"role": "assistant", "content": "x"}]}):
        assert not list(OAS31Validator(TWO_LISTS).iter_errors(instance))


def test_alternatives_taking_other_types_at_one_place_name_them_all() -> None:
    content = {
        "type": "object",
        "properties": {"content": {"anyOf": [{"type": "string"}, {"type": "array"}]}},
    }
    assert named({"content": 5}, content) == "content: expected string or array"


def test_a_value_two_alternatives_of_a_one_of_take_is_named_as_such() -> None:
    overlapping = {"oneOf": [{"type": "object"}, {"type": "object", "required": ["id"]}]}
    assert named({"id": 1}, overlapping) == "body: matches more than one of the 2 alternatives"
    assert named(5, overlapping) == "body: expected object"
