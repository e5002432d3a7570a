"""06_errors.py with the OpenAI SDK, pointed at the same API (for comparison).

The SDK keeps the error body as a dict and has no retry_after: it is read from the headers.
"""

import os

from openai import BadRequestError, OpenAI, RateLimitError

client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
for question in ["What is a haiku?", "Write one about rain.", "And one about snow."]:
    try:
        completion = client.chat.completions.create(
            model="gemini-pro", messages=[{"role": "user", "content": question}], max_tokens=60
        )
        print(completion.choices[0].message.content)
    except BadRequestError as error:
        vendor_message = error.body.get("message") if isinstance(error.body, dict) else error.message
        print(f"refused ({error.status_code}): {vendor_message}, request id {error.request_id}")
    except RateLimitError as error:
        retry_after = error.response.headers.get("retry-after")
        print(f"rate limited ({error.status_code}): retry in {retry_after} s, id {error.request_id}")
        break
