"""Batch jobs: thousands of requests from a JSON Lines file, as fast as the limits allow,
resumable, nothing lost. The command line is ``aimlapi-gemini batch INPUT.jsonl -o OUTPUT.jsonl``.

```python
from aimlapi_gemini.batch import run_batch

summary = run_batch("requests.jsonl", "answers.jsonl", api_key="...", concurrency=32, rpm=600, progress=True)
print(summary.line())
```

Input lines: ``{"custom_id": "...", "body": {ChatCompletionRequest}}`` or a bare request body
(its ``custom_id`` is then its line number). Output lines are the OpenAI Batch API's:
``{"id": "batch_req_...", "custom_id", "response": {"status_code", "request_id", "body"},
"error": null}``, or for a failure ``"error": {"code", "message"}`` (``response`` the HTTP answer
when there was one, else null); every invalid input line gets an error line too. Rerunning with
the same output sends only the ids it does not answer yet. ``arun_batch`` is the same for a
running event loop. The key: ``api_key=``, else ``$AIML_API_KEY``, or a ``client=``
(``AuthenticatedClient``, ``AIMLAPI``, ``AsyncAIMLAPI``). The README's "Batch jobs" section has
every option and guarantee.

This module is not imported by ``import aimlapi_gemini`` (import time stays that of the client).
"""

from ._batch_io import ERROR_CODES, BatchFileError, InvalidLine, Shard, estimate_tokens, shard_of
from ._batch_runner import BatchSummary, InvalidInputError, arun_batch, run_batch

__all__ = [
    "ERROR_CODES",
    "BatchFileError",
    "BatchSummary",
    "InvalidInputError",
    "InvalidLine",
    "Shard",
    "arun_batch",
    "estimate_tokens",
    "run_batch",
    "shard_of",
]
