# Copied from scripts/codegen/runtime/_request_body.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Accept a request body as its model or as a plain mapping of its JSON fields.

Users coming from other SDKs pass dicts; a mapping goes through the model's ``from_dict``, which
checks every field against the schema, so bad input is one ValidationError (a ValueError) naming
the model, the JSON path and the problem, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, TypeVar

from ._validation import ValidationError


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
    except ValidationError as exc:
        # `from None`: the generated parser's frames say nothing the message does not.
        raise exc.about(f"body is not a valid {model.__name__}") from None
