"""01_one_question.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import os

from openai import OpenAI

client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
completion = client.chat.completions.create(
    model="gemini-pro",
    messages=[{"role": "user", "content": "Why is the sky blue?"}],
    max_tokens=100,
)
print(completion.choices[0].message.content)
usage = completion.usage
if usage is not None:
    print(
        f"tokens: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion = {usage.total_tokens}"
    )
