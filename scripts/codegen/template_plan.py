"""The plan (plan.py) as the templates see it: Jinja globals over openapi-python-client's parsed objects.

This module only reads facts off the generator's objects (its models, properties, endpoints) and
hands them to plan.py's rules; what to do with them is decided there, and rendered by the
templates. ``install`` registers the globals on the generator's Jinja environment.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from . import plan
from .errors import GenerationError

MODEL_TEMPLATE = "model_property.py.jinja"


def _text(value: Any) -> str:
    """A name from the generator's schema objects (an UntrustedString) as the plain string."""
    return str(value.get_untrusted_value()) if hasattr(value, "get_untrusted_value") else str(value)


def model_facts(prop: Any) -> plan.ModelFacts | None:
    """The facts of a model property (None for any other kind of property)."""
    if prop.template != MODEL_TEMPLATE:
        return None
    data = prop.data
    schema = {
        "required": [_text(name) for name in data.required or []],
        "properties": {
            _text(name): {"enum": getattr(sub, "enum", None)} for name, sub in (data.properties or {}).items()
        },
    }
    return plan.ModelFacts(
        name=str(prop.class_info.name),
        required=tuple(schema["required"]),
        literals=plan.required_literals(schema),
    )


def union_discriminator(union: Any) -> plan.Discriminator | None:
    """``plan.discriminator`` of a union property's variants."""
    return plan.discriminator([model_facts(inner) for inner in union.inner_properties])


ANY_TEMPLATE = "any_property.py.jinja"
LITERAL_ENUM_TEMPLATE = "literal_enum_property.py.jinja"
CONST_TEMPLATE = "const_property.py.jinja"


@dataclass(frozen=True)
class UnionTest:
    """One branch of a union's parse: the test on the JSON value, and the members it tries."""

    check: str
    """A Python expression on the value (its first member's ``fast_check``): is it of their JSON type."""
    members: tuple[Any, ...]
    """The members that take a value passing ``check`` and parse it (``parse_checked``), in the
    union's order: one, or several of one JSON type (two kinds of list), tried in turn; none when
    the check is all there is to it."""


@dataclass(frozen=True)
class UnionParse:
    """How a union property without a discriminator parses a JSON value (union_property.py.jinja)."""

    null_members: int
    """How many members are ``None`` (each a ``value is None`` test)."""
    tests: tuple[UnionTest, ...]
    """One per JSON test of the members that are no models, in the union's order."""
    models: tuple[Any, ...]
    """The model members: an object goes to the first that takes it."""
    kinds: tuple[str, ...]
    """The JSON types the union takes, as its error names them (null first, object last)."""
    allowed: tuple[Any, ...]
    """The values of its enum and const members, as its error names them."""
    takes_anything: bool
    """A member takes any value (its check is ``True``): no value is refused."""


def union_parse(env: Any, union: Any, var: str) -> UnionParse:
    """The branches of ``union``'s parse of the value in ``var``: members grouped by the JSON test
    each member template's ``fast_check`` macro writes (one source for the test), the error's
    kinds from their ``json_kind`` macros."""

    def macros(member: Any) -> Any:
        return env.get_template("property_templates/" + member.template).module

    def is_null(member: Any) -> bool:
        return bool(member.template == ANY_TEMPLATE and member._type_string == "None")

    members = list(union.inner_properties)
    null_members = sum(1 for member in members if is_null(member))
    kinds: list[str] = ["null"] * null_members
    allowed: list[Any] = []
    tests: list[UnionTest] = []
    seen: set[str] = set()
    for member in members:
        if is_null(member) or member.template == MODEL_TEMPLATE:
            continue
        check = str(macros(member).fast_check(member, var)).strip()
        if check in seen:
            continue
        seen.add(check)
        same = [
            other
            for other in members
            if other.template not in (MODEL_TEMPLATE, ANY_TEMPLATE)
            and getattr(macros(other), "parse_checked", None)
            and str(macros(other).fast_check(other, var)).strip() == check
        ]
        if member.template == LITERAL_ENUM_TEMPLATE:
            allowed += sorted(member.values)  # as Python sorts them (Jinja's sort ignores case)
        elif member.template == CONST_TEMPLATE:
            allowed.append(member.value.raw_value)
        else:
            kinds.append(str(macros(member).json_kind(member)).strip())
        parsed = (
            same if len(same) > 1 else ([member] if getattr(macros(member), "parse_checked", None) else [])
        )
        tests.append(UnionTest(check, tuple(parsed)))
    models = tuple(member for member in members if member.template == MODEL_TEMPLATE)
    if models:
        kinds.append("object")
    return UnionParse(
        null_members=null_members,
        tests=tuple(tests),
        models=models,
        kinds=tuple(kinds),
        allowed=tuple(allowed),
        takes_anything="True" in seen,
    )


def union_list_items(union: Any) -> tuple[Any, ...]:
    """The item property of each list where a union property is one of several lists only
    (`messages` offered as a list of a shared model or of per-role ones), else ``()``. Such a union
    takes a tuple as the list it is (as a lone list does), and its TypedDict key is one sequence
    of any list's items (as create()'s keyword is: from_dict finds the list they all fit)."""
    items = _list_items(union)
    return items if union.template == UNION_TEMPLATE and len(items) > 1 else ()


def union_model_list_items(union: Any) -> tuple[Any, ...]:
    """``union_list_items`` where every list holds models (a union of model lists: messages, tools),
    else ``()``: such a field is declared one sequence of any list's items (a list literal of
    several kinds then fits it; its serialisation is the same ``to_dict()`` per item)."""
    items = union_list_items(union)
    holds_models = all(
        item.template == MODEL_TEMPLATE
        or (
            item.template == UNION_TEMPLATE
            and all(inner.template == MODEL_TEMPLATE for inner in item.inner_properties)
        )
        for item in items
    )
    return items if holds_models else ()


def fail(reason: str) -> NoReturn:
    """Stop the generation from a template with ``reason`` (Jinja has no raise)."""
    raise GenerationError(reason)


class StreamChunks:
    """``plan.stream_chunk`` for the generator's endpoints, over the resolved spec it read."""

    def __init__(self, spec: Mapping[str, Any], models: Any) -> None:
        self._spec = spec
        # Each model's $ref: its roots are the references it was parsed from (and its class name).
        self._models = {
            "#" + _text(root): plan.ModelName(str(model.class_info.module_name), str(model.class_info.name))
            for model in models
            for root in model.roots
            if not isinstance(root, str)
        }

    def __call__(self, endpoint: Any) -> plan.ModelName | None:
        return plan.stream_chunk(
            self._spec, _text(endpoint.path), str(endpoint.method), str(endpoint.name), self._models
        )


@dataclass(frozen=True)
class EndpointPath:
    """``plan.path_parameters`` of an endpoint, in the generator's objects."""

    from_body: tuple[tuple[str, str], ...]
    """(its name in ``endpoint.path``'s template, the body's JSON property) per parameter filled
    from the body."""
    own: tuple[Any, ...]
    """The generator's properties of the parameters the caller gives."""
    functional: Any
    """The endpoint as the functional layer's signature sees it: without the parameters filled
    from the body (the body carries them)."""


def _body_properties(endpoint: Any) -> list[str] | None:
    """The JSON names of the properties of the endpoint's body, when it is one required JSON model."""
    bodies = endpoint.bodies
    if len(bodies) != 1 or bodies[0].body_type != "json":
        return None
    prop = bodies[0].prop
    if prop.template != MODEL_TEMPLATE or not prop.required:
        return None
    return [_text(sub.name) for sub in (prop.required_properties or []) + (prop.optional_properties or [])]


def endpoint_path(endpoint: Any) -> EndpointPath:
    """Which of ``endpoint``'s path parameters the body fills and which the caller gives."""
    parameters = {_text(parameter.name): parameter for parameter in endpoint.path_parameters}
    decided = plan.path_parameters(list(parameters), _body_properties(endpoint))
    functional = endpoint
    if decided.from_body:
        functional = copy.copy(endpoint)
        functional.path_parameters = [parameters[name] for name in decided.own]
    return EndpointPath(
        from_body=tuple((str(parameters[name].python_name), name) for name in decided.from_body),
        own=tuple(parameters[name] for name in decided.own),
        functional=functional,
    )


def _code(value: Any) -> str:
    """A generator's snippet of Python (a PythonCode) as its source text."""
    return str(value.as_unembedded_code()) if hasattr(value, "as_unembedded_code") else str(value)


def _model_name(model: Any) -> plan.ModelName:
    return plan.ModelName(str(model.class_info.module_name), str(model.class_info.name))


def replays(models: Any) -> plan.Replays:
    """``plan.replays`` of the generator's models (their schemas' `x-replay-as`)."""
    return plan.replays(
        [(_model_name(model), (model.data.model_extra or {}).get("x-replay-as")) for model in models]
    )


LIST_TEMPLATE = "list_property.py.jinja"
UNION_TEMPLATE = "union_property.py.jinja"


def _imports(prop: Any) -> tuple[str, ...]:
    """A property's import lines relative to the package (eager, then lazy)."""
    return (*prop.get_imports(prefix="."), *prop.get_lazy_imports(prefix="."))


def held_models(prop: Any) -> tuple[plan.HeldModel, ...]:
    """The object models a property holds: itself, a list's item, or a member of either's union."""
    inner = prop.inner_property if prop.template == LIST_TEMPLATE else prop
    members = inner.inner_properties if inner.template == UNION_TEMPLATE else [inner]
    held = []
    for member in members:
        if member.template != MODEL_TEMPLATE:
            continue
        values = member.additional_properties
        value_type = _code(values.get_type_string()) if values and values is not True else "Any"
        held.append(plan.HeldModel(str(member.class_info.name), bool(member.data.properties), value_type))
    return tuple(held)


def keyword_facts(prop: Any) -> plan.KeywordFacts:
    """``plan.KeywordFacts`` of one property of a body."""
    kind = {LIST_TEMPLATE: "list", UNION_TEMPLATE: "union"}.get(prop.template, "other")
    type_string, models = _code(prop.get_type_string()), held_models(prop)
    items = _list_items(prop)
    if prop.template == UNION_TEMPLATE and items:
        # One of several lists (messages, tools): the keyword is one list taking an item of any of
        # them, as ChatCompletionMessageParam does (from_dict finds the list its items all fit).
        kind = "list"
        type_string = (
            "list["
            + " | ".join(dict.fromkeys(_code(item.get_type_string()) for item in items))
            + "]"
            + ("" if prop.required else " | Unset")
        )
        models = tuple(model for member in prop.inner_properties for model in held_models(member))
    return plan.KeywordFacts(
        name=_text(prop.name),
        python_name=str(prop.python_name),
        type_string=type_string,
        kind=kind,
        required=bool(prop.required),
        description=_text(prop.description or ""),
        models=models,
        imports=_imports(prop),
    )


def operation_facts(tag: str, endpoint: Any, chunks: StreamChunks) -> plan.OperationFacts:
    """``plan.OperationFacts`` of one of the generator's endpoints. The shape is checked first (as
    the surface needs it), so a query parameter is refused before anything else is read."""
    bodies = endpoint.bodies
    body_prop: Any = bodies[0].prop if bodies else None
    is_json_model = (
        len(bodies) == 1 and bodies[0].body_type == "json" and body_prop.template == MODEL_TEMPLATE
    )
    other_parameters = bool(
        endpoint.query_parameters or endpoint.header_parameters or endpoint.cookie_parameters
    )
    plan.check_operation_shape(str(endpoint.name), other_parameters, len(bodies), is_json_model)
    success = [
        response.prop
        for response in endpoint.responses.patterns
        if response.status_code.range[0] >= 200 and response.status_code.range[1] <= 299
    ]
    chunk = chunks(endpoint)
    properties = (
        (body_prop.required_properties or []) + (body_prop.optional_properties or []) if body_prop else []
    )
    return plan.OperationFacts(
        name=str(endpoint.name),
        summary=_text(endpoint.summary or endpoint.description or endpoint.name),
        tag=tag,
        other_parameters=other_parameters,
        bodies=len(bodies),
        json_model_body=_model_name(body_prop) if is_json_model else None,
        body_properties=tuple(keyword_facts(prop) for prop in properties),
        success_types=tuple(_code(prop.get_type_string()) for prop in success),
        success_imports=tuple(line for prop in success for line in _imports(prop)),
        path_parameters=tuple(
            plan.ParameterFacts(
                python_name=str(parameter.python_name),
                type_string=_code(parameter.get_type_string()),
                description=_text(parameter.description or ""),
                imports=_imports(parameter),
            )
            for parameter in endpoint_path(endpoint).own
        ),
        chunk=chunk,
    )


def endpoint_body(endpoint: Any, chunk: plan.ModelName | None) -> plan.BodyUse:
    """``plan.body_use`` of one of the generator's endpoints (``chunk``: its stream_chunk)."""
    bodies = endpoint.bodies
    json_bodies = sum(1 for body in bodies if body.body_type == "json")
    prop = bodies[0].prop if len(bodies) == 1 else None
    model_type = (
        _code(prop.get_type_string())
        if prop is not None and prop.template == MODEL_TEMPLATE and prop.required
        else None
    )
    properties = (
        [_text(sub.name) for sub in (prop.required_properties or []) + (prop.optional_properties or [])]
        if prop is not None and prop.template == MODEL_TEMPLATE
        else []
    )
    return plan.body_use(chunk is not None, json_bodies, len(bodies), model_type, properties)


class ResourcePlans:
    """``plan.resource_plan`` of the surface's resources (pipeline.ResourceNode: class_name and
    operations as (method, tag, endpoint))."""

    def __init__(self, chunks: StreamChunks, replays_of: plan.Replays) -> None:
        self._chunks = chunks
        self._replays = replays_of

    def __call__(self, resources: Any) -> plan.ResourcePlan:
        return plan.resource_plan(
            [
                (
                    f"{node.class_name}.{method}",
                    plan.operation_plan(operation_facts(tag, endpoint, self._chunks), self._replays),
                )
                for node in resources
                for method, tag, endpoint in node.operations
            ]
        )


class WireShapes:
    """``plan.wire_fields`` of a model, over the resolved spec's schemas: the source of its
    ``_wire_shape`` (``""`` for a model msgspec cannot check as from_dict does)."""

    PREFIX = "/components/schemas/"

    def __init__(self, spec: Mapping[str, Any], models: Any) -> None:
        self._schemas = spec.get("components", {}).get("schemas", {})
        self._classes = {name: str(model.class_info.name) for model in models for name in self._names(model)}

    def _names(self, model: Any) -> list[str]:
        roots = [_text(root) for root in model.roots if not isinstance(root, str)]
        return [root[len(self.PREFIX) :] for root in roots if root.startswith(self.PREFIX)]

    def __call__(self, model: Any) -> str:
        attributes = {
            _text(prop.name): str(prop.python_name)
            for prop in [*model.required_properties, *model.optional_properties]
        }
        for name in self._names(model):
            fields = plan.wire_fields(self._schemas, name, attributes, self._classes)
            if fields:
                return plan.wire_source(fields)
        return ""


def install(env: Any, resolved_path: Path, openapi: Any) -> None:
    """Register the plan's globals on the generator's Jinja environment ``env``."""
    models = openapi.models
    resolved = json.loads(resolved_path.read_text(encoding="utf-8"))
    chunks = StreamChunks(resolved, models)
    env.globals["wire_shape"] = WireShapes(resolved, models)
    replays_of = replays(models)
    env.globals["fail"] = fail
    env.globals["model_facts"] = model_facts
    env.globals["union_discriminator"] = union_discriminator
    env.globals["union_list_items"] = union_list_items
    env.globals["union_parse"] = lambda union, var: union_parse(env, union, var)
    env.globals["union_model_list_items"] = union_model_list_items
    env.globals["endpoint_path"] = endpoint_path
    env.globals["stream_chunk"] = chunks
    env.globals["replays"] = replays_of
    env.globals["model_import"] = plan.model_import
    env.globals["resource_plan"] = ResourcePlans(chunks, replays_of)
    env.globals["endpoint_body"] = endpoint_body
    env.globals["free_form_model"] = free_form_model
    env.globals["attribute_doc"] = plan.attribute_doc
    env.globals["property_bounds"] = property_bounds
    env.globals["additional_bounds"] = additional_bounds
    env.globals["property_format"] = property_format
    env.globals["params_plan"] = lambda: params_plan(openapi, replays_of)


def model_refs(prop: Any) -> list[str]:
    """The models with declared properties a property refers to (itself, a list's item, union members)."""
    if prop.template == MODEL_TEMPLATE:
        return [str(prop.class_info.name)] if prop.data.properties else []
    if prop.template == LIST_TEMPLATE:
        return model_refs(prop.inner_property)
    if prop.template == UNION_TEMPLATE:
        return [name for inner in prop.inner_properties for name in model_refs(inner)]
    return []


@dataclass(frozen=True)
class ParamsPlan:
    """What params.py.jinja renders: the models request bodies reach (the generator's, by name),
    the replies taken back as one of them, and the alias of each list-of-union item."""

    models: tuple[Any, ...]
    replies: tuple[plan.ModelName, ...]
    aliases: Mapping[tuple[str, str], str]
    """(model name, JSON property name) -> the alias of one item of that list."""
    alias_items: Mapping[tuple[str, str], tuple[Any, ...]]
    """(model name, JSON property name) -> the generator's properties of what one item may be: the
    list's item, or each list's item where the property is one of several lists."""
    functional: frozenset[str] = frozenset()
    """The models whose TypedDict is written in the functional syntax (a key is no identifier)."""


def params_plan(openapi: Any, replays_of: plan.Replays) -> ParamsPlan:
    """``plan.reach`` of the request bodies over the generator's models, their keys checked."""
    from openapi_python_client.strings import pascal_case

    by_name = {str(model.class_info.name): model for model in openapi.models}
    roots = [
        name
        for collection in openapi.endpoint_collections_by_tag.values()
        for endpoint in collection.endpoints
        for body in endpoint.bodies
        for name in model_refs(body.prop)
    ]
    refers_to = {
        name: [
            ref for prop in model.required_properties + model.optional_properties for ref in model_refs(prop)
        ]
        for name, model in by_name.items()
    }
    names = plan.reach(roots, refers_to)
    models = tuple(by_name[name] for name in names if name in by_name)
    aliases: dict[tuple[str, str], str] = {}
    alias_items: dict[tuple[str, str], tuple[Any, ...]] = {}
    functional = frozenset(
        str(model.class_info.name)
        for model in models
        if not plan.class_syntax_fits(
            [_text(p.name) for p in model.required_properties + model.optional_properties]
        )
    )
    for model in models:
        name = str(model.class_info.name)
        for prop in model.required_properties + model.optional_properties:
            items = _list_items(prop)
            if not (name.endswith("Request") and items):
                continue
            alias = plan.list_alias(name, _text(prop.name), names, pascal_case)
            if (
                len(items) > 1
                or items[0].template == UNION_TEMPLATE
                or (
                    # A list of one model gets the alias too where it is a new name (a revision whose
                    # messages are one model keeps ChatCompletionMessageParam; tools' one model has its own).
                    items[0].template == MODEL_TEMPLATE and not alias.endswith("UnionParam")
                )
            ):
                aliases[(name, _text(prop.name))] = alias
                alias_items[(name, _text(prop.name))] = items
    replies = {reply.name: reply for name in names for reply in replays_of.replies_to(name)}
    return ParamsPlan(
        models, tuple(replies[name] for name in sorted(replies)), aliases, alias_items, functional
    )


def _list_items(prop: Any) -> tuple[Any, ...]:
    """The item property of a list, or of each list where ``prop`` is a union of lists only (a
    revision offering messages as one of two lists); ``()`` for anything else."""
    if prop.template == LIST_TEMPLATE:
        return (prop.inner_property,)
    if prop.template == UNION_TEMPLATE and all(
        inner.template == LIST_TEMPLATE for inner in prop.inner_properties
    ):
        return tuple(inner.inner_property for inner in prop.inner_properties)
    return ()


ANY_TEMPLATE = "any_property.py.jinja"


def free_form_model(prop: Any) -> str:
    """``plan.free_form_model`` of a model's property (its class, or ``""``)."""
    if prop.template == MODEL_TEMPLATE:
        return plan.free_form_model(held_models(prop), 0)
    if prop.template != UNION_TEMPLATE:
        return ""
    members = prop.inner_properties
    others = sum(
        1
        for inner in members
        if inner.template != MODEL_TEMPLATE
        and not (inner.template == ANY_TEMPLATE and inner._type_string == "None")
    )
    return plan.free_form_model(held_models(prop), others)


def _schema_bounds(schema: Any) -> plan.Bounds | None:
    # A $ref (a Reference) or a boolean schema has no bounds of its own.
    if not hasattr(schema, "minimum"):
        return None
    return plan.bounds(schema.minimum, schema.maximum)


def property_bounds(model: Any, prop: Any) -> plan.Bounds | None:
    """The bounds the model's schema sets on ``prop`` itself (not through a $ref)."""
    name = _text(prop.name)
    for key, schema in (model.data.properties or {}).items():
        if _text(key) == name:
            return _schema_bounds(schema)
    return None


def property_format(model: Any, prop: Any) -> str:
    """``plan.format_check`` of the format the model's schema sets on ``prop`` itself (not through a $ref)."""
    name = _text(prop.name)
    for key, schema in (model.data.properties or {}).items():
        if _text(key) == name:
            return plan.format_check(getattr(schema, "schema_format", None))
    return ""


def additional_bounds(model: Any) -> plan.Bounds | None:
    """The bounds the model's schema sets on each of its additional properties."""
    return _schema_bounds(model.data.additionalProperties)
