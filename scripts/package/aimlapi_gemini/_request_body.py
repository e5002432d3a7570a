"""Accept a request body as its model or as a plain mapping of its JSON fields.

Users coming from other SDKs pass dicts; a mapping goes through the model's ``from_dict``, which
checks every field against the schema, so bad input is one ``RequestValidationError`` (a
ValidationError, so a ValueError, and a BadRequestError) naming the model, the JSON path and the
problem, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, Self, TypeVar

from aimlapi_gemini.types import Unset

from ._exceptions import RequestValidationError
from ._validation import ValidationError


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...

    def to_dict(self) -> dict[str, Any]: ...


M = TypeVar("M", bound=_Model)


# Values as_json passes through as they are (checked first: they are most of a body).
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def as_json(value: Any) -> Any:
    """``value`` as plain JSON values: models inside mappings and iterables become their JSON
    fields (any iterable a list), so a request model's validating from_dict sees one kind of input
    whether the caller wrote models or dict literals. A reply the API takes back as a request
    message (a model with ``to_param_dict``, from the spec's ``x-replay-as``) becomes that
    message's fields, so ``messages.append(completion.choices[0].message)`` sends what the API takes;
    so does its ``model_dump()`` (a ``ReplyDump``, a mapping with ``to_param_dict``)."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict or (isinstance(value, Mapping) and not hasattr(value, "to_param_dict")):
        return {key: as_json(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [as_json(item) for item in value]
    replay = getattr(value, "to_param_dict", None)
    if replay is not None:
        return replay()
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        try:
            return to_dict()
        except (AttributeError, TypeError):
            # A model built with a mapping (or another wrong value) where a model belongs:
            # its fields one by one, for the validating from_dict to accept or name the path.
            names: Mapping[str, str] | None = getattr(kind, "json_names", None)
            if names is None:
                raise
            return _fields_of(value, names)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray):
        return [as_json(item) for item in value]  # list keywords take any iterable
    return value


def _fields_of(model: Any, names: Mapping[str, str]) -> dict[str, Any]:
    fields = {key: as_json(item) for key, item in getattr(model, "additional_properties", {}).items()}
    for attribute, key in names.items():
        item = getattr(model, attribute)
        if not isinstance(item, Unset):
            fields[key] = as_json(item)
    return fields


def checked_json(body: M, model: type[M]) -> dict[str, Any]:
    """``body.to_dict()``; for a body whose constructor was given a mapping where a model belongs
    (which to_dict cannot serialise), the same body read field by field and checked by
    ``model.from_dict``: sent when it fits, else one RequestValidationError naming the path."""
    try:
        return body.to_dict()
    except (AttributeError, TypeError):
        pass
    try:
        return model.from_dict(as_json(body)).to_dict()
    except ValidationError as exc:
        raise RequestValidationError.of(exc, f"body is not a valid {model.__name__}") from None


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
    except ValidationError:
        # A mapping may hold models (a TypedDict body's messages may hold a reply): only then is
        # it converted (as_json) and checked again, so a body of plain JSON pays nothing for it.
        pass
    try:
        return model.from_dict(as_json(value))
    except ValidationError as exc:
        # `from None`: the generated parser's frames say nothing the message does not.
        raise RequestValidationError.of(exc, f"body is not a valid {model.__name__}") from None
