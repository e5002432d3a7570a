# Copied from scripts/package/aimlapi_gemini/testing/_server/validation.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Request-body validation against the spec, with the vendor's 400 message format.

The spec is OpenAPI 3.1, so its schemas are JSON Schema 2020-12: validation uses
openapi_schema_validator's OAS31Validator (jsonschema's Draft202012Validator plus the OpenAPI
annotation keywords) over a referencing registry holding the whole spec, so `$ref`s resolve
in place and there is no second copy of any schema. `discriminator` is only an annotation in
3.1; it is read here to name the failing field of a message, never to decide validity.

The work per body is bounded by its size, not by how many ways it is wrong: an array's items are
checked up to the first one that fails (jsonschema checks them all, and a union around them
keeps every branch's errors: 10,000 wrong items cost seconds and 100+ MiB), and at most
``MAX_ERRORS`` top-level errors are looked at. One field is named either way.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# jsonschema ships no type stubs and the project pins none.
from jsonschema import FormatChecker, validators  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, relevance  # type: ignore[import-untyped]
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from aimlapi_gemini._uri import is_uri

from .spec import load_spec

SPEC_URI = "urn:reference-server:openapi"
# Top-level errors looked at for the one to report (each is bounded by _first_failing_item).
MAX_ERRORS = 32


class BodyError(ValueError):
    """The request body is not acceptable; str(self) is the client-facing message."""


# The string formats the server checks: the OAS 3.1 checker's, and ``uri`` by the client's own rule.
FORMATS = FormatChecker(formats=())
FORMATS.checkers = {**oas31_format_checker.checkers}
FORMATS.checks("uri")(is_uri)


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _first_failing_item(validator: Any, items: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """2020-12 ``items``, stopping at the first item that fails (its errors are all yielded)."""
    if items is False or not validator.is_type(instance, "array"):
        yield from _ITEMS(validator, items, instance, schema)
        return
    for index in range(len(schema.get("prefixItems", [])), len(instance)):
        errors = list(validator.descend(instance=instance[index], schema=items, path=index))
        if errors:
            yield from errors
            return


_ITEMS = OAS31Validator.VALIDATORS["items"]
_BoundedValidator = validators.extend(OAS31Validator, {"items": _first_failing_item})


@functools.cache
def validator_for(ref: str) -> Any:
    """A validator for a spec-local reference such as `#/components/schemas/ChatCompletion`."""
    return _BoundedValidator({"$ref": f"{SPEC_URI}{ref}"}, registry=_registry(), format_checker=FORMATS)


def schema_errors(ref: str, instance: Any) -> list[ValidationError]:
    return list(itertools.islice(validator_for(ref).iter_errors(instance), MAX_ERRORS))


def field_path(parts: Iterable[str | int]) -> str:
    """`["messages", 0, "role"]` -> `messages[0].role`; the whole body is `body`."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _discriminated_branch(error: ValidationError) -> list[ValidationError] | None:
    """For a failed oneOf/anyOf with a discriminator: the errors of the branch the instance's
    discriminating value names ([] when that value itself is wrong); None for other errors."""
    discriminator = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if error.validator not in ("oneOf", "anyOf") or not isinstance(discriminator, dict):
        return None
    if not isinstance(error.instance, dict):
        return None
    value = error.instance.get(discriminator["propertyName"])
    target = discriminator.get("mapping", {}).get(value) if isinstance(value, str) else None
    branches = error.validator_value
    index = next((i for i, branch in enumerate(branches) if branch.get("$ref") == target), None)
    if target is None or index is None:
        return []
    return [sub for sub in error.context or [] if sub.schema_path and sub.schema_path[0] == index]


def _best_error(errors: Iterable[ValidationError]) -> ValidationError | None:
    """jsonschema's best_match, except in a union: a discriminated one descends into the named
    branch, another into the alternative that got furthest (``_furthest``)."""
    best: ValidationError | None = max(errors, key=relevance, default=None)
    while best is not None:
        branch = _discriminated_branch(best)
        if branch is not None:
            if not branch:
                return best
            best = max(branch, key=relevance)
            continue
        if not best.context:
            return best
        furthest = _furthest(best.context)
        if furthest is None:
            return best
        best = furthest
    return best


def _reach(error: ValidationError) -> tuple[list[int], int]:
    path = error.absolute_path
    return [part for part in path if isinstance(part, int)], len(path)


def _alternative(error: ValidationError) -> int:
    return int(error.relative_schema_path[0]) if error.relative_schema_path else 0


def _furthest(context: list[ValidationError]) -> ValidationError | None:
    """Of the errors of a union's alternatives, the one to name, ranked as the client ranks them
    (``_validation.furthest``): the greatest item indices on its path, then the deepest path, then
    the later alternative; of one alternative's errors at one place, the schema's first (``type``
    before ``enum``). None when the alternatives differ only in the type they take at one place:
    the union itself is named, with those types (``_describe``)."""
    reach = max(_reach(error) for error in context)
    tied = [error for error in context if _reach(error) == reach]
    if len({_alternative(error) for error in tied}) > 1 and all(error.validator == "type" for error in tied):
        return None
    return max(tied, key=_alternative)


def _types(value: Any) -> str:
    return " or ".join(value) if isinstance(value, list) else str(value)


def _describe(error: ValidationError) -> tuple[list[str | int], str]:
    path: list[str | int] = list(error.absolute_path)
    keyword = error.validator
    discriminator = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if keyword in ("oneOf", "anyOf") and isinstance(discriminator, dict):
        if not isinstance(error.instance, dict):
            return path, "expected object"
        # The discriminating property itself is wrong; name it rather than the whole object.
        name = discriminator["propertyName"]
        present = name in error.instance
        options = ", ".join(json.dumps(key) for key in discriminator.get("mapping", {}))
        return [*path, name], f"expected one of {options}" if present else "is required"
    if keyword in ("oneOf", "anyOf"):
        # Never the union's own message: it quotes the whole value.
        types = [_types(sub.validator_value) for sub in error.context or [] if sub.validator == "type"]
        if types:
            return path, f"expected {' or '.join(dict.fromkeys(types))}"
        if keyword == "oneOf" and not error.context:  # valid under two or more: a oneOf takes one
            return path, f"matches more than one of the {len(error.validator_value)} alternatives"
        return path, f"matches none of the {len(error.validator_value)} alternatives"
    if keyword == "required" and isinstance(error.validator_value, list):
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = next((name for name in error.validator_value if name not in instance), None)
        if missing is not None:
            return [*path, missing], "is required"
    if keyword == "type":
        return path, f"expected {_types(error.validator_value)}"
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
    error = _best_error(schema_errors(ref, body))
    if error is not None:
        path, expected = _describe(error)
        raise BodyError(f"Body validation error: {field_path(path)}: {expected}")


# The JSON escape of a UTF-16 surrogate (\\uD800-\\uDFFF): what a lone surrogate in a body looks
# like (a valid pair matches too, and is then found to be whole).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def check_text(raw: bytes, body: Any) -> None:
    """Raise BodyError naming the first string (or key) of ``body`` that holds a lone surrogate:
    valid JSON (``json.dumps`` writes one as ``"\\ud800"``) but no Unicode text, which no reply
    could be built from. Walks the body only when ``raw`` has such an escape."""
    if _SURROGATE_ESCAPE.search(raw) is None:
        return
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            _raise_if_lone_surrogate(value, path, "")
        elif isinstance(value, dict):
            for key in value:
                _raise_if_lone_surrogate(key, path, "a key ")
            stack.extend((child, (*path, key)) for key, child in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((child, (*path, index)) for index, child in reversed(list(enumerate(value))))


def _raise_if_lone_surrogate(text: str, path: tuple[str | int, ...], what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        character = ord(text[exc.start])
        raise BodyError(
            f"Body validation error: {field_path(path)}: {what}holds a lone surrogate "
            f"(U+{character:04X}), which is not Unicode text"
        ) from None


def _reject_constant(name: str) -> Any:
    raise BodyError(f"Body validation error: body: {name} is not valid JSON")


def parse_json_body(raw: bytes, parse_int: Callable[[str], Any] | None = None) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_int=parse_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"Body validation error: body: expected a JSON document ({exc})") from exc
