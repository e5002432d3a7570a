"""What the clients send and parse: the same bodies for every client, since the server's reply
depends on the body; where and with which key header raw clients send them (the spec's)."""

from __future__ import annotations

import json
from typing import Any

from reference_server.spec import credential_headers, find_operation, sample_model

API_KEY = "bench-key"
# The spec's chat path and key header, for the raw httpx baselines.
CHAT_PATH = find_operation().path
RAW_HEADERS = {**credential_headers(API_KEY), "Content-Type": "application/json"}
MODEL = sample_model()


def request_body(messages: int = 1) -> dict[str, Any]:
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
    return {"model": MODEL, "messages": chosen, "max_tokens": 64, "temperature": 0.7}


def typed_request(messages: int) -> Any:
    """The same conversation as ``request_body(messages)``, built from the generated models."""
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
        model=MODEL, messages=[make(i) for i in range(messages)], max_tokens=64, temperature=0.7
    )


def large_completion(choices: int = 32, tokens: int = 64) -> dict[str, Any]:
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
