"""Hypothesis strategies for the spec's schemas, built by schemathesis (no extra dependency).

schemathesis generates request bodies from a schema; to get values of a *response* schema
we hand it a synthetic document with one operation per component whose request body is
that component (components copied from generated/openapi.json, so every $ref resolves).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import BaseSchema

from aimlapi_gemini.testing._server.spec import Operation, find_operation, load_spec
from codegen.json_pointer import resolve


@functools.cache
def _component_schema(names: tuple[str, ...]) -> BaseSchema:
    spec = load_spec()
    paths = {
        f"/{name}": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                },
                "responses": {"200": {"description": "unused"}},
            }
        }
        for name in names
    }
    document = {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": paths,
        "components": spec["components"],
    }
    return _utf8(schemathesis.openapi.from_dict(document))


def _utf8(schema: BaseSchema) -> BaseSchema:
    # Lone surrogates cannot be sent as UTF-8 on the wire (httpx encodes JSON with
    # ensure_ascii=False); JSON text from any real server is UTF-8 too.
    schema.config.generation.update(codec="utf-8")
    return schema


def component_values(name: str, *names: str) -> st.SearchStrategy[Any]:
    """Values valid against `#/components/schemas/<name>` (positive generation)."""
    schema = _component_schema(tuple(sorted({name, *names})))
    return schema[f"/{name}"]["POST"].as_strategy().map(lambda case: case.body)


def path_filling_properties(operation: Operation) -> tuple[str, ...]:
    """The body properties that fill the operation's path parameters (``model`` of
    ``/openai/deployments/{model}``): its template's names that the request body has."""
    document = load_spec()
    schema = resolve(document, operation.request_schema_ref)
    while "$ref" in schema:
        schema = resolve(document, schema["$ref"])
    properties = schema.get("properties") or {}
    return tuple(name for name in re.findall(r"\{([^{}]+)\}", operation.path) if name in properties)


def request_bodies() -> st.SearchStrategy[Any]:
    """Valid bodies for the real operation, exactly as the server contract generates them, that
    reach its path: a property that fills a path parameter is not an empty text (it would leave
    the path without that segment, so the client refuses it before sending)."""
    operation = find_operation()
    filling = path_filling_properties(operation)
    schema = _utf8(schemathesis.openapi.from_dict(load_spec()))
    bodies: st.SearchStrategy[Any] = (
        schema[operation.path][operation.method].as_strategy().map(lambda case: case.body)
    )

    def reaches_the_path(body: Any) -> bool:
        return all(body.get(name) != "" for name in filling)

    return bodies.filter(reaches_the_path)
