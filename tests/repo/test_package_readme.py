"""The long description pip users read is the short package README (rendered by `make generate` from
scripts/codegen/templates/package_readme.md.jinja into generated/README.md), not the developer
README: checked in a wheel built here (offline, with the pinned build backend) and its quick start
run against the reference server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer
from aimlapi_gemini.testing._server.spec import versioned_base_url
from codegen.pipeline import DEFAULT_OUT, GenerationError, render_package_readme, resolve_spec
from tests.doubles.fakes import SOUND_FILE

REPO = Path(__file__).resolve().parents[2]
PACKAGE_README = DEFAULT_OUT / "README.md"


@pytest.fixture(scope="module")
def wheel_metadata(tmp_path_factory: pytest.TempPathFactory) -> Message:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return message_from_bytes(archive.read(name))


def test_the_wheel_carries_the_package_readme_as_its_long_description(wheel_metadata: Message) -> None:
    assert wheel_metadata["Description-Content-Type"] == "text/markdown"
    description = wheel_metadata.get_payload()
    assert isinstance(description, str)
    assert description.strip() == PACKAGE_README.read_text(encoding="utf-8").strip()
    developer = (REPO / "README.md").read_text(encoding="utf-8")
    assert description.strip() != developer.strip()
    # What a pip user needs, and none of the developer's workflow.
    assert "pip install aimlapi-gemini" in description
    assert "from aimlapi_gemini import AIMLAPI" in description
    assert "make " not in description
    assert "## Testing your code" not in description
    assert len(description.splitlines()) < len(developer.splitlines()) / 5


def test_the_long_description_quick_start_runs_against_the_reference_server(
    wheel_metadata: Message,
    reference_server: BackgroundServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    description = wheel_metadata.get_payload()
    assert isinstance(description, str)
    blocks = re.findall(r"```python\n(.*?)```", description, flags=re.DOTALL)
    assert len(blocks) == 1
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", versioned_base_url(reference_server.base_url))
    # Where user messages take audio only, the quick start reads its question from a recording.
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(SOUND_FILE, tmp_path / "question.wav")
    exec(compile(blocks[0], "package README", "exec"), {"__name__": "package_readme_example"})
    reply, streamed, tokens = capsys.readouterr().out.rstrip("\n").split("\n")
    # The reference server opens with the question; what follows (which filler sentences, how
    # many) comes from a hash of the whole body, which differs between the two calls.
    opening = (
        'You wrote: "Why is the sky blue?".'
        if spec.user_takes_text()
        else "Hello! How can I help you today?"  # a message without words is greeted
    )
    assert reply.startswith(opening), reply
    assert streamed.startswith(opening), streamed
    count, word = tokens.split()
    assert (int(count) > 0, word) == (True, "tokens")


def _pyproject(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        (REPO / "pyproject.toml")
        .read_text(encoding="utf-8")
        .replace("[project.optional-dependencies]\n", f"[project.optional-dependencies]\n{extra}"),
        encoding="utf-8",
    )
    return path


def test_the_links_point_into_the_repository_when_pyproject_names_it(tmp_path: Path) -> None:
    spec = resolve_spec(REPO / "spec" / "gemini-pro.json")
    pyproject = _pyproject(tmp_path)
    text = (
        pyproject.read_text(encoding="utf-8")
        + '\n[project.urls]\nRepository = "https://example.test/aimlapi-gemini"\n'
    )
    pyproject.write_text(text, encoding="utf-8")
    render_package_readme(spec, tmp_path, pyproject)
    rendered = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "[Using the client](https://example.test/aimlapi-gemini#using-the-client)" in rendered
    assert "[Testing your code](https://example.test/aimlapi-gemini#testing-your-code)" in rendered


def test_an_extra_the_template_does_not_describe_stops_the_generation(tmp_path: Path) -> None:
    spec = resolve_spec(REPO / "spec" / "gemini-pro.json")
    with pytest.raises(GenerationError, match="the extra otel has no line"):
        render_package_readme(spec, tmp_path, _pyproject(tmp_path, 'otel = ["opentelemetry-api>=1"]\n'))
    assert not (tmp_path / "README.md").exists()
