"""The plan (plan.py) as the templates see it: Jinja globals over openapi-python-client's parsed objects.

This module only reads facts off the generator's objects (its models, properties, endpoints) and
hands them to plan.py's rules; what to do with them is decided there, and rendered by the
templates. ``install`` registers the globals on the generator's Jinja environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def install(env: Any, resolved_path: Path, models: Any) -> None:
    """Register the plan's globals on the generator's Jinja environment ``env``."""
    env.globals["fail"] = fail
    env.globals["model_facts"] = model_facts
    env.globals["union_discriminator"] = union_discriminator
    env.globals["stream_chunk"] = StreamChunks(json.loads(resolved_path.read_text(encoding="utf-8")), models)
