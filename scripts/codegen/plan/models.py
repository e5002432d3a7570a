"""Models (model.py.jinja): free-form fields, number bounds, the string formats they check."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .surface import HeldModel


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


FORMAT_CHECKS: Mapping[str, str] = {"uri": "uri"}
"""The string formats the models check, each with its function in ``_validation``: those the
reference server checks (its own ``uri``; the OAS 3.1 checker's others are numbers' formats), so
client and server agree. Formats not here are annotations only, as JSON Schema 2020-12 makes them."""


def format_check(schema_format: str | None) -> str:
    """The ``_validation`` function checking a string's ``format``, or ``""`` when it is not checked."""
    return FORMAT_CHECKS.get(schema_format or "", "")


def attribute_doc(name: str, type_text: str, description: str, width: int = 112) -> str:
    """One entry of a class docstring's ``Attributes:`` section (Google style), wrapped at
    ``width``: ``name (type): description``. The ``name (type):`` head is never broken, however
    long the type (a union of many models), because a docstring parser (griffe, for the docs
    site) reads a head split over lines as prose and fails a strict build. Continuation lines
    are the caller's to indent."""
    head = f"{name} ({type_text}):"
    if not description:
        return head
    return "\n".join(
        textwrap.wrap(
            description,
            width,
            initial_indent=f"{head} ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )
