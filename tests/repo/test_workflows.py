"""The shipped GitHub workflows are valid, and say what the README says they do.

Validity is judged by check-jsonschema against the GitHub workflow schema it ships
(``--builtin-schema vendor.github-workflows``), run offline: every proxy variable points at a
closed loopback port, so a fetch would fail the run. Its twin: a broken copy fails the check.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
TEST_WORKFLOW = WORKFLOWS / "test.yml"
LIVE_WORKFLOW = WORKFLOWS / "contract-live.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
# A port nothing listens on: any HTTP(S) request check-jsonschema made would fail there.
DEAD_PROXY = "http://127.0.0.1:9"


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in {"no_proxy", "http_proxy", "https_proxy"}}
    env.update(HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY, ALL_PROXY=DEAD_PROXY)
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict)
    return triggers


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("path", [TEST_WORKFLOW, LIVE_WORKFLOW], ids=lambda p: p.name)
def test_workflow_is_valid_against_the_github_schema(path: Path) -> None:
    result = _check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("runs-on", "runs-on"),  # a job without a runner
        ("on", "on"),  # a workflow without triggers
        ("steps-typo", "stepz"),  # an unknown job key
    ],
)
def test_broken_workflow_fails_the_check(tmp_path: Path, breakage: str, expected: str) -> None:
    workflow = _load(TEST_WORKFLOW)
    job = workflow["jobs"]["test"]
    if breakage == "runs-on":
        del job["runs-on"]
    elif breakage == "on":
        workflow.pop("on", None)
        workflow.pop(True, None)
    else:
        job["stepz"] = job.pop("steps")
    broken = tmp_path / "broken.yml"
    broken.write_text(
        yaml.safe_dump({("on" if k is True else k): v for k, v in workflow.items()}), encoding="utf-8"
    )
    result = _check(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Schema validation errors" in result.stdout
    assert expected in result.stdout


def test_the_copy_in_the_twin_is_valid_before_it_is_broken(tmp_path: Path) -> None:
    """The broken copies above fail for their breakage, not for how they were written back."""
    workflow = _load(TEST_WORKFLOW)
    copy = tmp_path / "copy.yml"
    copy.write_text(
        yaml.safe_dump({("on" if k is True else k): v for k, v in workflow.items()}), encoding="utf-8"
    )
    assert _check(copy).returncode == 0


def test_test_workflow_runs_the_readme_test_command_on_push_and_pull_request() -> None:
    workflow = _load(TEST_WORKFLOW)
    assert {"push", "pull_request"} <= _triggers(workflow).keys()
    assert [step["run"] for step in _steps(workflow) if "run" in step] == ["make test"]
    assert "make test" in (REPO / "README.md").read_text(encoding="utf-8")


def test_live_workflow_runs_contract_live_and_the_spec_change_check() -> None:
    workflow = _load(LIVE_WORKFLOW)
    triggers = _triggers(workflow)
    assert "schedule" in triggers
    assert "workflow_dispatch" in triggers
    steps = _steps(workflow)
    live = [s for s in steps if s.get("run") == "make contract-live"]
    assert len(live) == 1
    assert live[0]["env"]["AIML_API_KEY"] == "${{ secrets.AIML_API_KEY }}"
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "scripts/spec_changes.py" in scripts
    assert "--fail-on breaking" in scripts
    assert "--old-package" in scripts
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    paths = "\n".join(str(s["with"]["path"]) for s in uploads)
    assert all(s.get("if") == "always()" for s in uploads)
    for report in ("reports/contract-live-junit.xml", "reports/spec-changes.json", "reports/spec-changes.md"):
        assert report in paths


def test_contract_live_skips_cleanly_without_the_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "AIML_API_KEY"}
    make = shutil.which("make")
    assert make is not None
    result = subprocess.run(
        [make, "--no-print-directory", "contract-live"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "AIML_API_KEY is not set" in result.stdout
    assert "nothing was sent" in result.stdout
