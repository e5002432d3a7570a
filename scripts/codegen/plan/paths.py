"""Path parameters: which ones the body fills, and which the functional layer takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PathParameters:
    """Where each of an operation's path parameters takes its value from (JSON names)."""

    from_body: tuple[str, ...]
    """Filled from the JSON request body's property of the same name (the caller gives it once)."""
    own: tuple[str, ...]
    """Given by the caller beside the body: arguments of their own."""


def path_parameters(names: Sequence[str], body_properties: Sequence[str] | None) -> PathParameters:
    """A path parameter named like a property of the operation's JSON object body is that property
    (``/openai/deployments/{model}`` with a body that has ``model``); the others are the caller's.
    ``body_properties`` is None when the body is not one required JSON object model: then every
    path parameter is the caller's."""
    properties = set(body_properties or ())
    return PathParameters(
        from_body=tuple(name for name in names if name in properties),
        own=tuple(name for name in names if name not in properties),
    )
