"""Answer every question of a JSONL file into another, resumably: run it again after a crash or
Ctrl-C and the ids already answered are skipped.

Input lines: {"id": "q1", "question": "..."}; output lines: {"id": "q1", "answer": "..."}.
Run: AIML_API_KEY=... python examples/08_resumable_jsonl.py questions.jsonl answers.jsonl
"""

import json
import sys
from pathlib import Path

from aimlapi_gemini import AIMLAPI

questions, answers = Path(sys.argv[1]), Path(sys.argv[2])
answers.touch()  # a first run starts with no answers
done = {json.loads(line)["id"] for line in answers.read_text(encoding="utf-8").splitlines()}
client = AIMLAPI()
with questions.open(encoding="utf-8") as lines, answers.open("a", encoding="utf-8") as out:
    for item in map(json.loads, lines):
        if item["id"] in done:
            continue
        completion = client.chat.completions.create(
            model="gemini-pro", messages=[{"role": "user", "content": item["question"]}]
        )
        out.write(json.dumps({"id": item["id"], "answer": completion.choices[0].message.content}) + "\n")
        out.flush()  # an answer written is an answer kept, whatever happens next
        print(f"{item['id']}: answered")
