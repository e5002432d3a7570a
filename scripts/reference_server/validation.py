"""Request-body validation against the spec, with the vendor's 400 message format.

Validation uses openapi_schema_validator's OAS 3.0 validator (it knows `nullable` and
`discriminator`) over a referencing registry holding the whole spec, so `$ref`s resolve
in place and there is no second copy of any schema.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from typing import Any

# jsonschema ships no type stubs and the project pins none.
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from jsonschema.validators import extend  # type: ignore[import-untyped]
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from .spec import load_spec
from .uri import is_uri

SPEC_URI = "urn:reference-server:openapi"
_NULL_ONLY: dict[str, Any] = {"enum": [None]}


class BodyError(ValueError):
    """The request body is not acceptable; str(self) is the client-facing message."""


def allow_null_where_typeless_nullable(node: Any) -> Any:
    """Let `{nullable: true}` without `type` admit null, as the spec's authors mean it.

    OAS 3.0.3 says `nullable` only acts next to `type`, so a strict validator rejects null
    for e.g. `stop: {anyOf: [...], nullable: true}`; the generated client, schemathesis and
    the spec's own overlay notes all read it as "may be null", so the server does too.
    """
    if isinstance(node, list):
        return [allow_null_where_typeless_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: allow_null_where_typeless_nullable(value) for key, value in node.items()}
    if converted.get("nullable") is True and "type" not in converted:
        converted.pop("nullable")
        return {"anyOf": [converted, _NULL_ONLY]}
    return converted


def _guard_discriminator(keyword: str) -> Any:
    """openapi_schema_validator looks the discriminator value up in a dict, so a list or object
    there raises TypeError instead of failing validation; report it as a validation error."""
    original = OAS30Validator.VALIDATORS[keyword]

    def check(validator: Any, subschemas: Any, instance: Any, schema: dict[str, Any]) -> Any:
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(instance, dict):
            value = instance.get(discriminator["propertyName"])
            if value is not None and not isinstance(value, str):
                yield ValidationError(f"{value!r} is not a discriminator value")
                return
        yield from original(validator, subschemas, instance, schema)

    return check


_Validator = extend(
    OAS30Validator, {name: _guard_discriminator(name) for name in ("oneOf", "anyOf", "allOf")}
)
_FORMATS = FormatChecker(formats=())
_FORMATS.checkers = {**oas30_format_checker.checkers}
_FORMATS.checks("uri")(is_uri)


@functools.cache
def _registry() -> Registry[Any]:
    spec = allow_null_where_typeless_nullable(copy.deepcopy(load_spec()))
    resource: Resource[Any] = Resource.from_contents(spec, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@functools.cache
def validator_for(ref: str) -> Any:
    """A validator for a spec-local reference such as `#/components/schemas/ChatCompletion`."""
    return _Validator({"$ref": f"{SPEC_URI}{ref}"}, registry=_registry(), format_checker=_FORMATS)


def schema_errors(ref: str, instance: Any) -> list[ValidationError]:
    return list(validator_for(ref).iter_errors(instance))


def field_path(parts: Iterable[str | int]) -> str:
    """`["messages", 0, "role"]` -> `messages[0].role`; the whole body is `body`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _describe(error: ValidationError) -> tuple[list[str | int], str]:
    path: list[str | int] = list(error.absolute_path)
    keyword = error.validator
    discriminator = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if keyword in ("oneOf", "anyOf") and isinstance(discriminator, dict) and not error.context:
        # The discriminating property itself is wrong; name it rather than the whole object.
        name = discriminator["propertyName"]
        present = isinstance(error.instance, dict) and name in error.instance
        options = ", ".join(json.dumps(key) for key in discriminator.get("mapping", {}))
        return [*path, name], f"expected one of {options}" if present else "is required"
    if keyword == "required" and isinstance(error.validator_value, list):
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = next((name for name in error.validator_value if name not in instance), None)
        if missing is not None:
            return [*path, missing], "is required"
    if keyword == "type":
        return path, f"expected {error.validator_value}"
    if keyword == "enum":
        return path, "expected one of " + ", ".join(json.dumps(v) for v in error.validator_value)
    if keyword == "minimum":
        return path, f"expected a number >= {error.validator_value}"
    if keyword == "maximum":
        return path, f"expected a number <= {error.validator_value}"
    if keyword == "additionalProperties":
        return path, f"unexpected property ({error.message})"
    return path, error.message


def check_request_body(ref: str, body: Any) -> None:
    """Raise BodyError naming the most relevant failing field, if `body` breaks the schema."""
    error = best_match(validator_for(ref).iter_errors(body))
    if error is not None:
        path, expected = _describe(error)
        raise BodyError(f"Body validation error: {field_path(path)}: {expected}")


def _reject_constant(name: str) -> Any:
    raise BodyError(f"Body validation error: body: {name} is not valid JSON")


def parse_json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"Body validation error: body: expected a JSON document ({exc})") from exc
