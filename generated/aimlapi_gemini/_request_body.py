# Copied from scripts/codegen/runtime/_request_body.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Accept a request body as its model or as a plain mapping of its JSON fields.

Users coming from other SDKs pass dicts; a mapping goes through the model's ``from_dict`` so it
is checked the same way, and bad input becomes one clear error naming the model and the problem
instead of a KeyError/AttributeError from deep inside generated code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar

from ._exceptions import PARSE_ERRORS, one_line


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...

    def to_dict(self) -> dict[str, Any]: ...


M = TypeVar("M", bound=_Model)


def as_model(value: M | Mapping[str, Any], model: type[M]) -> M:
    """``value`` itself when it is a ``model``; a mapping parsed into one; else a clear error."""
    if isinstance(value, model):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            f"body must be a {model.__name__} or a mapping of its JSON fields, not {type(value).__name__}"
        )
    try:
        return model.from_dict(value)
    except PARSE_ERRORS as exc:
        reason = f"missing required field {exc}" if isinstance(exc, KeyError) else one_line(str(exc), 200)
        # `from None`: the generated parser's frames say nothing the message does not.
        raise ValueError(f"body is not a valid {model.__name__}: {reason or type(exc).__name__}") from None
