"""07_multi_turn.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import os

from openai import OpenAI

client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
messages = [{"role": "system", "content": "You are a terse travel guide."}]
for question in ["Where should I go in Portugal?", "And in winter?", "How do I get there from Lisbon?"]:
    messages.append({"role": "user", "content": question})
    reply = client.chat.completions.create(model="gemini-pro", messages=messages).choices[0].message
    messages.append(reply.model_dump(exclude_none=True))
    print(f"> {question}\n{reply.content}\n")
