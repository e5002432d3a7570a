# Copied from scripts/package/aimlapi_gemini/testing/_server/routing.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Which request paths the operation's path answers.

A path without parameters answers itself. A templated one (``/openai/deployments/{model}``)
answers each path whose literal parts are the same and whose parameters are one non-empty segment
each, read off the raw (still percent-encoded) path: ``/openai/deployments/cohere%2Fcommand-r-plus``
is one segment there, while the decoded path (ASGI's ``path``) would show two.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .exchange import Scope

_PARAMETER = re.compile(r"\{[^{}]+\}")


class PathRoute:
    """The paths one operation of the spec answers (see the module docs)."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.templated = _PARAMETER.search(template) is not None
        literal_parts = _PARAMETER.split(template)
        self._pattern = re.compile("[^/]+".join(re.escape(part) for part in literal_parts))

    def matches(self, scope: Scope) -> bool:
        if not self.templated:
            return bool(scope["path"] == self.template)
        return self._pattern.fullmatch(_raw_path(scope)) is not None


def _raw_path(scope: Scope) -> str:
    """The path as the client sent it; ASGI servers may leave ``raw_path`` out (then the decoded
    path, encoded again: a ``%2F`` inside a segment is no longer told apart from ``/``)."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("latin-1")
    return quote(str(scope["path"]), safe="/")
