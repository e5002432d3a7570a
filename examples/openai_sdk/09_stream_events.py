"""09_stream_events.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import os

from openai import OpenAI

client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
with client.chat.completions.stream(
    model="gemini-pro",
    messages=[{"role": "user", "content": "Describe a lighthouse in two sentences."}],
    max_tokens=200,
) as stream:
    for event in stream:
        if event.type == "content.delta":
            print(event.delta, end="", flush=True)
        elif event.type == "content.done":
            print(f"\n({len(event.content)} characters)")
    final = stream.get_final_completion()
print(f"finish_reason: {final.choices[0].finish_reason}")
