"""What a vendor document must be before the overlay applies: a chat-completions document with
one operation per endpoint (pure functions on dicts).

The vendor publishes one document per model, and its documents say the same operation in several
ways: some add an alias path (``/chat/completions`` beside ``/v1/chat/completions``), some are not
chat completions at all (``/v1/responses``). This step finds the chat-completions operation by its
structure (a POST whose JSON request body has a ``messages`` property), marks it
(``x-chat-completions: true``), refuses a document that has
none in one line, and folds alias paths into the operation they repeat, so that the overlay, the
generator and the reference server each see one operation, and the aliases are kept as data
(``x-aliases`` on the operation) for the server that must still answer them.

Some documents put the model in the path (``POST /openai/deployments/{model}``, Azure OpenAI's
style) while the body has a ``model`` too: ``require_path_properties`` makes such a body require
the property, which the client then fills the path from (one value, given once).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from .transforms import SpecError, resolve_local_ref

ALIASES_KEY = "x-aliases"
# Marks the chat-completions operation, so the overlay can target it by what it is
# ($.paths[*][?@['x-chat-completions']]) wherever the document puts it and behind any $ref.
MARKER_KEY = "x-chat-completions"
_VERSION_SEGMENT = re.compile(r"v\d+")


class NotAChatDocumentError(SpecError):
    """The document has no chat-completions operation at all."""


# The vendor's documented way to send a key (its docs page: `Authorization: Bearer <key>`), for a
# document that declares no security scheme at all.
DOCUMENTED_SCHEME_NAME = "bearer"
DOCUMENTED_SCHEME: dict[str, Any] = {
    "type": "http",
    "scheme": "bearer",
    "description": "The API key as a bearer token.",
}


def _requirements(document: dict[str, Any]) -> list[Any]:
    found = list(document.get("security") or [])
    for item in (document.get("paths") or {}).values():
        for operation in item.values() if isinstance(item, dict) else []:
            if isinstance(operation, dict):
                found.extend(operation.get("security") or [])
    return found


def require_declared_auth(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """A document that names no security requirement gets one, at the top: the API needs a key on
    every call (the vendor's docs page), and the vendor's newer documents declare the bearer
    scheme without requiring it. The first http bearer scheme the document declares is required;
    with none declared, the vendor's documented bearer scheme is added. ``notes`` says which."""
    if _requirements(document):
        return document
    result = copy.deepcopy(document)
    schemes: dict[str, Any] = result.setdefault("components", {}).setdefault("securitySchemes", {})
    declared = [
        name
        for name, scheme in schemes.items()
        if isinstance(scheme, dict)
        and scheme.get("type") == "http"
        and str(scheme.get("scheme")).lower() == "bearer"
    ]
    if declared:
        name = declared[0]
        why = f"its declared bearer scheme {name!r}"
    else:
        name = DOCUMENTED_SCHEME_NAME
        while name in schemes:
            name += "_"
        schemes[name] = copy.deepcopy(DOCUMENTED_SCHEME)
        why = "the vendor's documented bearer scheme (the document declares none)"
    result["security"] = [{name: []}]
    if notes is not None:
        notes.append(f"the document requires no authentication; every call sends the key as {why}")
    return result


@dataclass(frozen=True)
class ChatOperation:
    path: str
    method: str


def _request_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    if isinstance(body, dict) and isinstance(body.get("$ref"), str):
        body = resolve_local_ref(document, body["$ref"])
    if not isinstance(body, dict):
        return None
    media = (body.get("content") or {}).get("application/json")
    schema = media.get("schema") if isinstance(media, dict) else None
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        schema = resolve_local_ref(document, schema["$ref"])
    return schema if isinstance(schema, dict) else None


def is_chat_request(schema: dict[str, Any] | None) -> bool:
    """A chat-completions request body: an object with a ``messages`` property."""
    return isinstance(schema, dict) and isinstance((schema.get("properties") or {}).get("messages"), dict)


def chat_operations(document: dict[str, Any]) -> list[ChatOperation]:
    """Every POST operation whose JSON request body is a chat-completions request, in document order."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        operation = item.get("post") if isinstance(item, dict) else None
        if isinstance(operation, dict) and is_chat_request(_request_schema(document, operation)):
            found.append(ChatOperation(path, "post"))
    return found


def _operations_summary(document: dict[str, Any]) -> str:
    listed = [
        f"{method.upper()} {path}"
        for path, item in (document.get("paths") or {}).items()
        if isinstance(item, dict)
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    ]
    return ", ".join(listed) or "no operations"


def _canonical_order(operation: ChatOperation) -> tuple[int, int, str]:
    """The path to keep among aliases: one under a version segment (``/v1/...``) first, then the
    shortest, then the first in text order (so the choice does not depend on document order)."""
    first = operation.path.strip("/").split("/")[0]
    return (0 if _VERSION_SEGMENT.fullmatch(first) else 1, len(operation.path), operation.path)


def fold_alias_paths(document: dict[str, Any]) -> dict[str, Any]:
    """Return ``document`` with one chat-completions operation; the other paths that serve it
    are listed in its ``x-aliases`` and their path items dropped (their other operations, if any,
    stay). Raises ``NotAChatDocumentError`` when the document has no such operation."""
    operations = chat_operations(document)
    if not operations:
        raise NotAChatDocumentError(
            "not a chat-completions document: no POST operation takes a JSON body with `messages`"
            f" (it has {_operations_summary(document)})"
        )
    result = copy.deepcopy(document)
    keep, *aliases = sorted(operations, key=_canonical_order)
    paths: dict[str, Any] = result["paths"]
    paths[keep.path][keep.method][MARKER_KEY] = True
    if not aliases:
        return result
    for alias in aliases:
        item = paths[alias.path]
        del item[alias.method]
        if not any(
            key in item for key in ("get", "put", "post", "delete", "patch", "options", "head", "trace")
        ):
            del paths[alias.path]
    operation = paths[keep.path][keep.method]
    operation[ALIASES_KEY] = sorted(alias.path for alias in aliases)
    return result


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _resolved(document: dict[str, Any], node: Any) -> Any:
    """``node`` with its local ``$ref`` followed (a node of ``document`` itself, so changes stick)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(ref := node.get("$ref"), str) and ref not in seen:
        seen.add(ref)
        node = resolve_local_ref(document, ref)
    return node


def _path_parameter_names(
    document: dict[str, Any], item: dict[str, Any], operation: dict[str, Any]
) -> list[str]:
    """The names of the operation's path parameters (its own and its path item's)."""
    names: list[str] = []
    for parameter in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        parameter = _resolved(document, parameter)
        if (
            isinstance(parameter, dict)
            and parameter.get("in") == "path"
            and isinstance(parameter.get("name"), str)
        ):
            if parameter["name"] not in names:
                names.append(parameter["name"])
    return names


def _require_a_segment(properties: dict[str, Any], name: str) -> None:
    """A path segment cannot be empty (``/openai/deployments/`` is another path), so the property
    filling it takes no empty text: ``minLength: 1`` beside what it says (it constrains strings
    only, whatever other types or branches the property has). A ``$ref`` is wrapped, as 3.0
    ignores keywords beside one."""
    schema = properties[name]
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        schema = properties[name] = {"allOf": [schema]}
    if not isinstance(schema.get("minLength"), int) or schema["minLength"] < 1:
        schema["minLength"] = 1


def require_path_properties(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """A path parameter named like a property of its operation's JSON request body is that property
    (``POST /openai/deployments/{model}`` with a body that has ``model``, as Azure OpenAI's
    deployments are named by the model): one value, given once, in the body, and the client fills
    the path from it. So the body must carry it: the property becomes required (and the body with
    it), and not as empty text (``_require_a_segment``). ``notes`` says which. Other path
    parameters are left as they are: the caller gives them."""
    result = copy.deepcopy(document)
    for path, item in (result.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            names = _path_parameter_names(result, item, operation)
            body = _resolved(result, operation.get("requestBody"))
            schema = _request_schema(result, operation) if names else None
            properties = (schema.get("properties") or {}) if schema is not None else {}
            bound = [name for name in names if name in properties]
            if not bound or not isinstance(body, dict) or schema is None:
                continue
            required = list(schema.get("required") or [])
            schema["required"] = required + [name for name in bound if name not in required]
            body["required"] = True
            for name in bound:
                _require_a_segment(properties, name)
            if notes is not None:
                listed = ", ".join(repr(name) for name in bound)
                notes.append(
                    f"{method.upper()} {path}: path parameter {listed} is the request body's property of that"
                    " name: the body requires it and the client fills the path from it"
                )
    return result
