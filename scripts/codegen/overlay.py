"""Apply an OpenAPI Overlay 1.0 document to a parsed OpenAPI document.

Overlay 1.0 (https://spec.openapis.org/overlay/v1.0.0) addresses its targets with RFC 9535
JSONPath, so targets are evaluated with ``jsonpath-rfc9535``; only the update/remove
semantics are ours:

* ``update`` is merged into every matched node: objects merge key by key (recursively),
  arrays are appended to, anything else is replaced.
* ``remove: true`` deletes every matched node from its parent.

Our one extension of strictness: an action whose target matches nothing is an error, so a
vendor revision that moves things around cannot silently drop a correction.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import jsonpath_rfc9535 as jsonpath


class OverlayError(ValueError):
    """The overlay document is malformed or one of its actions cannot be applied."""


def _describe(index: int, action: Mapping[str, Any]) -> str:
    label = f"action #{index + 1} (target {action.get('target')!r}"
    if action.get("description"):
        label += f", {str(action['description']).strip()!r}"
    return label + ")"


def _merge(target: Any, update: Any) -> Any:
    """Return ``target`` with ``update`` merged in (Overlay 1.0 update semantics)."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list) and isinstance(update, list):
        target.extend(copy.deepcopy(update))
        return target
    return copy.deepcopy(update)


def _validate(overlay: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not isinstance(overlay, Mapping) or not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("not an Overlay 1.x document: missing 'overlay: 1.0.0'")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("overlay has no 'actions' list")
    for index, action in enumerate(actions):
        if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
            raise OverlayError(f"action #{index + 1} has no string 'target'")
        has_update, removes = "update" in action, action.get("remove") is True
        if has_update == removes:
            raise OverlayError(f"{_describe(index, action)} needs exactly one of 'update' or 'remove: true'")
    return actions


def apply_overlay(document: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``overlay``'s actions in order to a copy of ``document`` and return it."""
    result = copy.deepcopy(document)
    for index, action in enumerate(_validate(overlay)):
        try:
            nodes = jsonpath.find(action["target"], result)
        except jsonpath.JSONPathError as exc:
            raise OverlayError(f"{_describe(index, action)}: invalid JSONPath: {exc}") from exc
        if not nodes:
            raise OverlayError(f"{_describe(index, action)} matches nothing in the document")
        if "update" in action:
            for node in nodes:
                if not node.location:
                    result = _merge(result, action["update"])
                    continue
                parent = _resolve(result, node.location[:-1])
                parent[node.location[-1]] = _merge(node.value, action["update"])
        else:
            # Remove from the deepest/last location first so earlier list indexes stay valid.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                if not node.location:
                    raise OverlayError(f"{_describe(index, action)} cannot remove the document root")
                parent = _resolve(result, node.location[:-1])
                del parent[node.location[-1]]
    return result


def _resolve(document: Any, location: tuple[int | str, ...]) -> Any:
    node = document
    for step in location:
        node = node[step]
    return node
