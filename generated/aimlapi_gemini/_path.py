# Copied from scripts/package/aimlapi_gemini/_path.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Path parameters: a value -> its segment of the request's path (``/openai/deployments/{model}``).

A value is percent-encoded whole, ``/`` included (``cohere/command-r-plus`` ->
``cohere%2Fcommand-r-plus``), so it stays one segment and cannot reach another route. A value
that cannot fill a segment (missing, ``None``, empty, a list or an object) is refused with a
``RequestValidationError`` (a ValidationError and a BadRequestError) naming the parameter, before
anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from aimlapi_gemini.types import Unset

from ._exceptions import RequestValidationError

_TEMPLATED = re.compile(r"\{([^{}]+)\}")


def path_segment(name: str, value: object) -> str:
    """``value`` of the path parameter ``name`` as its percent-encoded segment."""
    if isinstance(value, bool):
        text = "true" if value else "false"  # as JSON writes it, not Python's True
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        shown = "no value" if value is None or isinstance(value, Unset) else type(value).__name__
        raise RequestValidationError(
            f"the path needs a text or a number here, got {shown}", (name,), "path parameter"
        )
    if not text:
        raise RequestValidationError(
            "the path needs a value here, got an empty text", (name,), "path parameter"
        )
    return quote(text, safe="")


def is_templated(path: str) -> bool:
    """Whether ``path`` has path parameters (``{model}``)."""
    return _TEMPLATED.search(path) is not None


def fill_path(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``'s segment (a missing name is
    refused as ``path_segment`` refuses no value)."""
    return _TEMPLATED.sub(lambda match: path_segment(match[1], values.get(match[1])), template)
