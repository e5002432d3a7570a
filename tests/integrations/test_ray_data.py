"""ChatCompletions in Ray Data on a local Ray: every row answered exactly once under a storm of
429s and 5xx, and one key's rpm held across actors at the server."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow has no type information
import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information
import pytest
import ray
import spec_features as spec
from bench_kit.batch_jobs import _write_input
from bench_kit.payloads import API_KEY
from bench_kit.ray_chaos import Limit, chaos_rows, run_rounds
from bench_kit.ray_jobs import _ray_job

from aimlapi_gemini import Backoff
from aimlapi_gemini.integrations.ray import ChatCompletions, ClusterRateLimit, unanswered
from aimlapi_gemini.testing._server import BackgroundServer, ServerConfig
from aimlapi_gemini.testing._server.faults import Chaos
from tests.doubles.recording import RecordedServer, sends_per_window

from .conftest import ServerFactory, chat_body

pytestmark = [
    pytest.mark.usefixtures("local_ray"),
    # Ray Data's DataContext warns about its own deprecated defaults when it is set up.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
]


def rows(count: int) -> list[dict[str, Any]]:
    return [{"row": n, "request": json.dumps(chat_body(f"row {n}", max_tokens=3))} for n in range(count)]


def answered(server: RecordedServer, dataset: Any, **options: Any) -> Any:
    kwargs = {"api_key": server.api_key, "base_url": server.base_url, "backoff": Backoff(initial=0.01)}
    return dataset.map_batches(
        ChatCompletions,
        fn_constructor_kwargs={**kwargs, **options},
        compute=ray.data.ActorPoolStrategy(size=2),
        batch_size=25,
    )


def answer(server: RecordedServer, items: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = answered(server, ray.data.from_items(items), **options).take_all()
    return rows


def test_every_row_is_answered_exactly_once_under_chaos(make_server: ServerFactory) -> None:
    server = make_server(chaos=Chaos(rate_limited=0.15, server_errors=0.15, retry_after_ms=5, seed=3))
    items = rows(200)
    items[7]["request"] = json.dumps({"model": spec.model_id()})  # invalid: no messages
    limit = ClusterRateLimit.create(concurrency=8)
    out = answer(server, items, limit=limit)
    assert sorted(row["row"] for row in out) == list(range(200))  # each row once, none lost
    for row in out:
        assert (row["response"] is None) != (row["error_code"] is None), row  # one outcome each
    invalid = next(row for row in out if row["row"] == 7)
    assert invalid["error_code"] == "invalid_request"
    answered = [row for row in out if row["response"] is not None]
    assert len(answered) == 199  # ten retries get every valid row through a 30% storm
    keys = Counter(headers.get("idempotency-key") for headers in server.recorder.headers)
    assert len(keys) == 199  # one call per valid row, its retries under the same key; the invalid one unsent
    assert len(server.arrivals) > 199  # the storm was there and was retried through


def test_the_rpm_holds_at_the_server_across_actors(make_server: ServerFactory) -> None:
    server = make_server()
    limit = ClusterRateLimit.create(rpm=10, window=1.0, concurrency=8)
    out = answer(server, rows(30), limit=limit, concurrency=8)
    assert all(row["response"] is not None for row in out)
    assert sends_per_window(sorted(server.arrivals), 1.0) <= 10
    assert server.arrivals[-1] - server.arrivals[0] >= 2.0  # 30 starts need three windows


def test_the_rpm_check_fails_without_the_cluster_limit(make_server: ServerFactory) -> None:
    server = make_server()
    out = answer(server, rows(30), concurrency=8)
    assert len(out) == 30
    assert sends_per_window(sorted(server.arrivals), 1.0) > 10


def test_a_cluster_limit_with_a_bad_value_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="rpm must be 1 or more"):
        ClusterRateLimit.create(rpm=0)


def test_a_cluster_limit_describes_its_limits() -> None:
    limit = ClusterRateLimit.create(rpm=5, tpm=100, concurrency=3)
    assert limit.describe() == "0/3 in flight, rpm 5, tpm 100"


def _in_flight(limit: ClusterRateLimit) -> str:
    return limit.describe().split(",")[0]


def test_a_named_cluster_limit_is_one_limit_for_every_job_that_names_it() -> None:
    first = ClusterRateLimit.create(rpm=5, concurrency=3, name="key-a")
    assert _in_flight(first) == "0/3 in flight"
    ray.get(first.actor.acquire.remote([1.0], [], 0))  # a job's request takes a permit
    again = ClusterRateLimit.create(rpm=5, concurrency=3, name="key-a")  # the next job
    assert _in_flight(again) == "1/3 in flight"  # the same limit: what the first job took counts
    # Without a name (or with another), each create is a limit of its own.
    assert _in_flight(ClusterRateLimit.create(rpm=5, concurrency=3)) == "0/3 in flight"
    assert _in_flight(ClusterRateLimit.create(rpm=5, concurrency=3, name="key-b")) == "0/3 in flight"


def test_a_named_cluster_limit_asked_for_with_other_limits_is_refused() -> None:
    ClusterRateLimit.create(rpm=5, concurrency=3, name="key-c").describe()
    expected = r"'key-c' holds other limits \(concurrency=3, rpm=5, tpm=None, window=60\) than asked"
    with pytest.raises(ValueError, match=expected):
        ClusterRateLimit.create(rpm=6, concurrency=3, name="key-c")
    with pytest.raises(ValueError, match="name must not be empty"):
        ClusterRateLimit.create(rpm=5, name="")


def test_a_stopped_named_cluster_limit_sends_again_for_the_next_job() -> None:
    limit = ClusterRateLimit.create(concurrency=3, name="key-d")
    ray.get(limit.actor.stop.remote("401: the key was refused"))
    assert limit.stopped_by() == "401: the key was refused"
    assert ClusterRateLimit.create(concurrency=3, name="key-d").stopped_by() is None
    grants, stopped_by = ray.get(limit.actor.acquire.remote([1.0], [], 0))
    assert (len(grants), stopped_by) == (1, None)


def test_the_bench_rows_ray_job_answers_every_line(tmp_path: Path) -> None:
    # The bench row's machinery (scripts/bench_kit/ray_jobs.py), not its numbers.
    _write_input(tmp_path / "in.jsonl", 40)
    with BackgroundServer(ServerConfig(api_key=API_KEY)) as server:
        answered = _ray_job(server.base_url, tmp_path / "in.jsonl", tmp_path / "out", 8)
    assert answered == 40
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert sorted(row["custom_id"] for row in rows) == sorted(f"record-{n}" for n in range(40))
    assert all(row["error_code"] is None for row in rows)


def test_the_bench_chaos_rounds_answer_every_line_once_within_a_binding_limit(tmp_path: Path) -> None:
    # The chaos rows' machinery (scripts/bench_kit/ray_chaos.py) on 40 lines, both jobs, 2 actors.
    limit = Limit(20, 1.0, "a tiny limit")
    measured = run_rounds(tmp_path, 40, 4, 1, limit)
    assert measured.answered == {"batch": 40, "ray data": 40}
    assert 0 < measured.busiest <= limit.rpm
    whole, sending, start = chaos_rows(measured, unlimited_batch=50.0)
    assert "answered once 40/40 of 40" in whole.name
    assert (whole.ratio or 0) > 0
    assert (sending.ratio or 0) > 0
    assert start.value > 0  # Ray Data's start before its first request


def test_a_killed_job_run_again_on_its_answers_answers_each_row_once(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    answers = tmp_path / "answers"
    server = make_server()
    # The killed run: the answers of rows 0-11 written whole, those of rows 12-19 torn mid-file.
    answered(server, ray.data.from_items(rows(12))).write_parquet(str(answers))
    torn = answers / "torn.parquet"
    pq.write_table(pa.Table.from_pylist(answer(server, rows(20)[12:])), torn)
    torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])
    sent_before = len(server.arrivals)
    again = unanswered(ray.data.from_items(rows(30)), answers, key="row")
    answered(server, again).write_parquet(str(answers))
    out = ray.data.read_parquet(str(answers)).take_all()  # *.parquet: the torn file set aside
    assert sorted(row["row"] for row in out) == list(range(30))  # each row once, none lost
    assert all(row["response"] is not None for row in out)
    assert len(server.arrivals) - sent_before == 18  # rows 12-29: only what no whole file answered
    assert (answers / "torn.parquet.torn").exists()
    assert not torn.exists()


def test_a_first_run_has_nothing_answered_and_sends_every_row(tmp_path: Path) -> None:
    dataset = ray.data.from_items(rows(5))
    assert unanswered(dataset, tmp_path / "none yet", key="row") is dataset
