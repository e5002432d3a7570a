"""Turn an OpenAPI 3.0 document into OpenAPI 3.1.0 (a pure function on dicts).

OpenAPI 3.1 schemas are JSON Schema 2020-12, which every JSON Schema tool reads the same way;
3.0's schema dialect has keywords only OpenAPI tools know, and they read some of them
differently (``nullable`` next to ``anyOf`` is "may be null" to some, nothing to others).
The conversion keeps what the 3.0 author meant:

* ``nullable: true`` with a ``type`` adds ``"null"`` to the type (and ``None`` to an ``enum``);
  without a ``type``, next to ``anyOf``/``oneOf`` it adds a ``{"type": "null"}`` alternative,
  next to ``$ref``/``allOf`` (or an ``enum``/``const`` that excludes null) the schema becomes
  ``anyOf: [<schema>, {"type": "null"}]``. A schema with neither admits null already.
  ``nullable: false`` says nothing and goes. A member of an ``anyOf``/``oneOf`` that says only
  ``nullable: true`` (it would admit anything) is the ``{"type": "null"}`` its author meant.
* ``example: v`` becomes ``examples: [v]`` (schemas only; media types and parameters keep
  their ``example``, which 3.1 still has).
* Boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric bound they qualify.
* ``jsonSchemaDialect`` names JSON Schema 2020-12, which the converted schemas are. Without it
  3.1 means its own OAS dialect, which tools that do not know it read as something else
  (Prism 5.16 compiles such schemas as draft-07, where ``if``/``contentSchema`` and 2020-12's
  ``$ref`` siblings differ). The OAS dialect only adds ``discriminator``, ``xml``,
  ``externalDocs`` and ``example``; under plain 2020-12 a ``discriminator`` is an annotation,
  and the ``oneOf`` beside it says the same.

A document that is 3.1 already passes through, unless it still uses the 3.0-only keywords
(then it is an error: in 3.1 they would be ignored silently). ``format: binary``/``byte``
keep their meaning in 3.1 (openapi-python-client reads them), so they stay.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from . import json_pointer

OPENAPI_31 = "3.1.0"
JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is one subschema, a list of subschemas, or a map of name -> subschema.
_ONE_SCHEMA = (
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
)
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
# Keywords that only describe a schema; they stay outside when a schema is wrapped in anyOf.
_ANNOTATIONS = ("title", "description", "deprecated", "readOnly", "writeOnly", "examples", "default")
_NULL: dict[str, Any] = {"type": "null"}


class OpenApiVersionError(ValueError):
    """The document's version cannot be converted, or a 3.1 document uses 3.0-only keywords."""


def _pointer(path: tuple[str | int, ...]) -> str:
    return json_pointer.join(*path)


def _subschemas(schema: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    for key in _ONE_SCHEMA:
        if isinstance(schema.get(key), dict):
            yield (key,), schema[key]
    if isinstance(schema.get("items"), list):  # 3.0 forbids it, but JSON Schema drafts had it
        yield from (((("items", i)), item) for i, item in enumerate(schema["items"]))
    for key in _SCHEMA_LIST:
        if isinstance(schema.get(key), list):
            yield from (((key, i), item) for i, item in enumerate(schema[key]))
    for key in _SCHEMA_MAP:
        if isinstance(schema.get(key), dict):
            yield from (((key, name), item) for name, item in schema[key].items())


def _schema_roots(document: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every schema object outside other schemas: components.schemas and every `schema` field."""
    for name, schema in (document.get("components", {}).get("schemas") or {}).items():
        if isinstance(schema, dict):
            yield ("components", "schemas", name), schema

    def visit(
        node: Any, path: tuple[str | int, ...]
    ) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from visit(item, (*path, index))
        elif isinstance(node, dict):
            for key, value in node.items():
                # Example values are data, and extensions are not OpenAPI's.
                if key in ("example", "examples") or (isinstance(key, str) and key.startswith("x-")):
                    continue
                if key == "schema" and isinstance(value, dict):
                    yield (*path, key), value
                else:
                    yield from visit(value, (*path, key))

    for key, value in document.items():
        if key != "components":
            yield from visit(value, (key,))
    for kind, items in (document.get("components") or {}).items():
        if kind != "schemas":
            yield from visit(items, ("components", kind))


def every_schema(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every schema object of ``document``, nested ones included (not example values)."""

    def within(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield schema
        for _, child in _subschemas(schema):
            if isinstance(child, dict):
                yield from within(child)

    for _, root in list(_schema_roots(document)):
        yield from within(root)


def _exclusive_bound(schema: dict[str, Any], exclusive: str, inclusive: str) -> None:
    flag = schema.get(exclusive)
    if not isinstance(flag, bool):
        return
    del schema[exclusive]
    if flag and inclusive in schema:
        schema[exclusive] = schema.pop(inclusive)


def _add_null(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str | list):
        kinds = [kind] if isinstance(kind, str) else list(kind)
        schema["type"] = kinds if "null" in kinds else [*kinds, "null"]
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    excludes_null = any(key in schema for key in ("$ref", "allOf", "not", "enum", "const"))
    for key in ("anyOf", "oneOf"):
        if key in schema and not excludes_null and not (key == "oneOf" and "anyOf" in schema):
            if _NULL not in schema[key]:
                schema[key] = [*schema[key], dict(_NULL)]
            return schema
    if not excludes_null:
        return schema  # no type and no combinator: it admits null (and everything else) already
    outer = {key: schema.pop(key) for key in _ANNOTATIONS if key in schema}
    return {**outer, "anyOf": [schema, dict(_NULL)]}


def _means_null(member: Any) -> bool:
    """A union member that says only ``nullable: true`` (the vendor's way of adding null to an
    ``anyOf``): read literally it admits anything, which no author of such a member means."""
    return (
        isinstance(member, dict)
        and member.get("nullable") is True
        and all(key == "nullable" or key in _ANNOTATIONS for key in member)
    )


def _upgrade_schema(schema: dict[str, Any]) -> dict[str, Any]:
    for key in ("anyOf", "oneOf"):
        members = schema.get(key)
        if isinstance(members, list) and len(members) > 1:
            schema[key] = [
                {**{k: v for k, v in m.items() if k in _ANNOTATIONS}, **_NULL} if _means_null(m) else m
                for m in members
            ]
    for path, child in list(_subschemas(schema)):
        if isinstance(child, dict):
            container: Any = schema
            for step in path[:-1]:
                container = container[step]
            container[path[-1]] = _upgrade_schema(child)
    _exclusive_bound(schema, "exclusiveMinimum", "minimum")
    _exclusive_bound(schema, "exclusiveMaximum", "maximum")
    if "example" in schema:
        example = schema.pop("example")
        examples = schema.get("examples")
        schema["examples"] = [*(examples if isinstance(examples, list) else []), example]
    if schema.pop("nullable", False) is True:
        schema = _add_null(schema)
    return schema


def _leftovers(schema: dict[str, Any], path: tuple[str | int, ...]) -> Iterator[str]:
    if "nullable" in schema:
        yield f"{_pointer(path)}: nullable"
    for keyword in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(schema.get(keyword), bool):
            yield f"{_pointer(path)}: boolean {keyword}"
    for sub_path, child in _subschemas(schema):
        if isinstance(child, dict):
            yield from _leftovers(child, (*path, *sub_path))


def _enum_for_const(schema: dict[str, Any]) -> None:
    if "const" in schema and "enum" not in schema:
        schema["enum"] = [schema.pop("const")]
    for _, child in _subschemas(schema):
        if isinstance(child, dict):
            _enum_for_const(child)


def consts_as_enums(document: dict[str, Any]) -> dict[str, Any]:
    """A copy in which every ``const: v`` (JSON Schema 2020-12) is the ``enum: [v]`` it equals:
    the one form the pipeline, the overlay's filters and the tests read a literal in (a message's
    ``role``, a part's ``type``), whichever of the two a document writes."""
    result = copy.deepcopy(document)
    for _, schema in _schema_roots(result):
        _enum_for_const(schema)
    return result


def _upgrade_schemas(document: dict[str, Any]) -> None:
    for path, schema in list(_schema_roots(document)):
        container: Any = document
        for step in path[:-1]:
            container = container[step]
        container[path[-1]] = _upgrade_schema(schema)


def check_31_keywords(document: dict[str, Any]) -> None:
    """Raise OpenApiVersionError when an OpenAPI 3.1 document uses 3.0-only keywords (which 3.1
    ignores: what its author meant is unknown); a 3.0 document is left to the upgrade."""
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1."):
        return
    problems = [problem for path, schema in _schema_roots(document) for problem in _leftovers(schema, path)]
    if problems:
        raise OpenApiVersionError(
            f"an OpenAPI {version} document uses OpenAPI 3.0-only keywords, which 3.1 ignores: "
            + "; ".join(problems[:5])
        )


def upgrade_to_openapi_31(document: dict[str, Any], *, overlaid: bool = False) -> dict[str, Any]:
    """Return a copy of an OpenAPI 3.0.x document as OpenAPI 3.1.0 (3.1 documents are checked).

    ``overlaid``: the 3.0-only keywords of a 3.1 document are the overlay's, whose corrections
    are written for the vendor's 3.0 documents (the vendor's own were checked before it applied,
    ``check_31_keywords``), and are upgraded as in a 3.0 document."""
    version = str(document.get("openapi", ""))
    result = copy.deepcopy(document)
    if version.startswith("3.1.") and overlaid:
        _upgrade_schemas(result)
        return result
    if version.startswith("3.1."):
        check_31_keywords(result)
        return result
    if not version.startswith("3.0."):
        raise OpenApiVersionError(
            f"cannot convert OpenAPI {version or '(no version)'} to 3.1; expected 3.0.x"
        )
    _upgrade_schemas(result)
    # The dialect goes right after the version, where a reader of the document looks for it.
    rest = {key: value for key, value in result.items() if key not in ("openapi", "jsonSchemaDialect")}
    return {"openapi": OPENAPI_31, "jsonSchemaDialect": JSON_SCHEMA_2020_12, **rest}
