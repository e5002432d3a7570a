"""04_text_and_image.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import os

from openai import OpenAI

IMAGE_URL = "https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg"

client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
completion = client.chat.completions.create(
    model="gemini-pro",
    messages=[
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": IMAGE_URL}},
            ],
        }
    ],
)
print(completion.choices[0].message.content)
