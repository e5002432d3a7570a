"""One question, and the tokens it used.

Run: AIML_API_KEY=... python examples/01_one_question.py (AIML_API_BASE_URL picks another server).
"""

from aimlapi_gemini import AIMLAPI

client = AIMLAPI()  # the key from $AIML_API_KEY, the base URL from $AIML_API_BASE_URL (or the real API)
completion = client.chat.completions.create(
    model="gemini-pro",
    messages=[{"role": "user", "content": "Why is the sky blue?"}],
    max_tokens=100,
)
print(completion.choices[0].message.content)
usage = completion.usage  # None only in a completion joined from a stream that reported none
if usage:
    print(f"tokens: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion", end="")
    print(f" = {usage.total_tokens}")
