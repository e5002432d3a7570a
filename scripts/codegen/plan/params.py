"""The request bodies as TypedDicts (params.py): which models, keys and aliases."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from keyword import kwlist

_PYTHON_KEYWORDS = frozenset(kwlist)


def reach(roots: Sequence[str], refers_to: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The models reachable from ``roots`` (the request bodies' models) through ``refers_to``
    (each model's properties' models), in name order."""
    found: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending += refers_to.get(name, ())
    return tuple(sorted(found))


def class_syntax_fits(keys: Collection[str]) -> bool:
    """Whether a TypedDict of these JSON keys can be written in the class syntax, each key a
    field name; one that is no identifier, or is a keyword (``from``, ``x-trace``), needs the
    functional syntax, ``TypedDict("Name", {"from": str})``."""
    return all(key.isidentifier() and key not in _PYTHON_KEYWORDS for key in keys)


def list_alias(model: str, json_name: str, models: Collection[str], pascal_case: Callable[[str], str]) -> str:
    """The alias of one item of a ``<Name>Request``'s list of a union or of one model: ``<Name><item>Param``
    (messages -> ChatCompletionMessageParam), or ``<Name><item>UnionParam`` when a model has the
    first name without ``Param`` (tools: ChatCompletionTool is one of the union's models), as the
    OpenAI SDK names them."""
    item = json_name[:-1] if json_name.endswith("s") else json_name
    alias = model.removesuffix("Request") + pascal_case(item)
    return alias + ("UnionParam" if alias in models else "Param")
