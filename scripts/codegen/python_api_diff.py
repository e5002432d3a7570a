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


def _is_attrs_class(cls: griffe.Object | griffe.Alias) -> bool:
    return isinstance(cls, griffe.Class) and (
        any(
            isinstance(d.value, griffe.Expr) and d.value.canonical_path in _ATTRS_CLASS_DECORATORS
            for d in cls.decorators
        )
        or any(
            isinstance(d.value, griffe.ExprCall)
            and d.value.function.canonical_path in _ATTRS_CLASS_DECORATORS
            for d in cls.decorators
        )
    )


def _is_field(member: griffe.Object | griffe.Alias) -> bool:
    """An attrs field: annotated, set per instance. A ``ClassVar`` (griffe labels it a class
    attribute only, like the models' ``json_names``) or a property is not one."""
    return (
        isinstance(member, griffe.Attribute)
        and member.annotation is not None
        and "instance-attribute" in member.labels
        and "property" not in member.labels
    )


class AttrsInitExtension(griffe.Extension):
    """Give every attrs class the ``__init__`` attrs writes for it, so griffe compares constructors.

    griffe builds ``__init__`` for dataclasses only; the generated models are attrs classes
    (``@_attrs_define``), whose constructor takes the annotated attributes in order, with their
    values as defaults, except fields declared ``init=False``.
    """

    def on_class_members(self, *, cls: griffe.Class, **kwargs: object) -> None:
        if not _is_attrs_class(cls) or "__init__" in cls.members:
            return
        parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
        for member in cls.members.values():
            if not isinstance(member, griffe.Attribute) or not _is_field(member):
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


def _judged_elsewhere(breakage: griffe.Breakage) -> bool:
    """A breakage this module reports in its own terms, or one users cannot meet: a model's
    ``ClassVar`` (``json_names`` changes whenever a field is added) and the params TypedDicts' keys
    (``typeddict_key_changes`` reports them as keys, with their additions)."""
    obj, parent = breakage.obj, breakage.obj.parent
    if not isinstance(obj, griffe.Attribute) or not isinstance(parent, griffe.Class):
        return False
    return (_is_attrs_class(parent) and not _is_field(obj)) or _is_typeddict(parent)


def _is_typeddict(cls: griffe.Class) -> bool:
    return any(str(base).rsplit(".", 1)[-1] == "TypedDict" for base in cls.bases)


def _module_classes(package: griffe.Object | griffe.Alias, name: str) -> dict[str, griffe.Class]:
    module = package.members.get(name)
    return dict(module.classes) if isinstance(module, griffe.Module) else {}


def _python_change(
    location: str, kind: str, before: object, after: object, breaking: bool, why: str
) -> Change:  # noqa: PLR0913, PLR0917 (the fields of one Change)
    return Change(location, kind, before, after, breaking, why, sides=("python",))


def keyword_changes(old: griffe.Object | griffe.Alias, new: griffe.Object | griffe.Alias) -> list[Change]:
    """Keywords of the resources' methods (``client.chat.completions.create(...)``), the surface
    users call. griffe skips these: the resource classes are reached through ``AIMLAPI().chat``,
    not exported, so griffe does not count them as public."""
    changes: list[Change] = []
    old_classes, new_classes = _module_classes(old, "resources"), _module_classes(new, "resources")
    for class_name in sorted(old_classes.keys() & new_classes.keys()):
        old_methods, new_methods = old_classes[class_name].functions, new_classes[class_name].functions
        for method in sorted(m for m in old_methods.keys() & new_methods.keys() if not m.startswith("_")):
            before = {p.name: p for p in old_methods[method].parameters if p.name != "self"}
            after = {p.name: p for p in new_methods[method].parameters if p.name != "self"}
            path = new_methods[method].path
            for name in sorted(before.keys() - after.keys()):
                changes.append(
                    _python_change(
                        f"{path}({name})",
                        "python-keyword-removed",
                        _value(before[name]),
                        None,
                        True,
                        f"calls passing {name}= fail with a TypeError",
                    )
                )
            for name in sorted(after.keys() - before.keys()):
                required = after[name].default is None and not after[name].kind.name.startswith("var")
                changes.append(
                    _python_change(
                        f"{path}({name})",
                        "python-keyword-added-required" if required else "python-keyword-added",
                        None,
                        _value(after[name]),
                        required,
                        f"every call must now pass {name}="
                        if required
                        else "a new keyword; existing calls are unaffected",
                    )
                )
    return changes


def typeddict_key_changes(
    old: griffe.Object | griffe.Alias, new: griffe.Object | griffe.Alias
) -> list[Change]:
    """Keys of the request TypedDicts (``aimlapi_gemini.params``): what a dict literal may hold."""
    changes: list[Change] = []
    old_classes, new_classes = _module_classes(old, "params"), _module_classes(new, "params")
    for class_name in sorted(old_classes.keys() & new_classes.keys()):
        old_cls, new_cls = old_classes[class_name], new_classes[class_name]
        if not (_is_typeddict(old_cls) and _is_typeddict(new_cls)):
            continue
        before, after = old_cls.attributes, new_cls.attributes
        for name in sorted(before.keys() - after.keys()):
            changes.append(
                _python_change(
                    before[name].path,
                    "python-typeddict-key-removed",
                    str(before[name].annotation),
                    None,
                    True,
                    f"dict literals holding {name!r} no longer type-check",
                )
            )
        total = getattr(new_cls, "keywords", {}).get("total") != "False"
        for name in sorted(after.keys() - before.keys()):
            annotation = str(after[name].annotation)
            required = annotation.startswith("Required[") or (
                total and not annotation.startswith("NotRequired[")
            )
            changes.append(
                _python_change(
                    after[name].path,
                    "python-typeddict-key-added-required" if required else "python-typeddict-key-added",
                    None,
                    annotation,
                    required,
                    f"dict literals without {name!r} no longer type-check"
                    if required
                    else "a new optional key",
                )
            )
    return changes


def diff_packages(old_dir: Path, new_dir: Path) -> list[Change]:
    """The public Python API's changes from the package at ``old_dir`` to the one at ``new_dir``:
    griffe's breaking changes, plus the resources' keywords and the params TypedDicts' keys
    (removed: breaking; added: breaking only when required).

    Moved positional parameters of one function are reported once, as the old and new order."""
    old, new = load_package(old_dir), load_package(new_dir)
    changes: list[Change] = []
    moved: set[str] = set()
    for breakage in griffe.find_breaking_changes(old, new):
        kind = breakage.kind
        if _judged_elsewhere(breakage):
            continue
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
    reported = {c.location for c in changes}
    changes += [c for c in keyword_changes(old, new) if c.location not in reported]
    changes += typeddict_key_changes(old, new)
    return sorted(changes, key=lambda c: (c.location, c.change))
