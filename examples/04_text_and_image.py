"""A question about an image: one user turn holding a text part and an image part.

Run: AIML_API_KEY=... python examples/04_text_and_image.py
"""

from aimlapi_gemini import AIMLAPI

IMAGE_URL = "https://upload.wikimedia.org/wikipedia/commons/3/3f/Fronalpstock_big.jpg"  # or a data: URI

client = AIMLAPI()
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
