"""The reference server's routes (_server/routing.py): a templated path answers any
value of its parameters, one segment each, read off the raw path."""

from __future__ import annotations

from typing import Any

import pytest

from aimlapi_gemini.testing._server.routing import PathRoute


def _scope(raw_path: bytes | None, path: str) -> dict[str, Any]:
    scope: dict[str, Any] = {"type": "http", "path": path}
    if raw_path is not None:
        scope["raw_path"] = raw_path
    return scope


DEPLOYMENT = PathRoute("/openai/deployments/{model}")


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b"/openai/deployments/cohere%2Fcommand-r-plus", "/openai/deployments/cohere/command-r-plus"),
        (b"/openai/deployments/gemini-pro", "/openai/deployments/gemini-pro"),
        (None, "/openai/deployments/gemini-pro"),  # no raw_path: the decoded path, encoded again
    ],
)
def test_a_templated_path_answers_one_segment_per_parameter(raw: bytes | None, path: str) -> None:
    assert DEPLOYMENT.matches(_scope(raw, path))


@pytest.mark.parametrize(
    "raw",
    [
        b"/openai/deployments/cohere/command-r-plus",  # two segments
        b"/openai/deployments/",  # an empty one
        b"/openai/deployments",
        b"/openai/deployments/m/chat/completions",
        b"/openai/deploymentsX/m",
        b"/v1/chat/completions",
    ],
)
def test_a_templated_path_refuses_other_paths(raw: bytes) -> None:
    assert not DEPLOYMENT.matches(_scope(raw, raw.decode()))


def test_a_path_without_parameters_answers_itself_only() -> None:
    route = PathRoute("/v1/chat/completions")
    assert route.matches(_scope(b"/v1/chat/completions", "/v1/chat/completions"))
    assert not route.matches(_scope(b"/v1/chat/completions/x", "/v1/chat/completions/x"))
    assert not route.matches(_scope(b"/v2/chat/completions", "/v2/chat/completions"))


def test_literal_parts_are_not_patterns() -> None:
    route = PathRoute("/v1.0/{model}")
    assert route.matches(_scope(b"/v1.0/m", "/v1.0/m"))
    assert not route.matches(_scope(b"/v1x0/m", "/v1x0/m"))
