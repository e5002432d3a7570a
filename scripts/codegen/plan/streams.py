"""The model of a stream's chunks, found through the event schema of a 2xx text/event-stream."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import GenerationError


@dataclass(frozen=True)
class ModelName:
    """Where a generated model lives: ``from .models.<module> import <name>``."""

    module: str
    name: str


NO_EVENT = (
    "its schema (or an anyOf/oneOf member or then/else branch of it) is not an event object with an"
    " inline `data` property"
)
NO_CHUNK = (
    "its `data` has no string alternative with contentMediaType application/json and a contentSchema"
    " $ref to an object model"
)
_STATUS = re.compile(r"([1-5])(\d\d|XX)")
_EVENT_STREAM = "text/event-stream"


def _is_success(status: str) -> bool:
    """A response key that names 2xx codes only (``200``, ``2XX``); ``default`` is not one."""
    match = _STATUS.fullmatch(status)
    return match is not None and match.group(1) == "2"


def _mappings(values: Any) -> list[Mapping[str, Any]]:
    return [value for value in values if isinstance(value, Mapping)] if isinstance(values, list) else []


def _resolve(spec: Mapping[str, Any], ref: str) -> Mapping[str, Any] | None:
    """The schema a local $ref (``#/components/schemas/X``) points at, or None."""
    if not ref.startswith("#/"):
        return None
    node: Any = spec
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or token not in node:
            return None
        node = node[token]
    return node if isinstance(node, Mapping) else None


def _event_schemas(
    spec: Mapping[str, Any], media_schema: Mapping[str, Any], models: Mapping[str, ModelName]
) -> Iterator[Mapping[str, Any]]:
    """The schemas that may describe one event: the media type's schema itself, its anyOf/oneOf
    members, or a $ref'd `then`/`else` of an `if` (the spec's: `if: {type: string}` (the whole body
    as text), else one event, since tools read that schema either way before OpenAPI 3.2). A $ref
    counts only when it names a model."""
    candidates = [media_schema]
    if "$ref" not in media_schema:
        candidates += _mappings(media_schema.get("anyOf")) + _mappings(media_schema.get("oneOf"))
        candidates += [
            branch
            for branch in (media_schema.get("then"), media_schema.get("else"))
            if isinstance(branch, Mapping) and isinstance(branch.get("$ref"), str)
        ]
    for candidate in candidates:
        ref = candidate.get("$ref")
        if ref is None:
            yield candidate
        elif ref in models and (resolved := _resolve(spec, ref)) is not None:
            yield resolved


def _json_text_members(data: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The alternatives of an event's `data`: itself, the `then`/`else` of an `if` (the spec's
    `if: {const: "[DONE]"}`), its inline anyOf/oneOf members."""
    yield data
    yield from (branch for branch in (data.get("then"), data.get("else")) if isinstance(branch, Mapping))
    members = _mappings(data.get("anyOf")) + _mappings(data.get("oneOf"))
    yield from (member for member in members if "$ref" not in member)


def stream_chunk(
    spec: Mapping[str, Any], path: str, method: str, operation_name: str, models: Mapping[str, ModelName]
) -> ModelName | None:
    """The model of the chunks a 2xx text/event-stream response of the operation at ``path`` and
    ``method`` carries; None when it does not stream. An event's `data` is (or has an alternative
    that is) a string with contentMediaType application/json whose contentSchema $refs the chunk
    model. ``models`` maps each generated model's $ref (``#/components/schemas/X``) to its name.
    Raises ``GenerationError`` when an event stream names no chunk model."""
    operation = ((spec.get("paths") or {}).get(path) or {}).get(method) or {}
    responses = operation.get("responses") or {}
    streams = 0
    why = ""
    for status in sorted(str(key) for key in responses if _is_success(str(key))):
        response = responses[status]
        if "$ref" in response:
            response = _resolve(spec, response["$ref"]) or {}
        for content_type, media in (response.get("content") or {}).items():
            if not str(content_type).startswith(_EVENT_STREAM) or not isinstance(media, Mapping):
                continue
            streams += 1
            schema = media.get("schema")
            events = list(_event_schemas(spec, schema, models)) if isinstance(schema, Mapping) else []
            datas = [
                data
                for event in events
                if isinstance(data := (event.get("properties") or {}).get("data"), Mapping)
                and "$ref" not in data
            ]
            if not datas:
                why = NO_EVENT
                continue
            for data in datas:
                for member in _json_text_members(data):
                    content = member.get("contentSchema")
                    if member.get("contentMediaType") == "application/json" and isinstance(content, Mapping):
                        ref = content.get("$ref")
                        if isinstance(ref, str) and ref in models:
                            return models[ref]
            why = NO_CHUNK
    if streams:
        raise GenerationError(
            f"no stream chunk model for {operation_name}'s 2xx text/event-stream response: {why}"
        )
    return None
