"""The decisions generation makes about the spec, as pure functions the templates only render.

Each rule takes plain data (the resolved spec as a dict, or ``ModelFacts`` read off the
generator's parsed models by ``template_plan.py``) and returns a small frozen value, or raises
``GenerationError`` with the reason the generation cannot go on. Jinja cannot raise and is hard
to test; here each rule has a unit test that needs no regeneration (tests/codegen/test_plan.py).

One module per area: ``unions``, ``streams``, ``paths``, ``replays``, ``surface`` (resources.py),
``params`` (params.py), ``models`` (model.py.jinja), ``endpoints`` (endpoint_module.py.jinja); this
package names every rule, so callers write ``plan.operation_plan(...)``.
"""

from __future__ import annotations

from .endpoints import BodyUse, body_use
from .models import FORMAT_CHECKS, Bounds, Number, attribute_doc, bounds, format_check, free_form_model
from .params import class_syntax_fits, list_alias, reach
from .paths import PathParameters, path_parameters
from .replays import Replays, model_import, replays
from .streams import NO_CHUNK, NO_EVENT, ModelName, stream_chunk
from .surface import (
    REPLY_DUMP,
    REPLY_DUMP_IMPORT,
    STREAM_HELPER,
    STREAM_HELPER_COMPLETION,
    SURFACE_KEYWORDS,
    HeldModel,
    Keyword,
    KeywordFacts,
    OperationFacts,
    OperationPlan,
    ParameterFacts,
    ResourcePlan,
    accepted_types,
    check_helpers,
    check_operation_shape,
    keyword_annotation,
    module_imports,
    operation_plan,
    resource_plan,
    stream_helper,
)
from .unions import Discriminator, ModelFacts, discriminator, required_literals
from .wire import WireField, wire_fields, wire_source

__all__ = [
    "STREAM_HELPER",
    "STREAM_HELPER_COMPLETION",
    "check_helpers",
    "stream_helper",
    "FORMAT_CHECKS",
    "format_check",
    "BodyUse",
    "Bounds",
    "attribute_doc",
    "Discriminator",
    "HeldModel",
    "Keyword",
    "KeywordFacts",
    "ModelFacts",
    "ModelName",
    "NO_CHUNK",
    "NO_EVENT",
    "Number",
    "OperationFacts",
    "OperationPlan",
    "ParameterFacts",
    "PathParameters",
    "REPLY_DUMP",
    "REPLY_DUMP_IMPORT",
    "Replays",
    "ResourcePlan",
    "SURFACE_KEYWORDS",
    "accepted_types",
    "body_use",
    "bounds",
    "check_operation_shape",
    "class_syntax_fits",
    "discriminator",
    "free_form_model",
    "keyword_annotation",
    "list_alias",
    "model_import",
    "module_imports",
    "operation_plan",
    "path_parameters",
    "reach",
    "replays",
    "required_literals",
    "resource_plan",
    "stream_chunk",
    "WireField",
    "wire_fields",
    "wire_source",
]
