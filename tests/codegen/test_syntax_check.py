"""The pipeline stops on generated code that does not parse, with the file, line, text and template,
and shows a failing ruff's own message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen import pipeline
from codegen.errors import GenerationError
from codegen.pipeline import DEFAULT_SPEC
from codegen.pipeline import GenerationError as PipelineGenerationError

BROKEN = "class Chunk:\n    def from_dict(cls):\n        if cls:\n        for key in cls:\n            pass\n"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "aimlapi_gemini"
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_the_pipeline_raises_the_one_generation_error_type() -> None:
    assert PipelineGenerationError is GenerationError


def test_a_module_that_does_not_parse_is_named_with_its_line_text_and_template(tmp_path: Path) -> None:
    package = _package(tmp_path, {"__init__.py": "", "models/chunk.py": BROKEN})
    with pytest.raises(GenerationError) as raised:
        pipeline.check_syntax(package)
    message = str(raised.value)
    assert message.startswith("generated models/chunk.py does not parse (rendered from model.py.jinja")
    assert "line 4: expected an indented block after 'if' statement on line 3: for key in cls:" in message


def test_modules_that_parse_pass_the_syntax_check(tmp_path: Path) -> None:
    package = _package(tmp_path, {"__init__.py": "", "models/chunk.py": "class Chunk:\n    pass\n"})
    pipeline.check_syntax(package)  # no error


@pytest.mark.parametrize(
    ("relative", "template"),
    [
        ("models/__init__.py", "models_init.py.jinja"),
        (
            "api/chat_completions/create_chat_completion.py",
            "endpoint_module.py.jinja, with property_templates/",
        ),
        ("api/chat_completions/__init__.py", "endpoint_init.py.jinja"),
        ("resources.py", "resources.py.jinja"),
        ("params.py", "params.py.jinja"),
        ("__init__.py", "package_init.py.jinja"),
        ("client.py", "client.py.jinja"),
    ],
)
def test_each_generated_file_is_traced_to_its_template(relative: str, template: str) -> None:
    assert pipeline._template_of(relative) == template


def test_a_failing_ruff_shows_its_own_message(tmp_path: Path) -> None:
    package = _package(tmp_path, {"bad.py": BROKEN})
    with pytest.raises(GenerationError) as raised:
        pipeline._ruff("format", str(package))
    message = str(raised.value)
    assert message.startswith("ruff format failed:\n")
    assert "Failed to parse" in message
    assert "bad.py:4:" in message


def test_a_succeeding_ruff_raises_nothing(tmp_path: Path) -> None:
    package = _package(tmp_path, {"good.py": "x  =  1\n"})
    pipeline._ruff("format", str(package))
    assert (package / "good.py").read_text() == "x = 1\n"


def test_a_template_that_renders_broken_code_stops_the_generation_before_ruff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(pipeline.TEMPLATES, templates)
    version = templates / "version.py.jinja"
    version.write_text(version.read_text() + "if True:\nreturn_nothing = 1\n")
    monkeypatch.setattr(pipeline, "TEMPLATES", templates)
    ruff_calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(pipeline, "_ruff", lambda *args: ruff_calls.append(args))
    with pytest.raises(GenerationError) as raised:
        pipeline.render(DEFAULT_SPEC, tmp_path / "out")
    assert str(raised.value).startswith(
        "generated _version.py does not parse (rendered from version.py.jinja)"
    )
    assert "return_nothing = 1" in str(raised.value)
    assert ruff_calls == []
