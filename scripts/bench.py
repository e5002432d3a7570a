#!/usr/bin/env python3
"""`make bench`: the generated client's overhead, as ratios against baselines measured in the same run.

Starts the reference server on loopback, then measures (medians over rounds):
  1. per-call latency of N sequential calls: generated `sync` vs raw httpx vs the OpenAI SDK;
  2. async throughput of 200 concurrent calls: generated `asyncio` vs AsyncOpenAI vs raw httpx;
  3. model cost without I/O: parse a large ChatCompletion, build + serialise a 1,000-message
     request; vs json.loads/json.dumps and vs the OpenAI SDK's own types;
  4. streaming: chunks/s over a 10,000-chunk stream vs the OpenAI SDK and raw httpx-sse, and
     peak memory over 10,000 vs 100,000 chunks;
  5. `scripts/generate.py` wall time.
Prints a table with PASS/FAIL beside each target (goals, not CI gates) and writes
reports/bench.json and reports/bench.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from reference_server.runner import spawned  # noqa: E402

API_KEY = "bench-key"
REPORTS = REPO / "reports"


@dataclass
class Row:
    section: str
    name: str
    value: float
    unit: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None


def median_time(fn: Callable[[], object], rounds: int, number: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``rounds`` rounds of ``number`` calls."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - started) / number)
    return statistics.median(samples)


def interleaved(candidates: Mapping[str, Callable[[], object]], rounds: int, number: int) -> dict[str, float]:
    """Median per-call seconds of each candidate, rounds interleaved so machine noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            started = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - started) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def _request_body(messages: int = 1) -> dict[str, Any]:
    kinds: list[dict[str, Any]] = [
        {"role": "system", "content": "You are brief and exact."},
        {"role": "user", "content": "What is the capital of France, and why is it famous?"},
        {
            "role": "assistant",
            "content": "Let me look that up.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": '{"q": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "content": '{"answer": "Paris"}', "tool_call_id": "call_1"},
        {"role": "function", "content": "Paris", "name": "lookup"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And what is in this picture?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/eiffel.png", "detail": "low"},
                },
            ],
        },
    ]
    chosen = [kinds[1]] if messages == 1 else [kinds[i % len(kinds)] for i in range(messages)]
    return {"model": "gemini-pro", "messages": chosen, "max_tokens": 64, "temperature": 0.7}


def _typed_request(messages: int) -> Any:
    """The same conversation as ``_request_body(messages)``, built from the generated models."""
    from aimlapi_gemini import models as m

    def make(i: int) -> Any:
        kind = i % 6
        if kind == 0:
            return m.SystemMessage(role="system", content="You are brief and exact.")
        if kind == 1:
            return m.UserMessage(role="user", content="What is the capital of France, and why is it famous?")
        if kind == 2:
            call = m.ToolCall(
                id="call_1",
                type_="function",
                function=m.ToolCallFunction(name="lookup", arguments='{"q": "Paris"}'),
            )
            return m.AssistantMessage(role="assistant", content="Let me look that up.", tool_calls=[call])
        if kind == 3:
            return m.ToolMessage(role="tool", content='{"answer": "Paris"}', tool_call_id="call_1")
        if kind == 4:
            return m.FunctionMessage(role="function", content="Paris", name="lookup")
        return m.UserMessage(
            role="user",
            content=[
                m.TextContentPart(type_="text", text="And what is in this picture?"),
                m.ImageContentPart(
                    type_="image_url",
                    image_url=m.ImageUrl(url="https://example.com/eiffel.png", detail="low"),
                ),
            ],
        )

    return m.ChatCompletionRequest(
        model="gemini-pro", messages=[make(i) for i in range(messages)], max_tokens=64, temperature=0.7
    )


def _large_completion(choices: int = 32, tokens: int = 64) -> dict[str, Any]:
    def logprob(i: int) -> dict[str, Any]:
        return {
            "token": f"tok{i}",
            "logprob": -0.25 * (i % 7),
            "bytes": [116, 111, 107],
            "top_logprobs": [{"token": f"alt{j}", "logprob": -1.0 - j, "bytes": [97]} for j in range(3)],
        }

    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1744217468,
        "model": "google/gemini-pro",
        "choices": [
            {
                "index": c,
                "finish_reason": "tool_calls" if c % 2 else "stop",
                "message": {
                    "role": "assistant",
                    "content": None if c % 2 else "word " * tokens,
                    "tool_calls": [
                        {
                            "id": f"call_{c}_{k}",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": json.dumps({"q": "x" * 20, "k": k})},
                        }
                        for k in range(3)
                    ]
                    if c % 2
                    else None,
                },
                "logprobs": {"content": [logprob(i) for i in range(tokens)], "refusal": None},
            }
            for c in range(choices)
        ],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": choices * tokens,
            "total_tokens": 100 + choices * tokens,
        },
    }


def bench_models(rounds: int) -> list[Row]:
    from openai._models import construct_type
    from openai._utils import maybe_transform
    from openai.types.chat import ChatCompletion as OpenAIChatCompletion
    from openai.types.chat import completion_create_params

    from aimlapi_gemini.models import ChatCompletion

    reply_text = json.dumps(_large_completion())
    body = _request_body(1000)
    times = interleaved(
        {
            "json.loads": lambda: json.loads(reply_text),
            "generated parse": lambda: ChatCompletion.from_dict(json.loads(reply_text)),
            "openai parse": lambda: construct_type(type_=OpenAIChatCompletion, value=json.loads(reply_text)),
            "json.dumps": lambda: json.dumps(body),
            "generated build": lambda: json.dumps(_typed_request(1000).to_dict()),
            "openai build": lambda: json.dumps(
                maybe_transform(body, completion_create_params.CompletionCreateParamsNonStreaming)
            ),
        },
        rounds=rounds,
        number=5,
    )
    rows = []
    for kind, floor in (("parse", "json.loads"), ("build", "json.dumps")):
        ours, theirs = times[f"generated {kind}"], times[f"openai {kind}"]
        label = "parse large ChatCompletion" if kind == "parse" else "build+serialise 1,000-msg request"
        rows.append(
            Row(
                "3 models",
                f"{label} / {floor}",
                ours * 1e3,
                "ms",
                floor,
                ours / times[floor],
                "<= 3.0",
                ours / times[floor] <= 3.0,
            )
        )
        rows.append(
            Row(
                "3 models",
                f"{label} / OpenAI types",
                ours * 1e3,
                "ms",
                f"openai {kind}",
                ours / theirs,
                "< 1.0",
                ours < theirs,
            )
        )
    return rows


def bench_per_call(base_url: str, calls: int, rounds: int) -> list[Row]:
    import httpx
    from openai import OpenAI

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionRequest

    # stream=false explicitly: the generated sync() always sends it, and the server's reply
    # depends on the body, so every client must send the very same body.
    body = {**_request_body(), "stream": False}
    payload = json.dumps(body).encode()
    request = ChatCompletionRequest.from_dict(body)
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    with (
        httpx.Client(base_url=base_url) as raw,
        AuthenticatedClient(base_url=base_url, token=API_KEY) as ours,
        OpenAI(base_url=f"{base_url}/v1", api_key=API_KEY) as sdk,
    ):
        times = interleaved(
            {
                "raw httpx": lambda: raw.post(
                    "/v1/chat/completions", content=payload, headers=headers
                ).json(),
                "generated": lambda: create_chat_completion.sync(client=ours, body=request),
                "openai": lambda: sdk.chat.completions.create(**body),
            },
            rounds=rounds,
            number=calls,
        )
    ours_t = times["generated"]
    return [
        Row(
            "1 per-call",
            "generated sync / raw httpx",
            ours_t * 1e3,
            "ms",
            "raw httpx",
            ours_t / times["raw httpx"],
            "<= 1.10",
            ours_t / times["raw httpx"] <= 1.10,
        ),
        Row(
            "1 per-call",
            "generated sync / OpenAI SDK",
            ours_t * 1e3,
            "ms",
            "openai",
            ours_t / times["openai"],
            "<= 0.8",
            ours_t / times["openai"] <= 0.8,
        ),
    ]


def bench_async(base_url: str, concurrency: int, rounds: int) -> list[Row]:
    import httpx
    import httpx2
    from openai import AsyncOpenAI, DefaultAsyncHttpx2Client

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionRequest

    body = {**_request_body(), "stream": False}  # the same body from every client (see bench_per_call)
    payload = json.dumps(body).encode()
    request = ChatCompletionRequest.from_dict(body)
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

    async def run() -> dict[str, float]:
        # Same connection-pool size for everyone, so the comparison is about client overhead.
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with (
            httpx.AsyncClient(base_url=base_url, limits=limits) as raw,
            AuthenticatedClient(base_url=base_url, token=API_KEY, httpx_args={"limits": limits}) as ours,
            AsyncOpenAI(
                base_url=f"{base_url}/v1",
                api_key=API_KEY,
                # The SDK is built on httpx2: give it the same pool size through its own client type.
                http_client=DefaultAsyncHttpx2Client(
                    limits=httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
                ),
            ) as sdk,
        ):

            async def raw_call() -> object:
                return (await raw.post("/v1/chat/completions", content=payload, headers=headers)).json()

            candidates: dict[str, Callable[[], Any]] = {
                "raw httpx": raw_call,
                "generated": lambda: create_chat_completion.asyncio(client=ours, body=request),
                "openai": lambda: sdk.chat.completions.create(**body),
            }
            # Warm-up: open every pool's connections first, so rounds measure calls, not TCP setup.
            for call in candidates.values():
                await asyncio.gather(*(call() for _ in range(concurrency)))
            samples: dict[str, list[float]] = {name: [] for name in candidates}
            for _ in range(rounds):
                for name, call in candidates.items():
                    started = time.perf_counter()
                    await asyncio.gather(*(call() for _ in range(concurrency)))
                    samples[name].append(concurrency / (time.perf_counter() - started))
            return {name: statistics.median(values) for name, values in samples.items()}

    rates = asyncio.run(run())
    ours = rates["generated"]
    return [
        Row(
            "2 async",
            f"generated asyncio / AsyncOpenAI ({concurrency} concurrent)",
            ours,
            "calls/s",
            "openai",
            ours / rates["openai"],
            ">= 1.0",
            ours >= rates["openai"],
        ),
        Row(
            "2 async",
            f"generated asyncio / raw httpx ({concurrency} concurrent)",
            ours,
            "calls/s",
            "raw httpx",
            ours / rates["raw httpx"],
            "",
            None,
        ),
    ]


def bench_streaming(base_url: str, chunks: int, memory_chunks: int, rounds: int) -> list[Row]:
    import httpx
    from httpx_sse import connect_sse
    from openai import OpenAI

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionRequest

    body = {**_request_body(), "max_tokens": memory_chunks + 10}
    request = ChatCompletionRequest.from_dict(body)

    def count_ours(client: AuthenticatedClient) -> int:
        with create_chat_completion.stream(client=client, body=request) as stream:
            return sum(1 for _ in stream)

    with (
        httpx.Client(base_url=base_url, timeout=120) as raw,
        AuthenticatedClient(
            base_url=base_url, token=API_KEY, headers={"X-Reply-Tokens": str(chunks)}
        ) as ours,
        OpenAI(base_url=f"{base_url}/v1", api_key=API_KEY) as sdk,
    ):

        def raw_sse() -> int:
            headers = {"Authorization": f"Bearer {API_KEY}", "X-Reply-Tokens": str(chunks)}
            with connect_sse(
                raw, "POST", "/v1/chat/completions", json={**body, "stream": True}, headers=headers
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
        times = interleaved(candidates, rounds=rounds, number=1)
        # Peak memory while consuming a stream, small vs 10x larger: flat means constant memory.
        peaks = []
        for n in (memory_chunks // 10, memory_chunks):
            with AuthenticatedClient(
                base_url=base_url, token=API_KEY, headers={"X-Reply-Tokens": str(n)}
            ) as c:
                tracemalloc.start()
                count_ours(c)
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()

    rate = chunks / times["generated"]
    growth = peaks[1] / peaks[0]
    return [
        Row(
            "4 stream",
            f"generated chunks/s / OpenAI SDK ({chunks:,} chunks)",
            rate,
            "chunks/s",
            "openai",
            times["openai"] / times["generated"],
            ">= 1.0",
            times["generated"] <= times["openai"],
        ),
        Row(
            "4 stream",
            f"generated chunks/s / raw httpx-sse ({chunks:,} chunks)",
            rate,
            "chunks/s",
            "raw httpx-sse",
            times["raw httpx-sse"] / times["generated"],
            "",
            None,
        ),
        Row(
            "4 stream",
            f"peak memory {memory_chunks:,} vs {memory_chunks // 10:,} chunks",
            peaks[1] / 2**20,
            "MiB",
            f"{memory_chunks // 10:,} chunks",
            growth,
            "<= 1.5 (flat)",
            growth <= 1.5,
        ),
    ]


def bench_generate(rounds: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:

        def run() -> None:
            subprocess.run(
                [sys.executable, str(REPO / "scripts" / "generate.py"), "--out", f"{tmp}/g"],
                check=True,
                capture_output=True,
            )

        seconds = median_time(run, rounds)
    return [
        Row("5 generate", "scripts/generate.py wall time", seconds, "s", "", None, "<= 5 s", seconds <= 5.0)
    ]


def print_table(rows: list[Row]) -> None:
    print(f"\n{'section':<11} {'measure':<58} {'value':>12}  {'ratio':>7}  {'target':<14} result")
    print("-" * 112)
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        result = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
        value = f"{row.value:>8.2f} {row.unit:<4}"
        print(f"{row.section:<11} {row.name:<58} {value} {ratio:>7}  {row.target:<14} {result}")


def write_reports(rows: list[Row]) -> None:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "bench.json").write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = [r for r in rows if r.ratio is not None]

    def label(row: Row) -> str:
        direction = {"<": "lower is better", ">": "higher is better"}.get(row.target[:1], "for reference")
        return f"{row.name}\n[{direction}; target {row.target or 'none'}]"

    fig, ax = plt.subplots(figsize=(11, 0.6 * len(ratios) + 1.5))
    colors = ["tab:green" if r.passed else ("tab:red" if r.passed is False else "tab:gray") for r in ratios]
    ax.barh([label(r) for r in ratios], [r.ratio or 0 for r in ratios], color=colors)
    ax.set_xscale("log")  # ratios span 0.01 to 10
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("ratio against the baseline measured in the same run (log scale; 1 = equal)")
    ax.set_title("aimlapi-gemini benchmarks: green = target met, red = missed, grey = no target")
    fig.tight_layout()
    fig.savefig(REPORTS / "bench.png", dpi=100)


@contextmanager
def _section(name: str) -> Iterator[None]:
    print(f"==> {name}", flush=True)
    started = time.perf_counter()
    yield
    print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)


PROFILES = ("per-call", "parse", "build", "stream")


def profile(name: str) -> None:
    """Where a target is missed, find out why: the generated client's side of one section under
    pyinstrument (a sampling profiler that shows the call tree without cProfile's distortion)."""
    from pyinstrument import Profiler

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletion, ChatCompletionRequest

    profiler = Profiler(interval=0.0002)
    if name == "parse":
        reply = json.dumps(_large_completion())
        with profiler:
            for _ in range(30):
                ChatCompletion.from_dict(json.loads(reply))
    elif name == "build":
        with profiler:
            for _ in range(100):
                json.dumps(_typed_request(1000).to_dict())
    else:
        # max_tokens caps X-Reply-Tokens on the server, so lift it for the long stream.
        request = ChatCompletionRequest.from_dict({**_request_body(), "stream": False, "max_tokens": 20_000})
        with spawned(API_KEY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as base_url:
            headers = {"X-Reply-Tokens": "10000"} if name == "stream" else {}
            with AuthenticatedClient(base_url=base_url, token=API_KEY, headers=headers) as client:
                create_chat_completion.sync(client=client, body=request)  # open the connection first
                with profiler:
                    if name == "stream":
                        with create_chat_completion.stream(client=client, body=request) as stream:
                            for _ in stream:
                                pass
                    else:
                        for _ in range(300):
                            create_chat_completion.sync(client=client, body=request)
    print(profiler.output_text(unicode=True, show_all=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the generated client against baselines.")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument(
        "--profile", choices=PROFILES, help="profile the generated client in one section instead"
    )
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile)
        return 0
    rounds = 3 if args.quick else 7
    rows: list[Row] = []
    with _section("3 model cost without I/O"):
        rows += bench_models(rounds)
    with _section("5 make generate wall time"):
        rows += bench_generate(3 if args.quick else 5)
    with spawned(API_KEY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as base_url:
        with _section("1 per-call latency"):
            rows += bench_per_call(base_url, calls=30 if args.quick else 100, rounds=rounds)
        with _section("2 async throughput"):
            rows += bench_async(base_url, concurrency=200, rounds=rounds)
        with _section("4 streaming"):
            rows += bench_streaming(
                base_url, chunks=10_000, memory_chunks=100_000, rounds=3 if args.quick else 5
            )
    rows.sort(key=lambda r: r.section)
    print_table(rows)
    write_reports(rows)
    print(f"\nwrote {REPORTS / 'bench.json'} and {REPORTS / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
