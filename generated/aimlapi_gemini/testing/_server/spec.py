# Copied from scripts/package/aimlapi_gemini/testing/_server/spec.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The OpenAPI document the server is driven by: the resolved spec the aimlapi_gemini package ships.

`make generate` writes it as generated/openapi.json and as package data (aimlapi_gemini/openapi.json),
so this server under scripts/ and its copy inside the package (aimlapi_gemini.testing) read the
same document, found through the installed package rather than a path into a checkout. Its routes
are the paths of the operations there; how a key is sent, and the model ids, are the facts
`make generate` read from that same document (aimlapi_gemini._spec_facts), so the server, the
package's clients and the scripts that call the server raw (`make load`, the bench) agree.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aimlapi_gemini._spec_facts import AUTH_HEADER, AUTH_PREFIX, MODEL_IDS, VERSION_PATH

# A regular (unzipped) install, editable or not, has the file on disk; schemathesis and Prism need a path.
SPEC_PATH = Path(str(resources.files("aimlapi_gemini").joinpath("openapi.json")))
OPERATION_ID = "create_chat_completion"


@dataclass(frozen=True)
class Operation:
    """Where the one operation lives and what its request body must look like."""

    path: str
    method: str
    # JSON pointer to the request body schema inside the spec, usable as a `$ref`.
    request_schema_ref: str


def credential_headers(api_key: str) -> dict[str, str]:
    """The header that carries `api_key`, as the spec's security scheme sends it (the package's
    clients send the same): `Authorization: Bearer <key>` for a bearer scheme; {} for none."""
    if not AUTH_HEADER:
        return {}
    return {AUTH_HEADER: f"{AUTH_PREFIX} {api_key}" if AUTH_PREFIX else api_key}


def versioned_base_url(root: str) -> str:
    """`root` (a server's scheme and host) with the version segment the spec's paths start with:
    the base URL as the vendor documents it, which the OpenAI SDK and our examples are given."""
    return root.rstrip("/") + VERSION_PATH


def sample_model() -> str:
    """A model id for requests that only need a valid one: the first the spec names."""
    return MODEL_IDS[0] if MODEL_IDS else "any-model"  # the spec lists none: any string is valid


@functools.cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@functools.cache
def request_fields() -> frozenset[str]:
    """The top-level fields the operation's request body declares (through its `$ref`s)."""
    schema: Any = load_spec()
    pointer = find_operation().request_schema_ref
    while True:
        schema = load_spec()
        for part in pointer.removeprefix("#/").split("/"):
            schema = schema[part.replace("~1", "/").replace("~0", "~")]
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        pointer = schema["$ref"]
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    return frozenset(properties)


@functools.cache
def find_operation(operation_id: str = OPERATION_ID) -> Operation:
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                escaped = path.replace("~", "~0").replace("/", "~1")
                pointer = f"#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
                return Operation(path=path, method=method.upper(), request_schema_ref=pointer)
    raise LookupError(f"{SPEC_PATH} has no operation {operation_id!r}")
