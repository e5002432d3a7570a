"""The OpenAPI document the server is driven by: the resolved spec the aimlapi_gemini package ships.

`make generate` writes it as generated/openapi.json and as package data (aimlapi_gemini/openapi.json),
so this server under scripts/ and its copy inside the package (aimlapi_gemini.testing) read the
same document, found through the installed package rather than a path into a checkout.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

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


@functools.cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@functools.cache
def find_operation(operation_id: str = OPERATION_ID) -> Operation:
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                escaped = path.replace("~", "~0").replace("/", "~1")
                pointer = f"#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
                return Operation(path=path, method=method.upper(), request_schema_ref=pointer)
    raise LookupError(f"{SPEC_PATH} has no operation {operation_id!r}")
