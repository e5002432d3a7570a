"""Structural transforms on a parsed OpenAPI document (pure functions on dicts)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from . import json_pointer
from .openapi31 import every_schema

_REF_PREFIX = "#/components/"


class SpecError(ValueError):
    """The document cannot be transformed as asked (e.g. two different schemas claim one name)."""


def resolve_local_ref(document: dict[str, Any], ref: str) -> Any:
    """The node a ``#/...`` reference points at, or None when it points at nothing."""
    if not ref.startswith("#/"):
        return None
    node: Any = document
    for token in ref[2:].split("/"):
        key = json_pointer.unescape(token)
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def prune_components(document: dict[str, Any]) -> dict[str, Any]:
    """Drop every component the operations never reach (directly or through other components).

    Vendor documents ship the schemas of their whole gateway; generating them all gives
    ~1,500 files a user of this one operation never needs.
    """
    result = copy.deepcopy(document)
    components: dict[str, dict[str, Any]] = result.get("components", {})
    reachable: set[tuple[str, str]] = set()
    # Security schemes are referenced by name, not by $ref.
    for requirement in [*result.get("security", [])] + [
        req
        for item in result.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict)
        for req in op.get("security", [])
    ]:
        reachable.update(("securitySchemes", name) for name in requirement)

    pending = list(_refs(result.get("paths", {})))
    while pending:
        ref = pending.pop()
        if not ref.startswith(_REF_PREFIX):
            continue
        kind, _, name = ref[len(_REF_PREFIX) :].partition("/")
        name = json_pointer.unescape(name)
        if (kind, name) in reachable or name not in components.get(kind, {}):
            continue
        reachable.add((kind, name))
        pending.extend(_refs(components[kind][name]))

    for kind in list(components):
        kept = {name: value for name, value in components[kind].items() if (kind, name) in reachable}
        if kept:
            components[kind] = kept
        elif kind == "schemas":
            components[kind] = {}
        else:
            del components[kind]
    return result


_SCHEMA_KEYS = {"type", "properties", "items", "anyOf", "oneOf", "allOf", "enum", "additionalProperties"}


_COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")


def component_name(text: str) -> str:
    """``text`` as a component name OpenAPI allows (letters, digits, ``.``, ``-``, ``_``) and a class name reads
    well from: already valid names stay; others are their alphanumeric words, capitalised and
    joined (``anthropic/claude-sonnet-5`` -> ``AnthropicClaudeSonnet5``)."""
    if _COMPONENT_NAME.fullmatch(text):
        return text
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(word[:1].upper() + word[1:] for word in words)
    return name if name else "Schema"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}{number}", number + 1
    return candidate


def _rename_components(document: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """``document`` with the schema components renamed as ``renames`` says, references included."""
    result = copy.deepcopy(document)
    if not renames:
        return result
    schemas: dict[str, Any] = result["components"]["schemas"]
    prefix = "#/components/schemas/"
    by_ref = {prefix + json_pointer.escape(old): prefix + new for old, new in renames.items()}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref in by_ref:
                node["$ref"] = by_ref[ref]
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    result["components"]["schemas"] = {renames.get(name, name): value for name, value in schemas.items()}
    return result


def rename_invalid_components(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """Give every schema component whose name OpenAPI does not allow (vendor names such as
    ``anthropic/claude-sonnet-5``) a valid one, and rewrite the references to it."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    renames: dict[str, str] = {}
    taken = {name for name in schemas if _COMPONENT_NAME.fullmatch(name)}
    for name in list(schemas):
        if not _COMPONENT_NAME.fullmatch(name):
            renames[name] = new = _unique(component_name(name), taken)
            taken.add(new)
    if notes is not None:
        notes.extend(
            f"schema {old!r} is named {new!r} (not a valid component name)" for old, new in renames.items()
        )
    return _rename_components(document, renames)


def overlay_component_names(overlay: dict[str, Any]) -> set[str]:
    """The schema components an overlay adds with a root update (``target: $``)."""
    names: set[str] = set()
    for action in overlay.get("actions") or []:
        update = action.get("update") if isinstance(action, dict) and action.get("target") == "$" else None
        if isinstance(update, dict):
            names |= set(((update.get("components") or {}).get("schemas") or {}).keys())
    return names


def overlay_titles(overlay: dict[str, Any]) -> set[str]:
    """The component names the overlay's title updates give (``update: {title: X}``)."""
    names: set[str] = set()
    for action in overlay.get("actions") or []:
        update = action.get("update") if isinstance(action, dict) else None
        if isinstance(update, dict) and isinstance(update.get("title"), str):
            names.add(component_name(update["title"]))
    return names


def _class_key(name: str) -> str:
    """What a name becomes as a generated class, compared loosely: ``tool-call``, ``Tool Call``
    and ``ToolCall`` are all the class ``ToolCall``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def release_titles(
    document: dict[str, Any], names: set[str], notes: list[str] | None = None
) -> dict[str, Any]:
    """Drop the document's own titles of inline schemas that would take a name in ``names`` (the
    names the overlay's titles give, which the hand-written runtime imports): the first schema
    hoisted under a name keeps it, and a vendor title met first would leave the overlay's shape
    inline and the package without the model it needs. Titles are annotations: nothing else
    changes. Components keep their names (``make_room_for`` decides those)."""
    result = copy.deepcopy(document)
    released: list[str] = []
    keys = {_class_key(name) for name in names}

    def visit(node: Any, is_component_root: bool = False) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key not in ("example", "examples"):
                visit(value)
        title = node.get("title")
        if not is_component_root and isinstance(title, str) and _SCHEMA_KEYS & node.keys():
            if _class_key(title) in keys:
                del node["title"]
                released.append(title)

    visit(result.get("paths", {}))
    for schema in (result.get("components", {}).get("schemas") or {}).values():
        visit(schema, is_component_root=True)
    if notes is not None:
        notes.extend(
            f"the document's title {title!r} is dropped: the overlay gives that name"
            for title in dict.fromkeys(released)
        )
    return result


def make_room_for(
    document: dict[str, Any], names: set[str], notes: list[str] | None = None
) -> dict[str, Any]:
    """Rename the document's schema components that have a name in ``names`` (the overlay adds
    schemas of those names at the root: merged into a vendor schema of the same name, the two
    would make one schema neither meant), prefixing ``Vendor``; references follow."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    taken = set(schemas) | names
    renames: dict[str, str] = {}
    for name in schemas:
        if name in names:
            renames[name] = new = _unique("Vendor" + name, taken)
            taken.add(new)
    if notes is not None:
        notes.extend(
            f"the document's schema {old!r} is named {new!r} (the overlay adds its own {old!r})"
            for old, new in renames.items()
        )
    return _rename_components(document, renames)


def hoist_titled_schemas(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """Move every inline schema that has a ``title`` into ``components/schemas/<title>``.

    The overlay names inline schemas by giving them a title (portable: other tools use titles
    too); this turns each into a named component referenced by ``$ref``, so the resolved spec
    and the generated models share one vocabulary. Inner schemas are hoisted first, so a
    component refers to its named parts. A title that is not a valid component name is made one
    (``component_name``). When different schemas carry one title (vendor documents have a second
    shape under a name the overlay gives), the first in document order takes it and the others
    stay inline without the title (the generator then names them by where they are), as does an
    inline schema titled like a component that is already there; ``notes`` gets a line for each.
    """
    result = copy.deepcopy(document)
    schemas: dict[str, Any] = result.setdefault("components", {}).setdefault("schemas", {})

    def visit(node: Any, is_component_root: bool = False) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        for key, value in list(node.items()):
            # Examples hold data, not schemas; `properties` maps names to schemas.
            if key in ("example", "examples"):
                continue
            node[key] = visit(value)
        title = node.get("title")
        if is_component_root or not isinstance(title, str) or not (_SCHEMA_KEYS & node.keys()):
            return node
        name = component_name(title)
        existing = schemas.get(name)
        if existing is not None and existing != node:
            del node["title"]
            if notes is not None:
                notes.append(f"a second, different schema titled {title!r} stays inline, unnamed")
            return node
        schemas[name] = node
        return {"$ref": f"#/components/schemas/{name}"}

    result["paths"] = visit(result.get("paths", {}))
    for name in list(schemas):
        schemas[name] = visit(schemas[name], is_component_root=True)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result


def _pascal(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", text))


def name_tagged_alternatives(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """Title the unnamed members of a ``oneOf``/``anyOf`` after their tag, the way their named
    siblings are titled: where every inline member requires one property with one string value
    (a message's ``role``) and each titled member's title is that value followed by one shared
    suffix (``SystemMessage``, ``UserMessage``: ``Message``), an untitled member with the tag
    ``developer`` becomes ``DeveloperMessage``. Then the union is one of named schemas, and its
    discriminator can be inferred; a revision's new message kind gets a name that reads like the
    others. Runs before the titles are hoisted."""
    result = copy.deepcopy(document)

    def tag_of(member: Any, key: str) -> str | None:
        if not isinstance(member, dict) or key not in (member.get("required") or []):
            return None
        value = _single_value((member.get("properties") or {}).get(key))
        return value if isinstance(value, str) else None

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
            for keyword in ("oneOf", "anyOf"):
                members = node.get(keyword)
                if isinstance(members, list) and len(members) > 1:
                    _name_members(members)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    def _name_members(members: list[Any]) -> None:
        if not all(isinstance(m, dict) and "properties" in m for m in members):
            return
        for key in members[0].get("required") or []:
            tags = [tag_of(member, key) for member in members]
            if None in tags or len(set(tags)) != len(tags):
                continue
            titled = [
                (m["title"], t) for m, t in zip(members, tags, strict=True) if isinstance(m.get("title"), str)
            ]
            suffixes = {
                title[len(_pascal(str(tag))) :]
                for title, tag in titled
                if title.startswith(_pascal(str(tag)))
            }
            if (
                not titled
                or len(suffixes) != 1
                or len(titled) != sum(1 for title, tag in titled if title.startswith(_pascal(str(tag))))
            ):
                return
            (suffix,) = suffixes
            taken = {title for title, _ in titled}
            for member, tag in zip(members, tags, strict=True):
                if not isinstance(member.get("title"), str):
                    name = _pascal(str(tag)) + suffix
                    if name and name not in taken:
                        member["title"] = name
                        taken.add(name)
                        if notes is not None:
                            notes.append(f"the {key} {tag!r} shape is named {name!r}, like its siblings")
            return

    visit(result)
    return result


EXTENSIBLE_ENUM_KEY = "x-extensible-enum"


def open_extensible_enums(document: dict[str, Any]) -> dict[str, Any]:
    """A schema marked ``x-extensible-enum: <Name>`` lists known values of an open set: it becomes
    ``anyOf: [<Name>: those values, any string]``, so clients suggest the known values (a Literal)
    and still send any other. The values are the document's own, followed by any the marking
    added (the overlay adds, never replaces: Overlay 1.0 appends to arrays), without repeats."""
    result = copy.deepcopy(document)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
            name = node.get(EXTENSIBLE_ENUM_KEY)
            if isinstance(name, str) and isinstance(node.get("enum"), list):
                values = list(dict.fromkeys(node.pop("enum")))
                del node[EXTENSIBLE_ENUM_KEY]
                known: dict[str, Any] = {
                    "title": name,
                    "description": "The values the document names; others are sent as they are.",
                    "type": "string",
                    "enum": values,
                }
                node.pop("type", None)
                node["anyOf"] = [known, {"type": "string"}]
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    return result


def _single_value(schema: Any) -> Any:
    """The one value ``schema`` allows (``const``, or a one-member ``enum``), or None."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and len(enum) == 1 else None


def discriminator_of(document: dict[str, Any], alternatives: list[Any]) -> tuple[str, dict[str, str]] | None:
    """The property that tells ``alternatives`` apart, when they are all ``$ref``s to object
    schemas that each require it with one string value, distinct per alternative: its name and the
    value -> reference mapping. The first such property of the first alternative wins."""
    if len(alternatives) < 2 or not all(isinstance(a, dict) and set(a) == {"$ref"} for a in alternatives):
        return None
    targets = [resolve_local_ref(document, a["$ref"]) for a in alternatives]
    if not all(isinstance(t, dict) and isinstance(t.get("properties"), dict) for t in targets):
        return None
    for key in targets[0].get("required") or []:
        values = []
        for target in targets:
            value = _single_value(target["properties"].get(key))
            if not isinstance(value, str) or key not in (target.get("required") or []):
                break
            values.append(value)
        else:
            if len(set(values)) == len(values):
                return key, {value: a["$ref"] for value, a in zip(values, alternatives, strict=True)}
    return None


def infer_discriminators(document: dict[str, Any]) -> dict[str, Any]:
    """Say, as an OpenAPI ``discriminator``, what tells the members of a ``oneOf``/``anyOf`` of
    named object schemas apart (``discriminator_of``: a message's ``role``, a part's ``type``), for
    the tools that honour one. A discriminator the document states is kept when every value it
    maps reaches a schema; one that names a schema that is gone is replaced or dropped."""
    result = copy.deepcopy(document)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
            for keyword in ("oneOf", "anyOf"):
                alternatives = node.get(keyword)
                if not isinstance(alternatives, list):
                    continue
                stated = node.get("discriminator")
                if isinstance(stated, dict) and all(
                    resolve_local_ref(result, ref) is not None
                    for ref in (stated.get("mapping") or {}).values()
                ):
                    continue
                found = discriminator_of(result, alternatives)
                if found is None:
                    node.pop("discriminator", None)
                else:
                    node["discriminator"] = {"propertyName": found[0], "mapping": found[1]}
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    return result


REPLAY_KEY = "x-replay-as"


def drop_dangling_replays(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """Remove an ``x-replay-as`` whose request schema is gone (the vendor removed that message
    shape): the reply is then not taken back as a request message, and ``notes`` says so."""
    result = copy.deepcopy(document)
    schemas: dict[str, Any] = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if (
            isinstance(schema, dict)
            and isinstance(schema.get(REPLAY_KEY), str)
            and schema[REPLAY_KEY] not in schemas
        ):
            if notes is not None:
                notes.append(
                    f"{name} is not replayed as {schema[REPLAY_KEY]}, which the document no longer has"
                )
            del schema[REPLAY_KEY]
    return result


# String formats openapi-python-client reads as other Python types (date, datetime, UUID, File),
# whose properties our templates do not parse: the client takes them as the strings they are on
# the wire (a format is an annotation in JSON Schema 2020-12; the spec the tests validate against
# keeps it).
TYPED_STRING_FORMATS = ("date", "date-time", "uuid", "binary")


def string_formats_as_text(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """A copy for the generator in which no string schema has a ``TYPED_STRING_FORMATS`` format;
    ``notes`` says which formats were taken as plain strings."""
    result = copy.deepcopy(document)
    found: set[str] = set()
    for schema in every_schema(result):
        kind = schema.get("type")
        is_string = kind == "string" or (isinstance(kind, list) and "string" in kind)
        if is_string and schema.get("format") in TYPED_STRING_FORMATS:
            found.add(schema.pop("format"))
    if found and notes is not None:
        formats = ", ".join(sorted(found))
        notes.append(f"string formats {formats} are read by the client as the strings they are on the wire")
    return result


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


def _fits(value: Any, kinds: list[str]) -> bool:
    for kind in kinds:
        types = _JSON_TYPES.get(kind)
        if types is None:
            return True  # a type this check does not know: left to the validator
        if isinstance(value, bool) and kind in ("integer", "number"):
            continue  # JSON's true is no number
        if isinstance(value, types) and not (
            kind == "integer" and isinstance(value, float) and not value.is_integer()
        ):
            return True
    return False


def drop_unfit_defaults(document: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    """A copy without the ``default`` of a schema whose own ``type`` or ``enum`` it does not fit
    (``null`` for a string that is not nullable, ``1.5`` for a string, a value its enum lacks):
    vendor documents have them, a default is an annotation, and a spec validator refuses the
    whole document over one."""
    result = copy.deepcopy(document)
    dropped: list[str] = []
    for schema in every_schema(result):
        if "default" not in schema:
            continue
        kind, enum, default = schema.get("type"), schema.get("enum"), schema["default"]
        kinds = [kind] if isinstance(kind, str) else [str(k) for k in kind] if isinstance(kind, list) else []
        if (kinds and not _fits(default, kinds)) or (isinstance(enum, list) and default not in enum):
            dropped.append(f"{schema.pop('default')!r} for {'/'.join(kinds) or 'its enum'}")
    if notes is not None and dropped:
        notes.append(
            f"defaults that do not fit their schema's type are dropped: {', '.join(dict.fromkeys(dropped))}"
        )
    return result
