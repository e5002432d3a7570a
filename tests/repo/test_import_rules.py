"""The package's import rules, as ARCHITECTURE.md's "Import rules" table states them.

Each module of the package (generated and hand-written alike: the tree users install) belongs to
one layer of the table, and imports only its own layer, the layers above it, and what its row
names under "also imports". Imports are read from the syntax tree, so relative, absolute,
in-function and TYPE_CHECKING imports all count.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "aimlapi_gemini"
PACKAGE_DIR = REPO / "generated" / PACKAGE
ARCHITECTURE = REPO / "ARCHITECTURE.md"


@dataclass(frozen=True)
class Layer:
    name: str
    rank: int
    modules: tuple[str, ...]
    also: tuple[str, ...]


def _names(cell: str) -> tuple[str, ...]:
    return tuple(re.findall(r"`([^`]+)`", cell))


def layers_of(text: str) -> list[Layer]:
    """The rows of the "Import rules" table, top layer first."""
    section = text.split("## Import rules", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    found = []
    for rank, row in enumerate(rows[1:]):  # the first row is the header
        name, modules, also, _ = (cell.strip() for cell in row.strip("|").split("|"))
        found.append(Layer(name, rank, _names(modules), _names(also)))
    return found


def _covers(entry: str, module: str) -> bool:
    return module == entry or module.startswith(entry + ".")


def module_name(path: Path) -> str:
    """`models/chat_completion.py` -> `models.chat_completion`; a subpackage's `__init__` is the
    subpackage; the package's own `__init__` keeps its name."""
    parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, package: list[str], known: set[str]) -> set[str]:
    """The package's modules that `source` (a module in the subpackage `package`, [] for the
    package root) imports, resolved to module names."""
    found: set[str] = set()
    tree = ast.parse(source)

    def add(base: list[str], names: list[str]) -> None:
        for name in names:
            candidate = ".".join([*base, name])
            found.add(candidate if candidate in known else ".".join(base) or "__init__")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
            elif node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                base = []
            else:
                continue
            module = (node.module or "") if node.level else (node.module or "")[len(PACKAGE) + 1 :]
            base = [*base, *(module.split(".") if module else [])]
            add(base, [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name[len(PACKAGE) + 1 :])
    return found


LAYERS = layers_of(ARCHITECTURE.read_text(encoding="utf-8"))
MODULE_PATHS = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def layer_of(module: str) -> Layer | None:
    """The layer whose entry names `module` most closely (`models` covers `models.chat_completion`)."""
    matches = [(len(entry), layer) for layer in LAYERS for entry in layer.modules if _covers(entry, module)]
    return max(matches, key=lambda match: match[0])[1] if matches else None


def test_the_table_has_the_layers_in_order() -> None:
    assert [layer.name for layer in LAYERS] == ["facts", "core", "models", "client", "testing"]


def test_every_module_of_the_package_has_a_layer() -> None:
    unplaced = sorted(module for module in MODULE_PATHS if layer_of(module) is None)
    assert unplaced == [], f"give these a row in ARCHITECTURE.md's import rules: {unplaced}"


def violations(module: str, source: str, package: list[str]) -> list[str]:
    """The imports of `module` (its `source`) that its layer may not make, with their layers."""
    layer = layer_of(module)
    assert layer is not None, f"{module} has no layer"
    wrong = []
    for target in sorted(imported_modules(source, package, set(MODULE_PATHS))):
        target_layer = layer_of(target)
        assert target_layer is not None, f"{module} imports {target}, which has no layer"
        allowed = target_layer.rank <= layer.rank or any(_covers(entry, target) for entry in layer.also)
        if not allowed:
            wrong.append(f"{target} ({target_layer.name})")
    return wrong


@pytest.mark.parametrize("module", sorted(MODULE_PATHS))
def test_a_module_imports_only_its_layer_and_the_layers_above(module: str) -> None:
    path = MODULE_PATHS[module]
    package = list(path.relative_to(PACKAGE_DIR).parent.parts)
    wrong = violations(module, path.read_text(encoding="utf-8"), package)
    assert wrong == [], f"{module} imports {', '.join(wrong)}"


def test_a_core_module_importing_a_feature_a_model_or_the_kit_is_named() -> None:
    source = (
        "from ._streaming import Stream\n"
        "from .models.chat_completion import ChatCompletion\n"
        "from .models.error_response import ErrorResponse\n"  # the one model core may know
        "def later():\n"
        "    from .testing import MockAPI\n"
    )
    assert violations("_base", source, []) == [
        "_streaming (client)",
        "models.chat_completion (models)",
        "testing (testing)",
    ]
    assert violations("_streaming", "from .testing import MockAPI\n", []) == ["testing (testing)"]
    assert violations("testing.plugin", "from .._streaming import Stream\n", ["testing"]) == []


def test_imports_are_resolved_relative_absolute_and_in_functions() -> None:
    known = {"_retry", "_json", "models", "models.error_response", "_accumulate", "__init__", "types"}
    source = (
        "from . import _retry\n"
        "from ._json import loads\n"
        "from aimlapi_gemini.models.error_response import ErrorResponse\n"
        "from aimlapi_gemini import AIMLAPI\n"
        "import httpx\n"
        "def later():\n"
        "    from ._accumulate import final_completion\n"
    )
    assert imported_modules(source, [], known) == {
        "_retry",
        "_json",
        "models.error_response",
        "__init__",
        "_accumulate",
    }
    # One level up from a model module is the package root.
    assert imported_modules("from ..types import UNSET\n", ["models"], known) == {"types"}
