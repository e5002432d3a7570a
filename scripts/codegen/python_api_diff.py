"""Breaking changes in the generated package's public Python API, found by griffe.

griffe reads both trees statically (no import, so two versions of one package never meet in
``sys.modules``) and ``griffe.find_breaking_changes`` reports what would break user code: a
removed model or function, a parameter removed, renamed, moved or newly required, a changed
default or return type. Each breakage becomes a ``Change`` whose location names the Python
object, so it joins the spec report.
"""

from __future__ import annotations

from pathlib import Path

import griffe

from .spec_diff import Change

_ATTRS_CLASS_DECORATORS = frozenset(
    {"attrs.define", "attrs.mutable", "attrs.frozen", "attr.define", "attr.s"}
)
_ATTRS_FIELD = frozenset({"attrs.field", "attr.ib", "attr.field"})


def _call_arguments(value: object) -> dict[str, str]:
    if isinstance(value, griffe.ExprCall):
        return {str(a.name): str(a.value) for a in value.arguments if isinstance(a, griffe.ExprKeyword)}
    return {}


class AttrsInitExtension(griffe.Extension):
    """Give every attrs class the ``__init__`` attrs writes for it, so griffe compares constructors.

    griffe builds ``__init__`` for dataclasses only; the generated models are attrs classes
    (``@_attrs_define``), whose constructor takes the annotated attributes in order, with their
    values as defaults, except fields declared ``init=False``.
    """

    def on_class_members(self, *, cls: griffe.Class, **kwargs: object) -> None:
        decorated = any(
            isinstance(d.value, griffe.Expr) and d.value.canonical_path in _ATTRS_CLASS_DECORATORS
            for d in cls.decorators
        ) or any(
            isinstance(d.value, griffe.ExprCall)
            and d.value.function.canonical_path in _ATTRS_CLASS_DECORATORS
            for d in cls.decorators
        )
        if not decorated or "__init__" in cls.members:
            return
        parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
        for member in cls.members.values():
            if (
                not isinstance(member, griffe.Attribute)
                or member.annotation is None
                or "property" in member.labels
            ):
                continue
            value = member.value
            field_args = (
                _call_arguments(value)
                if isinstance(value, griffe.ExprCall) and value.function.canonical_path in _ATTRS_FIELD
                else None
            )
            if field_args is not None and field_args.get("init") == "False":
                continue
            if field_args is not None:
                default = field_args.get("default") or (
                    f"{field_args['factory']}()" if "factory" in field_args else None
                )
            else:
                default = str(value) if value is not None else None
            parameters.append(
                griffe.Parameter(
                    member.name,
                    annotation=member.annotation,
                    kind=griffe.ParameterKind.positional_or_keyword,
                    default=default,
                )
            )
        cls.set_member(
            "__init__",
            griffe.Function(
                "__init__",
                lineno=0,
                endlineno=0,
                parent=cls,
                parameters=griffe.Parameters(*parameters),
                returns="None",
            ),
        )


def load_package(package_dir: Path) -> griffe.Object | griffe.Alias:
    """Load the package at ``package_dir`` (a directory holding ``__init__.py``) without importing it."""
    if not (package_dir / "__init__.py").is_file():
        raise FileNotFoundError(f"{package_dir} is not a Python package (no __init__.py)")
    return griffe.load(
        package_dir.name,
        search_paths=[package_dir.parent],
        allow_inspection=False,
        try_relative_path=False,
        resolve_aliases=True,
        resolve_external=False,
        extensions=griffe.load_extensions(AttrsInitExtension()),
    )


def _location(breakage: griffe.Breakage) -> str:
    path = breakage.obj.path
    kind = breakage.kind
    if kind.name.startswith("PARAMETER_"):
        parameter = breakage.old_value if breakage.old_value is not None else breakage.new_value
        name = getattr(parameter, "name", None)
        if name:
            return f"{path}({name})"
    return path


def _value(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, griffe.Parameter):
        text = value.name
        if value.annotation is not None:
            text += f": {value.annotation}"
        if value.default is not None:
            text += f" = {value.default}"
        return f"{text} ({value.kind.value if value.kind else 'parameter'})"
    if isinstance(value, (griffe.Object, griffe.Alias)):
        return f"{value.kind.value} {value.path}"
    return str(value)


def _order(function: griffe.Object | griffe.Alias) -> list[str]:
    parameters = getattr(function, "parameters", None)
    return [p.name for p in parameters or [] if p.name != "self" and p.kind.name.startswith("positional")]


def _lookup(package: griffe.Object | griffe.Alias, path: str) -> griffe.Object | griffe.Alias:
    relative = path.removeprefix(package.path + ".")
    member: griffe.Object | griffe.Alias = package[relative]
    return member


def diff_packages(old_dir: Path, new_dir: Path) -> list[Change]:
    """griffe's breaking changes from the package at ``old_dir`` to the one at ``new_dir``.

    Moved positional parameters of one function are reported once, as the old and new order."""
    old, new = load_package(old_dir), load_package(new_dir)
    changes: list[Change] = []
    moved: set[str] = set()
    for breakage in griffe.find_breaking_changes(old, new):
        kind = breakage.kind
        if kind is griffe.BreakageKind.PARAMETER_MOVED:
            moved.add(breakage.obj.path)
            continue
        why = kind.value + (f" ({breakage.details})" if breakage.details else "")
        changes.append(
            Change(
                location=_location(breakage),
                change="python-" + kind.name.lower().replace("_", "-"),
                before=_value(breakage.old_value),
                after=_value(breakage.new_value),
                breaking=True,
                why=f"{why}: user code written against the old package may fail",
                sides=("python",),
            )
        )
    for path in moved:
        changes.append(
            Change(
                location=path,
                change="python-parameters-moved",
                before=_order(_lookup(old, path)),
                after=_order(_lookup(new, path)),
                breaking=True,
                why="positional parameters are in another order: calls passing them by position break",
                sides=("python",),
            )
        )
    return sorted(changes, key=lambda c: (c.location, c.change))
