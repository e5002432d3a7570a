"""Handling a 429 (rate limited) and a 400 (request refused) with the typed errors.

The client already retries a 429 (twice, waiting as the server's Retry-After says, up to 120 s);
a RateLimitError means that did not help, and its retry_after is the wait the server advised.
A 400 is never retried: the message says what to fix. Every error has the request id to quote.
Run: AIML_API_KEY=... python examples/06_errors.py
"""

from aimlapi_gemini import AIMLAPI, BadRequestError, RateLimitError

client = AIMLAPI()
for question in ["What is a haiku?", "Write one about rain.", "And one about snow."]:
    try:
        completion = client.chat.completions.create(
            model="gemini-pro", messages=[{"role": "user", "content": question}], max_tokens=60
        )
        print(completion.choices[0].message.content)
    except BadRequestError as error:  # this question is skipped; the next ones are still asked
        vendor_message = error.body.message if error.body else error.text
        print(f"refused ({error.status_code}): {vendor_message}, request id {error.request_id}")
    except RateLimitError as error:  # stop: come back after the advised wait
        print(f"rate limited ({error.status_code}): retry in {error.retry_after} s, id {error.request_id}")
        break
