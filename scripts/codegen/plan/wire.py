"""The reply decoder's view of each model (``_wire`` in model.py.jinja, read by ``_wire.py``).

A model whose whole tree msgspec can check exactly as ``from_dict`` does gets a ``wire`` shape:
per field its JSON name, attribute, type and whether it is required. msgspec decodes a body into
Structs built from these shapes and the models are made from the Structs without checking again;
whatever msgspec refuses is parsed by ``from_dict``, whose answer (a model or the error with its
path) is the one given. So a shape may be stricter than the schema (that costs the fast path, never
a wrong answer) but never looser: a keyword this module does not know makes the model shapeless.

Type shapes, as nested tuples (plain data, so the generated code holds no msgspec types):
``"string" | "integer" | "number" | "boolean" | "null"``, ``("enum", value, ...)``,
``("array", item)``, ``("model", class_name)``, ``("tagged", field, ((value, class_name), ...))``
(a discriminated union of models) and ``("nullable", shape)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .models import format_check

Shape = Any
Schema = Mapping[str, Any]

_ANNOTATIONS = frozenset({"description", "title", "examples", "example", "deprecated", "default", "format"})
# x-replay-as: which request model a reply goes back as (plan/replays.py), nothing of parsing.
_MODEL_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "x-replay-as"})
_SCALARS = frozenset({"string", "integer", "number", "boolean", "null"})


class _Shapeless(Exception):
    """A schema msgspec cannot check exactly as from_dict does."""


@dataclass(frozen=True)
class WireField:
    json_name: str
    attribute: str
    shape: Shape
    required: bool


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


class _Shapes:
    def __init__(self, schemas: Mapping[str, Schema], classes: Mapping[str, str]) -> None:
        self.schemas = schemas
        self.classes = classes  # schema name -> model class name
        self.checking: set[str] = set()
        self.ok: set[str] = set()

    def model(self, name: str) -> None:
        """Raise _Shapeless unless every field of the model ``name`` (and of those it holds) has a shape."""
        if name in self.ok or name in self.checking:
            return
        self.checking.add(name)
        schema = self.schemas[name]
        if not isinstance(schema, Mapping) or not isinstance(schema.get("properties", {}), Mapping):
            raise _Shapeless(name)
        if set(schema) - _ANNOTATIONS - _MODEL_KEYWORDS:
            raise _Shapeless(name)
        if schema.get("type", "object") != "object" or not schema.get("properties"):
            raise _Shapeless(name)  # free-form models keep everything in additional_properties
        for sub in schema["properties"].values():
            self.shape(sub)
        self.checking.discard(name)
        self.ok.add(name)

    def ref(self, ref: str) -> Shape:
        name = _ref_name(ref)
        schema = self.schemas[name]
        if name in self.classes and schema.get("type", "object") == "object":
            self.model(name)
            return ("model", self.classes[name])
        return self.shape(schema)  # an enum or scalar schema: the models inline it

    def shape(self, schema: Schema) -> Shape:
        if not isinstance(schema, Mapping):
            raise _Shapeless("a boolean schema")
        if "$ref" in schema:
            if set(schema) - _ANNOTATIONS - {"$ref"}:
                raise _Shapeless("$ref with siblings")
            return self.ref(schema["$ref"])
        if format_check(schema.get("format")):
            raise _Shapeless(f"format {schema['format']}")  # checked by from_dict only
        members = schema.get("anyOf") or schema.get("oneOf")
        if members is not None:
            return self.union(schema, members)
        if set(schema) - _ANNOTATIONS - {"type", "enum", "items", "const"}:
            raise _Shapeless(str(sorted(schema)))
        kinds = schema.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or ())
        if "const" in schema or "enum" in schema:
            values = [schema["const"]] if "const" in schema else list(schema["enum"])
            return self.enum(values, kinds)
        if not kinds:
            raise _Shapeless("no type")
        shapes = [self.kind(kind, schema) for kind in kinds]
        return self.combine(shapes)

    def enum(self, values: Sequence[Any], kinds: Sequence[str]) -> Shape:
        nullable = None in values
        values = [v for v in values if v is not None]
        if not values or not all(isinstance(v, str) for v in values):
            raise _Shapeless("enum of other than strings")
        if kinds and not set(kinds) <= {"string", "null"}:
            raise _Shapeless("enum with other types")
        shape: Shape = ("enum", *values)
        return ("nullable", shape) if nullable and "null" in kinds or (nullable and not kinds) else shape

    def kind(self, kind: str, schema: Schema) -> Shape:
        if kind == "array":
            return ("array", self.shape(schema.get("items") or {"type": []}))
        if kind not in _SCALARS:
            raise _Shapeless(f"type {kind}")  # an inline object: free-form
        return kind

    def union(self, schema: Schema, members: Sequence[Schema]) -> Shape:
        if set(schema) - _ANNOTATIONS - {"anyOf", "oneOf", "discriminator"}:
            raise _Shapeless("union with siblings")
        discriminator = schema.get("discriminator")
        if discriminator:
            field = discriminator["propertyName"]
            variants = []
            for member in members:
                name = _ref_name(member["$ref"])
                tag = self.schemas[name]["properties"][field]
                if list(tag) != ["type", "enum"] or len(tag["enum"]) != 1 or name not in self.classes:
                    raise _Shapeless("discriminator")
                self.model(name)
                variants.append((tag["enum"][0], self.classes[name]))
            if field not in self.schemas[_ref_name(members[0]["$ref"])].get("required", ()):
                raise _Shapeless("optional discriminator")
            return ("tagged", field, tuple(variants))
        return self.combine([self.shape(member) for member in members])

    def combine(self, shapes: Sequence[Shape]) -> Shape:
        """Alternatives msgspec tells apart by JSON type alone: null and one other, or integer and number."""
        others = [s for s in shapes if s != "null"]
        if not others and shapes:
            return "null"
        if set(others) == {"integer", "number"}:
            others = ["number"]
        if len(others) != 1:
            raise _Shapeless("union")
        return ("nullable", others[0]) if "null" in shapes else others[0]


def wire_fields(
    schemas: Mapping[str, Schema], name: str, attributes: Mapping[str, str], classes: Mapping[str, str]
) -> tuple[WireField, ...]:
    """The wire shape of the model of schema ``name`` (``attributes``: JSON name -> attribute;
    ``classes``: schema name -> model class), or ``()`` when it has none."""
    shapes = _Shapes(schemas, classes)
    try:
        shapes.model(name)
    except (_Shapeless, KeyError):
        return ()
    schema = schemas[name]
    required = set(schema.get("required", ()))
    return tuple(
        WireField(json_name, attributes[json_name], shapes.shape(sub), json_name in required)
        for json_name, sub in schema["properties"].items()
    )


def wire_source(fields: Sequence[WireField]) -> str:
    """The Python literal of a model's ``_wire_shape``: (JSON name, attribute, shape, required) per field."""
    return repr(tuple((f.json_name, f.attribute, f.shape, f.required) for f in fields))
