"""What changed between two resolved specs (OpenAPI 3.1), judged from a client user's side.

Pure functions: ``diff_specs(old, new)`` walks both documents in step, operation by operation,
following ``$ref``s into ``components``, and returns one ``Change`` per difference. Which side a
schema is on comes from how it is reached: from a request body (or a parameter) it is on the
request side, from a response on the response side; a schema reached from both is compared on
both and its changes carry both sides (breaking when either side says so).

The rules (the README's "How changes are judged" says the same):

* request side: what the user sends must stay valid, so anything that accepts less breaks
  (an operation, property, type, enum value, alternative or media type removed; a property,
  parameter or body newly required; a range, length or pattern narrowed; a discriminator
  changed); anything that accepts more does not;
* response side: what the user reads must stay as it was, and the generated client validates
  replies strictly (types, enums, ``minimum``/``maximum``, required fields), so anything the
  server may now send that it could not before breaks (a property removed, a field newly
  optional or nullable, a type or an alternative added, an enum value added, a range widened);
  what only narrows what is sent does not;
* descriptions, titles, examples, defaults and other annotations never break.

JSON Schema 2020-12 nullability is read both ways it is written: ``"null"`` in ``type`` (or
``null`` in an ``enum``) and a ``{type: "null"}`` alternative of ``anyOf``/``oneOf``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Side = Literal["request", "response"]
SIDES: tuple[Side, ...] = ("request", "response")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Keywords that only describe; a change to one never changes what is valid.
ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "summary",
        "examples",
        "example",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "format",  # an annotation in 2020-12; the client does not check it
        "contentMediaType",
        "externalDocs",
        "xml",
    }
)
# (keyword, True when a larger value accepts more)
BOUNDS: dict[str, bool] = {
    "minimum": False,
    "exclusiveMinimum": False,
    "maximum": True,
    "exclusiveMaximum": True,
    "minLength": False,
    "maxLength": True,
    "minItems": False,
    "maxItems": True,
    "minProperties": False,
    "maxProperties": True,
}
# Bounds the generated client checks in replies (README, Validation): a wider one there breaks.
RESPONSE_CHECKED_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"})
# Validation keywords without a rule of their own: a change may narrow what is accepted.
OTHER_ASSERTIONS = frozenset({"pattern", "multipleOf", "uniqueItems", "propertyNames", "contains", "not"})
# Subschema keywords walked in step (their own rules apply inside).
_HANDLED = (
    ANNOTATIONS
    | set(BOUNDS)
    | OTHER_ASSERTIONS
    | {
        "$ref",
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "anyOf",
        "oneOf",
        "allOf",
        "discriminator",
        "if",
        "then",
        "else",
        "contentSchema",
        "contentEncoding",
    }
)


@dataclass(frozen=True)
class Change:
    """One difference between the two documents (or the two generated packages)."""

    location: str
    change: str
    before: Any
    after: Any
    breaking: bool
    why: str
    sides: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "location": self.location,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "breaking": self.breaking,
            "why": self.why,
        }
        if self.sides:
            data["side"] = list(self.sides)
        return data


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer (as a URI fragment, the way ``$ref`` writes them)."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(escaped)


def _child(location: str, *parts: str | int) -> str:
    return location + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _resolve_pointer(document: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    node: Any = document
    for raw in ref[1:].split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@dataclass
class _Walker:
    old_doc: Mapping[str, Any]
    new_doc: Mapping[str, Any]
    # (location, change) -> the change per side, merged at the end
    found: dict[tuple[str, str], dict[str, Change]] = field(default_factory=dict)
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    # ----- recording --------------------------------------------------------------------
    def add(
        self,
        location: str,
        change: str,
        before: Any,
        after: Any,
        breaking: bool,
        why: str,
        side: Side | None = None,
    ) -> None:
        key = (location, change)
        self.found.setdefault(key, {})[side or ""] = Change(
            location, change, before, after, breaking, why, (side,) if side else ()
        )

    def changes(self) -> list[Change]:
        merged: list[Change] = []
        for per_side in self.found.values():
            items = list(per_side.values())
            breaking = [c for c in items if c.breaking]
            chosen = breaking[0] if breaking else items[0]
            sides = tuple(sorted({s for c in items for s in c.sides}))
            merged.append(
                Change(
                    chosen.location,
                    chosen.change,
                    chosen.before,
                    chosen.after,
                    bool(breaking),
                    chosen.why,
                    sides,
                )
            )
        return merged

    # ----- operations -------------------------------------------------------------------
    def operations(self) -> None:
        old_ops = _operations(self.old_doc)
        new_ops = _operations(self.new_doc)
        for key in sorted(old_ops.keys() - new_ops.keys()):
            self.add(
                pointer("paths", key[0], key[1]),
                "operation-removed",
                f"{key[1].upper()} {key[0]}",
                None,
                True,
                "calls to this operation (its generated function) no longer exist",
            )
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.add(
                pointer("paths", key[0], key[1]),
                "operation-added",
                None,
                f"{key[1].upper()} {key[0]}",
                False,
                "a new operation adds a function; existing calls are unaffected",
            )
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(pointer("paths", key[0], key[1]), old_ops[key], new_ops[key])

    def operation(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.annotations(location, old, new, ("summary", "description"))
        for key, what in (("operationId", "function"), ("tags", "module (api/<tag>/)")):
            if old.get(key) != new.get(key):
                self.add(
                    _child(location, key),
                    f"{key}-changed",
                    old.get(key),
                    new.get(key),
                    True,
                    f"the generated {what} is named after it, so imports of the old name break",
                )
        self.parameters(location, old.get("parameters") or [], new.get("parameters") or [])
        old_body, new_body = (
            self.deref(old.get("requestBody"), self.old_doc),
            self.deref(new.get("requestBody"), self.new_doc),
        )
        body_location = _child(location, "requestBody")
        if old_body is None and new_body is not None:
            required = bool(new_body.get("required"))
            self.add(
                body_location,
                "request-body-added",
                None,
                "required" if required else "optional",
                required,
                "every call must now send a body"
                if required
                else "an optional body adds nothing users must do",
                "request",
            )
        elif old_body is not None and new_body is None:
            self.add(
                body_location,
                "request-body-removed",
                "present",
                None,
                True,
                "the body users send is no longer accepted",
                "request",
            )
        elif old_body is not None and new_body is not None:
            if not old_body.get("required") and new_body.get("required"):
                self.add(
                    _child(body_location, "required"),
                    "request-body-newly-required",
                    False,
                    True,
                    True,
                    "calls without a body are no longer valid",
                    "request",
                )
            self.annotations(body_location, old_body, new_body, ("description",))
            self.content(
                body_location, old_body.get("content") or {}, new_body.get("content") or {}, "request"
            )
        self.responses(_child(location, "responses"), old.get("responses") or {}, new.get("responses") or {})

    def parameters(self, location: str, old: list[Any], new: list[Any]) -> None:
        old_params = {(p["in"], p["name"]): p for p in (self.deref(x, self.old_doc) for x in old)}
        new_params = {(p["in"], p["name"]): p for p in (self.deref(x, self.new_doc) for x in new)}
        for key in sorted(old_params.keys() - new_params.keys()):
            self.add(
                _child(location, "parameters", f"{key[0]}:{key[1]}"),
                "parameter-removed",
                key[1],
                None,
                True,
                "calls that pass this parameter no longer fit the operation",
                "request",
            )
        for key in sorted(new_params.keys() - old_params.keys()):
            required = bool(new_params[key].get("required"))
            self.add(
                _child(location, "parameters", f"{key[0]}:{key[1]}"),
                "parameter-added-required" if required else "parameter-added",
                None,
                key[1],
                required,
                "every call must now pass it"
                if required
                else "an optional parameter changes no existing call",
                "request",
            )
        for key in sorted(old_params.keys() & new_params.keys()):
            here = _child(location, "parameters", f"{key[0]}:{key[1]}")
            old_p, new_p = old_params[key], new_params[key]
            if not old_p.get("required") and new_p.get("required"):
                self.add(
                    here,
                    "parameter-newly-required",
                    False,
                    True,
                    True,
                    "calls without it are now invalid",
                    "request",
                )
            self.annotations(here, old_p, new_p, ("description",))
            self.schema(_child(here, "schema"), old_p.get("schema"), new_p.get("schema"), "request")

    def responses(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for status in sorted(old.keys() - new.keys()):
            success = str(status).startswith("2")
            self.add(
                _child(location, status),
                "response-removed",
                status,
                None,
                success,
                "the reply users read is no longer described, so the client stops parsing it"
                if success
                else "an error status still raises its typed error; nothing users read is lost",
                "response",
            )
        for status in sorted(new.keys() - old.keys()):
            self.add(
                _child(location, status),
                "response-added",
                None,
                status,
                False,
                "a newly described status adds a parsed reply; existing handling still works",
                "response",
            )
        for status in sorted(old.keys() & new.keys()):
            here = _child(location, status)
            old_r, new_r = self.deref(old[status], self.old_doc), self.deref(new[status], self.new_doc)
            self.annotations(here, old_r, new_r, ("description",))
            self.content(here, old_r.get("content") or {}, new_r.get("content") or {}, "response")

    def content(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        for media in sorted(old.keys() - new.keys()):
            self.add(
                _child(location, "content", media),
                "media-type-removed",
                media,
                None,
                True,
                "requests in this media type are no longer accepted"
                if side == "request"
                else "replies in this media type are no longer parsed",
                side,
            )
        for media in sorted(new.keys() - old.keys()):
            # A new reply media type is one the client has never parsed: users would get it raw.
            breaking = side == "response"
            self.add(
                _child(location, "content", media),
                "media-type-added",
                None,
                media,
                breaking,
                "the server may now reply in a media type the user's code does not handle"
                if breaking
                else "a new accepted media type changes no existing call",
                side,
            )
        for media in sorted(old.keys() & new.keys()):
            self.schema(
                _child(location, "content", media, "schema"),
                (old[media] or {}).get("schema"),
                (new[media] or {}).get("schema"),
                side,
            )

    # ----- schemas ----------------------------------------------------------------------
    def deref(self, node: Any, document: Mapping[str, Any]) -> Any:
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and len(node) == 1:
            node = _resolve_pointer(document, node["$ref"])
        return node

    def annotations(
        self,
        location: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        keys: Iterable[str],
        side: Side | None = None,
    ) -> None:
        for key in keys:
            if old.get(key) != new.get(key):
                self.add(
                    _child(location, key),
                    "description-changed"
                    if key in {"description", "summary", "title"}
                    else "annotation-changed",
                    old.get(key),
                    new.get(key),
                    False,
                    "documentation only; what is valid did not change",
                    side,
                )

    def schema(self, location: str, old: Any, new: Any, side: Side) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            # No schema means anything: adding one narrows, removing one widens.
            # request: a new schema accepts less; response: a dropped one is no longer parsed
            narrows = old is None
            self.add(
                location,
                "schema-added" if narrows else "schema-removed",
                old,
                new,
                narrows == (side == "request"),
                (
                    "the body now has a schema; requests must fit it"
                    if side == "request"
                    else "the reply is now described; the client parses what it could not before"
                )
                if narrows
                else (
                    "any value is accepted now"
                    if side == "request"
                    else "the reply is no longer described or parsed"
                ),
                side,
            )
            return
        if isinstance(old, bool) or isinstance(new, bool):
            if old != new:
                self.add(location, "schema-changed", old, new, True, "a boolean schema changed", side)
            return
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if isinstance(old_ref, str) and isinstance(new_ref, str):
            # Both point somewhere: compare the targets once per side, where they live.
            if old_ref != new_ref:
                self.add(
                    _child(location, "$ref"),
                    "reference-changed",
                    old_ref,
                    new_ref,
                    False,
                    "the schema's name changed; its content is compared below (the Python API check "
                    "reports a renamed model)",
                    side,
                )
            visit = (old_ref, new_ref, side)
            if visit not in self.seen:
                self.seen.add(visit)
                self.schema(
                    new_ref,
                    _resolve_pointer(self.old_doc, old_ref),
                    _resolve_pointer(self.new_doc, new_ref),
                    side,
                )
            old_rest = {k: v for k, v in old.items() if k != "$ref"}
            new_rest = {k: v for k, v in new.items() if k != "$ref"}
            if old_rest or new_rest:
                self.keywords(location, old_rest, new_rest, side)
            return
        if isinstance(old_ref, str):
            old = _inline_ref(self.old_doc, old)
        if isinstance(new_ref, str):
            new = _inline_ref(self.new_doc, new)
        self.keywords(location, old, new, side)

    def keywords(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        request = side == "request"
        self.annotations(location, old, new, sorted((old.keys() | new.keys()) & ANNOTATIONS), side)
        self.types(location, old, new, side)
        self.enums(location, old, new, side)
        for key, larger_accepts_more in BOUNDS.items():
            self.bound(location, key, old.get(key), new.get(key), larger_accepts_more, side)
        for key in sorted(OTHER_ASSERTIONS):
            if old.get(key) != new.get(key):
                self.add(
                    _child(location, key),
                    f"{key}-changed",
                    old.get(key),
                    new.get(key),
                    request,
                    "it may accept less than before, so a request that was valid may not be"
                    if request
                    else "the client does not check it in replies",
                    side,
                )
        self.properties(location, old, new, side)
        self.additional(location, old.get("additionalProperties"), new.get("additionalProperties"), side)
        self.schema(_child(location, "items"), old.get("items"), new.get("items"), side)
        for key in ("if", "then", "else", "contentSchema"):
            self.schema(_child(location, key), old.get(key), new.get(key), side)
        for key in ("prefixItems", "allOf"):
            old_list, new_list = old.get(key) or [], new.get(key) or []
            for index in range(max(len(old_list), len(new_list))):
                self.schema(
                    _child(location, key, index),
                    old_list[index] if index < len(old_list) else None,
                    new_list[index] if index < len(new_list) else None,
                    side,
                )
        for key in ("anyOf", "oneOf"):
            self.alternatives(location, key, old.get(key), new.get(key), side)
        self.discriminator(location, old.get("discriminator"), new.get("discriminator"), side)
        for key in sorted((old.keys() | new.keys()) - _HANDLED):
            if old.get(key) != new.get(key) and not key.startswith("x-"):
                self.add(
                    _child(location, key),
                    "keyword-changed",
                    old.get(key),
                    new.get(key),
                    request,
                    "a keyword without a rule here changed; on the request side it is taken as narrowing"
                    if request
                    else "a keyword without a rule here changed; the client does not check it in replies",
                    side,
                )

    def types(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        old_types, new_types = _types(old), _types(new)
        if old_types is not None and new_types is not None:
            removed, added = _type_difference(old_types, new_types), _type_difference(new_types, old_types)
            if removed or added:
                if side == "request":
                    breaking = bool(removed)
                    change = (
                        "type-narrowed"
                        if removed and not added
                        else "type-widened"
                        if added and not removed
                        else "type-changed"
                    )
                    why = (
                        f"values of type {', '.join(sorted(removed))} are no longer accepted"
                        if removed
                        else "more values are accepted; every valid request stays valid"
                    )
                else:
                    breaking = bool(added)
                    change = "type-changed" if added else "type-narrowed"
                    why = (
                        f"the server may now send {', '.join(sorted(added))}, which the client rejects "
                        "and the user's code does not expect"
                        if added
                        else "fewer kinds of values are sent; code reading the old ones still works"
                    )
                self.add(
                    _child(location, "type"),
                    change,
                    sorted(old_types),
                    sorted(new_types),
                    breaking,
                    why,
                    side,
                )
        elif old_types is None and new_types is not None and not _has_alternatives(old):
            self.add(
                _child(location, "type"),
                "type-added",
                None,
                sorted(new_types),
                side == "request",
                "only these types are accepted now" if side == "request" else "the reply is only narrowed",
                side,
            )
        elif old_types is not None and new_types is None and not _has_alternatives(new):
            self.add(
                _child(location, "type"),
                "type-removed",
                sorted(old_types),
                None,
                side == "response",
                "any type may be sent now, which the user's code does not expect"
                if side == "response"
                else "any type is accepted now",
                side,
            )
        old_null, new_null = _nullable(old), _nullable(new)
        if old_null != new_null:
            if side == "request":
                breaking, why = (
                    (True, "null is no longer accepted here")
                    if old_null
                    else (False, "null is accepted too now; every valid request stays valid")
                )
            else:
                breaking, why = (
                    (True, "the field the user reads may now be null")
                    if new_null
                    else (False, "the field is no longer null; code handling null still works")
                )
            self.add(
                location,
                "newly-nullable" if new_null else "no-longer-nullable",
                old_null,
                new_null,
                breaking,
                why,
                side,
            )

    def enums(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        old_values, new_values = _enum(old), _enum(new)
        request = side == "request"
        if old_values is None and new_values is None:
            return
        if old_values is None or new_values is None:
            narrows = old_values is None
            self.add(
                _child(location, "enum"),
                "enum-added" if narrows else "enum-removed",
                old_values,
                new_values,
                narrows == request,
                ("only the listed values are accepted now" if request else "fewer values are sent")
                if narrows
                else (
                    "any value is accepted now"
                    if request
                    else "any value may be sent; the client's checks change"
                ),
                side,
            )
            return
        for value in [v for v in old_values if v not in new_values]:
            self.add(
                _child(location, "enum", json.dumps(value)),
                "enum-value-removed",
                value,
                None,
                request,
                f"requests sending {value!r} are no longer valid"
                if request
                else f"the server no longer sends {value!r}; code handling it still works",
                side,
            )
        for value in [v for v in new_values if v not in old_values]:
            self.add(
                _child(location, "enum", json.dumps(value)),
                "enum-value-added",
                None,
                value,
                not request,
                f"{value!r} is accepted too now"
                if request
                else f"the server may send {value!r}, which the client's strict enum check rejects",
                side,
            )

    def bound(
        self, location: str, key: str, old: Any, new: Any, larger_accepts_more: bool, side: Side
    ) -> None:
        if old == new or isinstance(old, bool) or isinstance(new, bool):
            return
        if old is None:
            narrowed = True
        elif new is None:
            narrowed = False
        else:
            narrowed = (new < old) if larger_accepts_more else (new > old)
        if side == "request":
            breaking = narrowed
            why = (
                f"{key} {old} -> {new}: requests valid before may now be rejected"
                if narrowed
                else f"{key} {old} -> {new}: every valid request stays valid"
            )
        else:
            checked = key in RESPONSE_CHECKED_BOUNDS
            breaking = not narrowed and checked
            why = (
                f"{key} {old} -> {new}: the server may send values the client's range check rejects"
                if breaking
                else f"{key} {old} -> {new}: "
                + ("replies only narrow" if narrowed else "the client does not check this bound in replies")
            )
        self.add(
            _child(location, key),
            "range-narrowed" if narrowed else "range-widened",
            old,
            new,
            breaking,
            why,
            side,
        )

    def properties(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        old_props: Mapping[str, Any] = old.get("properties") or {}
        new_props: Mapping[str, Any] = new.get("properties") or {}
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        request = side == "request"
        for name in sorted(old_props.keys() - new_props.keys()):
            self.add(
                _child(location, "properties", name),
                "property-removed",
                name,
                None,
                True,
                f"the model loses {name!r}; code that sets it (and requests that send it) break"
                if request
                else f"the model loses {name!r}; code that reads it breaks",
                side,
            )
        for name in sorted(new_props.keys() - old_props.keys()):
            required = name in new_required
            self.add(
                _child(location, "properties", name),
                "property-added-required" if required and request else "property-added",
                None,
                name,
                required and request,
                f"every request must now send {name!r}" if required and request else "an addition",
                side,
            )
        for name in sorted(old_props.keys() & new_props.keys()):
            here = _child(location, "properties", name)
            was, now = name in old_required, name in new_required
            if was != now:
                if request:
                    breaking, why = (
                        (True, f"requests without {name!r} are no longer valid")
                        if now
                        else (False, f"{name!r} may be left out now")
                    )
                else:
                    breaking, why = (
                        (False, f"{name!r} is always sent now")
                        if now
                        else (True, f"{name!r} may be missing now; code that reads it must handle that")
                    )
                self.add(here, "newly-required" if now else "newly-optional", was, now, breaking, why, side)
            self.schema(here, old_props[name], new_props[name], side)

    def additional(self, location: str, old: Any, new: Any, side: Side) -> None:
        here = _child(location, "additionalProperties")
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            self.schema(here, old, new, side)
            return
        old_closed, new_closed = old is False, new is False
        if old_closed != new_closed:
            request = side == "request"
            self.add(
                here,
                "additional-properties-closed" if new_closed else "additional-properties-opened",
                old,
                new,
                new_closed and request,
                ("unknown fields are now rejected" if new_closed else "unknown fields are accepted now")
                if request
                else "the client keeps unknown reply fields either way",
                side,
            )
        elif old != new:
            self.schema(
                here,
                old if isinstance(old, Mapping) else None,
                new if isinstance(new, Mapping) else None,
                side,
            )

    def alternatives(self, location: str, key: str, old: Any, new: Any, side: Side) -> None:
        if not old and not new:
            return
        old_alts = _keyed_alternatives(self.old_doc, old or [])
        new_alts = _keyed_alternatives(self.new_doc, new or [])
        request = side == "request"
        for alt_key in [k for k in old_alts if k not in new_alts]:
            index, schema = old_alts[alt_key]
            self.add(
                _child(location, key, index),
                "alternative-removed",
                _label(schema),
                None,
                request,
                "values of this shape are no longer accepted"
                if request
                else "the server no longer sends this shape; code handling it still works",
                side,
            )
        for alt_key in [k for k in new_alts if k not in old_alts]:
            index, schema = new_alts[alt_key]
            self.add(
                _child(location, key, index),
                "alternative-added",
                None,
                _label(schema),
                not request,
                "a new shape is accepted too"
                if request
                else "the server may send a shape the client's parser and the user's code do not know",
                side,
            )
        for alt_key in [k for k in old_alts if k in new_alts]:
            (_, old_schema), (new_index, new_schema) = old_alts[alt_key], new_alts[alt_key]
            self.schema(_child(location, key, new_index), old_schema, new_schema, side)

    def discriminator(self, location: str, old: Any, new: Any, side: Side) -> None:
        if old == new:
            return
        here = _child(location, "discriminator")
        old_d: Mapping[str, Any] = old or {}
        new_d: Mapping[str, Any] = new or {}
        old_map, new_map = old_d.get("mapping") or {}, new_d.get("mapping") or {}
        only_added = (
            old is not None
            and new is not None
            and old_d.get("propertyName") == new_d.get("propertyName")
            and all(new_map.get(k) == v for k, v in old_map.items())
        )
        if only_added:
            added = {k: v for k, v in new_map.items() if k not in old_map}
            self.add(
                here,
                "discriminator-mapping-added",
                old,
                new,
                side == "response",
                f"new tags {sorted(added)} are accepted too"
                if side == "request"
                else f"the server may send tags {sorted(added)} the client does not know",
                side,
            )
            return
        self.add(
            here,
            "discriminator-changed",
            old,
            new,
            True,
            "the tag that decides which model a value is changed, so values are told apart differently",
            side,
        )


def _operations(document: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item, Mapping) and isinstance(item.get(method), Mapping):
                found[(path, method)] = item[method]
    return found


def _inline_ref(document: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """A schema with a ``$ref`` compared against one without: read the target in place."""
    target = _resolve_pointer(document, schema["$ref"])
    merged = dict(target) if isinstance(target, Mapping) else {}
    merged.update({k: v for k, v in schema.items() if k != "$ref"})
    return merged


def _types(schema: Mapping[str, Any]) -> set[str] | None:
    """The non-null types a schema names (``None`` when it names none)."""
    raw = schema.get("type")
    if raw is None:
        return None
    values = {raw} if isinstance(raw, str) else set(raw)
    return (values - {"null"}) or {"null"}


def _type_difference(a: set[str], b: set[str]) -> set[str]:
    """Types in ``a`` whose values ``b`` does not accept (``number`` accepts every ``integer``)."""
    return {t for t in a if t not in b and not (t == "integer" and "number" in b)}


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (schema.get("type") == "null" or schema.get("type") == ["null"])


def _nullable(schema: Mapping[str, Any]) -> bool:
    raw = schema.get("type")
    if raw == "null" or (isinstance(raw, list) and "null" in raw):
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"] and raw is None:
        return True
    return any(_is_null_schema(alt) for key in ("anyOf", "oneOf") for alt in schema.get(key) or [])


def _has_alternatives(schema: Mapping[str, Any]) -> bool:
    return bool(schema.get("anyOf") or schema.get("oneOf") or schema.get("$ref"))


def _enum(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    # null in an enum is nullability, judged by its own rule
    return [v for v in values if v is not None] if isinstance(values, list) else None


def _alternative_key(document: Mapping[str, Any], schema: Any, index: int) -> str:
    if _is_null_schema(schema):
        return "null"
    if not isinstance(schema, Mapping):
        return f"#{index}"
    if isinstance(schema.get("$ref"), str):
        return "ref:" + str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("title"):
        return "title:" + str(schema["title"])
    for name, prop in (schema.get("properties") or {}).items():
        values = _enum(prop) if isinstance(prop, Mapping) else None
        if values and len(values) == 1:
            return f"tag:{name}={values[0]}"
    raw = schema.get("type")
    if raw is not None:
        return "type:" + json.dumps(raw, sort_keys=True) + (":items" if "items" in schema else "")
    return f"#{index}"


def _keyed_alternatives(document: Mapping[str, Any], alternatives: list[Any]) -> dict[str, tuple[int, Any]]:
    keyed: dict[str, tuple[int, Any]] = {}
    for index, schema in enumerate(alternatives):
        key = _alternative_key(document, schema, index)
        if key == "null":
            continue  # nullability has its own rule
        while key in keyed:
            key += f"#{index}"
        keyed[key] = (index, schema)
    return keyed


def _label(schema: Any) -> Any:
    if isinstance(schema, Mapping):
        if "$ref" in schema:
            return schema["$ref"]
        if "title" in schema:
            return schema["title"]
        if "type" in schema:
            return {"type": schema["type"]}
    return schema


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two resolved documents, judged from a client user's side."""
    walker = _Walker(old, new)
    walker.operations()
    return walker.changes()


def changes_as_json(changes: Iterable[Change]) -> list[dict[str, Any]]:
    return [c.as_dict() for c in changes]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def format_text(changes: list[Change]) -> str:
    """The report as lines for a terminal: breaking changes first."""
    if not changes:
        return "API changes: none"
    breaking = sum(c.breaking for c in changes)
    lines = [f"API changes: {len(changes)} ({breaking} breaking)"]
    for c in sorted(changes, key=lambda c: (not c.breaking, c.location, c.change)):
        mark = "BREAKING" if c.breaking else "ok      "
        sides = f" [{', '.join(c.sides)}]" if c.sides else ""
        lines.append(f"  {mark} {c.change}{sides} at {c.location}: {_short(c.before)} -> {_short(c.after)}")
        lines.append(f"           {c.why}")
    return "\n".join(lines)


def format_markdown(changes: list[Change]) -> str:
    if not changes:
        return "## API changes\n\nNone.\n"
    breaking = sum(c.breaking for c in changes)
    rows = [
        f"## API changes\n\n{len(changes)} change(s), {breaking} breaking.\n",
        "| breaking | change | location | before | after | why |",
        "| --- | --- | --- | --- | --- | --- |",
    ]

    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    for c in sorted(changes, key=lambda c: (not c.breaking, c.location, c.change)):
        rows.append(
            f"| {'**yes**' if c.breaking else 'no'} | {cell(c.change)} | `{cell(c.location)}` | "
            f"`{cell(_short(c.before))}` | `{cell(_short(c.after))}` | {cell(c.why)} |"
        )
    return "\n".join(rows) + "\n"
