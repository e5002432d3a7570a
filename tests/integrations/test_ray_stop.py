"""The cluster-wide stop on a local Ray: a revoked key (401) or a Retry-After past the client's cap
seen by one actor stops every actor; the rows left get ``not_sent`` and ``unanswered`` sends them
again, each row once in the answers' directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow has no type information
import pytest
import ray

from aimlapi_gemini import Backoff
from aimlapi_gemini.integrations.ray import ChatCompletions, ClusterRateLimit, unanswered
from tests.doubles.recording import RecordedServer

from .conftest import ServerFactory, chat_body

pytestmark = [
    pytest.mark.usefixtures("local_ray"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context"),
]
ROWS = 200
ACTORS = 2
PER_ACTOR = 2  # each actor's rows in flight: what may still arrive once the stop is out
STARTS = 30  # the requests served before the fault


def rows(count: int) -> list[dict[str, Any]]:
    body = chat_body("hi", max_tokens=3)
    return [{"row": n, "request": json.dumps(body)} for n in range(count)]


def answered(server: RecordedServer, dataset: Any, limit: ClusterRateLimit | None) -> Any:
    options = {
        "api_key": server.api_key,
        "base_url": server.base_url,
        "backoff": Backoff(initial=0.01),
        "concurrency": PER_ACTOR,
        "limit": limit,
    }
    return dataset.map_batches(
        ChatCompletions,
        fn_constructor_kwargs=options,
        compute=ray.data.ActorPoolStrategy(size=ACTORS),
        batch_size=10,
    )


def revoked_after(starts: int) -> Any:
    def script(n: int) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", b"Bearer revoked")] if n >= starts else []

    return script


def one_long_retry_after(at: int) -> Any:
    def script(n: int) -> list[tuple[bytes, bytes]]:
        return [(b"x-fault", b"status=429;retry-after=3600")] if n == at else []

    return script


def read_answers(directory: Path) -> list[dict[str, Any]]:
    """The rows of the Parquet files under ``directory`` (what Ray Data's readers take), read here."""
    return [row for path in sorted(directory.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def outcomes(out: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    assert sorted(row["row"] for row in out) == list(range(ROWS))  # each row once, none lost
    kinds: dict[str, list[dict[str, Any]]] = {}
    for row in out:
        assert (row["response"] is None) != (row["error_code"] is None), row
        kinds.setdefault(row["error_code"] or "answered", []).append(row)
    return kinds


def test_a_revoked_key_stops_every_actor_with_a_bounded_number_of_requests_after_it(
    make_server: ServerFactory,
) -> None:
    server = make_server(script=revoked_after(STARTS))
    limit = ClusterRateLimit.create(concurrency=ACTORS * PER_ACTOR)
    kinds = outcomes(answered(server, ray.data.from_items(rows(ROWS)), limit).take_all())
    # After the first 401 only the rows already in flight arrive: at most PER_ACTOR per actor.
    assert STARTS < len(server.arrivals) <= STARTS + ACTORS * PER_ACTOR
    assert len(kinds["answered"]) == STARTS
    assert 1 <= len(kinds["http_error"]) <= ACTORS * PER_ACTOR  # the 401s, final as in the batch
    assert set(kinds) == {"answered", "http_error", "not_sent"}
    assert all("401" in row["error_message"] or "key" in row["error_message"] for row in kinds["not_sent"])
    assert limit.stopped_by() is not None


def test_without_a_cluster_limit_the_stop_is_one_actors_and_the_other_keeps_sending(
    make_server: ServerFactory,
) -> None:
    # The twin of the bounds here: the actor the 429 came to stops, the other one never hears.
    server = make_server(script=one_long_retry_after(STARTS))
    kinds = outcomes(answered(server, ray.data.from_items(rows(ROWS)), None).take_all())
    assert len(server.arrivals) > STARTS + 1 + ACTORS * PER_ACTOR
    assert len(kinds["answered"]) == len(server.arrivals) - 1


def test_a_retry_after_past_the_cap_at_one_actor_stops_the_other_and_a_rerun_sends_the_rest(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    server = make_server(script=one_long_retry_after(STARTS))
    limit = ClusterRateLimit.create(concurrency=ACTORS * PER_ACTOR)
    answers = tmp_path / "answers"
    answered(server, ray.data.from_items(rows(ROWS)), limit).write_parquet(str(answers))
    first = outcomes(read_answers(answers))
    assert STARTS < len(server.arrivals) <= STARTS + 1 + ACTORS * PER_ACTOR
    assert set(first) == {"answered", "not_sent"}  # the 429's row too: it goes with the next run
    assert all("Retry-After 3600" in row["error_message"] for row in first["not_sent"])
    assert len(first["answered"]) >= STARTS
    sent_before = len(server.arrivals)

    again = unanswered(ray.data.from_items(rows(ROWS)), answers, key="row")
    answered(server, again, ClusterRateLimit.create(concurrency=ACTORS * PER_ACTOR)).write_parquet(
        str(answers)
    )
    final = outcomes(read_answers(answers))  # each row once in the directory
    assert set(final) == {"answered"}
    assert len(server.arrivals) - sent_before == len(first["not_sent"])  # only those were sent again
