"""RFC 6901 JSON pointers: the one place their ``~0``/``~1`` escaping is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def escape(token: str | int) -> str:
    """One reference token as a pointer writes it (``~`` before ``/``, so ``~1`` stays two characters)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """The name a pointer's reference token stands for (``~1`` before ``~0``, the reverse order)."""
    return token.replace("~1", "/").replace("~0", "~")


def join(*tokens: str | int) -> str:
    """A pointer from unescaped tokens: ``join("paths", "/v1/x")`` is ``/paths/~1v1~1x``."""
    return "".join("/" + escape(token) for token in tokens)


def fragment(*tokens: str | int) -> str:
    """The pointer as a URI fragment, the way ``$ref`` writes it: ``#/components/schemas/X``."""
    return "#" + join(*tokens)


def resolve(document: Mapping[str, Any], ref: str) -> Any:
    """The node a local ``$ref`` (``#/...``) points at in ``document``."""
    if not ref.startswith("#"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    node: Any = document
    for raw in ref[1:].split("/")[1:]:
        key = unescape(raw)
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node
