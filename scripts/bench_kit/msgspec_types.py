"""The msgspec baselines of the parse rows, built from the resolved spec (the package's copy):
msgspec Structs matching each schema, and attrs "twins" of the generated classes (the JSON field
names, ``msgspec.UNSET`` for absent fields, and the generated classes' ``additional_properties``)
that msgspec decodes into directly. Bench only: what the client does is
measured against what msgspec does with the same schemas."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable
from importlib.resources import files
from typing import Any, Literal

import attrs
import msgspec

Schema = dict[str, Any]
ADDITIONAL = "additional_properties"


def _spec_schemas() -> dict[str, Schema]:
    spec = json.loads((files("aimlapi_gemini") / "openapi.json").read_text())
    schemas: dict[str, Schema] = spec["components"]["schemas"]
    return schemas


class _Builder:
    """One schema name → one decoder type, made once (recursive schemas refer to the name)."""

    def __init__(self, make_class: Callable[[str, list[tuple[str, Any, bool]], str | None], Any]) -> None:
        self.schemas = _spec_schemas()
        self.made: dict[str, Any] = {}
        self.make_class = make_class

    def named(self, name: str, tag: str | None = None) -> Any:
        key = f"{name}#{tag}" if tag else name
        if key not in self.made:
            schema = self.schemas[name]
            if schema.get("type") != "object" and "properties" not in schema:
                self.made[key] = self.of(schema)
            else:
                required = set(schema.get("required", ()))
                fields = [
                    (field, self.of(sub), field in required)
                    for field, sub in schema.get("properties", {}).items()
                    if field != tag
                ]
                self.made[key] = self.make_class(name, fields, tag and schema["properties"][tag]["enum"][0])
        return self.made[key]

    def of(self, schema: Schema) -> Any:
        if "$ref" in schema:
            return self.named(schema["$ref"].rsplit("/", 1)[1])
        members = schema.get("oneOf") or schema.get("anyOf")
        if members:
            tag = schema.get("discriminator", {}).get("propertyName")
            if tag:
                return self._union([self.named(m["$ref"].rsplit("/", 1)[1], tag) for m in members])
            return self._union([self.of(m) for m in members])
        if "enum" in schema:
            return Literal[tuple(schema["enum"])]
        kinds = schema.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else kinds
        return self._union([self._kind(kind, schema) for kind in kinds] or [Any])

    def _kind(self, kind: str, schema: Schema) -> Any:
        if kind == "array":
            return list[self.of(schema.get("items", {}))]  # type: ignore[misc]
        if kind == "object":
            return dict[str, Any]
        simple = {"string": str, "integer": int, "number": int | float, "boolean": bool, "null": None}
        return simple[kind]

    def _union(self, types: list[Any]) -> Any:
        if len(types) == 1:
            return types[0]
        if sum(1 for t in types if isinstance(t, type) and attrs.has(t)) > 1:
            # msgspec decodes into one attrs class per union at most: a union of twins is taken
            # as plain JSON values, a cost close to that of a twin.
            return Any
        return functools.reduce(operator.or_, types)


def _struct(name: str, fields: list[tuple[str, Any, bool]], tag: str | None) -> Any:
    spec: list[tuple[str, Any] | tuple[str, Any, Any]] = [(f, t) for f, t, required in fields if required]
    spec += [(f, t | msgspec.UnsetType, msgspec.UNSET) for f, t, required in fields if not required]
    options: dict[str, Any] = {"tag_field": "type", "tag": tag} if tag else {}
    return msgspec.defstruct(name, spec, **options)


def _twin(name: str, fields: list[tuple[str, Any, bool]], tag: str | None, *, lean: bool = False) -> Any:
    ordered = sorted(fields, key=lambda f: not f[2])
    attributes = {
        f: attrs.field(type=t) if required else attrs.field(type=t, default=msgspec.UNSET)
        for f, t, required in ordered
    }
    # As the generated classes have it: msgspec decoding straight into them fills it from its
    # factory, one empty dict per object (never from the JSON: an unknown field is ignored).
    if not lean:
        attributes[ADDITIONAL] = attrs.field(type=dict[str, Any], factory=dict)
    return attrs.make_class(f"{name}{'Lean' if lean else ''}Twin", attributes, slots=True)


def struct_decoder(schema_name: str) -> msgspec.json.Decoder[Any]:
    """A decoder of the schema's msgspec Struct."""
    return msgspec.json.Decoder(_Builder(_struct).named(schema_name))


def twin_decoder(schema_name: str, *, lean: bool = False) -> msgspec.json.Decoder[Any]:
    """A decoder of the schema's attrs twin; ``lean``: without ``additional_properties`` (no dict
    per object: the floor no class with that field reaches)."""
    make = functools.partial(_twin, lean=True) if lean else _twin
    return msgspec.json.Decoder(_Builder(make).named(schema_name))
