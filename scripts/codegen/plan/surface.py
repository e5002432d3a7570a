"""The OpenAI-SDK-shaped surface (resources.py): each operation arranged as a method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import GenerationError
from .replays import Replays, model_import
from .streams import ModelName


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
    name: str = ""
    """The keyword's name: the property's Python name, with ``_`` after it while that is the name
    of one of every method's own keywords (``timeout``, ``deadline``, ...) or a path parameter."""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.facts.python_name)

    @property
    def doc(self) -> str:
        """What the docstring says of it: the property's description, and under a name of its own
        which body field it fills."""
        if self.name == self.facts.python_name:
            return self.facts.description
        return f"{self.facts.description} Sent as the body's ``{self.facts.name}``.".lstrip()


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


def keyword_name(python_name: str, own: set[str]) -> str:
    """A body property's keyword: its Python name, ``_`` added while a method's own keyword or a
    path parameter has that name (a body's ``deadline`` is ``deadline_=``; ``deadline=`` stays
    the per-call option)."""
    name = python_name
    while name in own:
        name += "_"
    return name


def operation_plan(facts: OperationFacts, replays_of: Replays) -> OperationPlan:
    """Arrange one operation as a method, or raise ``GenerationError`` saying why it cannot be."""
    check_operation_shape(facts.name, facts.other_parameters, facts.bodies, facts.json_model_body is not None)
    taken = {keyword.python_name for keyword in facts.body_properties} | set(SURFACE_KEYWORDS)
    own = set(SURFACE_KEYWORDS) | {parameter.python_name for parameter in facts.path_parameters}
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
            keywords.append(
                Keyword(
                    keyword, keyword_annotation(keyword, accepted), keyword_name(keyword.python_name, own)
                )
            )
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
