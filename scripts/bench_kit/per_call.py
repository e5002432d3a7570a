"""Section 1: per-call latency of sequential calls: generated `sync` vs raw httpx vs the OpenAI SDK."""

from __future__ import annotations

import json
import statistics

from aimlapi_gemini.testing._server.spec import versioned_base_url

from .measure import ISSUE_9_TARGET, Row, interleaved_samples
from .payloads import API_KEY, CHAT_PATH, RAW_HEADERS, request_body

# Issue #9 item 7: the generated client adds at most 2% to a call made with raw httpx.
RAW_HTTPX_LIMIT = 1.02
SDK_LIMIT = 0.8


def bench_per_call(base_url: str, calls: int, rounds: int) -> list[Row]:
    import httpx
    from openai import OpenAI

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionRequest

    # stream=false explicitly: the generated sync() always sends it, and the server's reply
    # depends on the body, so every client must send the very same body.
    body = {**request_body(), "stream": False}
    payload = json.dumps(body).encode()
    request = ChatCompletionRequest.from_dict(body)
    with (
        httpx.Client(base_url=base_url) as raw,
        AuthenticatedClient(base_url=base_url, token=API_KEY) as ours,
        OpenAI(base_url=versioned_base_url(base_url), api_key=API_KEY) as sdk,
    ):
        samples = interleaved_samples(
            {
                "raw httpx": lambda: raw.post(CHAT_PATH, content=payload, headers=RAW_HEADERS).json(),
                "generated": lambda: create_chat_completion.sync(client=ours, body=request),
                "openai": lambda: sdk.chat.completions.create(**body),
            },
            rounds=rounds,
            number=calls,
            # Warm-up: a full untimed round each opens the connections and fills import, code
            # and allocator caches, so the first timed round is not the slowest by construction.
            warmup=calls,
        )
    latency = samples.median("generated")
    ratio = samples.ratio("generated", "raw httpx")
    sdk_ratio = samples.ratio("generated", "openai")
    client_cpu = statistics.median(samples.cpu["generated"])
    return [
        Row(
            "1 per-call",
            "generated sync / raw httpx",
            latency * 1e3,
            "ms",
            "raw httpx",
            ratio,
            f"<= {RAW_HTTPX_LIMIT}",
            ratio <= RAW_HTTPX_LIMIT,
            goal=ISSUE_9_TARGET,
            wall_time=True,
        ),
        Row(
            "1 per-call",
            "generated sync / OpenAI SDK",
            latency * 1e3,
            "ms",
            "openai",
            sdk_ratio,
            f"<= {SDK_LIMIT}",
            sdk_ratio <= SDK_LIMIT,
            wall_time=True,
        ),
        # For reading the latency rows: the client process's own CPU per call, which load on the
        # machine does not inflate (the server's work is in its own process).
        Row(
            "1 per-call",
            "client CPU per call, generated sync / raw httpx",
            client_cpu * 1e6,
            "µs",
            "raw httpx",
            samples.ratio("generated", "raw httpx", cpu=True),
        ),
    ]
