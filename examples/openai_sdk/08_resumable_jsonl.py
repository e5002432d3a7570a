"""08_resumable_jsonl.py with the OpenAI SDK, pointed at the same API (for comparison): the same
input and output lines, written by hand, one request at a time (no concurrency or rate limit)."""

import json
import os
import sys
from pathlib import Path

from openai import APIStatusError, OpenAI

requests, answers = Path(sys.argv[1]), Path(sys.argv[2])
answers.touch()
done = {json.loads(line)["custom_id"] for line in answers.read_text(encoding="utf-8").splitlines()}
client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
ok = errors = 0
with requests.open(encoding="utf-8") as lines, answers.open("a", encoding="utf-8") as out:
    for item in map(json.loads, lines):
        if item["custom_id"] in done:
            continue
        try:
            raw = client.chat.completions.with_raw_response.create(**item["body"])
            response = {"status_code": raw.status_code, "request_id": raw.headers.get("x-request-id")}
            record = {"response": {**response, "body": raw.parse().model_dump()}}
            ok += 1
        except APIStatusError as error:
            fields = ("status_code", "request_id", "message", "body")
            record = {"error": {name: getattr(error, name) for name in fields}}
            errors += 1
        out.write(json.dumps({"custom_id": item["custom_id"], **record}) + "\n")
        out.flush()
print(f"batch done: {ok} ok, {errors} errors, {len(done)} done before")
sys.exit(0 if errors == 0 else 1)
