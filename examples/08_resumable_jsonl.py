"""A resumable JSONL run: every request of one file answered into another, 8 at a time, at most
600 a minute, each retried after a 429, a 5xx or a dropped connection. Run it again after a crash
or Ctrl-C and only the ids not answered yet are sent.

Input lines, the OpenAI Batch API's shape (`messages` as the API takes them):
  {"custom_id": "q1", "body": {"model": "gemini-pro", "messages": [...]}}
Output lines, in the order the answers came:
  {"custom_id": "q1", "response": {"status_code": 200, "request_id": "...", "body": {a ChatCompletion}}}
  {"custom_id": "q2", "error": {"status_code": 400, "request_id": "...", "message": "...", "body": {...}}}
Run: AIML_API_KEY=... python examples/08_resumable_jsonl.py requests.jsonl answers.jsonl
(the same as `aimlapi-gemini batch requests.jsonl -o answers.jsonl --concurrency 8 --rpm 600`).
"""

import sys

from aimlapi_gemini.batch import run_batch

summary = run_batch(sys.argv[1], sys.argv[2], concurrency=8, rpm=600)
print(summary.line())  # "4 ok, 0 errors, 0 invalid, 0 retries (0 rate-limited); 160 tokens (...); 0.1 s"
sys.exit(0 if summary.ok else 1)
