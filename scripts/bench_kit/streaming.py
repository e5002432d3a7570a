"""Section 4: streaming. Wall-time chunks/s against the OpenAI SDK and raw httpx-sse; the client's
CPU per chunk against the client as it was at the baseline commit; peak memory, small vs large."""

from __future__ import annotations

import json
import statistics
import tracemalloc
from collections.abc import Callable

from aimlapi_gemini.testing._server.spec import versioned_base_url

from .baseline import CURRENT_TREE, StreamWorker, tree_at
from .measure import ISSUE_9_TARGET, Row, Samples, interleaved_samples, require_gc, rotations
from .payloads import API_KEY, CHAT_PATH, RAW_HEADERS, request_body

# Issue #9 item 7: the client spends at least 1.3x less CPU per chunk than at the baseline commit.
CPU_SPEEDUP_TARGET = 1.3


def bench_streaming(base_url: str, chunks: int, memory_chunks: int, rounds: int) -> list[Row]:
    import httpx
    from httpx_sse import connect_sse
    from openai import OpenAI

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionRequest

    body = {**request_body(), "max_tokens": memory_chunks + 10}
    request = ChatCompletionRequest.from_dict(body)

    def count_ours(client: AuthenticatedClient, *, accumulate: bool = True) -> int:
        with create_chat_completion.stream(client=client, body=request) as stream:
            stream.accumulate = accumulate
            return sum(1 for _ in stream)

    with (
        httpx.Client(base_url=base_url, timeout=120) as raw,
        AuthenticatedClient(
            base_url=base_url, token=API_KEY, headers={"X-Reply-Tokens": str(chunks)}
        ) as ours,
        OpenAI(base_url=versioned_base_url(base_url), api_key=API_KEY) as sdk,
    ):

        def raw_sse() -> int:
            headers = {**RAW_HEADERS, "X-Reply-Tokens": str(chunks)}
            with connect_sse(
                raw, "POST", CHAT_PATH, json={**body, "stream": True}, headers=headers
            ) as source:
                n = 0
                for event in source.iter_sse():
                    if event.data == "[DONE]":
                        break
                    json.loads(event.data)
                    n += 1
                return n

        def openai_stream() -> int:
            stream = sdk.chat.completions.create(
                **body, stream=True, extra_headers={"X-Reply-Tokens": str(chunks)}
            )
            return sum(1 for _ in stream)

        candidates: dict[str, Callable[[], int]] = {
            "raw httpx-sse": raw_sse,
            "generated": lambda: count_ours(ours),
            "openai": openai_stream,
        }
        # The rates only compare like with like if every client really received every chunk.
        counts = {name: count() for name, count in candidates.items()}
        if len(set(counts.values())) != 1 or counts["generated"] < chunks:
            raise SystemExit(f"bench: clients received different streams: {counts}")
        # The counting run above was the warm-up.
        samples = interleaved_samples(candidates, rounds=rounds, number=1, warmup=0)
        # Peak memory while consuming a stream, small vs 10x larger: flat means constant memory.
        # Without the join (accumulate off): the completion it keeps grows with the reply by design.
        peaks = []
        for n in (memory_chunks // 10, memory_chunks):
            with AuthenticatedClient(
                base_url=base_url, token=API_KEY, headers={"X-Reply-Tokens": str(n)}
            ) as c:
                tracemalloc.start()
                count_ours(c, accumulate=False)
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()

    rate = chunks / samples.median("generated")
    sdk_speedup = samples.ratio("openai", "generated")
    growth = peaks[1] / peaks[0]
    return [
        Row(
            "4 stream",
            f"generated chunks/s / OpenAI SDK ({chunks:,} chunks)",
            rate,
            "chunks/s",
            "openai",
            sdk_speedup,
            ">= 1.0",
            sdk_speedup >= 1.0,
            wall_time=True,
        ),
        Row(
            "4 stream",
            f"generated chunks/s / raw httpx-sse ({chunks:,} chunks)",
            rate,
            "chunks/s",
            "raw httpx-sse",
            samples.ratio("raw httpx-sse", "generated"),
            "",
            None,
            wall_time=True,
        ),
        Row(
            "4 stream",
            f"peak memory {memory_chunks:,} vs {memory_chunks // 10:,} chunks (accumulate off)",
            peaks[1] / 2**20,
            "MiB",
            f"{memory_chunks // 10:,} chunks",
            growth,
            "<= 1.5 (flat)",
            growth <= 1.5,
        ),
    ]


def bench_stream_cpu(base_url: str, chunks: int, rounds: int, baseline_commit: str) -> list[Row]:
    """Client CPU per chunk (time.process_time in the client's own process) now and at
    ``baseline_commit``, the two processes asked in turn, in rotating order."""
    require_gc()
    body = {**request_body(), "max_tokens": chunks + 10}
    samples: dict[str, list[float]] = {"now": [], baseline_commit: []}
    with tree_at(baseline_commit) as old_tree:
        workers = {
            "now": StreamWorker(CURRENT_TREE, base_url, API_KEY, chunks, body),
            baseline_commit: StreamWorker(old_tree, base_url, API_KEY, chunks, body),
        }
        try:
            for order in rotations(list(workers), rounds):
                for name in order:
                    samples[name].append(workers[name].cpu_per_chunk())
        finally:
            for worker in workers.values():
                worker.close()
    now, then = (statistics.median(samples[name]) for name in ("now", baseline_commit))
    # Per-round ratios (see measure.Samples.ratio): each pair ran moments apart.
    speedup = Samples(wall={}, cpu=samples).ratio(baseline_commit, "now", cpu=True)
    return [
        Row(
            "4 stream",
            f"client CPU per chunk, {baseline_commit} / now ({chunks:,} chunks)",
            now * 1e6,
            "µs",
            baseline_commit,
            speedup,
            f">= {CPU_SPEEDUP_TARGET}",
            speedup >= CPU_SPEEDUP_TARGET,
            goal=ISSUE_9_TARGET,
        ),
        Row("4 stream", f"client CPU per chunk at {baseline_commit} (reference)", then * 1e6, "µs"),
    ]
