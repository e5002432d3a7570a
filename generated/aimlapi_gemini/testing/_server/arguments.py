# Copied from scripts/package/aimlapi_gemini/testing/_server/arguments.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Example tool-call arguments built from a function's JSON-Schema `parameters`."""

from __future__ import annotations

from typing import Any

_MAX_DEPTH = 6
_MAX_PROPERTIES = 20


def example_arguments(parameters: object, user_text: str) -> dict[str, Any]:
    """A JSON object fitting `parameters`; `{}` when the schema does not describe an object."""
    value = _example(parameters, user_text, "", 0)
    return value if isinstance(value, dict) else {}


def _bounded(schema: dict[str, Any], fallback: float) -> float:
    low, high = schema.get("minimum"), schema.get("maximum")
    value = fallback
    if isinstance(low, int | float) and not isinstance(low, bool):
        value = max(value, low)
    if isinstance(high, int | float) and not isinstance(high, bool):
        value = min(value, high)
    return value


def _example(schema: object, user_text: str, name: str, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    for key in ("default", "example"):
        if key in schema:
            return schema[key]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    kind = schema.get("type")
    if kind == "object" or (kind is None and isinstance(schema.get("properties"), dict)):
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            return {}
        names = [str(key) for key in list(properties)[:_MAX_PROPERTIES]]
        return {key: _example(properties[key], user_text, key, depth + 1) for key in names}
    if kind == "array":
        return [_example(schema.get("items"), user_text, name, depth + 1)]
    if kind == "string":
        words = user_text.split()[:5]
        return " ".join(words) if words else f"example {name}".strip()
    if kind == "integer":
        return int(_bounded(schema, 1))
    if kind == "number":
        return _bounded(schema, 1.5)
    if kind == "boolean":
        return True
    return None
