"""Hypothesis strategies for the spec's schemas, built by schemathesis (no extra dependency).

schemathesis generates request bodies from a schema; to get values of a *response* schema
we hand it a synthetic document with one operation per component whose request body is
that component (components copied from generated/openapi.json, so every $ref resolves).
"""

from __future__ import annotations

import functools
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import BaseSchema

from aimlapi_gemini.testing._server.spec import find_operation, load_spec


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


def request_bodies() -> st.SearchStrategy[Any]:
    """Valid bodies for the real operation, exactly as the server contract generates them (a
    property filling a path segment is never empty text: the spec says so, see
    normalize.require_path_properties)."""
    operation = find_operation()
    schema = _utf8(schemathesis.openapi.from_dict(load_spec()))
    bodies: st.SearchStrategy[Any] = (
        schema[operation.path][operation.method].as_strategy().map(lambda case: case.body)
    )
    return bodies
