"""scripts/npm_tools.py: the pinned npm tools are installed where the suite looks for them, and a
missing one is an error that says how to install it (not a node stack trace)."""

from __future__ import annotations

import pytest
from npm_tools import NODE, PRISM, PYRIGHT, TOOLS, NpmTool, ToolNotInstalledError


@pytest.mark.parametrize("tool", [PRISM, PYRIGHT], ids=lambda tool: tool.name)
def test_each_pinned_tool_is_installed_at_its_version(tool: NpmTool) -> None:
    assert tool.installed_version() == tool.version
    node, entry = tool.command()
    assert node == str(NODE)
    assert entry.startswith(str(tool.directory))


def test_a_missing_tool_names_the_command_that_installs_it() -> None:
    missing = NpmTool("not-installed", "not-installed-package", "1.0.0", "index.js")
    assert missing.installed_version() is None
    with pytest.raises(
        ToolNotInstalledError, match=r"not-installed-package@1\.0\.0 is not installed .*make setup"
    ):
        missing.command()


def test_every_tool_has_its_own_folder_and_an_exact_version() -> None:
    assert len({tool.directory for tool in TOOLS.values()}) == len(TOOLS)
    assert all(tool.version.count(".") == 2 and tool.version[0].isdigit() for tool in TOOLS.values())
