"""What a schema says, read the same way on both documents: its types, nullability, enum values,
alternatives and declared properties. Pure functions; no judging here.

JSON Schema 2020-12 nullability is read both ways it is written: ``"null"`` in ``type`` (or
``null`` in an ``enum``) and a ``{type: "null"}`` alternative of ``anyOf``/``oneOf``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .. import json_pointer
from .rules import OTHER_ASSERTIONS

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords that only describe; a change to one never changes what is valid.
ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "summary",
        "examples",
        "example",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "format",  # an annotation in 2020-12; the client does not check it
        "contentMediaType",
        "externalDocs",
        "xml",
    }
)
# (keyword, True when a larger value accepts more)
BOUNDS: dict[str, bool] = {
    "minimum": False,
    "exclusiveMinimum": False,
    "maximum": True,
    "exclusiveMaximum": True,
    "minLength": False,
    "maxLength": True,
    "minItems": False,
    "maxItems": True,
    "minProperties": False,
    "maxProperties": True,
}
# Bounds the generated client checks in replies (README, Validation): a wider one there breaks.
RESPONSE_CHECKED_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"})
COMPOSITIONS = ("allOf", "anyOf", "oneOf")
# Keywords the walker compares by a rule of their own (any other is "keyword-changed").
HANDLED = (
    ANNOTATIONS
    | set(BOUNDS)
    | set(OTHER_ASSERTIONS)
    | set(COMPOSITIONS)
    | {
        "$ref",
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "discriminator",
        "if",
        "then",
        "else",
        "contentSchema",
        "contentEncoding",
    }
)


def operations(document: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Every operation of the document by (path, method)."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item, Mapping) and isinstance(item.get(method), Mapping):
                found[(path, method)] = item[method]
    return found


def deref(node: Any, document: Mapping[str, Any]) -> Any:
    """Follow a bare ``$ref`` (one with no sibling keywords) to what it points at."""
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and len(node) == 1:
        node = json_pointer.resolve(document, node["$ref"])
    return node


def inline_ref(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """A schema with a ``$ref`` compared against one without: read the target in place."""
    target = json_pointer.resolve(document, schema["$ref"])
    merged = dict(target) if isinstance(target, Mapping) else {}
    merged.update({k: v for k, v in schema.items() if k != "$ref"})
    return merged


def types(schema: Mapping[str, Any]) -> set[str] | None:
    """The non-null types a schema names (``None`` when it names none)."""
    raw = schema.get("type")
    if raw is None:
        return None
    values = {raw} if isinstance(raw, str) else set(raw)
    return (values - {"null"}) or {"null"}


def type_difference(a: set[str], b: set[str]) -> set[str]:
    """Types in ``a`` whose values ``b`` does not accept (``number`` accepts every ``integer``)."""
    return {t for t in a if t not in b and not (t == "integer" and "number" in b)}


def is_null_schema(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (schema.get("type") == "null" or schema.get("type") == ["null"])


def nullable(schema: Mapping[str, Any]) -> bool:
    raw = schema.get("type")
    if raw == "null" or (isinstance(raw, list) and "null" in raw):
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"] and raw is None:
        return True
    return any(is_null_schema(alt) for key in ("anyOf", "oneOf") for alt in schema.get(key) or [])


def has_alternatives(schema: Mapping[str, Any]) -> bool:
    return bool(schema.get("anyOf") or schema.get("oneOf") or schema.get("$ref"))


def enum(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    # null in an enum is nullability, judged by its own rule
    return [v for v in values if v is not None] if isinstance(values, list) else None


def _alternative_key(schema: Any, index: int) -> str:
    """What identifies an alternative across revisions: its $ref, title, tag or type."""
    if is_null_schema(schema):
        return "null"
    if not isinstance(schema, Mapping):
        return f"#{index}"
    if isinstance(schema.get("$ref"), str):
        return "ref:" + str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("title"):
        return "title:" + str(schema["title"])
    for name, prop in (schema.get("properties") or {}).items():
        values = enum(prop) if isinstance(prop, Mapping) else None
        if values and len(values) == 1:
            return f"tag:{name}={values[0]}"
    raw = schema.get("type")
    if raw is not None:
        return "type:" + json.dumps(raw, sort_keys=True) + (":items" if "items" in schema else "")
    return f"#{index}"


def keyed_alternatives(alternatives: list[Any]) -> dict[str, tuple[int, Any]]:
    """The non-null alternatives of an ``anyOf``/``oneOf`` by identity, with their index."""
    keyed: dict[str, tuple[int, Any]] = {}
    for index, schema in enumerate(alternatives):
        key = _alternative_key(schema, index)
        if key == "null":
            continue  # nullability has its own rule
        while key in keyed:
            key += f"#{index}"
        keyed[key] = (index, schema)
    return keyed


def declared_in_alternatives(
    schema: Mapping[str, Any], document: Mapping[str, Any], depth: int = 0
) -> set[str]:
    """Property names the ``allOf``/``anyOf``/``oneOf`` alternatives of ``schema`` declare (any depth)."""
    names: set[str] = set()
    if depth > 8:  # a recursive schema: deep enough to find a moved property
        return names
    for key in COMPOSITIONS:
        for alternative in schema.get(key) or []:
            alternative = deref(alternative, document)
            if isinstance(alternative, Mapping) and isinstance(alternative.get("$ref"), str):
                alternative = inline_ref(document, alternative)
            if isinstance(alternative, Mapping):
                names.update(alternative.get("properties") or {})
                names.update(declared_in_alternatives(alternative, document, depth + 1))
    return names


def label(schema: Any) -> Any:
    """A short stand-in for a schema in the report's before/after."""
    if isinstance(schema, Mapping):
        if "$ref" in schema:
            return schema["$ref"]
        if "title" in schema:
            return schema["title"]
        if "type" in schema:
            return {"type": schema["type"]}
    return schema
