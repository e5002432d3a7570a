"""The steps from a vendor document to the generated package, as plain functions.

load -> prune unreachable components -> apply overlay -> name titled schemas -> OpenAPI 3.1
-> validate (3.1) -> openapi-python-client (pinned, our config and templates, the plan's decisions)
-> compile every generated module -> copy the hand-written modules in
(scripts/package/aimlapi_gemini/, a tree shaped like the package) -> ruff -> provenance.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from . import template_plan
from .errors import GenerationError as GenerationError  # re-exported: callers catch it from here
from .normalize import fold_alias_paths, require_declared_auth, require_path_properties
from .openapi31 import (
    OPENAPI_31,
    OpenApiVersionError,
    check_31_keywords,
    consts_as_enums,
    upgrade_to_openapi_31,
)
from .overlay import SkippedAction, apply_overlay_with_report
from .quick_start import quick_start
from .spec_diff import Change, diff_specs
from .spec_facts import CHAT_OPERATION_ID, spec_facts
from .transforms import (
    drop_dangling_replays,
    drop_unfit_defaults,
    hoist_titled_schemas,
    infer_discriminators,
    make_room_for,
    name_tagged_alternatives,
    open_extensible_enums,
    overlay_component_names,
    overlay_titles,
    prune_components,
    release_titles,
    rename_invalid_components,
    string_formats_as_text,
)

if TYPE_CHECKING:
    from openapi_python_client import Project

CODEGEN_DIR = Path(__file__).resolve().parent
REPO_ROOT = CODEGEN_DIR.parent.parent
DEFAULT_SPEC = REPO_ROOT / "spec" / "gemini-pro.json"
DEFAULT_OVERLAY = REPO_ROOT / "spec" / "overlay.yaml"
DEFAULT_OUT = REPO_ROOT / "generated"
CONFIG = CODEGEN_DIR / "config.yaml"
TEMPLATES = CODEGEN_DIR / "templates"
PACKAGE = "aimlapi_gemini"
# Every hand-written module of the package, at the place it has in the package: the runtime at its
# root, the testing kit in testing/, the reference server the kit serves in testing/_server/.
HAND_WRITTEN = REPO_ROOT / "scripts" / "package" / PACKAGE
RUFF_CONFIG = CODEGEN_DIR / "ruff.toml"
RESOLVED_SPEC_NAME = "openapi.json"
PROVENANCE_NAME = "PROVENANCE.json"
PYPROJECT = REPO_ROOT / "pyproject.toml"
# The package's long description (pyproject.toml's `readme`), rendered beside the package.
PACKAGE_README_TEMPLATE = "package_readme.md.jinja"
PACKAGE_README_NAME = "README.md"


def load_document(path: Path) -> dict[str, Any]:
    """Read a JSON or YAML document."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GenerationError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise GenerationError(f"{path} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise GenerationError(f"{path} does not hold a JSON object at the top")
    return data


def validate_spec(document: dict[str, Any]) -> None:
    """Check the resolved document against the OpenAPI 3.1 specification (and only 3.1)."""
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    if document.get("openapi") != OPENAPI_31:
        raise GenerationError(f"resolved spec must be OpenAPI {OPENAPI_31}, not {document.get('openapi')!r}")
    try:
        validate(document, cls=OpenAPIV31SpecValidator)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise GenerationError(f"resolved spec is not valid OpenAPI at {where}: {exc.message}") from exc


@dataclass
class ResolveReport:
    """What resolving a document had to say beside the document: the overlay actions skipped
    because their shape is gone, and how the pipeline adapted the document's structure."""

    skipped: tuple[SkippedAction, ...] = ()
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"  overlay: {action.line()}" for action in self.skipped] + [
            f"  structure: {note}" for note in self.notes
        ]


def resolve_spec_with_report(
    spec_path: Path, overlay_path: Path = DEFAULT_OVERLAY
) -> tuple[dict[str, Any], ResolveReport]:
    """The document the client is generated from (and the tests validate against), and the report."""
    report = ResolveReport()
    vendor = load_document(spec_path)
    try:
        check_31_keywords(vendor)  # before the overlay, whose corrections may add 3.0's keywords
    except OpenApiVersionError as exc:
        raise GenerationError(str(exc)) from exc
    document = require_declared_auth(consts_as_enums(vendor), report.notes)
    document = fold_alias_paths(prune_components(document))
    for path, item in document["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("x-aliases"):
                report.notes.append(f"{', '.join(operation['x-aliases'])} served as an alias of {path}")
    overlay = load_document(overlay_path)
    document = make_room_for(document, overlay_component_names(overlay), report.notes)
    document = release_titles(document, overlay_titles(overlay), report.notes)
    overlaid = apply_overlay_with_report(document, overlay)
    report.skipped = overlaid.skipped
    document = open_extensible_enums(overlaid.document)
    document = name_tagged_alternatives(document, report.notes)
    document = hoist_titled_schemas(document, report.notes)
    document = rename_invalid_components(document, report.notes)
    document = infer_discriminators(document)
    document = drop_dangling_replays(document, report.notes)
    document = require_path_properties(document, report.notes)
    try:
        document = upgrade_to_openapi_31(document, overlaid=True)
    except OpenApiVersionError as exc:
        raise GenerationError(str(exc)) from exc
    document = drop_unfit_defaults(document, report.notes)
    validate_spec(document)
    return document, report


def resolve_spec(spec_path: Path, overlay_path: Path = DEFAULT_OVERLAY) -> dict[str, Any]:
    """Return the document the client is generated from (and the tests validate against)."""
    return resolve_spec_with_report(spec_path, overlay_path)[0]


def _dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _hash_files(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tree_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def _pipeline_sources() -> list[Path]:
    """The codegen's own Python that shapes the output (the change report's modules do not)."""
    return [
        path
        for path in CODEGEN_DIR.rglob("*.py")
        if "__pycache__" not in path.parts
        and not path.is_relative_to(CODEGEN_DIR / "spec_diff")
        and path.name != "python_api_diff.py"
    ]


def stale_inputs(out_dir: Path = DEFAULT_OUT) -> list[str]:
    """The inputs that changed since ``out_dir`` was generated (its PROVENANCE.json), by name."""
    try:
        recorded = json.loads((out_dir / PROVENANCE_NAME).read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError):
        return ["PROVENANCE.json"]
    current = provenance(DEFAULT_SPEC, DEFAULT_OVERLAY)["inputs"]
    return [name for name, facts in current.items() if recorded.get(name) != facts]


def provenance(spec_path: Path, overlay_path: Path) -> dict[str, Any]:
    return {
        "generator": f"openapi-python-client {version('openapi-python-client')}",
        "formatter": f"ruff {version('ruff')}",
        "inputs": {
            "spec": {"file": spec_path.name, "sha256": _hash_files([spec_path], spec_path.parent)},
            "overlay": {
                "file": overlay_path.name,
                "sha256": _hash_files([overlay_path], overlay_path.parent),
            },
            "config": {"file": CONFIG.name, "sha256": _hash_files([CONFIG, RUFF_CONFIG], CODEGEN_DIR)},
            "templates": {"sha256": _hash_files(_tree_files(TEMPLATES), TEMPLATES)},
            "hand_written": {"sha256": _hash_files(hand_written_modules(), HAND_WRITTEN)},
            "pipeline": {"sha256": _hash_files(_pipeline_sources(), CODEGEN_DIR)},
        },
        "regenerate": "make generate",
    }


_GENERATED_HEADER = (
    "# Generated by openapi-python-client from spec/gemini-pro.json + spec/overlay.yaml"
    " (see PROVENANCE.json).\n# Do not edit: change the spec, overlay, config or templates, then `make generate`.\n"
)


def _copied_header(source: Path) -> str:
    return (
        f"# Copied from {source.relative_to(REPO_ROOT).as_posix()} by `make generate`.\n"
        "# Do not edit here: edit the source there, then regenerate.\n"
    )


def hand_written_modules() -> list[Path]:
    """The modules of the hand-written tree, sorted (caches left out)."""
    return sorted(path for path in HAND_WRITTEN.rglob("*.py") if "__pycache__" not in path.parts)


def copy_hand_written_modules(package_dir: Path, resolved_path: Path) -> None:
    """Each hand-written module to its place in the package, and the resolved spec as package data
    (the testing kit's reference server reads it: testing/_server/spec.py). A module that would
    replace one the generator wrote stops the generation: the two would be one name for two things."""
    for source in hand_written_modules():
        target = package_dir / source.relative_to(HAND_WRITTEN)
        if target.exists():
            raise GenerationError(
                f"the hand-written {source.relative_to(HAND_WRITTEN).as_posix()} would overwrite the generated "
                f"{target.relative_to(package_dir.parent).as_posix()}; rename the hand-written module"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_copied_header(source) + source.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copyfile(resolved_path, package_dir / RESOLVED_SPEC_NAME)


# Our own templates, rendered once with the generator's parsed models after its own files.
EXTRA_MODULES = {
    "params.py": "params.py.jinja",
    "_version.py": "version.py.jinja",
    "_spec_facts.py": "spec_facts.py.jinja",
}


# Templates of ours that the generator does not know: rendered with its parsed spec after it ran.
OWN_TEMPLATES = {"resources.py.jinja": "resources.py"}


@dataclass
class ResourceNode:
    """One resource of the OpenAI-SDK-shaped surface (``client.chat.completions``)."""

    path: tuple[str, ...]
    children: list[ResourceNode] = field(default_factory=list)
    operations: list[tuple[str, str, Any]] = field(default_factory=list)
    """(method name, tag: the functional module's package under api/, openapi_python_client Endpoint)."""

    @property
    def attribute(self) -> str:
        return self.path[-1]

    @property
    def class_name(self) -> str:
        return "".join(part.title().replace("_", "") for part in self.path)


_VERSION_SEGMENT = re.compile(r"v\d+")


# The chat-completions operation's place, wherever its path is: the OpenAI SDK's, which the Azure
# OpenAI SDK keeps for /openai/deployments/{deployment}/chat/completions.
CHAT_PLACE: tuple[tuple[str, ...], str] = (("chat", "completions"), "create")


def resource_place(path: str, operation_name: str) -> tuple[tuple[str, ...], str]:
    """Where an operation goes on the client. The chat-completions operation (operationId
    ``create_chat_completion``) is ``chat.completions.create`` whatever its path. For the others,
    the rule: the path's segments after the version segment (``/v1``), without path parameters,
    are the resource (``/v1/models`` -> ``models``); the operationId's first word is the method
    (``list_models`` -> ``list``); a last segment that is the method is an action on its parent
    (``/v1/batches/{id}/cancel`` -> ``batches.cancel``)."""
    if operation_name == CHAT_OPERATION_ID:
        return CHAT_PLACE
    segments = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
    if segments and _VERSION_SEGMENT.fullmatch(segments[0]):
        segments = segments[1:]
    if not segments:
        raise GenerationError(f"operation {operation_name} at {path}: no resource segment in its path")
    resource = tuple(re.sub(r"\W", "_", segment).lower() for segment in segments)
    method = operation_name.split("_")[0]
    if len(resource) > 1 and resource[-1] == method:
        resource = resource[:-1]  # an action segment: /v1/batches/{id}/cancel -> batches.cancel()
    return resource, method


def resource_tree(endpoints: Sequence[tuple[str, Any]]) -> ResourceNode:
    """The client's resources (the root has path ()), each operation placed by ``resource_place``."""
    root = ResourceNode(())
    nodes: dict[tuple[str, ...], ResourceNode] = {(): root}
    for tag, endpoint in endpoints:
        resource, method = resource_place(endpoint.path.get_untrusted_value(), str(endpoint.name))
        for depth in range(1, len(resource) + 1):
            if resource[:depth] not in nodes:
                nodes[resource[:depth]] = node = ResourceNode(resource[:depth])
                nodes[resource[: depth - 1]].children.append(node)
        node = nodes[resource]
        if any(name == method for name, _, _ in node.operations):
            raise GenerationError(
                f"two operations are {'.'.join(resource)}.{method}(); rename one operationId"
            )
        node.operations.append((method, tag, endpoint))
    return root


def version_prefix(paths: Sequence[str]) -> str:
    """The version segment every path starts with (``/v1`` for ``/v1/chat/completions``), or ``""``
    when they do not share one. The OpenAI-SDK-shaped clients show their base URL with it."""
    firsts = {path.strip("/").split("/")[0] for path in paths}
    if len(firsts) == 1 and _VERSION_SEGMENT.fullmatch(first := firsts.pop()):
        return "/" + first
    return ""


def _walk(node: ResourceNode) -> list[ResourceNode]:
    """Children before their parents, so each class is defined before the one that uses it."""
    return [walked for child in node.children for walked in _walk(child)] + [node]


def _render_own_templates(project: Project, package_dir: Path) -> None:
    endpoints = [
        (str(tag), endpoint)
        for tag, collection in project.openapi.endpoint_collections_by_tag.items()
        for endpoint in collection.endpoints
    ]
    tree = resource_tree(endpoints)
    for template_name, output in OWN_TEMPLATES.items():
        template = project.env.get_template(template_name)
        text = template.render(root=tree, resources=_walk(tree)[:-1])
        (package_dir / output).write_text(text, encoding="utf-8")


_PEP_440_RELEASE = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")


def project_version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        declared = str(tomllib.load(file)["project"]["version"])
    if not _PEP_440_RELEASE.fullmatch(declared):
        raise GenerationError(f"pyproject.toml: project.version {declared!r} is not a PEP 440 version")
    return declared


def _run_generator(resolved_path: Path, package_dir: Path, generator_view: Path | None = None) -> None:
    """openapi-python-client on ``generator_view`` (the resolved spec as the generator reads it,
    ``string_formats_as_text``; default: the resolved spec itself), the plan on the resolved spec."""
    from openapi_python_client import _get_project_for_url_or_path
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.errors import GeneratorError

    config = Config.from_sources(
        ConfigFile.load_from_path(CONFIG),
        MetaType.NONE,
        document_source=generator_view or resolved_path,
        file_encoding="utf-8",
        overwrite=True,
        output_path=package_dir,
    )
    # The package's version is the project's (pyproject.toml), baked into _version.py: reading
    # it from the installed metadata at import time cost importlib.metadata, a third of ours.
    config.package_version_override = project_version()
    try:
        # generate() without its wrapper, to keep the Project: its parsed models and Jinja
        # environment render EXTRA_MODULES.
        project = _get_project_for_url_or_path(config=config, custom_template_path=TEMPLATES)
        if isinstance(project, GeneratorError):
            problems: Sequence[GeneratorError] = [project]
        else:
            # Every template may need the version the spec's paths start with (the clients take it
            # off a base URL given with it, and AIMLAPI shows its base URL with it).
            project.env.globals["version_path"] = version_prefix(
                [
                    endpoint.path.get_untrusted_value()
                    for collection in project.openapi.endpoint_collections_by_tag.values()
                    for endpoint in collection.endpoints
                ]
            )
            # The plan's decisions (codegen/plan/), as globals the templates render.
            template_plan.install(project.env, resolved_path, project.openapi)
            project.env.globals["facts"] = spec_facts(load_document(resolved_path))
            problems = project.build()
            for module, template in EXTRA_MODULES.items():
                text = project.env.get_template(template).render()
                (project.package_dir / module).write_text(text, encoding="utf-8")
            if not problems:
                _render_own_templates(project, package_dir)
    except jinja2.UndefinedError as exc:
        # A template's own mistake (a name it misspells); on purpose, templates call fail().
        raise GenerationError(f"a template stopped the generation: {exc}") from exc
    if problems:
        details = "\n".join(f"  - {p.header}: {p.detail or ''}".rstrip(": ") for p in problems)
        raise GenerationError(f"openapi-python-client reported problems:\n{details}")


def render_package_readme(resolved: dict[str, Any], out_dir: Path, pyproject: Path = PYPROJECT) -> None:
    """The short README for pip users (the package index shows it), from the resolved spec and
    pyproject.toml's [project] table, into ``out_dir``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.globals["fail"] = template_plan.fail
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    facts = spec_facts(resolved)
    model = (facts.model_ids or ("<model id>",))[0]
    try:
        text = env.get_template(PACKAGE_README_TEMPLATE).render(
            spec=resolved,
            project=project,
            package=PACKAGE,
            facts=facts,
            model=model,
            quick_start=quick_start(resolved, model),
            version_path=version_prefix(list(resolved["paths"])),
        )
    except jinja2.UndefinedError as exc:
        raise GenerationError(f"{PACKAGE_README_TEMPLATE} stopped the generation: {exc}") from exc
    (out_dir / PACKAGE_README_NAME).write_text(text, encoding="utf-8")


def _ruff(*args: str) -> None:
    # Not --quiet: it hides ruff's own error messages too (a file that does not parse).
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--config", str(RUFF_CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise GenerationError(f"ruff {args[0]} failed:\n{result.stdout}{result.stderr}".rstrip())


def _template_of(relative: str) -> str:
    """The template that renders the generated file at ``relative`` (its path in the package)."""
    parts = relative.split("/")
    if parts[0] == "models":
        if parts[-1] == "__init__.py":
            return "models_init.py.jinja"
        return "model.py.jinja or an enum template, with property_templates/"
    if parts[0] == "api":
        if parts[-1] == "__init__.py":
            return "api_init.py.jinja" if len(parts) == 2 else "endpoint_init.py.jinja"
        return "endpoint_module.py.jinja, with property_templates/"
    own = {output: template for template, output in OWN_TEMPLATES.items()}
    return {**EXTRA_MODULES, **own, "__init__.py": "package_init.py.jinja"}.get(relative, f"{relative}.jinja")


def check_syntax(package_dir: Path) -> None:
    """Every generated module parses: a template that renders broken code stops the generation
    here, naming the file, line and text (ruff would only say it cannot format the file)."""
    for path in sorted(package_dir.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(package_dir).as_posix()
        try:
            compile(source, relative, "exec", dont_inherit=True)
        except SyntaxError as exc:
            lines = source.splitlines()
            text = lines[exc.lineno - 1].strip() if exc.lineno and exc.lineno <= len(lines) else ""
            raise GenerationError(
                f"generated {relative} does not parse (rendered from {_template_of(relative)}):"
                f" line {exc.lineno}: {exc.msg}: {text}"
            ) from exc


def render(spec_path: Path, out_dir: Path, overlay_path: Path = DEFAULT_OVERLAY) -> ResolveReport:
    """Write the whole generated tree for ``spec_path`` into the empty directory ``out_dir``."""
    resolved, report = resolve_spec_with_report(spec_path, overlay_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    resolved_path = out_dir / RESOLVED_SPEC_NAME
    resolved_path.write_text(_dump_json(resolved), encoding="utf-8")
    package_dir = out_dir / PACKAGE
    with tempfile.TemporaryDirectory(prefix="aimlapi-view-") as scratch:
        view = Path(scratch) / RESOLVED_SPEC_NAME
        view.write_text(_dump_json(string_formats_as_text(resolved, report.notes)), encoding="utf-8")
        _run_generator(resolved_path, package_dir, view)
    for path in sorted(package_dir.rglob("*.py")):
        path.write_text(_GENERATED_HEADER + path.read_text(encoding="utf-8"), encoding="utf-8")
    check_syntax(package_dir)
    copy_hand_written_modules(package_dir, resolved_path)
    (package_dir / "py.typed").write_text("# Marker file for PEP 561\n", encoding="utf-8")
    _ruff("check", "--fix-only", "--exit-zero", str(package_dir))
    _ruff("format", str(package_dir))
    render_package_readme(resolved, out_dir)
    (out_dir / PROVENANCE_NAME).write_text(_dump_json(provenance(spec_path, overlay_path)), encoding="utf-8")
    return report


@dataclass
class TreeDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    # What the regeneration changed for users (spec and Python API), or None when there was no
    # previous generation to compare with; filled by regenerate().
    api_changes: list[Change] | None = None
    # What resolving the spec reported (skipped overlay actions, structure notes); filled by
    # regenerate() and check().
    resolve_report: ResolveReport = field(default_factory=ResolveReport)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        return (
            [f"  added:   {p}" for p in self.added]
            + [f"  removed: {p}" for p in self.removed]
            + [f"  changed: {p}" for p in self.changed]
        )


def diff_trees(old: Path, new: Path) -> TreeDiff:
    """Compare two generated trees file by file (``old`` may not exist)."""
    old_files = {p.relative_to(old).as_posix() for p in _tree_files(old)} if old.exists() else set()
    new_files = {p.relative_to(new).as_posix() for p in _tree_files(new)}
    return TreeDiff(
        added=sorted(new_files - old_files),
        removed=sorted(old_files - new_files),
        changed=sorted(p for p in old_files & new_files if not filecmp.cmp(old / p, new / p, shallow=False)),
    )


def judge_api_changes(old_out: Path, new_out: Path) -> list[Change] | None:
    """The API change report from one generated tree to another (None: ``old_out`` has none)."""
    from .python_api_diff import diff_packages

    old_spec = old_out / RESOLVED_SPEC_NAME
    if not old_spec.is_file():
        return None
    changes = diff_specs(load_document(old_spec), load_document(new_out / RESOLVED_SPEC_NAME))
    if (old_out / PACKAGE / "__init__.py").is_file():
        changes += diff_packages(old_out / PACKAGE, new_out / PACKAGE)
    return changes


def regenerate(spec_path: Path, out_dir: Path, overlay_path: Path = DEFAULT_OVERLAY) -> TreeDiff:
    """Regenerate ``out_dir`` in place (only when generation succeeds) and return what changed:
    the files, and the API changes judged against the previous tree before it is replaced."""
    with tempfile.TemporaryDirectory(prefix="aimlapi-gen-") as tmp:
        fresh = Path(tmp) / "out"
        report = render(spec_path, fresh, overlay_path)
        changes = diff_trees(out_dir, fresh)
        changes.resolve_report = report
        changes.api_changes = judge_api_changes(out_dir, fresh) if out_dir.exists() else None
        if changes:
            if out_dir.exists():
                shutil.rmtree(out_dir)
            shutil.copytree(fresh, out_dir)
    return changes


def check(spec_path: Path, out_dir: Path, overlay_path: Path = DEFAULT_OVERLAY) -> TreeDiff:
    """Regenerate into a temporary directory and return how ``out_dir`` differs from it."""
    with tempfile.TemporaryDirectory(prefix="aimlapi-check-") as tmp:
        fresh = Path(tmp) / "out"
        render(spec_path, fresh, overlay_path)
        return diff_trees(out_dir, fresh)
