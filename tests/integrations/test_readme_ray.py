"""The README's Ray Data example runs as written (Parquet in, Parquet out) against the local
reference server; only ``ray.init``'s resources are this machine's test settings. Its rows are
prompts, or where the spec's user messages take no text (audio only), the requests the example's
comment names (its "request" column, JSON text as the spec takes it)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow has no type information
import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information
import pytest
import ray
import spec_features as spec

from aimlapi_gemini.testing._server import BackgroundServer

from .conftest import chat_body

README = Path(__file__).resolve().parents[2] / "README.md"


def ray_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Beyond one machine") :]
    block = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, "the Ray Data section has no python example"
    return block.group(1)


@pytest.fixture
def small_ray_init(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_init = ray.init

    def init(*_args: Any, **_kwargs: Any) -> Any:
        return real_init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)

    monkeypatch.setattr(ray, "init", init)
    yield
    ray.shutdown()


@pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
# Ray Data's hint that a one-file input keeps the second actor idle: true, and what the test wants.
@pytest.mark.filterwarnings("ignore:The minimum number of concurrent actors:UserWarning")
@pytest.mark.usefixtures("small_ray_init")
def test_the_ray_data_example_runs_on_parquet(
    reference_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIML_API_KEY", reference_server.api_key)
    monkeypatch.setenv("AIML_API_BASE_URL", reference_server.base_url)
    monkeypatch.chdir(tmp_path)
    questions = [f"question {n}" for n in range(40)]
    if spec.user_takes_text():
        column: dict[str, list[str | None]] = {"prompt": [*questions, None]}
    else:
        # A prompt has no place in a user message without text: its refusal is
        # test_ray_rows.py::test_a_prompt_column_becomes_one_user_message_to_the_model.
        column = {"request": [*(json.dumps(chat_body(text, max_tokens=64)) for text in questions), None]}
    pq.write_table(pa.table({"id": list(range(41)), **column}), tmp_path / "prompts.parquet")
    exec(compile(ray_block(), "README.md", "exec"), {"__name__": "readme_ray"})
    rows = pq.read_table(tmp_path / "answers").to_pylist()
    assert sorted(row["id"] for row in rows) == list(range(41))
    by_id = {row["id"]: row for row in rows}
    for n in range(40):
        assert by_id[n]["error_code"] is None
        assert json.loads(by_id[n]["response"])["object"] == "chat.completion"
    assert by_id[40]["error_code"] == "invalid_request"  # a null prompt (or request) is not sent
    assert by_id[40]["response"] is None
