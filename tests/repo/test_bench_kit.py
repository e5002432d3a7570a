"""The bench's machinery (scripts/bench_kit), not its numbers: timing targets are checked by
`make bench`, never by tests. Round order, GC policy, paired ratios, and the worker that measures a
client tree in its own interpreter."""

from __future__ import annotations

import gc
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import spec_features as spec
from bench_kit.baseline import CURRENT_TREE, StreamWorker
from bench_kit.measure import Row, Samples, interleaved_samples, require_gc, rotations, withhold_wall_verdicts
from bench_kit.payloads import KIND_NEEDS, forget_spec, message_kinds, request_body, typed_request
from bench_kit.ray_chaos import ChaosRounds, Limit, batch_job, chaos_rows, check_round, run_rounds

from aimlapi_gemini.models import ChatCompletionRequest
from aimlapi_gemini.testing._server import BackgroundServer


def test_every_candidate_leads_equally_often_and_each_round_has_all() -> None:
    orders = rotations(["a", "b", "c"], 6)
    assert all(sorted(order) == ["a", "b", "c"] for order in orders)
    assert Counter(order[0] for order in orders) == {"a": 2, "b": 2, "c": 2}
    assert orders[0] != orders[1]


@pytest.fixture
def gc_off() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("gc_off")
def test_timing_refuses_to_run_with_the_gc_off() -> None:
    with pytest.raises(RuntimeError, match="garbage collector is off"):
        require_gc()
    with pytest.raises(RuntimeError):
        interleaved_samples({"noop": lambda: None}, rounds=1, number=1)


def test_timing_runs_with_the_gc_on_and_warms_up_first() -> None:
    calls: list[str] = []
    samples = interleaved_samples({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3, 2)
    assert calls[:4] == ["a", "a", "b", "b"]  # the untimed warm-up, `number` calls each
    assert len(calls) == 4 + 3 * 2 * 2
    assert [len(samples.wall[name]) for name in "ab"] == [3, 3]


def test_ratios_pair_the_rounds_instead_of_dividing_medians() -> None:
    # Round 2 is slow for both (a load spike): per-round ratios are all 2.0.
    samples = Samples(wall={"ours": [2.0, 20.0, 4.0], "base": [1.0, 10.0, 2.0]}, cpu={})
    assert samples.ratio("ours", "base") == 2.0
    skewed = Samples(wall={"ours": [2.0, 2.2, 30.0], "base": [1.0, 10.0, 11.0]}, cpu={})
    assert skewed.ratio("ours", "base") == pytest.approx(2.0)  # medians would say 2.2 / 10


@pytest.mark.parametrize("copy", [False, True], ids=["current tree", "a copy elsewhere"])
def test_the_stream_worker_measures_the_tree_it_is_given(
    reference_server: BackgroundServer, tmp_path: Path, copy: bool
) -> None:
    tree = CURRENT_TREE
    if copy:  # as the baseline tree is: the package somewhere else, found only through PYTHONPATH
        tree = tmp_path / "generated"
        shutil.copytree(CURRENT_TREE / "aimlapi_gemini", tree / "aimlapi_gemini")
    body = request_body()
    if spec.has_request_field("max_tokens"):
        body["max_tokens"] = 60  # a stream of 50 chunks and more (the server's own default otherwise)
    worker = StreamWorker(tree, reference_server.base_url, reference_server.api_key, 50, body)
    try:
        assert worker.cpu_per_chunk() > 0
    finally:
        worker.close()


def test_a_worker_that_imports_another_tree_is_refused(
    reference_server: BackgroundServer, tmp_path: Path
) -> None:
    empty = tmp_path / "no-package-here"  # PYTHONPATH without the package: the installed one wins
    empty.mkdir()
    with pytest.raises(SystemExit, match="imported"):
        StreamWorker(empty, reference_server.base_url, reference_server.api_key, 5, request_body())


def _rows() -> list[Row]:
    return [
        Row("1 per-call", "wall", 1.0, "ms", "raw", 1.01, "<= 1.02", True, wall_time=True),
        Row("3 models", "cpu", 1.0, "ms", "json.loads", 2.5, "<= 2.0", False),
    ]


def test_a_busy_machine_keeps_wall_ratios_but_judges_only_cpu_rows() -> None:
    rows = _rows()
    assert withhold_wall_verdicts(rows, load=3.0, cores=2)
    wall, cpu = rows
    assert (wall.ratio, wall.passed, wall.note) == (1.01, None, "not judged: busy machine")
    assert (cpu.passed, cpu.note) == (False, "")


def test_a_quiet_machine_judges_every_row() -> None:
    rows = _rows()
    assert not withhold_wall_verdicts(rows, load=0.3, cores=2)
    assert [row.passed for row in rows] == [True, False]


def test_without_the_bench_extra_the_bench_says_how_to_install_it_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench_kit import runner

    monkeypatch.setattr(runner, "BENCH_EXTRA", {"json": "json", "no_such_module_for_the_bench": "nosuch-pkg"})
    assert runner.main(["--only", "models"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no nosuch-pkg" in err
    assert "json" not in err.split("(")[1]  # installed modules are not listed
    assert "make bench" in err


def _shown(body: dict[str, Any]) -> set[str]:
    """The features a body shows (as spec_features names them): its keys, roles and part types."""
    found = {f"field:{key}" for key in body}
    for message in body["messages"]:
        found.add(f"role:{message['role']}")
        if isinstance(message["content"], list):
            found |= {f"part:{message['role']}:{part['type']}" for part in message["content"]}
        found |= {f"message_field:{message['role']}:{key}" for key in message}
    return found


def test_the_payloads_are_one_conversation_the_spec_takes_in_both_forms() -> None:
    body = request_body(12)
    assert ChatCompletionRequest.from_dict(body).to_dict() == body  # valid for this spec, as it is
    assert typed_request(12).to_dict() == body  # the typed build sends the very same body
    assert typed_request(1).to_dict() == request_body()
    assert _shown(request_body()) <= _shown(body)
    kinds = message_kinds()
    assert kinds == tuple(kind for kind, needs in KIND_NEEDS.items() if all(map(spec.has_feature, needs)))
    assert [m["role"] for m in body["messages"]] == [
        kinds[i % len(kinds)].removesuffix("_image") for i in range(12)
    ]


@pytest.fixture
def fresh_kinds() -> Iterator[None]:
    forget_spec()  # the payloads hold what the spec of the moment takes
    try:
        yield
    finally:
        forget_spec()


# What vendor revisions drop: message kinds, the image part, tool calls, request fields.
@pytest.mark.usefixtures("fresh_kinds")
@pytest.mark.parametrize(
    "feature",
    [
        "role:system",
        "role:function",
        "role:tool",
        "part:user:image_url",
        "message_field:assistant:tool_calls",
        "field:max_tokens",
        "field:temperature",
    ],
)
def test_what_the_spec_lacks_is_left_out_of_both_payloads(
    monkeypatch: pytest.MonkeyPatch, feature: str
) -> None:
    assert (feature in _shown(request_body(12))) == spec.has_feature(feature)
    if spec.has_feature(feature):  # else the spec itself is one without it
        without = spec.without_feature(feature)
        monkeypatch.setattr(spec, "spec", lambda: without)
        forget_spec()

    body = request_body(12)

    assert feature not in _shown(body)
    assert len(body["messages"]) == 12
    assert typed_request(12).to_dict() == body


# The Ray chaos rows' checks (scripts/bench_kit/ray_chaos.py): the runs themselves are in
# tests/integrations/test_ray_data.py, which has a local Ray.
TINY = Limit(20, 1.0, "a tiny limit")


def test_a_round_with_every_line_once_and_windows_within_the_limit_passes() -> None:
    ids = [f"record-{n}" for n in (2, 0, 1)]
    assert check_round("job", ids, 3, [0.0, 0.5, 1.0], Limit(2, 1.0, "")) == 2


@pytest.mark.parametrize(
    ("ids", "arrivals", "message"),
    [
        (["record-0", "record-1", "record-1"], [0.0, 1.0, 2.0], "exactly once"),  # one twice
        (["record-0", "record-1"], [0.0, 1.0], "exactly once"),  # one missing
        (["record-0", "record-1", "record-2"], [0.0, 0.5, 0.9], r"let 3 requests arrive in 1 s \(rpm 2\)"),
    ],
    ids=["a line twice", "a line lost", "a window over the limit"],
)
def test_a_round_with_a_line_lost_or_repeated_or_a_window_over_the_limit_is_refused(
    ids: list[str], arrivals: list[float], message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        check_round("job", ids, 3, arrivals, Limit(2, 1.0, ""))


def test_the_chaos_rounds_pass_the_batch_within_a_binding_limit(tmp_path: Path) -> None:
    measured = run_rounds(tmp_path, 40, 4, 1, TINY, jobs={"batch": batch_job})
    assert measured.answered["batch"] == 40
    assert 0 < measured.busiest <= TINY.rpm
    # 40 lines and their retries need at least two windows of 20.
    assert measured.sending["batch"][0] <= 40 / TINY.window


def test_the_chaos_rounds_refuse_a_job_that_ignores_the_limit(tmp_path: Path) -> None:
    def unlimited(base_url: str, source: Path, target: Path, concurrency: int, limit: Limit) -> list[str]:
        return batch_job(base_url, source, target, concurrency, Limit(1000, 1.0, "binds nothing"))

    with pytest.raises(RuntimeError, match=r"requests arrive in 1 s \(rpm 20\)"):
        run_rounds(tmp_path, 40, 4, 1, TINY, jobs={"batch": unlimited})


def test_the_chaos_rows_pair_the_rounds_and_say_what_was_checked() -> None:
    measured = ChaosRounds(TINY, 40, busiest=19, answered={"batch": 40, "ray data": 40})
    measured.whole = {"batch": [10.0, 20.0, 10.0], "ray data": [9.0, 10.0, 11.0]}
    measured.sending = {"batch": [10.0, 10.0, 10.0], "ray data": [10.0, 10.0, 10.0]}
    measured.start = {"batch": [0.0, 0.0, 0.0], "ray data": [2.0, 3.0, 2.5]}
    whole, sending, start = chaos_rows(measured, unlimited_batch=50.0)
    assert whole.ratio == pytest.approx(0.9)  # per-round ratios 0.9, 0.5, 1.1: their median
    assert whole.spread == "0.50-1.10"
    assert whole.passed is True
    assert sending.ratio == 1.0
    assert "rpm 20/1 s a tiny limit, 40% of the batch's 50 lines/s unlimited;" in whole.name
    assert "answered once 40/40 of 40; busiest window 19/20" in whole.name
    assert start.value == 2.5
