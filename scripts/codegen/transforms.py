"""Structural transforms on a parsed OpenAPI document (pure functions on dicts)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from . import json_pointer

_REF_PREFIX = "#/components/"


class SpecError(ValueError):
    """The document cannot be transformed as asked (e.g. two different schemas claim one name)."""


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def prune_components(document: dict[str, Any]) -> dict[str, Any]:
    """Drop every component the operations never reach (directly or through other components).

    Vendor documents ship the schemas of their whole gateway; generating them all gives
    ~1,500 files a user of this one operation never needs.
    """
    result = copy.deepcopy(document)
    components: dict[str, dict[str, Any]] = result.get("components", {})
    reachable: set[tuple[str, str]] = set()
    # Security schemes are referenced by name, not by $ref.
    for requirement in [*result.get("security", [])] + [
        req
        for item in result.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict)
        for req in op.get("security", [])
    ]:
        reachable.update(("securitySchemes", name) for name in requirement)

    pending = list(_refs(result.get("paths", {})))
    while pending:
        ref = pending.pop()
        if not ref.startswith(_REF_PREFIX):
            continue
        kind, _, name = ref[len(_REF_PREFIX) :].partition("/")
        name = json_pointer.unescape(name)
        if (kind, name) in reachable or name not in components.get(kind, {}):
            continue
        reachable.add((kind, name))
        pending.extend(_refs(components[kind][name]))

    for kind in list(components):
        kept = {name: value for name, value in components[kind].items() if (kind, name) in reachable}
        if kept:
            components[kind] = kept
        elif kind == "schemas":
            components[kind] = {}
        else:
            del components[kind]
    return result


_SCHEMA_KEYS = {"type", "properties", "items", "anyOf", "oneOf", "allOf", "enum", "additionalProperties"}


def hoist_titled_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Move every inline schema that has a ``title`` into ``components/schemas/<title>``.

    The overlay names inline schemas by giving them a title (portable: other tools use titles
    too); this turns each into a named component referenced by ``$ref``, so the resolved spec
    and the generated models share one vocabulary. Inner schemas are hoisted first, so a
    component refers to its named parts. Two different schemas with one title are an error.
    """
    result = copy.deepcopy(document)
    schemas: dict[str, Any] = result.setdefault("components", {}).setdefault("schemas", {})

    def visit(node: Any, is_component_root: bool = False) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        for key, value in list(node.items()):
            # Examples hold data, not schemas; `properties` maps names to schemas.
            if key in ("example", "examples"):
                continue
            node[key] = visit(value)
        title = node.get("title")
        if is_component_root or not isinstance(title, str) or not (_SCHEMA_KEYS & node.keys()):
            return node
        existing = schemas.get(title)
        if existing is not None and existing != node:
            raise SpecError(f"two different inline schemas are both titled {title!r}")
        schemas[title] = node
        return {"$ref": f"#/components/schemas/{title}"}

    result["paths"] = visit(result.get("paths", {}))
    for name in list(schemas):
        schemas[name] = visit(schemas[name], is_component_root=True)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result
