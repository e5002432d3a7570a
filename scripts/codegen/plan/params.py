"""The request bodies as TypedDicts (params.py): which models, keys and aliases."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from keyword import kwlist

from ..errors import GenerationError

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


def check_typed_dict_key(model: str, key: str) -> None:
    """A JSON property is a TypedDict field of the same name: one that is no identifier (or is a
    keyword) cannot be written in the class syntax."""
    if key in _PYTHON_KEYWORDS or not key.isidentifier():
        raise GenerationError(
            f"params.py.jinja: {model}.{key}: a key that is no Python identifier cannot be a TypedDict field"
        )


def list_alias(model: str, json_name: str, models: Collection[str], pascal_case: Callable[[str], str]) -> str:
    """The alias of one item of a ``<Name>Request``'s list of a union or of one model: ``<Name><item>Param``
    (messages -> ChatCompletionMessageParam), or ``<Name><item>UnionParam`` when a model has the
    first name without ``Param`` (tools: ChatCompletionTool is one of the union's models), as the
    OpenAI SDK names them."""
    item = json_name[:-1] if json_name.endswith("s") else json_name
    alias = model.removesuffix("Request") + pascal_case(item)
    return alias + ("UnionParam" if alias in models else "Param")
