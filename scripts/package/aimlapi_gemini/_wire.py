"""The fast path of parsing a reply: msgspec decodes and checks, the models are made without
checking again; ``from_dict`` decides whatever msgspec refuses.

Each generated model whose whole tree msgspec can check exactly as ``from_dict`` does has a
``_wire_shape`` (codegen/plan/wire.py decides it from the spec): per field its JSON name,
attribute, type shape and whether it is required. On a model's first parse this module builds
msgspec Structs from those shapes (unknown fields forbidden: a model keeps them in
``additional_properties``, which only ``from_dict`` fills) and, like attrs' own ``__init__``, the
source of one converter per Struct. A body msgspec refuses (any error, an unknown field, JSON
that only ``json.loads`` takes: NaN, a lone surrogate, a byte-order mark) goes to
``from_dict(_json.loads(body))``, so the answer, a model or the error naming the path, is the
one from_dict gives. msgspec is imported on the first parse, not with the package (~30 ms).
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal, Protocol, Self, TypeVar

from ._json import loads
from ._types import UNSET

__all__ = ["fast_decoder", "fast_parse", "model_of"]


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Any) -> Self: ...


M = TypeVar("M", bound=_Model)
_Fast = tuple[Callable[[bytes], Any], Callable[[Any], Any], tuple[type[BaseException], ...]]

_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": int | float,  # an integer stays an int, as from_dict keeps it
    "boolean": bool,
    "null": None,
}
_built: dict[type, _Fast | None] = {}
_UNBUILT: Any = object()
_lock = threading.Lock()


class _Shapeless(Exception):
    """A model this module cannot build a decoder for (then from_dict parses it)."""


_Argument = tuple[str, str, Any, bool] | str
"""How a model's argument is read off its Struct: (attribute, converter, shape, required), or a
constant's source (a tagged union's tag, which msgspec takes)."""


class _Builder:
    """Structs and converters for one model's tree, in one namespace."""

    def __init__(self) -> None:
        import msgspec
        import msgspec.structs

        self.msgspec = msgspec
        self.structs: dict[tuple[type, str, str], tuple[Any, str]] = {}
        self.sources: list[str] = []
        self.namespace: dict[str, Any] = {
            "UNSET": UNSET,
            "starmap": itertools.starmap,
            "astuple": msgspec.structs.astuple,
        }
        self.building: set[tuple[type, str, str]] = set()
        self.leaves: set[str] = set()
        self.arguments: dict[str, list[_Argument]] = {}
        self.consumed: dict[str, str] = {}  # a converter of lists that consumes long ones -> of items

    def resolve(self, owner: type, name: str) -> type:
        found = getattr(sys.modules[owner.__module__], name, None)
        if not isinstance(found, type) or not hasattr(found, "_wire_shape"):
            raise _Shapeless(name)
        return found

    def struct(self, model: type, tag_field: str = "", tag: str = "") -> tuple[Any, str]:
        """The Struct of ``model`` (a tagged union's variant when ``tag_field``) and the name of
        its converter in the namespace (also registered under the Struct in ``_convert``)."""
        key = (model, tag_field, tag)
        if key in self.structs:
            return self.structs[key]
        if key in self.building:
            raise _Shapeless("recursive model")
        self.building.add(key)
        wire_shape = model._wire_shape  # type: ignore[attr-defined]
        shape = {
            attribute: (json_name, kind, required) for json_name, attribute, kind, required in wire_shape
        }
        fields: list[tuple[Any, ...]] = []
        rename: dict[str, str] = {}
        arguments: list[_Argument] = []
        for attribute in [a.name for a in model.__attrs_attrs__ if a.init]:  # type: ignore[attr-defined]
            if attribute not in shape:
                raise _Shapeless(f"{model.__name__}.{attribute}")
            json_name, kind, required = shape[attribute]
            if json_name == tag_field:
                arguments.append(repr(tag))  # msgspec took it as the tag
                continue
            rename[attribute] = json_name
            annotation, convert = self.shape(model, kind)
            fields.append((attribute, annotation) if required else (attribute, annotation, UNSET))
            arguments.append((attribute, convert, kind, required))
        options: dict[str, Any] = {"tag_field": tag_field, "tag": tag} if tag_field else {}
        struct = self.msgspec.defstruct(
            f"{model.__name__}Wire",
            fields,
            rename=rename,
            forbid_unknown_fields=True,
            kw_only=True,
            **options,
        )
        name = f"_c{len(self.structs)}"
        self.namespace[f"{name}_model"], self.namespace[f"{name}_struct"] = model, struct
        self.arguments[name] = arguments
        fresh = iter(range(1_000_000))
        self.sources.append(
            f"def {name}(s):\n    return {self.made(name, 's', fresh)}\n_convert[{name}_struct] = {name}\n"
        )
        self.structs[key] = (struct, name)
        if all(type(a) is tuple and not a[1] for a in arguments):
            self.leaves.add(name)  # its Struct's fields are the model's arguments, in order
        self.building.discard(key)
        return struct, name

    def made(self, name: str, struct: str, fresh: Iterator[int]) -> str:
        """The source of converter ``name``'s model made from the Struct ``struct``; the models it
        holds (not in lists) are made inline, a Python call less each."""
        values = []
        for argument in self.arguments[name]:
            if isinstance(argument, str):
                values.append(argument)
                continue
            attribute, convert, kind, required = argument
            value = f"{struct}.{attribute}"
            if not convert:
                values.append(value)
                continue
            nullable = kind[0] == "nullable"
            if required and not nullable:
                if convert in self.arguments:
                    values.append(self.made(convert, value, fresh))
                elif convert in self.consumed:  # a short list mapped here, a long one consumed there
                    v, w = f"v{next(fresh)}", f"v{next(fresh)}"
                    item = self.consumed[convert]
                    # One item (a stream chunk's one choice) made inline; `is not None` only binds it.
                    one = self.made(item, w, fresh)
                    values.append(
                        f"([{one}] if len({v} := {value}) == 1 and ({w} := {v}[0]) is not None"
                        f" else list(map({item}, {v})) if len({v}) < 8 else {convert}({v}))"
                    )
                else:
                    values.append(f"{convert}({value})")
                continue
            v = f"v{next(fresh)}"  # one name per value: an inner model's own would rebind it
            tests = ([f"{v} is None"] if nullable else []) + ([] if required else [f"{v} is UNSET"])
            tests[0] = tests[0].replace(v, f"({v} := {value})", 1)
            made = self.made(convert, v, fresh) if convert in self.arguments else f"{convert}({v})"
            values.append(f"({v} if {' or '.join(tests)} else {made})")
        return f"{name}_model({', '.join(values)})"

    def shape(self, owner: type, kind: Any) -> tuple[Any, str]:
        """A shape's msgspec annotation and the function its values go through ("" when none)."""
        if isinstance(kind, str):
            return _SCALARS[kind], ""
        head = kind[0]
        if head == "enum":
            return Literal[tuple(kind[1:])], ""
        if head == "nullable":
            annotation, convert = self.shape(owner, kind[1])
            return annotation | None, convert
        if head == "model":
            return self.struct(self.resolve(owner, kind[1]))
        if head == "tagged":
            _, field, variants = kind
            union: Any = None
            for value, name in variants:
                struct, _ = self.struct(self.resolve(owner, name), field, value)
                union = struct if union is None else union | struct
            return union, "_any"
        if head == "array":
            annotation, convert = self.shape(owner, kind[1])
            if convert.startswith("_list"):
                raise _Shapeless("array of arrays of models")
            if convert in self.leaves:
                # Models holding no models (most of a large reply's): made in C, no Python frame each.
                self.sources.append(
                    f"def _list{convert}(items):\n"
                    f"    return list(starmap({convert}_model, map(astuple, items)))\n"
                )
            elif convert:
                # Items are taken out of the Struct's list as they become models, so a large
                # reply's Structs are freed while its models are made (peak memory).
                self.sources.append(
                    f"def _list{convert}(items):\n"
                    f"    if len(items) < 8:\n        return list(map({convert}, items))\n"
                    f"    items.reverse()\n    take = items.pop\n"
                    f"    return [{convert}(take()) for _ in range(len(items))]\n"
                )
                self.consumed["_list" + convert] = convert
            return list[annotation], ("_list" + convert if convert else "")  # type: ignore[valid-type]
        raise _Shapeless(str(head))

    def finish(self, model: type) -> _Fast:
        struct, name = self.struct(model)
        source = "\n".join(["_convert = {}", "def _any(s):\n    return _convert[type(s)](s)", *self.sources])
        namespace = self.namespace
        exec(compile(source, f"<wire decoders of {model.__name__}>", "exec"), namespace)
        decoder = self.msgspec.json.Decoder(struct)
        errors = (self.msgspec.DecodeError,)
        return decoder.decode, namespace[name], errors


def fast_decoder(model: type) -> _Fast | None:
    """``model``'s fast path, built on first use: (decode bytes to Structs, Structs to the model,
    the errors of a body msgspec refuses), or None when the model has none."""
    fast = _built.get(model, _UNBUILT)
    return _fast(model) if fast is _UNBUILT else fast


def _fast(model: type) -> _Fast | None:
    try:
        return _built[model]
    except KeyError:
        pass
    with _lock:
        if model not in _built:
            try:
                _built[model] = _Builder().finish(model) if hasattr(model, "_wire_shape") else None
            except _Shapeless:
                _built[model] = None
    return _built[model]


def fast_parse(model: type[M], data: bytes | str) -> M | None:
    """The model of the JSON document ``data`` if msgspec takes it, else None (ask from_dict)."""
    fast = _built.get(model, _UNBUILT)
    if fast is _UNBUILT:
        fast = _fast(model)
    if fast is None:
        return None
    decode, convert, errors = fast
    if type(data) is str:
        try:
            data = data.encode()
        except UnicodeEncodeError:  # a lone surrogate: only json.loads takes it
            return None
    try:
        wire = decode(data)
    except errors:
        return None
    parsed: M = convert(wire)
    return parsed


def model_of(model: type[M], data: bytes | str) -> M:
    """The model of the JSON document ``data``: msgspec's fast path, else ``from_dict(loads(data))``
    (its ValidationError names the path)."""
    fast = _built.get(model, _UNBUILT)
    if fast is _UNBUILT:
        fast = _fast(model)
    if fast is not None and type(data) is bytes:  # a reply's body (text goes through fast_parse)
        decode, convert, errors = fast
        try:
            wire = decode(data)
        except errors:
            return model.from_dict(loads(data))
        parsed: M = convert(wire)
        return parsed
    fast_parsed = fast_parse(model, data)
    return fast_parsed if fast_parsed is not None else model.from_dict(loads(data))
