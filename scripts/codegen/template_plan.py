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


def install(env: Any, resolved_path: Path, models: Any) -> None:
    """Register the plan's globals on the generator's Jinja environment ``env``."""
    env.globals["fail"] = fail
    env.globals["model_facts"] = model_facts
    env.globals["union_discriminator"] = union_discriminator
    env.globals["endpoint_path"] = endpoint_path
    env.globals["stream_chunk"] = StreamChunks(json.loads(resolved_path.read_text(encoding="utf-8")), models)
