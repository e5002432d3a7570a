"""The functional layer (endpoint_module.py.jinja): how an endpoint takes its body."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
