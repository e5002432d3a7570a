"""Unions of models: which property tells the alternatives apart (a discriminator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelFacts:
    """What a union's rules need to know of one object model."""

    name: str
    """The model's class name."""
    required: tuple[str, ...]
    """The JSON names of its required properties, in the schema's order."""
    literals: Mapping[str, str]
    """Each required property whose schema allows one string value, with that value."""

    @property
    def literal_pairs(self) -> tuple[tuple[str, str], ...]:
        """``literals`` as (name, value) pairs in ``required``'s order (a stable Python literal)."""
        return tuple((name, self.literals[name]) for name in self.required if name in self.literals)


@dataclass(frozen=True)
class Discriminator:
    """The property whose value says which variant of a union an object is."""

    key: str
    values: tuple[str, ...]
    """The value of ``key`` of each variant, in the union's order."""


def discriminator(variants: Sequence[ModelFacts | None]) -> Discriminator | None:
    """The first property that every variant requires with one literal value, distinct per
    variant, or None. ``None`` stands for a variant that is no object model (a string, a list):
    a union with one has no discriminator. The first variant's required properties are tried in
    its order, so the tag is the one the schema lists first (a message's ``role``)."""
    if len(variants) < 2 or any(variant is None for variant in variants):
        return None
    models = [variant for variant in variants if variant is not None]
    for key in models[0].required:
        values = tuple(model.literals.get(key, "") for model in models)
        if all(values) and len(set(values)) == len(values):
            return Discriminator(key, values)
    return None


def required_literals(schema: Mapping[str, Any]) -> dict[str, str]:
    """The required properties of an object schema that allow one string value (``enum: [x]``),
    with that value. A property given as a ``$ref`` is not looked into."""
    properties = schema.get("properties") or {}
    literals: dict[str, str] = {}
    for name in schema.get("required") or []:
        enum = (properties.get(name) or {}).get("enum")
        if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str) and enum[0]:
            literals[name] = enum[0]
    return literals
