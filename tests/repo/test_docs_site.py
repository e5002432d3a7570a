"""The docs site (`make docs`): built strictly, it holds every public name of the package, and a
broken reference fails the build rather than shipping a dead link."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import aimlapi_gemini

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of ``config`` into ``site``, from the repository (as `make docs`)."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def _inventory(site: Path) -> set[str]:
    """The names in the site's objects.inv (Sphinx inventory v2: four header lines, then zlib)."""
    data = (site / "objects.inv").read_bytes()
    body = data.split(b"\n", 4)[4]
    return {line.split(" ", 1)[0] for line in zlib.decompress(body).decode().splitlines() if line}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = tmp_path_factory.mktemp("site")
    result = _build(DOCS / "mkdocs.yml", built)
    assert result.returncode == 0, result.stderr
    return built


def test_every_public_name_of_the_package_is_in_the_api_reference(site: Path) -> None:
    names = _inventory(site)
    public = [name for name in aimlapi_gemini.__all__ if not name.startswith("_")]
    missing = [name for name in public if f"aimlapi_gemini.{name}" not in names]
    assert missing == []
    assert {"aimlapi_gemini.batch.run_batch", "aimlapi_gemini.testing.MockAPI"} <= names


def test_the_guide_is_the_readme_with_site_links(site: Path) -> None:
    """README.md is the guide page as it is, its links to the maintainer pages made site links."""
    guide = (site / "index.html").read_text(encoding="utf-8")
    assert "Quick start" in guide
    assert 'href="maintainers/generation/"' in guide
    assert "docs/pages/" not in guide
    assert (site / "maintainers" / "performance" / "index.html").is_file()


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ("[a name][aimlapi_gemini.NoSuchName]", "aimlapi_gemini.NoSuchName"),
        ("[Load](maintainers/performance.md#no-such-heading)", "no-such-heading"),
    ],
    ids=["api reference", "anchor"],
)
def test_a_broken_reference_fails_the_build(tmp_path: Path, broken: str, named: str) -> None:
    """The same site with one page more that links to nothing: the strict build fails, naming it."""
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    for name in ("README.md", "ARCHITECTURE.md"):  # what hooks.py includes, beside docs/ as in the repo
        shutil.copyfile(REPO / name, tmp_path / name)
    (docs / "pages" / "broken.md").write_text(f"# Broken\n\nSee {broken}.\n", encoding="utf-8")
    config = (docs / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("paths: [../generated]", f"paths: [{REPO / 'generated'}]")
    config = config.replace("  - Guide: index.md\n", "  - Guide: index.md\n  - Broken: broken.md\n")
    (docs / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = _build(docs / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert named in result.stderr, result.stderr
