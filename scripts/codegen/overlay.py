"""Apply an OpenAPI Overlay 1.0 document to a parsed OpenAPI document.

Overlay 1.0 (https://spec.openapis.org/overlay/v1.0.0) addresses its targets with RFC 9535
JSONPath, so targets are evaluated with ``jsonpath-rfc9535``; only the update/remove
semantics are ours:

* ``update`` is merged into every matched node: objects merge key by key (recursively),
  arrays are appended to, anything else is replaced.
* ``remove: true`` deletes every matched node from its parent.

An action whose target matches nothing is judged by where the target stops matching:

* the shape it selects is gone (a property the vendor removed, no node of the kind a filter or
  descendant selector looks for, or the very node a ``remove`` deletes): the action is *skipped* and reported
  (``OverlayResult.skipped``), since a shape that is gone needs no correction; so is every later
  action that only fails because a skipped one did not add what it targets;
* anything else means the structure around a shape that still exists changed (a member the
  target walks through is not there): that is an *error*, so a vendor revision that moves things
  around cannot silently drop a correction. Every action is checked before failing (a failed
  action is skipped and the rest still apply), and the error lists each problem with a hint, so a
  maintainer fixes the overlay in one pass.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonpath_rfc9535 as jsonpath
from jsonpath_rfc9535.segments import JSONPathRecursiveDescentSegment, JSONPathSegment
from jsonpath_rfc9535.selectors import FilterSelector, IndexSelector, NameSelector, WildcardSelector
from jsonpath_rfc9535.serialize import canonical_string

from . import json_pointer

# How many of a node's keys a hint lists when none is close to the missing one.
_LISTED_KEYS = 8
# Longer reasons are shortened to their first sentence in a report.
_BRIEF_REASON = 200


class OverlayError(ValueError):
    """The overlay document is malformed or one of its actions cannot be applied."""


@dataclass(frozen=True)
class OverlayProblem:
    """One action that cannot be applied, with what is missing and what to do about it."""

    number: int
    """The action's position in the overlay, counting from 1."""
    target: str
    reason: str
    """The action's description (why the action exists)."""
    problem: str
    hint: str

    def lines(self) -> list[str]:
        lines = [f"action #{self.number}: target {self.target}"]
        if self.reason:
            lines.append(f"  reason:  {_brief(self.reason)}")
        return [*lines, f"  problem: {self.problem}", f"  hint:    {self.hint}"]


@dataclass(frozen=True)
class SkippedAction:
    """An action whose shape is gone from the document, so it had nothing to correct."""

    number: int
    target: str
    reason: str
    gone: str
    """What is gone, e.g. ``$['paths'][...]['properties'] has no member 'logit_bias'``."""

    def line(self) -> str:
        return f"action #{self.number} skipped, its shape is gone: {self.gone} ({_brief(self.reason)})"


@dataclass(frozen=True)
class OverlayResult:
    document: dict[str, Any]
    skipped: tuple[SkippedAction, ...]


class OverlayProblems(OverlayError):
    """Some actions match nothing (or are malformed); ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[OverlayProblem], action_count: int) -> None:
        self.problems = tuple(problems)
        self.action_count = action_count
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        head = (
            f"{count} of {self.action_count} overlay action{'s' if self.action_count != 1 else ''}"
            f" cannot be applied; fix {'it' if count == 1 else 'them all'}, then regenerate:"
        )
        body = [f"  {line}" for problem in self.problems for line in problem.lines()]
        return "\n".join([head, *body, *self._shared_causes()])

    def _shared_causes(self) -> list[str]:
        """One line per missing step that several actions stop at: fixing it may fix them all."""
        by_problem: dict[str, list[int]] = {}
        for problem in self.problems:
            by_problem.setdefault(problem.problem, []).append(problem.number)
        shared = {text: numbers for text, numbers in by_problem.items() if len(numbers) > 1}
        if not shared:
            return []
        lines = ["one cause behind several actions:"]
        for text, numbers in shared.items():
            lines.append(f"  actions {_number_ranges(numbers)}: {text.removeprefix('matches nothing: ')}")
        return lines


def _number_ranges(numbers: Sequence[int]) -> str:
    """``#1, #3-#31`` for [1, 3, 4, ..., 31]."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"#{run[0]}" if len(run) == 1 else f"#{run[0]}-#{run[-1]}" for run in runs)


def _brief(reason: str) -> str:
    """A long reason's first sentence: enough to recognise the action in a report."""
    if len(reason) <= _BRIEF_REASON:
        return reason
    first, dot, _ = reason.partition(". ")
    return first + "." + " [...]" if dot and len(first) < _BRIEF_REASON else reason[:_BRIEF_REASON] + " [...]"


def _reason(action: Mapping[str, Any]) -> str:
    return " ".join(str(action.get("description") or "").split())


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
    """``apply_overlay_with_report``'s document (skipped actions are not reported)."""
    return apply_overlay_with_report(document, overlay).document


def apply_overlay_with_report(document: dict[str, Any], overlay: Mapping[str, Any]) -> OverlayResult:
    """Apply ``overlay``'s actions in order to a copy of ``document``.

    Returns the document and the actions skipped because their shape is gone. Raises
    ``OverlayProblems`` naming every other action that matches nothing or has an invalid target,
    after trying all of them (the actions that do match still apply in between, so a later
    action that relies on an earlier one is checked against the document it expects).
    """
    actions = _validate(overlay)
    result = copy.deepcopy(document)
    problems: list[OverlayProblem] = []
    skipped: list[SkippedAction] = []
    # Updates that did not apply: (number, canonical target, update, skipped because gone).
    failed_updates: list[tuple[int, str, Any, bool]] = []
    for index, action in enumerate(actions):
        number, target, reason = index + 1, action["target"], _reason(action)
        try:
            query = jsonpath.compile(target)
            nodes = query.find(result)
        except jsonpath.JSONPathError as exc:
            problems.append(
                OverlayProblem(
                    number, target, reason, f"invalid JSONPath: {exc}", "fix the target's syntax (RFC 9535)"
                )
            )
            continue
        if not nodes:
            miss = _explain_no_match(query.segments, result, removes=action.get("remove") is True)
            cause = _depends_on(str(query), failed_updates)
            gone = miss.gone if cause is None else cause[1]
            if gone:
                follows = f" (follows from action #{cause[0]})" if cause is not None else ""
                skipped.append(
                    SkippedAction(
                        number, target, reason, miss.problem.removeprefix("matches nothing: ") + follows
                    )
                )
            else:
                hint = miss.hint
                if cause is not None:
                    hint += (
                        f" (this follows from action #{cause[0]}, whose update would have added it:"
                        " fix that one first)"
                    )
                problems.append(OverlayProblem(number, target, reason, miss.problem, hint))
            if "update" in action:
                failed_updates.append((number, str(query), action["update"], gone))
            continue
        if "update" in action:
            for node in nodes:
                if not node.location:
                    result = _merge(result, action["update"])
                    continue
                parent = _resolve(result, node.location[:-1])
                parent[node.location[-1]] = _merge(node.value, action["update"])
        else:
            if any(not node.location for node in nodes):
                problems.append(
                    OverlayProblem(
                        number,
                        target,
                        reason,
                        "it selects the document root",
                        "a remove cannot delete the root",
                    )
                )
                continue
            # Remove from the deepest/last location first so earlier list indexes stay valid.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                parent = _resolve(result, node.location[:-1])
                del parent[node.location[-1]]
    if problems:
        raise OverlayProblems(problems, len(actions))
    return OverlayResult(result, tuple(skipped))


def _resolve(document: Any, location: tuple[int | str, ...]) -> Any:
    node = document
    for step in location:
        node = node[step]
    return node


def _depends_on(
    canonical_target: str, failed_updates: Sequence[tuple[int, str, Any, bool]]
) -> tuple[int, bool] | None:
    """The earlier failed update that would have added what this target selects, if any (then
    this action only fails because that one did): its number, and whether it was skipped."""
    for number, prefix, update, gone in reversed(failed_updates):
        rest = canonical_target[len(prefix) :]
        if not canonical_target.startswith(prefix) or not rest.startswith("["):
            continue
        try:
            inside_update = bool(jsonpath.find("$" + rest, update))
        except jsonpath.JSONPathError:
            continue
        if inside_update:
            return number, gone
    return None


def _path(segments: Sequence[JSONPathSegment]) -> str:
    return "$" + "".join(str(segment) for segment in segments)


@dataclass(frozen=True)
class _Miss:
    problem: str
    hint: str
    gone: bool = False
    """The shape the target selects is gone (skip the action), rather than moved (an error)."""


def _explain_no_match(segments: Sequence[JSONPathSegment], document: Any, *, removes: bool) -> _Miss:
    """Say where the target stops matching (the deepest prefix that still matches) and why,
    and what the document has there instead."""
    nodes = jsonpath.JSONPathNodeList(
        [jsonpath.JSONPathNode(value=document, location=(), parent=None, root=document)]
    )
    depth = 0
    while depth < len(segments) - 1:
        found = jsonpath.JSONPathNodeList(segments[depth].resolve(nodes))
        if not found:
            break
        nodes, depth = found, depth + 1
    matched, missing, rest = segments[:depth], segments[depth], segments[depth + 1 :]
    at = _path(matched)
    where = nodes[0].path() if len(nodes) == 1 else f"{at} ({len(nodes)} nodes)"
    problem = f"matches nothing: {where} has no {_selector_text(missing)}"
    if removes and not rest:
        return _Miss(problem, "nothing left to remove", gone=True)
    if _selects_a_shape(missing) or (matched and _names_member(matched[-1], "properties")):
        # A filter or descendant selector picks a shape by its structure, and a member of
        # `properties` is one property: when none is there, the vendor removed that shape.
        return _Miss(problem, "the shape is gone", gone=True)
    hint = _nearest(nodes.values(), missing, rest, document)
    if _path(segments).startswith("$['components']"):
        hint += " (components no operation references are pruned before the overlay applies)"
    return _Miss(problem, hint)


def _selects_a_shape(segment: JSONPathSegment) -> bool:
    return isinstance(segment, JSONPathRecursiveDescentSegment) or any(
        isinstance(selector, FilterSelector) for selector in segment.selectors
    )


def _names_member(segment: JSONPathSegment, name: str) -> bool:
    return not isinstance(segment, JSONPathRecursiveDescentSegment) and any(
        isinstance(selector, NameSelector) and selector.name == name for selector in segment.selectors
    )


def _selector_text(segment: JSONPathSegment) -> str:
    if isinstance(segment, JSONPathRecursiveDescentSegment):
        return f"descendant matching {segment}"
    parts = []
    for selector in segment.selectors:
        if isinstance(selector, NameSelector):
            parts.append(f"member {selector.name!r}")
        elif isinstance(selector, IndexSelector):
            parts.append(f"item [{selector.index}]")
        elif isinstance(selector, FilterSelector):
            parts.append(f"member matching [{selector}]")
        elif isinstance(selector, WildcardSelector):
            parts.append("members at all")
        else:
            parts.append(f"[{selector}]")
    return " or ".join(parts)


def _nearest(
    parents: list[object], missing: JSONPathSegment, rest: Sequence[JSONPathSegment], document: Any
) -> str:
    """The hint for a target that stops matching at ``missing`` below ``parents``."""
    names = [s.name for s in missing.selectors if isinstance(s, NameSelector)]
    if isinstance(missing, JSONPathRecursiveDescentSegment) or not names:
        members = sum(len(parent) for parent in parents if isinstance(parent, (dict, list)))
        searched = (
            "no node below"
            if isinstance(missing, JSONPathRecursiveDescentSegment)
            else f"none of its {members} members"
        )
        return (
            f"{searched} is the shape it selects: the shape changed or is gone; compare the new document"
            " there and retarget (or delete the action if the vendor fixed it)"
        )
    objects = [parent for parent in parents if isinstance(parent, dict)]
    if not objects:
        kinds = sorted({type(parent).__name__ for parent in parents})
        return f"the node there is a {'/'.join(kinds)}, not an object: the structure changed; retarget the action"
    for parent in objects:
        ref = parent.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            moved = _retarget_through_ref(ref, missing, rest, document)
            return f"the schema there is now a $ref to {ref!r}: the schema moved; {moved}"
    keys = sorted({key for parent in objects for key in parent if isinstance(key, str)})
    close = [match for name in names for match in difflib.get_close_matches(name, keys, n=1, cutoff=0.6)]
    if close:
        return (
            f"the nearest existing name there is {close[0]!r}: if it moved there, retarget the action to it"
        )
    if not keys:
        return "the object there is empty: retarget or delete the action"
    listed = ", ".join(repr(key) for key in keys[:_LISTED_KEYS]) + (
        ", ..." if len(keys) > _LISTED_KEYS else ""
    )
    return f"nothing there has a similar name (it has {listed}): retarget or delete the action"


def _retarget_through_ref(
    ref: str, missing: JSONPathSegment, rest: Sequence[JSONPathSegment], document: Any
) -> str:
    """Suggest the same target below the referenced schema, and whether it matches there."""
    steps = [json_pointer.unescape(step) for step in ref[2:].split("/")]
    suggestion = "$" + "".join(f"[{canonical_string(step)}]" for step in steps)
    suggestion += "".join(str(segment) for segment in [missing, *rest])
    try:
        matches = bool(jsonpath.find(suggestion, document))
    except jsonpath.JSONPathError:
        matches = False
    return f"{'retarget to' if matches else 'look there, e.g.'} {suggestion}"
