"""08_resumable_jsonl.py with the OpenAI SDK, pointed at the same API (for comparison)."""

import json
import os
import sys
from pathlib import Path

from openai import OpenAI

questions, answers = Path(sys.argv[1]), Path(sys.argv[2])
answers.touch()  # a first run starts with no answers
done = {json.loads(line)["id"] for line in answers.read_text(encoding="utf-8").splitlines()}
client = OpenAI(
    api_key=os.environ["AIML_API_KEY"],
    base_url=os.environ.get("AIML_API_BASE_URL", "https://api.aimlapi.com/v1"),
)
with questions.open(encoding="utf-8") as lines, answers.open("a", encoding="utf-8") as out:
    for item in map(json.loads, lines):
        if item["id"] in done:
            continue
        completion = client.chat.completions.create(
            model="gemini-pro", messages=[{"role": "user", "content": item["question"]}]
        )
        out.write(json.dumps({"id": item["id"], "answer": completion.choices[0].message.content}) + "\n")
        out.flush()
        print(f"{item['id']}: answered")
