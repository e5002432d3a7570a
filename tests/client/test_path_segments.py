"""Path parameters become one percent-encoded segment each; a value that cannot fill one is refused."""

from __future__ import annotations

import pytest

from aimlapi_gemini import ValidationError
from aimlapi_gemini._path import fill_path, is_templated, path_segment
from aimlapi_gemini.types import UNSET


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("cohere/command-r-plus", "cohere%2Fcommand-r-plus"),  # a slash stays inside its segment
        ("my deployment?#1", "my%20deployment%3F%231"),
        ("gemini-pro", "gemini-pro"),
        (7, "7"),
        (True, "true"),  # as JSON writes it
    ],
)
def test_a_value_is_one_percent_encoded_segment(value: object, segment: str) -> None:
    assert path_segment("model", value) == segment


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (None, "got no value"),
        (UNSET, "got no value"),
        ("", "got an empty text"),
        (["a"], "got list"),
        ({"a": 1}, "got dict"),
    ],
)
def test_a_value_that_cannot_fill_a_segment_is_refused_naming_the_parameter(value: object, said: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        path_segment("model", value)
    assert excinfo.value.path == "model"
    assert str(excinfo.value).startswith("path parameter: model: the path needs")
    assert said in str(excinfo.value)


def test_a_template_is_filled_from_values_by_name() -> None:
    template = "/openai/deployments/{model}/chat/{kind}"
    assert (
        fill_path(template, {"model": "a/b", "kind": "x", "other": 1}) == "/openai/deployments/a%2Fb/chat/x"
    )
    assert is_templated(template)


def test_a_template_missing_a_value_is_refused_and_a_plain_path_is_not_templated() -> None:
    with pytest.raises(ValidationError, match="kind: the path needs a text or a number here, got no value"):
        fill_path("/openai/deployments/{model}/chat/{kind}", {"model": "m"})
    assert not is_templated("/v1/chat/completions")
    assert fill_path("/v1/chat/completions", {}) == "/v1/chat/completions"
