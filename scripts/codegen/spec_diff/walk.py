"""Walk two resolved documents in step and record each difference with its rule's verdict.

Operation by operation, following ``$ref``s into ``components`` (a component is compared once per
side, and its changes are reported at the component). Which side a schema is on comes from how it
is reached: a request body, a parameter or the security a call carries is the request side, a
response the response side; a schema reached from both is compared on both and its changes carry
both sides (breaking when either side says so). Verdicts come from ``rules.py``; restructured
schemas (a property moved into alternatives, an alternative removed) are judged by ``examples.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import json_pointer
from . import schema_facts as facts
from .examples import Judgement, judge
from .report import Change
from .rules import OTHER_ASSERTIONS, Side, rule


def _child(location: str, *tokens: str | int) -> str:
    return location + json_pointer.join(*tokens)


@dataclass
class Walker:
    old_doc: Mapping[str, Any]
    new_doc: Mapping[str, Any]
    # (location, change) -> the change per side, merged by changes()
    found: dict[tuple[str, str], dict[str, Change]] = field(default_factory=dict)
    seen: set[tuple[str, str, str]] = field(default_factory=set)
    # (id(old), id(new)) -> (old, new, judgement); holding both keeps their ids from being reused
    judged: dict[tuple[int, int], tuple[Any, Any, Judgement]] = field(default_factory=dict)

    # ----- recording --------------------------------------------------------------------
    def record(  # noqa: PLR0913, PLR0917 (the parts of one report entry)
        self,
        location: str,
        kind: str,
        before: Any,
        after: Any,
        side: Side | None,
        case: str = "",
        detail: str = "",
    ) -> None:
        verdict = rule(kind, case).verdict(side)
        why = f"{detail}: {verdict.why}" if detail else verdict.why
        self.found.setdefault((location, kind), {})[side or ""] = Change(
            location, kind, before, after, verdict.breaking, why, (side,) if side else ()
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

    def judge(self, old: Any, new: Any) -> Judgement:
        """Whether values of ``old`` still fit ``new`` (once per pair of schemas)."""
        key = (id(old), id(new))
        if key not in self.judged:
            self.judged[key] = (old, new, judge(old, self.old_doc, new, self.new_doc))
        return self.judged[key][2]

    # ----- operations -------------------------------------------------------------------
    def operations(self) -> None:
        old_ops, new_ops = facts.operations(self.old_doc), facts.operations(self.new_doc)
        for path, method in sorted(old_ops.keys() - new_ops.keys()):
            here = json_pointer.fragment("paths", path, method)
            self.record(here, "operation-removed", f"{method.upper()} {path}", None, None)
        for path, method in sorted(new_ops.keys() - old_ops.keys()):
            here = json_pointer.fragment("paths", path, method)
            self.record(here, "operation-added", None, f"{method.upper()} {path}", None)
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(json_pointer.fragment("paths", *key), old_ops[key], new_ops[key])

    def operation(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for key in ("summary", "description"):
            if old.get(key) != new.get(key):
                self.record(
                    _child(location, key),
                    "description-changed",
                    old.get(key),
                    new.get(key),
                    None,
                    "operation",
                )
        for key in ("operationId", "tags"):
            if old.get(key) != new.get(key):
                self.record(_child(location, key), f"{key}-changed", old.get(key), new.get(key), None)
        self.security(location, old, new)
        self.parameters(location, old.get("parameters") or [], new.get("parameters") or [])
        self.request_body(_child(location, "requestBody"), old.get("requestBody"), new.get("requestBody"))
        self.responses(_child(location, "responses"), old.get("responses") or {}, new.get("responses") or {})

    def security(self, location: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        """The credentials a call must carry: the operation's ``security``, else the document's."""
        here = _child(location, "security")
        old = _requirements(old_op.get("security", self.old_doc.get("security")))
        new = _requirements(new_op.get("security", self.new_doc.get("security")))
        old_anonymous, new_anonymous = frozenset() in old or not old, frozenset() in new or not new
        if old_anonymous and not new_anonymous:
            self.record(here, "security-newly-required", None, _names(new), "request")
        elif new_anonymous and not old_anonymous:
            self.record(here, "security-no-longer-required", _names(old), None, "request")
        elif not old_anonymous:
            for requirement in sorted(old - new, key=sorted):
                self.record(here, "security-requirement-removed", sorted(requirement), None, "request")
            for requirement in sorted(new - old - {frozenset()}, key=sorted):
                self.record(here, "security-requirement-added", None, sorted(requirement), "request")
        old_schemes = (self.old_doc.get("components") or {}).get("securitySchemes") or {}
        new_schemes = (self.new_doc.get("components") or {}).get("securitySchemes") or {}
        for name in sorted({n for requirement in old & new for n in requirement}):
            was, now = _scheme_identity(old_schemes.get(name)), _scheme_identity(new_schemes.get(name))
            if was != now:
                where = json_pointer.fragment("components", "securitySchemes", name)
                self.record(where, "security-scheme-changed", was, now, "request", detail=repr(name))

    def request_body(self, location: str, old: Any, new: Any) -> None:
        old_body, new_body = facts.deref(old, self.old_doc), facts.deref(new, self.new_doc)
        if old_body is None and new_body is not None:
            required = bool(new_body.get("required"))
            case = "required" if required else "optional"
            self.record(location, "request-body-added", None, case, "request", case)
        elif old_body is not None and new_body is None:
            self.record(location, "request-body-removed", "present", None, "request")
        elif old_body is not None and new_body is not None:
            if not old_body.get("required") and new_body.get("required"):
                self.record(
                    _child(location, "required"), "request-body-newly-required", False, True, "request"
                )
            self.annotations(location, old_body, new_body, ("description",), "request")
            self.content(location, old_body.get("content") or {}, new_body.get("content") or {}, "request")

    def parameters(self, location: str, old: list[Any], new: list[Any]) -> None:
        old_params = {(p["in"], p["name"]): p for p in (facts.deref(x, self.old_doc) for x in old)}
        new_params = {(p["in"], p["name"]): p for p in (facts.deref(x, self.new_doc) for x in new)}
        for key in sorted(old_params.keys() - new_params.keys()):
            self.record(
                _child(location, "parameters", f"{key[0]}:{key[1]}"),
                "parameter-removed",
                key[1],
                None,
                "request",
            )
        for key in sorted(new_params.keys() - old_params.keys()):
            kind = "parameter-added-required" if new_params[key].get("required") else "parameter-added"
            self.record(_child(location, "parameters", f"{key[0]}:{key[1]}"), kind, None, key[1], "request")
        for key in sorted(old_params.keys() & new_params.keys()):
            here = _child(location, "parameters", f"{key[0]}:{key[1]}")
            old_p, new_p = old_params[key], new_params[key]
            if not old_p.get("required") and new_p.get("required"):
                self.record(here, "parameter-newly-required", False, True, "request")
            self.annotations(here, old_p, new_p, ("description",), "request")
            self.schema(_child(here, "schema"), old_p.get("schema"), new_p.get("schema"), "request")

    def responses(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for status in sorted(old.keys() - new.keys()):
            case = "2xx" if str(status).startswith("2") else "error"
            self.record(_child(location, status), "response-removed", status, None, "response", case)
        for status in sorted(new.keys() - old.keys()):
            self.record(_child(location, status), "response-added", None, status, "response")
        for status in sorted(old.keys() & new.keys()):
            here = _child(location, status)
            old_r, new_r = facts.deref(old[status], self.old_doc), facts.deref(new[status], self.new_doc)
            self.annotations(here, old_r, new_r, ("description",), "response")
            self.content(here, old_r.get("content") or {}, new_r.get("content") or {}, "response")

    def content(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        for media in sorted(old.keys() - new.keys()):
            self.record(_child(location, "content", media), "media-type-removed", media, None, side)
        for media in sorted(new.keys() - old.keys()):
            self.record(_child(location, "content", media), "media-type-added", None, media, side)
        for media in sorted(old.keys() & new.keys()):
            self.schema(
                _child(location, "content", media, "schema"),
                (old[media] or {}).get("schema"),
                (new[media] or {}).get("schema"),
                side,
            )

    # ----- schemas ----------------------------------------------------------------------
    def annotations(
        self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], keys: Iterable[str], side: Side
    ) -> None:
        for key in keys:
            if old.get(key) != new.get(key):
                kind = (
                    "description-changed"
                    if key in {"description", "summary", "title"}
                    else "annotation-changed"
                )
                self.record(_child(location, key), kind, old.get(key), new.get(key), side)

    def schema(self, location: str, old: Any, new: Any, side: Side) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            # No schema means anything: adding one narrows, removing one widens.
            self.record(location, "schema-added" if old is None else "schema-removed", old, new, side)
            return
        if isinstance(old, bool) or isinstance(new, bool):
            if old != new:
                self.record(location, "schema-changed", old, new, side)
            return
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if isinstance(old_ref, str) and isinstance(new_ref, str):
            # Both point somewhere: compare the targets once per side, where they live.
            if old_ref != new_ref:
                self.record(_child(location, "$ref"), "reference-changed", old_ref, new_ref, side)
            visit = (old_ref, new_ref, side)
            if visit not in self.seen:
                self.seen.add(visit)
                self.schema(
                    new_ref,
                    json_pointer.resolve(self.old_doc, old_ref),
                    json_pointer.resolve(self.new_doc, new_ref),
                    side,
                )
            old_rest = {k: v for k, v in old.items() if k != "$ref"}
            new_rest = {k: v for k, v in new.items() if k != "$ref"}
            if old_rest or new_rest:
                self.keywords(location, old_rest, new_rest, side)
            return
        if isinstance(old_ref, str):
            old = facts.inline_ref(self.old_doc, old)
        if isinstance(new_ref, str):
            new = facts.inline_ref(self.new_doc, new)
        self.keywords(location, old, new, side)

    def keywords(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        self.annotations(location, old, new, sorted((old.keys() | new.keys()) & facts.ANNOTATIONS), side)
        self.types(location, old, new, side)
        self.enums(location, old, new, side)
        for key, larger_accepts_more in facts.BOUNDS.items():
            self.bound(location, key, old.get(key), new.get(key), larger_accepts_more, side)
        for key in OTHER_ASSERTIONS:
            if old.get(key) != new.get(key):
                self.record(_child(location, key), f"{key}-changed", old.get(key), new.get(key), side)
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
            self.alternatives(location, key, old, new, side)
        self.discriminator(location, old.get("discriminator"), new.get("discriminator"), side)
        for key in sorted((old.keys() | new.keys()) - facts.HANDLED):
            if old.get(key) != new.get(key) and not key.startswith("x-"):
                self.record(_child(location, key), "keyword-changed", old.get(key), new.get(key), side)

    def types(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        old_types, new_types = facts.types(old), facts.types(new)
        here = _child(location, "type")
        if old_types is not None and new_types is not None:
            removed = facts.type_difference(old_types, new_types)
            added = facts.type_difference(new_types, old_types)
            if removed or added:
                if side == "request":
                    kind = "type-narrowed" if not added else "type-widened" if not removed else "type-changed"
                    detail = f"dropped: {', '.join(sorted(removed))}" if removed else ""
                else:
                    kind = "type-changed" if added else "type-narrowed"
                    detail = f"added: {', '.join(sorted(added))}" if added else ""
                self.record(here, kind, sorted(old_types), sorted(new_types), side, detail=detail)
        elif old_types is None and new_types is not None and not facts.has_alternatives(old):
            self.record(here, "type-added", None, sorted(new_types), side)
        elif old_types is not None and new_types is None and not facts.has_alternatives(new):
            self.record(here, "type-removed", sorted(old_types), None, side)
        old_null, new_null = facts.nullable(old), facts.nullable(new)
        if old_null != new_null:
            self.record(
                location, "newly-nullable" if new_null else "no-longer-nullable", old_null, new_null, side
            )

    def enums(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        old_values, new_values = facts.enum(old), facts.enum(new)
        if old_values is None and new_values is None:
            return
        if old_values is None or new_values is None:
            kind = "enum-added" if old_values is None else "enum-removed"
            self.record(_child(location, "enum"), kind, old_values, new_values, side)
            return
        for value in [v for v in old_values if v not in new_values]:
            here = _child(location, "enum", json.dumps(value))
            self.record(here, "enum-value-removed", value, None, side, detail=repr(value))
        for value in [v for v in new_values if v not in old_values]:
            here = _child(location, "enum", json.dumps(value))
            self.record(here, "enum-value-added", None, value, side, detail=repr(value))

    def bound(  # noqa: PLR0913, PLR0917 (a bound's key, both values, its direction and the side)
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
        kind = "range-narrowed" if narrowed else "range-widened"
        case = "" if narrowed else "checked" if key in facts.RESPONSE_CHECKED_BOUNDS else "unchecked"
        self.record(_child(location, key), kind, old, new, side, case, detail=f"{key} {old} -> {new}")

    def properties(self, location: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side) -> None:
        old_props: Mapping[str, Any] = old.get("properties") or {}
        new_props: Mapping[str, Any] = new.get("properties") or {}
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        moved_to = facts.declared_in_alternatives(new, self.new_doc)
        for name in sorted(old_props.keys() - new_props.keys()):
            here = _child(location, "properties", name)
            if name in moved_to:
                # Declared in the new alternatives: whether requests still fit decides, not the path.
                judgement = self.judge(old, new)
                case = "still-valid" if judgement.still_valid else "rejected"
                detail = f"{name!r}, " + judgement.detail() if side == "request" else repr(name)
                self.record(here, "property-moved", name, None, side, case, detail=detail)
            else:
                self.record(here, "property-removed", name, None, side, detail=repr(name))
        for name in sorted(new_props.keys() - old_props.keys()):
            required = name in new_required and side == "request"
            kind = "property-added-required" if required else "property-added"
            self.record(_child(location, "properties", name), kind, None, name, side, detail=repr(name))
        for name in sorted(old_props.keys() & new_props.keys()):
            here = _child(location, "properties", name)
            was, now = name in old_required, name in new_required
            if was != now:
                self.record(
                    here, "newly-required" if now else "newly-optional", was, now, side, detail=repr(name)
                )
            self.schema(here, old_props[name], new_props[name], side)

    def additional(self, location: str, old: Any, new: Any, side: Side) -> None:
        here = _child(location, "additionalProperties")
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            self.schema(here, old, new, side)
            return
        old_closed, new_closed = old is False, new is False
        if old_closed != new_closed:
            kind = "additional-properties-closed" if new_closed else "additional-properties-opened"
            self.record(here, kind, old, new, side)
        elif old != new:
            self.schema(
                here,
                old if isinstance(old, Mapping) else None,
                new if isinstance(new, Mapping) else None,
                side,
            )

    def alternatives(
        self, location: str, key: str, old: Mapping[str, Any], new: Mapping[str, Any], side: Side
    ) -> None:
        if not old.get(key) and not new.get(key):
            return
        old_alts = facts.keyed_alternatives(old.get(key) or [])
        new_alts = facts.keyed_alternatives(new.get(key) or [])
        removed = [k for k in old_alts if k not in new_alts]
        added = [k for k in new_alts if k not in old_alts]
        for alt_key in removed:
            index, schema = old_alts[alt_key]
            case, detail = "rejected", ""
            if side == "request":
                # Its values may fit what is left (alternatives merged): the examples decide.
                base = {k: v for k, v in old.items() if k not in facts.COMPOSITIONS}
                judgement = self.judge({**base, **schema} if isinstance(schema, Mapping) else schema, new)
                case = "still-valid" if judgement.still_valid else "rejected"
                detail = judgement.detail()
            self.record(
                _child(location, key, index),
                "alternative-removed",
                facts.label(schema),
                None,
                side,
                case,
                detail,
            )
        for alt_key in added:
            index, schema = new_alts[alt_key]
            case, detail = "still-valid", ""
            if side == "request" and key == "oneOf":
                # A value that matched one alternative and now matches two is rejected by oneOf:
                # the values refused only because of that (anyOf would take them) decide.
                ambiguous = self._ambiguous(old, new)
                case = "rejected" if ambiguous else "still-valid"
                detail = ambiguous.detail() if ambiguous else ""
            self.record(
                _child(location, key, index),
                "alternative-added",
                None,
                facts.label(schema),
                side,
                case,
                detail,
            )
        for alt_key in [k for k in old_alts if k in new_alts]:
            (_, old_schema), (new_index, new_schema) = old_alts[alt_key], new_alts[alt_key]
            self.schema(_child(location, key, new_index), old_schema, new_schema, side)

    def _ambiguous(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> Judgement | None:
        """The old values the new ``oneOf`` refuses only because more than one alternative fits."""
        strict = self.judge(old, new)
        if not strict.rejected:
            return None
        relaxed = {**{k: v for k, v in new.items() if k != "oneOf"}, "allOf": [{"anyOf": new["oneOf"]}]}
        fitting = self.judge(old, relaxed)
        refused_anyway = [r.example for r in fitting.rejected]
        only_ambiguous = [r for r in strict.rejected if r.example not in refused_anyway]
        return Judgement(strict.checked, only_ambiguous) if only_ambiguous else None

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
            added = sorted(k for k in new_map if k not in old_map)
            self.record(here, "discriminator-mapping-added", old, new, side, detail=f"tags {added}")
        elif old is None and self._states_required_tags(new_d):
            self.record(here, "discriminator-added", old, new, side)
        else:
            self.record(here, "discriminator-changed", old, new, side)

    def _states_required_tags(self, discriminator: Mapping[str, Any]) -> bool:
        """Every mapped schema requires the property with exactly the tag that maps to it."""
        key, mapping = discriminator.get("propertyName"), discriminator.get("mapping") or {}
        if not isinstance(key, str) or not mapping:
            return False
        for tag, ref in mapping.items():
            try:
                target = json_pointer.resolve(self.new_doc, ref)
            except (KeyError, IndexError, ValueError):
                return False
            prop = (target.get("properties") or {}).get(key) if isinstance(target, dict) else None
            values = (
                [prop["const"]] if isinstance(prop, dict) and "const" in prop else (prop or {}).get("enum")
            )
            if values != [tag] or key not in (target.get("required") or []):
                return False
        return True


def _requirements(raw: Any) -> set[frozenset[str]]:
    """Security requirements as sets of scheme names (any one set suffices; empty: no credentials)."""
    if not isinstance(raw, list):
        return set()
    return {frozenset(item) for item in raw if isinstance(item, Mapping)}


def _names(requirements: set[frozenset[str]]) -> list[list[str]]:
    return sorted(sorted(r) for r in requirements if r)


def _scheme_identity(scheme: Any) -> Any:
    """What decides how credentials are sent (descriptions and formats aside)."""
    if not isinstance(scheme, Mapping):
        return scheme
    return {
        k: scheme[k] for k in ("type", "scheme", "in", "name", "flows", "openIdConnectUrl") if k in scheme
    }


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference between two resolved documents, judged from a client user's side."""
    walker = Walker(old, new)
    walker.operations()
    return walker.changes()
