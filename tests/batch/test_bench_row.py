"""The batch bench row's machinery (scripts/bench_kit/batch_jobs.py), not its numbers: the baseline
and the batch do the same job, so their ratio compares like with like."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bench_kit.batch_jobs import _batch, _raw_gather, _write_input
from bench_kit.payloads import API_KEY

from aimlapi_gemini.testing._server import BackgroundServer, ServerConfig


def test_the_baseline_and_the_batch_write_the_same_answers(tmp_path: Path) -> None:
    _write_input(tmp_path / "in.jsonl", 40)
    with BackgroundServer(ServerConfig(api_key=API_KEY)) as server:
        raw = asyncio.run(_raw_gather(server.base_url, tmp_path / "in.jsonl", tmp_path / "raw.jsonl", 8))
        ours = asyncio.run(_batch(server.base_url, tmp_path / "in.jsonl", tmp_path / "ours.jsonl", 8))
    assert raw == ours == 40

    def answers(name: str) -> dict[str, object]:
        records = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        # The same replies (the server's are deterministic per body), whatever the order.
        return {
            r["custom_id"]: (r["response"]["status_code"], r["response"]["body"]["choices"]) for r in records
        }

    assert answers("raw.jsonl") == answers("ours.jsonl")
    assert len(answers("raw.jsonl")) == 40
