"""Were valid requests still valid? Example values built from the OLD schema, validated against the
NEW one with the JSON Schema 2020-12 validator ($refs resolved in each whole document).

A change that only restructures a schema (a property moved into ``oneOf`` alternatives, an
alternative folded into another) cannot be judged by comparing paths: the question is whether
what users sent before still fits. The builder is small and deterministic: from ``const``,
``enum``, ``examples``, ``type`` with its bounds, ``required``, ``properties``, ``items`` and the
alternatives, it makes the smallest value, the fullest one and one variant per further value of
each property; every candidate that the old schema itself refuses is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .. import json_pointer
from .schema_facts import COMPOSITIONS

OLD_URI = "urn:aimlapi-gemini:old-spec"
NEW_URI = "urn:aimlapi-gemini:new-spec"
_EXAMPLES_PER_SCHEMA = 24
_MAX_DEPTH = 6  # recursive schemas stop here (a value deeper than this is not needed to judge)


def _absolute_refs(node: Any, uri: str) -> Any:
    """``node`` with every local ``$ref`` made absolute, so it resolves in the document at ``uri``."""
    if isinstance(node, Mapping):
        return {
            key: uri + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#")
            else _absolute_refs(value, uri)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item, uri) for item in node]
    return node


def validator(schema: Any, document: Mapping[str, Any], uri: str) -> Draft202012Validator:
    """A 2020-12 validator of ``schema`` (a part of ``document``) whose $refs resolve in ``document``."""
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(document))
    return Draft202012Validator(_absolute_refs(schema, uri), registry=registry)


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """One schema holding both (properties joined, required joined): what a value must fit in allOf."""
    merged = {**base, **extra}
    merged["properties"] = {**(base.get("properties") or {}), **(extra.get("properties") or {})}
    merged["required"] = sorted(set(base.get("required") or []) | set(extra.get("required") or []))
    return merged


def _unique(values: list[Any]) -> list[Any]:
    seen: set[str] = set()
    kept = []
    for value in values:
        key = json.dumps(value, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


class ExampleBuilder:
    """Values valid against schemas of one document."""

    def __init__(self, document: Mapping[str, Any], uri: str = OLD_URI) -> None:
        self.document = document
        self.uri = uri

    def examples(self, schema: Any, depth: int = 0) -> list[Any]:
        """Up to a few dozen distinct values ``schema`` accepts (none when none could be built)."""
        if schema is False or depth > _MAX_DEPTH:
            return []
        if schema is True or not isinstance(schema, Mapping):
            return ["text"]
        accepts: Callable[[Any], bool] = validator(schema, self.document, self.uri).is_valid
        return [value for value in _unique(self._candidates(schema, depth)) if accepts(value)][
            :_EXAMPLES_PER_SCHEMA
        ]

    def _candidates(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        if isinstance(schema.get("$ref"), str):
            target = json_pointer.resolve(self.document, schema["$ref"])
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return self.examples(_merge(target, rest) if rest else target, depth + 1)
        if "const" in schema:
            return [schema["const"]]
        if isinstance(schema.get("enum"), list):
            return list(schema["enum"])
        found: list[Any] = list(schema.get("examples") or [])
        if "example" in schema:
            found.append(schema["example"])
        if schema.get("allOf"):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if isinstance(part, Mapping) and isinstance(part.get("$ref"), str):
                    part = _merge(
                        json_pointer.resolve(self.document, part["$ref"]),
                        {k: v for k, v in part.items() if k != "$ref"},
                    )
                if isinstance(part, Mapping):
                    merged = _merge(merged, part)
            return found + self._candidates(merged, depth + 1)
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                base = {k: v for k, v in schema.items() if k not in COMPOSITIONS}
                for alternative in schema[key]:
                    found += self.examples(
                        _merge(base, alternative) if isinstance(alternative, Mapping) else alternative,
                        depth + 1,
                    )
                return found
        raw = schema.get("type")
        kinds = (
            [raw]
            if isinstance(raw, str)
            else list(raw)
            if isinstance(raw, list)
            else self._implied_types(schema)
        )
        for kind in kinds:
            found += self._of_type(kind, schema, depth)
        return found

    @staticmethod
    def _implied_types(schema: Mapping[str, Any]) -> list[str]:
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return ["object"]
        if "items" in schema or "prefixItems" in schema:
            return ["array"]
        return ["string", "integer"]

    def _of_type(self, kind: str, schema: Mapping[str, Any], depth: int) -> list[Any]:
        if kind == "null":
            return [None]
        if kind == "boolean":
            return [True, False]
        if kind == "string":
            length = max(int(schema.get("minLength", 0)), min(4, int(schema.get("maxLength", 4))))
            return ["text"[:length] if length <= 4 else "x" * length]
        if kind in ("integer", "number"):
            return self._numbers(kind, schema)
        if kind == "array":
            return self._arrays(schema, depth)
        if kind == "object":
            return self._objects(schema, depth)
        return []

    @staticmethod
    def _numbers(kind: str, schema: Mapping[str, Any]) -> list[Any]:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        values: list[Any] = [v for v in (schema.get("minimum"), schema.get("maximum")) if v is not None]
        values += [0, 1]
        if kind == "number":
            # a fraction shows whether only integers are accepted now
            values += [(low + high) / 2] if low is not None and high is not None else [0.5]
        elif "exclusiveMinimum" in schema:
            values.append(int(schema["exclusiveMinimum"]) + 1)
        return values

    def _arrays(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        items = self.examples(schema.get("items", True), depth + 1)
        count = max(int(schema.get("minItems", 0)), 1)
        arrays: list[Any] = [] if schema.get("minItems") else [[]]
        return arrays + [[item] * count for item in items]

    def _objects(self, schema: Mapping[str, Any], depth: int) -> list[Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        values = {name: self.examples(sub, depth + 1) for name, sub in properties.items()}
        if any(name in properties and not values[name] for name in required):
            return []  # a required property without a value: no valid object from here
        smallest = {name: values[name][0] if name in values else "text" for name in required}
        fullest = {**smallest, **{name: found[0] for name, found in values.items() if found}}
        variants = [{**fullest, name: value} for name, found in values.items() for value in found[1:]]
        return [smallest, fullest, *variants]


@dataclass(frozen=True)
class Rejection:
    """A value the old schema accepted and the new one refuses, with the validator's reason."""

    example: Any
    reason: str


@dataclass(frozen=True)
class Judgement:
    checked: int
    rejected: list[Rejection]

    def detail(self) -> str:
        if not self.checked:
            return "no example could be built from the old schema, so it is judged as rejected"
        if not self.rejected:
            return f"all {self.checked} values built from the old schema are valid under the new one"
        first = self.rejected[0]
        text = json.dumps(first.example, sort_keys=True, default=str)
        text = text if len(text) <= 120 else text[:117] + "..."
        return f"{len(self.rejected)} of {self.checked} values built from the old schema are rejected, e.g. {text}: {first.reason}"

    @property
    def still_valid(self) -> bool:
        return bool(self.checked) and not self.rejected


def judge(
    old_schema: Any, old_document: Mapping[str, Any], new_schema: Any, new_document: Mapping[str, Any]
) -> Judgement:
    """Build values from ``old_schema`` and check each against ``new_schema``."""
    examples = ExampleBuilder(old_document).examples(old_schema)
    checker = validator(new_schema, new_document, NEW_URI)
    rejected = []
    for example in examples:
        error = best_match(checker.iter_errors(example))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            rejected.append(Rejection(example, f"{error.message}" + (f" (at /{where})" if where else "")))
    return Judgement(len(examples), rejected)
