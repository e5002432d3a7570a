"""02_stream.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import os

from openai import OpenAI

client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
stream = client.chat.completions.create(
    model="gemini-pro",
    messages=[{"role": "user", "content": "Tell me a short story about a lighthouse."}],
    max_tokens=200,
    stream=True,
    stream_options={"include_usage": True},
)
finish_reason, tokens = None, None
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta:
        print(chunk.choices[0].delta.content or "", end="", flush=True)
        finish_reason = chunk.choices[0].finish_reason or finish_reason
    if chunk.usage:
        tokens = chunk.usage.completion_tokens
print(f"\nfinish_reason: {finish_reason}, {tokens} tokens")
