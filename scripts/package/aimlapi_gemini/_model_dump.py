"""The OpenAI SDK's dump methods on every generated model: ``model_dump``, ``model_dump_json``, ``to_json``.

The SDK's models are pydantic models, and programs written for it dump a reply to append it to the
conversation (``messages.append(message.model_dump(exclude_none=True))``), to log it or to store it.
``DumpableModel`` gives the generated (attrs) models the same calls, written once here. Keys are the
JSON names (``type``, not the attribute ``type_``), as in the SDK, whose attributes are the JSON
names; a field left UNSET is ``None`` unless ``exclude_unset`` (pydantic's defaults, where an
optional field is ``None``). Nested models are dumped with the same options; ``include`` and
``exclude`` name top-level fields.

A reply the API takes back as a request message (its schema's ``x-replay-as``) dumps to a
``ReplyDump``: a plain ``dict`` to the caller, which the request surface accepts where the reply
itself is accepted (the type checkers too) and sends as the reply would be sent: its nulls and the
fields the request does not take dropped, then checked as that request message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

import attrs

from aimlapi_gemini.types import Unset

__all__ = ["DumpableModel", "ReplayableModel", "ReplyDump"]

IncEx = AbstractSet[str] | Mapping[str, Any]
"""Top-level JSON names to keep or leave out (a mapping's keys, as pydantic also takes)."""

_SCALARS = frozenset({str, int, float, bool, type(None)})


class _Options:
    __slots__ = ("exclude_defaults", "exclude_none", "exclude_unset", "json")

    def __init__(self, mode: str, exclude_unset: bool, exclude_defaults: bool, exclude_none: bool) -> None:
        if mode not in ("python", "json"):
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        self.json = mode == "json"
        self.exclude_unset = exclude_unset
        self.exclude_defaults = exclude_defaults
        self.exclude_none = exclude_none


def _optional_defaults(model_class: type) -> dict[str, object]:
    """The defaults of the optional fields (typed ``... | Unset``), by attribute: what
    ``exclude_defaults`` compares with. A required field's one allowed value (``role``) is no default."""
    return {
        field.name: field.default
        for field in attrs.fields(model_class)
        if "Unset" in str(field.type) and not hasattr(field.default, "factory")
    }


def _dump_model(
    model: DumpableModel, options: _Options, include: IncEx | None, exclude: IncEx | None
) -> dict[str, Any]:
    defaults = _optional_defaults(type(model)) if options.exclude_defaults else {}
    fields: dict[str, Any] = {}
    for attribute, key in type(model).json_names.items():
        if (include is not None and key not in include) or (exclude is not None and key in exclude):
            continue
        value = getattr(model, attribute)
        if isinstance(value, Unset):
            if options.exclude_unset or options.exclude_none or options.exclude_defaults:
                continue
            value = None
        elif (value is None and options.exclude_none) or (
            attribute in defaults and value == defaults[attribute]
        ):
            continue
        fields[key] = _dump_value(value, options)
    extra: Mapping[str, Any] = getattr(model, "additional_properties", {})
    for key, value in extra.items():  # fields the schema does not declare, after the declared ones
        if (
            key in fields
            or (include is not None and key not in include)
            or (exclude is not None and key in exclude)
        ):
            continue
        if value is None and options.exclude_none:
            continue
        fields[key] = _dump_value(value, options)
    return fields


def _dump_value(value: Any, options: _Options) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, DumpableModel):
        return _dump_model(value, options, None, None)
    if isinstance(value, Mapping):
        return {key: _dump_value(item, options) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        return [_dump_value(item, options) for item in value]
    if isinstance(value, Unset):
        return None
    return str(value) if options.json else value


def _as_text(fields: dict[str, Any], indent: int | None) -> str:
    # pydantic's JSON: compact without an indent, UTF-8 text rather than \u escapes.
    if indent is None:
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(fields, ensure_ascii=False, indent=indent)


class DumpableModel:
    """What every generated model inherits: the OpenAI SDK's (pydantic's) dump methods."""

    __slots__ = ()

    json_names: ClassVar[Mapping[str, str]]
    """Attribute -> JSON name; each generated model defines it."""

    def model_dump(
        self,
        *,
        mode: Literal["python", "json"] | str = "python",
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | Literal["none", "warn", "error"] = True,
    ) -> dict[str, Any]:
        """This model as a dict keyed by the JSON names (``by_alias`` changes nothing: they are the
        SDK's attribute names too), nested models as dicts.

        ``exclude_unset`` leaves out the fields left UNSET (else they are ``None``); ``exclude_none``
        those that are ``None`` or UNSET; ``exclude_defaults`` the optional fields at their default.
        ``mode="json"`` makes every value JSON's (the values already are, but for ones the schema
        leaves free). ``round_trip`` and ``warnings`` are taken for pydantic's signature.
        """
        return _dump_model(
            self, _Options(mode, exclude_unset, exclude_defaults, exclude_none), include, exclude
        )

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | Literal["none", "warn", "error"] = True,
    ) -> str:
        """``model_dump(mode="json", ...)`` as JSON text: compact, or indented by ``indent``."""
        options = _Options("json", exclude_unset, exclude_defaults, exclude_none)
        return _as_text(_dump_model(self, options, include, exclude), indent)

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """The OpenAI SDK's ``to_json``: indented JSON of the fields that were set (JSON names)."""
        options = _Options("json", exclude_unset, exclude_defaults, exclude_none)
        return _as_text(_dump_model(self, options, None, None), indent)


R = TypeVar("R")


class ReplyDump(dict[str, Any], Generic[R]):
    """``model_dump()`` of a reply the API takes back as a request message: a ``dict`` of the
    reply's JSON fields, taken wherever the reply itself is (``messages=[..., dump]``)."""

    __slots__ = ("reply_model",)

    def __init__(self, reply_model: type[R], fields: Mapping[str, Any]) -> None:
        super().__init__(fields)
        self.reply_model: type[Any] = reply_model
        """The reply model it was dumped from."""

    def to_param_dict(self) -> dict[str, Any]:
        """What is sent for it: the reply model read back from it (its nulls left out), as that
        model sends itself (``to_param_dict``). When it no longer reads as that reply (edited), its
        fields as they are, for the request's own check to refuse, naming the path in the request."""
        present = {key: value for key, value in self.items() if value is not None}
        try:
            sent: dict[str, Any] = self.reply_model.from_dict(present).to_param_dict()
        except ValueError:
            return present
        return sent


class ReplayableModel(DumpableModel):
    """A reply model the API takes back as a request message: its dump is a ``ReplyDump``."""

    __slots__ = ()

    def model_dump(
        self,
        *,
        mode: Literal["python", "json"] | str = "python",
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | Literal["none", "warn", "error"] = True,
    ) -> ReplyDump[Self]:
        """As ``DumpableModel.model_dump``; the dict goes back into ``messages`` as the reply would."""
        options = _Options(mode, exclude_unset, exclude_defaults, exclude_none)
        return ReplyDump(type(self), _dump_model(self, options, include, exclude))
