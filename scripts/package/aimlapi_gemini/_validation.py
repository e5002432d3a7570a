"""The slow path of the generated ``from_dict`` methods: one error type naming the JSON path.

The generated code checks each value with an exact ``type(...) is`` test inline and calls into
this module only when that test fails. Here a value is either accepted in a wider Python form
(a ``str`` subclass, an ``int``-valued float for ``integer``, a tuple for an array) and returned
normalised, or rejected with a ``ValidationError``. Paths are built only while an error travels
up through the nested ``from_dict`` calls, so valid input never pays for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn, Protocol, Self, TypeVar

from ._uri import is_uri

Segment = str | int


class _Missing:
    """The value of a field the object does not have (``d.pop(name, MISSING)``)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:  # one instance, also after unpickling
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def _render(segments: tuple[Segment, ...]) -> str:
    parts: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif segment.isidentifier():
            parts.append(f".{segment}" if parts else segment)
        else:
            parts.append(f"[{segment!r}]")
    return "".join(parts)


class ValidationError(ValueError):
    """A value does not match the schema: ``path`` says where (``choices[0].message``), ``message`` what.

    ``str()`` is ``"<subject>: <path>: <message>"``, the parts that are known.
    """

    def __init__(self, message: str, segments: tuple[Segment, ...] = (), subject: str = "") -> None:
        super().__init__(message, segments, subject)
        self.message = message
        self.segments = segments
        self.subject = subject

    @property
    def path(self) -> str:
        """The JSON path of the offending value from the document's root; "" for the root itself."""
        return _render(self.segments)

    def __str__(self) -> str:
        parts = [part for part in (self.subject, self.path) if part]
        return ": ".join([*parts, self.message])

    def within(self, segment: Segment) -> ValidationError:
        """This error, one level further from the root (the parent's key or index in front)."""
        return ValidationError(self.message, (segment, *self.segments), self.subject)

    def about(self, subject: str) -> ValidationError:
        """This error, introduced by ``subject`` (e.g. "body is not a valid ChatCompletionRequest")."""
        return ValidationError(self.message, self.segments, subject)


def json_type(value: object) -> str:
    """The JSON name of a value's type, as messages say it ("got string")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__  # a tuple or a non-dict mapping reaches here only inside a union


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def missing(where: Segment) -> ValidationError:
    return ValidationError(f"missing required field {where!r}")


def _fail(value: object, where: Segment, expected: str) -> NoReturn:
    if value is MISSING:
        raise missing(where)
    raise ValidationError(f"expected {expected}, got {json_type(value)}", (where,))


def at(error: ValidationError, where: Segment, raw: object) -> ValidationError:
    """``error`` from parsing field or item ``where`` (whose value was ``raw``), placed under it."""
    return missing(where) if raw is MISSING else error.within(where)


# Scalars. Each returns the value in its plain JSON-decoded form or raises.


def string(value: object, where: Segment) -> Any:
    if isinstance(value, str):
        return str.__str__(value)  # a plain str, also from str-mixin enums (whose str() is "Cls.member")
    _fail(value, where, "string")


def integer(value: object, where: Segment) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON Schema: an integer is any number with a zero fractional part (1.0)
    _fail(value, where, "integer")


def number(value: object, where: Segment) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return float(value)
    _fail(value, where, "number")


def boolean(value: object, where: Segment) -> Any:
    _fail(value, where, "boolean")


def _one_of(allowed: tuple[str | int, ...]) -> str:
    return "one of " + ", ".join(repr(v) for v in allowed)


def enum(value: object, where: Segment, allowed: tuple[str | int, ...]) -> Any:
    if isinstance(value, str):
        plain: object = str.__str__(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        plain = int(value)
    else:
        _fail(value, where, _one_of(allowed))
    if plain in allowed:
        return plain
    raise ValidationError(f"expected {_one_of(allowed)}, got {_shown(value)}", (where,))


# Containers.


def object_(value: object) -> Any:
    """The argument of ``from_dict`` when it is not a dict: a mapping is copied, anything else rejected."""
    if isinstance(value, Mapping):
        return dict(value)
    raise ValidationError(f"expected object, got {json_type(value)}")


def array(value: object, where: Segment) -> Any:
    if isinstance(value, list | tuple):
        return list(value)
    _fail(value, where, "array")


def items(value: list[Any], where: Segment, check: Callable[[object, Segment], Any]) -> Any:
    """A list of scalars in which some item failed the inline test: each checked by ``check``."""
    try:
        return [check(item, index) for index, item in enumerate(value)]
    except ValidationError as error:
        raise error.within(where) from None


def values(value: dict[str, Any], check: Callable[[object, Segment], Any]) -> Any:
    """Additional properties of a scalar type, in which some value failed the inline test."""
    return {key: check(item, key) for key, item in value.items()}


def unexpected(leftover: Mapping[str, Any]) -> ValidationError:
    """The fields of an object whose schema allows no others (``additionalProperties: false``)."""
    names = ", ".join(repr(name) for name in list(leftover)[:5])
    return ValidationError(f"unexpected field{'s' if len(leftover) > 1 else ''} {names}")


def bounds(value: float, where: Segment, minimum: float | None, maximum: float | None) -> Any:
    """A number outside ``[minimum, maximum]`` (either end may be open)."""
    if (
        (minimum is None or value >= minimum)
        and (maximum is None or value <= maximum)
        and not math.isnan(value)
    ):
        return value
    limits = [f">= {minimum:g}"] if minimum is not None else []
    limits += [f"<= {maximum:g}"] if maximum is not None else []
    raise ValidationError(f"expected a number {' and '.join(limits)}, got {_shown(value)}", (where,))


# Formats: the generated checks call these on a property whose schema has a ``format`` the client
# checks (``plan.FORMAT_CHECKS``), after its type was checked; other types pass unchanged.


def uri(value: Any, where: Segment) -> Any:
    """``format: uri``: an absolute URI (RFC 3986), as the reference server and Prism check it."""
    if type(value) is str and not is_uri(value):
        raise ValidationError(f"expected a URI (format: uri), got {_shown(value)}", (where,))
    return value


# Unions.

_SCALARS: Final[dict[str, Callable[[object, Segment], Any]]] = {
    "string": string,
    "integer": integer,
    "number": number,
    "boolean": boolean,
}


def furthest(errors: tuple[ValidationError, ...]) -> ValidationError:
    """Of the refusals of alternatives of one JSON type tried in turn (two kinds of list), the one
    of the alternative that parsed most: the greatest item indices on its path, then the deepest
    path; on a tie the later alternative (a list of per-role messages names every role)."""
    ranked = [
        ([segment for segment in error.segments if isinstance(segment, int)], len(error.segments), order)
        for order, error in enumerate(errors)
    ]
    return errors[max(ranked)[2]]


def union(value: object, where: Segment, kinds: tuple[str, ...], allowed: tuple[str | int, ...] = ()) -> Any:
    """A value that matched none of a union's inline tests.

    ``kinds`` are the JSON types the union takes ("null", "string", "array", ...), ``allowed`` the
    values of its enum members. A scalar in a wider Python form is normalised as for a plain field.
    """
    if value is MISSING:
        raise missing(where)
    for kind in kinds:
        check = _SCALARS.get(kind)
        if check is not None:
            try:
                return check(value, where)
            except ValidationError:
                pass
    if allowed:
        try:
            return enum(value, where, allowed)
        except ValidationError:
            pass
    expected = [_one_of(allowed)] if allowed else []
    expected += [k for k in kinds if k != "null"] + (["null"] if "null" in kinds else [])
    shown = _shown(value) if allowed and isinstance(value, str) else json_type(value)
    raise ValidationError(f"expected {' or '.join(expected)}, got {shown}", (where,))


def tag(value: object, where: Segment, key: str, allowed: tuple[str, ...]) -> NoReturn:
    """A member of a discriminated union whose ``key`` names no variant."""
    if value is MISSING:
        raise missing(where)
    if not isinstance(value, dict):
        raise ValidationError(f"expected object, got {json_type(value)}", (where,))
    if key not in value:
        raise ValidationError(f"missing required field {key!r}", (where,))
    found = value[key]
    shown = _shown(found) if isinstance(found, str) else json_type(found)
    raise ValidationError(f"expected {_one_of(allowed)}, got {shown}", (where, key))


class _Parses(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


Alternative = tuple[type[_Parses], tuple[str, ...], tuple[tuple[str, str], ...]]
"""A model a union may hold: its class, its required fields, and those with one allowed value."""


def _refusal(value: dict[str, Any], required: tuple[str, ...], literals: tuple[tuple[str, str], ...]) -> str:
    """Why an object cannot be the model (cheaply, before parsing), or "". A wrong single value
    (a `type` naming another alternative) says more than a field that alternative lacks."""
    for name, allowed in literals:
        found = value.get(name, allowed)
        if found != allowed:
            shown = _shown(found) if isinstance(found, str) else json_type(found)
            return f"{_render((name,))}: expected {allowed!r}, got {shown}"
    for name in required:
        if name not in value:
            return f"missing required field {name!r}"
    return ""


def first_model(value: dict[str, Any], where: Segment, alternatives: tuple[Alternative, ...]) -> Any:
    """An object in a union of models no one property tells apart (``anyOf``): the first model
    that parses it. Models whose required fields or single-valued fields the object lacks are
    passed over without parsing. When none fits, one error at ``where`` says what each refused."""
    refusals: list[str] = []
    for model, required, literals in alternatives:
        refusal = _refusal(value, required, literals)
        if not refusal:
            try:
                return model.from_dict(value)
            except ValidationError as error:
                refusal = f"{error.path}: {error.message}" if error.path else error.message
        refusals.append(f"{model.__name__}: {refusal}")
    raise ValidationError(
        f"matches none of the {len(alternatives)} object alternatives ({'; '.join(refusals)})", (where,)
    )


M = TypeVar("M", bound=_Parses)


def to_model(value: object, model: type[M], where: str) -> M:
    """A model-typed attribute set from a mapping (``FunctionDefinition(parameters={...})``)."""
    if isinstance(value, Mapping):
        try:
            return model.from_dict(value)
        except ValidationError as error:
            raise error.within(where) from None
    raise ValidationError(f"expected {model.__name__} or a mapping, got {type(value).__name__}", (where,))


def in_list(
    error: ValidationError, where: Segment, value: list[Any], parse: Callable[[Any], object]
) -> ValidationError:
    """``error`` from parsing the items of list ``where`` in a comprehension: find the failing index.

    Parsing is deterministic, so the first item that fails again is the one that failed.
    """
    for index, item in enumerate(value):
        try:
            parse(item)
        except ValidationError as again:
            return again.within(index).within(where)
    return error.within(where)
