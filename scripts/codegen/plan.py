"""The decisions generation makes about the spec, as pure functions the templates only render.

Each rule takes plain data (the resolved spec as a dict, or ``ModelFacts`` read off the
generator's parsed models by ``template_plan.py``) and returns a small frozen value, or raises
``GenerationError`` with the reason the generation cannot go on. Jinja cannot raise and is hard
to test; here each rule has a unit test that needs no regeneration (tests/codegen/test_plan.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from keyword import kwlist
from typing import Any

from .errors import GenerationError

# --- unions of models --------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFacts:
    """What a union's rules need to know of one object model."""

    name: str
    """The model's class name."""
    required: tuple[str, ...]
    """The JSON names of its required properties, in the schema's order."""
    literals: Mapping[str, str]
    """Each required property whose schema allows one string value, with that value."""

    @property
    def literal_pairs(self) -> tuple[tuple[str, str], ...]:
        """``literals`` as (name, value) pairs in ``required``'s order (a stable Python literal)."""
        return tuple((name, self.literals[name]) for name in self.required if name in self.literals)


@dataclass(frozen=True)
class Discriminator:
    """The property whose value says which variant of a union an object is."""

    key: str
    values: tuple[str, ...]
    """The value of ``key`` of each variant, in the union's order."""


def discriminator(variants: Sequence[ModelFacts | None]) -> Discriminator | None:
    """The first property that every variant requires with one literal value, distinct per
    variant, or None. ``None`` stands for a variant that is no object model (a string, a list):
    a union with one has no discriminator. The first variant's required properties are tried in
    its order, so the tag is the one the schema lists first (a message's ``role``)."""
    if len(variants) < 2 or any(variant is None for variant in variants):
        return None
    models = [variant for variant in variants if variant is not None]
    for key in models[0].required:
        values = tuple(model.literals.get(key, "") for model in models)
        if all(values) and len(set(values)) == len(values):
            return Discriminator(key, values)
    return None


def required_literals(schema: Mapping[str, Any]) -> dict[str, str]:
    """The required properties of an object schema that allow one string value (``enum: [x]``),
    with that value. A property given as a ``$ref`` is not looked into."""
    properties = schema.get("properties") or {}
    literals: dict[str, str] = {}
    for name in schema.get("required") or []:
        enum = (properties.get(name) or {}).get("enum")
        if isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str) and enum[0]:
            literals[name] = enum[0]
    return literals


# --- the model of a stream's chunks ------------------------------------------------------


@dataclass(frozen=True)
class ModelName:
    """Where a generated model lives: ``from .models.<module> import <name>``."""

    module: str
    name: str


NO_EVENT = (
    "its schema (or an anyOf/oneOf member or then/else branch of it) is not an event object with an"
    " inline `data` property"
)
NO_CHUNK = (
    "its `data` has no string alternative with contentMediaType application/json and a contentSchema"
    " $ref to an object model"
)
_STATUS = re.compile(r"([1-5])(\d\d|XX)")
_EVENT_STREAM = "text/event-stream"


def _is_success(status: str) -> bool:
    """A response key that names 2xx codes only (``200``, ``2XX``); ``default`` is not one."""
    match = _STATUS.fullmatch(status)
    return match is not None and match.group(1) == "2"


def _mappings(values: Any) -> list[Mapping[str, Any]]:
    return [value for value in values if isinstance(value, Mapping)] if isinstance(values, list) else []


def _resolve(spec: Mapping[str, Any], ref: str) -> Mapping[str, Any] | None:
    """The schema a local $ref (``#/components/schemas/X``) points at, or None."""
    if not ref.startswith("#/"):
        return None
    node: Any = spec
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or token not in node:
            return None
        node = node[token]
    return node if isinstance(node, Mapping) else None


def _event_schemas(
    spec: Mapping[str, Any], media_schema: Mapping[str, Any], models: Mapping[str, ModelName]
) -> Iterator[Mapping[str, Any]]:
    """The schemas that may describe one event: the media type's schema itself, its anyOf/oneOf
    members, or a $ref'd `then`/`else` of an `if` (the spec's: `if: {type: string}` (the whole body
    as text), else one event, since tools read that schema either way before OpenAPI 3.2). A $ref
    counts only when it names a model."""
    candidates = [media_schema]
    if "$ref" not in media_schema:
        candidates += _mappings(media_schema.get("anyOf")) + _mappings(media_schema.get("oneOf"))
        candidates += [
            branch
            for branch in (media_schema.get("then"), media_schema.get("else"))
            if isinstance(branch, Mapping) and isinstance(branch.get("$ref"), str)
        ]
    for candidate in candidates:
        ref = candidate.get("$ref")
        if ref is None:
            yield candidate
        elif ref in models and (resolved := _resolve(spec, ref)) is not None:
            yield resolved


def _json_text_members(data: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The alternatives of an event's `data`: itself, the `then`/`else` of an `if` (the spec's
    `if: {const: "[DONE]"}`), its inline anyOf/oneOf members."""
    yield data
    yield from (branch for branch in (data.get("then"), data.get("else")) if isinstance(branch, Mapping))
    members = _mappings(data.get("anyOf")) + _mappings(data.get("oneOf"))
    yield from (member for member in members if "$ref" not in member)


def stream_chunk(
    spec: Mapping[str, Any], path: str, method: str, operation_name: str, models: Mapping[str, ModelName]
) -> ModelName | None:
    """The model of the chunks a 2xx text/event-stream response of the operation at ``path`` and
    ``method`` carries; None when it does not stream. An event's `data` is (or has an alternative
    that is) a string with contentMediaType application/json whose contentSchema $refs the chunk
    model. ``models`` maps each generated model's $ref (``#/components/schemas/X``) to its name.
    Raises ``GenerationError`` when an event stream names no chunk model."""
    operation = ((spec.get("paths") or {}).get(path) or {}).get(method) or {}
    responses = operation.get("responses") or {}
    streams = 0
    why = ""
    for status in sorted(str(key) for key in responses if _is_success(str(key))):
        response = responses[status]
        if "$ref" in response:
            response = _resolve(spec, response["$ref"]) or {}
        for content_type, media in (response.get("content") or {}).items():
            if not str(content_type).startswith(_EVENT_STREAM) or not isinstance(media, Mapping):
                continue
            streams += 1
            schema = media.get("schema")
            events = list(_event_schemas(spec, schema, models)) if isinstance(schema, Mapping) else []
            datas = [
                data
                for event in events
                if isinstance(data := (event.get("properties") or {}).get("data"), Mapping)
                and "$ref" not in data
            ]
            if not datas:
                why = NO_EVENT
                continue
            for data in datas:
                for member in _json_text_members(data):
                    content = member.get("contentSchema")
                    if member.get("contentMediaType") == "application/json" and isinstance(content, Mapping):
                        ref = content.get("$ref")
                        if isinstance(ref, str) and ref in models:
                            return models[ref]
            why = NO_CHUNK
    if streams:
        raise GenerationError(
            f"no stream chunk model for {operation_name}'s 2xx text/event-stream response: {why}"
        )
    return None


# --- path parameters ---------------------------------------------------------------------


@dataclass(frozen=True)
class PathParameters:
    """Where each of an operation's path parameters takes its value from (JSON names)."""

    from_body: tuple[str, ...]
    """Filled from the JSON request body's property of the same name (the caller gives it once)."""
    own: tuple[str, ...]
    """Given by the caller beside the body: arguments of their own."""


def path_parameters(names: Sequence[str], body_properties: Sequence[str] | None) -> PathParameters:
    """A path parameter named like a property of the operation's JSON object body is that property
    (``/openai/deployments/{model}`` with a body that has ``model``); the others are the caller's.
    ``body_properties`` is None when the body is not one required JSON object model: then every
    path parameter is the caller's."""
    properties = set(body_properties or ())
    return PathParameters(
        from_body=tuple(name for name in names if name in properties),
        own=tuple(name for name in names if name not in properties),
    )


# --- replies the API takes back (x-replay-as) --------------------------------------------


@dataclass(frozen=True)
class Replays:
    """Which reply model the API takes back as which request model (a schema's `x-replay-as`)."""

    target: Mapping[str, ModelName]
    """Reply model name -> the request model it is replayed as."""
    replied: Mapping[str, tuple[ModelName, ...]]
    """Request model name -> the reply models replayed as it, in the models' order."""

    def target_of(self, name: str) -> ModelName | None:
        return self.target.get(name)

    def replies_to(self, name: str) -> tuple[ModelName, ...]:
        return self.replied.get(name, ())


def replays(models: Sequence[tuple[ModelName, str | None]]) -> Replays:
    """The replays of the generated models, each given with its `x-replay-as` (or None). Raises
    ``GenerationError`` when one names no model."""
    by_name = {model.name: model for model, _ in models}
    target: dict[str, ModelName] = {}
    replied: dict[str, tuple[ModelName, ...]] = {}
    for model, replay_as in models:
        if not replay_as:
            continue
        if replay_as not in by_name:
            raise GenerationError(f"x-replay-as of {model.name} names {replay_as}, which is no model")
        target[model.name] = by_name[replay_as]
        replied[replay_as] = (*replied.get(replay_as, ()), model)
    return Replays(target, replied)


def model_import(model: ModelName, package: str = ".") -> str:
    """The import line of a generated model from the package (``.``) or a subpackage (``..``)."""
    return f"from {package}models.{model.module} import {model.name}"


# --- the OpenAI-SDK-shaped surface (resources.py) ----------------------------------------


@dataclass(frozen=True)
class HeldModel:
    """An object model a keyword takes (itself, a list's item or a union's member)."""

    name: str
    has_properties: bool
    """False: a free-form object (LogitBias, FunctionParameters), a plain mapping in JSON."""
    value_type: str = "Any"
    """A free-form object's values' Python type (``Any`` when the schema does not say)."""


@dataclass(frozen=True)
class KeywordFacts:
    """One property of an operation's body, as the generator typed it."""

    name: str
    """The JSON name."""
    python_name: str
    type_string: str
    """The generator's annotation of the property (``list[Message]``, ``str | Unset``)."""
    kind: str
    """``list``, ``union`` or ``other``: how the generator holds it."""
    required: bool = False
    description: str = ""
    models: tuple[HeldModel, ...] = ()
    imports: tuple[str, ...] = ()
    """The generator's import lines for its type (``from .models.x import X``, eager and lazy)."""


@dataclass(frozen=True)
class ParameterFacts:
    """A path parameter the caller gives, as the generator typed it."""

    python_name: str
    type_string: str
    description: str = ""
    imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationFacts:
    """What the surface needs to know of one operation, read off the generator's endpoint."""

    name: str
    """The operation's function name (``create_chat_completion``)."""
    summary: str
    """What its docstring opens with: the summary, else the description, else the name."""
    tag: str
    """The functional module's package under ``api/``."""
    other_parameters: bool
    """It has query, header or cookie parameters."""
    bodies: int
    json_model_body: ModelName | None
    """Its one body's model, when it has one body and that is a JSON object model."""
    body_properties: tuple[KeywordFacts, ...]
    success_types: tuple[str, ...]
    """The annotation of each 2xx response, in the responses' order (repeats included)."""
    success_imports: tuple[str, ...]
    path_parameters: tuple[ParameterFacts, ...]
    """The path parameters the caller gives (the body does not carry them)."""
    chunk: ModelName | None
    """The model of its event stream's chunks, when it streams."""


# Keywords every method has besides the body's properties: a path parameter may not take them.
SURFACE_KEYWORDS = (
    "stream",
    "extra_headers",
    "extra_query",
    "extra_body",
    "timeout",
    "max_retries",
    "deadline",
    "self",
    "body",
    "kwargs",
)


def _cannot_arrange(operation: str, why: str) -> GenerationError:
    return GenerationError(f"resources.py.jinja cannot arrange {operation}: {why}")


def check_operation_shape(name: str, other_parameters: bool, bodies: int, json_model_body: bool) -> None:
    """The surface takes path parameters and at most one JSON object model body; anything else
    stops the generation (the template has no keyword for it)."""
    if other_parameters:
        raise _cannot_arrange(name, "it has query, header or cookie parameters; extend the template")
    if bodies and not (bodies == 1 and json_model_body):
        raise _cannot_arrange(name, "its body is not one JSON object model")


def keyword_annotation(keyword: KeywordFacts, accepted: Sequence[str]) -> str:
    """A keyword's annotation: the generator's type, widened by ``accepted`` (the TypedDicts and
    replies it also takes). A list takes any iterable (list is invariant: a list of one message
    kind must do), of the models or the others; a list inside a union (``stop``: a text or texts)
    any sequence."""
    extra = " | ".join(accepted)
    type_string = keyword.type_string
    if keyword.kind == "list" and type_string.startswith("list["):
        item, _, rest = type_string[5:].rpartition("]")
        return "Iterable[" + item + (" | " + extra if extra else "") + "]" + rest
    if keyword.kind == "union":
        type_string = type_string.replace("list[", "Sequence[")
    return type_string + (" | " + extra if extra else "")


# A reply's model_dump() (the runtime's _model_dump.ReplyDump), taken wherever the reply is.
REPLY_DUMP = "ReplyDump"
REPLY_DUMP_IMPORT = "from ._model_dump import ReplyDump"


def accepted_types(
    keyword: KeywordFacts, replays_of: Replays
) -> tuple[tuple[str, ...], tuple[ModelName, ...]]:
    """What a keyword takes beside its models, and the reply models among them: each model's
    TypedDict (``params.XParam``), a free-form model's plain mapping of its values' type, and the
    replies the API takes back as one of the models (as they are, and their ``model_dump()``)."""
    names: list[str] = []
    for model in keyword.models:
        names.append(
            f"params.{model.name}Param" if model.has_properties else f"Mapping[str, {model.value_type}]"
        )
    replies = tuple(reply for model in keyword.models for reply in replays_of.replies_to(model.name))
    return (
        *names,
        *(name for reply in replies for name in (reply.name, f"{REPLY_DUMP}[{reply.name}]")),
    ), replies


@dataclass(frozen=True)
class Keyword:
    """One keyword of a method: a body property, typed for callers."""

    facts: KeywordFacts
    annotation: str


@dataclass(frozen=True)
class OperationPlan:
    """One method of the surface, decided: the template only renders it."""

    name: str
    summary: str
    module: str
    """The alias the functional module is imported as (``_chat_create_chat_completion``)."""
    body: str
    """The body model's class name, or ``""`` without a body."""
    keywords: tuple[Keyword, ...]
    """The body's properties the method takes as keywords (without ``stream`` when it streams)."""
    path_parameters: tuple[ParameterFacts, ...]
    success: str
    """The annotation of what it returns (``None`` without a 2xx body)."""
    chunk: str
    """The chunk model's name when it streams, else ``""``."""
    stream_doc: str
    """The description of the body's ``stream`` flag."""
    imports: tuple[str, ...]
    """The import lines it needs (its types, replies, body, chunk)."""
    module_import: str
    helper: str = ""
    """The stream helper's method name (``stream``: events, ``get_final_completion()``) when the
    operation streams chunks the runtime joins into its completion model, else ``""``."""


# The stream helper (the runtime's _chat_stream) joins chunks into this model (_accumulate), so
# only an operation that answers it gets the helper, as a method of this name.
STREAM_HELPER = "stream"
STREAM_HELPER_COMPLETION = "ChatCompletion"


def stream_helper(chunk: ModelName | None, success_types: Sequence[str]) -> str:
    """The helper method's name for an operation, or ``""`` when it gets none: it must stream, and
    answer the completion the helper joins its chunks into."""
    return STREAM_HELPER if chunk and STREAM_HELPER_COMPLETION in success_types else ""


def operation_plan(facts: OperationFacts, replays_of: Replays) -> OperationPlan:
    """Arrange one operation as a method, or raise ``GenerationError`` saying why it cannot be."""
    check_operation_shape(facts.name, facts.other_parameters, facts.bodies, facts.json_model_body is not None)
    taken = {keyword.python_name for keyword in facts.body_properties} | set(SURFACE_KEYWORDS)
    for parameter in facts.path_parameters:
        if parameter.python_name in taken:
            raise _cannot_arrange(
                facts.name, f"its path parameter {parameter.python_name} has the name of another keyword"
            )
    flags = [keyword for keyword in facts.body_properties if keyword.name == "stream"]
    if facts.chunk and not flags:
        raise _cannot_arrange(facts.name, "it streams, but its body has no stream flag")
    imports = [
        *facts.success_imports,
        *(line for parameter in facts.path_parameters for line in parameter.imports),
    ]
    if facts.chunk:
        imports.append(model_import(facts.chunk))
    keywords = []
    for keyword in facts.body_properties:
        accepted, replies = accepted_types(keyword, replays_of)
        imports += keyword.imports
        imports += [model_import(reply) for reply in replies]
        if replies:
            imports.append(REPLY_DUMP_IMPORT)
        if not (facts.chunk and keyword.name == "stream"):
            keywords.append(Keyword(keyword, keyword_annotation(keyword, accepted)))
    if facts.json_model_body:
        imports.append(model_import(facts.json_model_body))
    module = f"_{facts.tag}_{facts.name}"
    return OperationPlan(
        name=facts.name,
        summary=facts.summary,
        module=module,
        body=facts.json_model_body.name if facts.json_model_body else "",
        keywords=tuple(keywords),
        path_parameters=facts.path_parameters,
        success=" | ".join(dict.fromkeys(facts.success_types)) or "None",
        chunk=facts.chunk.name if facts.chunk else "",
        stream_doc=flags[0].description if flags else "",
        imports=tuple(imports),
        module_import=f"from .api.{facts.tag} import {facts.name} as {module}",
        helper=stream_helper(facts.chunk, facts.success_types),
    )


def module_imports(lines: Sequence[str]) -> tuple[str, ...]:
    """The import lines of a generated module, once each, sorted; ``typing`` and ``.types`` are
    left out (the module imports what it needs of them itself)."""
    return tuple(sorted(line for line in set(lines) if not line.startswith(("from .types", "from typing"))))


@dataclass(frozen=True)
class ResourcePlan:
    """The surface's methods, decided, and the imports of the module that holds them."""

    operations: Mapping[str, OperationPlan]
    """``<resource class>.<method>`` (``ChatCompletions.create``) -> its plan."""
    modules: tuple[str, ...]
    """The functional modules' imports, each under its alias."""
    imports: tuple[str, ...]


def check_helpers(operations: Sequence[tuple[str, OperationPlan]]) -> None:
    """A resource's stream helper is a method beside its operations: one per resource, and no
    operation of that resource may have the helper's name."""
    helpers: dict[str, str] = {}
    for place, operation in operations:
        if operation.helper:
            resource = place.rpartition(".")[0]
            if resource in helpers:
                raise _cannot_arrange(
                    operation.name, f"{helpers[resource]} already has {resource}'s {operation.helper}()"
                )
            helpers[resource] = operation.name
    for place, operation in operations:
        resource, _, method = place.rpartition(".")
        if resource in helpers and method == STREAM_HELPER:
            raise _cannot_arrange(
                operation.name, f"{resource}.{method} is the stream helper of {helpers[resource]}"
            )


def resource_plan(operations: Sequence[tuple[str, OperationPlan]]) -> ResourcePlan:
    """The plans of the surface's methods, keyed by their place, with the module's imports."""
    check_helpers(operations)
    return ResourcePlan(
        operations=dict(operations),
        modules=tuple(sorted({operation.module_import for _, operation in operations})),
        imports=module_imports([line for _, operation in operations for line in operation.imports]),
    )


# --- the request bodies as TypedDicts (params.py) -----------------------------------------

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
    """The alias of one item of a ``<Name>Request``'s list of a union: ``<Name><item>Param``
    (messages -> ChatCompletionMessageParam), or ``<Name><item>UnionParam`` when a model has the
    first name without ``Param`` (tools: ChatCompletionTool is one of the union's models), as the
    OpenAI SDK names them."""
    item = json_name[:-1] if json_name.endswith("s") else json_name
    alias = model.removesuffix("Request") + pascal_case(item)
    return alias + ("UnionParam" if alias in models else "Param")


# --- models (model.py.jinja) -------------------------------------------------------------


def free_form_model(held: Sequence[HeldModel], others: int) -> str:
    """The class of a field typed as one free-form model (no declared properties: LogitBias,
    FunctionParameters), also when optional or nullable, else ``""``: such a field also takes a
    plain mapping (an attrs converter). ``held`` are the models the field is (itself, or its
    union's model members), ``others`` its union's members that are neither a model nor null.
    Not every model-typed field: a converter costs each construction ~10% of a request build."""
    if len(held) == 1 and others == 0 and not held[0].has_properties:
        return held[0].name
    return ""


Number = int | float


@dataclass(frozen=True)
class Bounds:
    """A number's ``minimum`` / ``maximum`` (the generator keeps no trace of them)."""

    minimum: Number | None
    maximum: Number | None

    def condition(self, var: str) -> str:
        """The Python test that ``var`` (a number already) is within the bounds."""
        parts = []
        if self.minimum is not None:
            parts.append(f"{var} >= {self.minimum}")
        if self.maximum is not None:
            parts.append(f"{var} <= {self.maximum}")
        return " and ".join(parts)


def bounds(minimum: Number | None, maximum: Number | None) -> Bounds | None:
    """The bounds a schema sets, or None when it sets neither."""
    return None if minimum is None and maximum is None else Bounds(minimum, maximum)


# --- the functional layer (endpoint_module.py.jinja) -------------------------------------


@dataclass(frozen=True)
class BodyUse:
    """How an operation's functional module takes and sends its body."""

    mapping_type: str
    """The model a plain mapping given as the body is checked into (the body is one required JSON
    object model), else ``""``."""
    stream_flag: bool
    """It streams and its one JSON body has a ``stream`` property, which the module sets for the
    caller (false for ``sync``, true for ``stream``)."""


def body_use(
    streams: bool, json_bodies: int, bodies: int, model_type: str | None, properties: Sequence[str]
) -> BodyUse:
    """``model_type``: the body's annotation when it is one required JSON object model;
    ``properties``: the JSON names of the properties of the one JSON body."""
    one_json = bodies == 1 and json_bodies == 1
    return BodyUse(
        mapping_type=model_type or "" if one_json else "",
        stream_flag=streams and one_json and "stream" in properties,
    )
