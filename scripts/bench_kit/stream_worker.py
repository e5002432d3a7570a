"""One client process of the stream CPU measurement (run by baseline.StreamWorker, not imported).

    python -P stream_worker.py BASE_URL API_KEY CHUNKS BODY_JSON

Imports whichever ``aimlapi_gemini`` PYTHONPATH points at and prints ``{"package": ...}`` (before
anything is sent), consumes one untimed stream (warm-up: connection, imports, caches) and prints
``{"chunks": n}``; then for every line on
stdin consumes one more stream and prints ``{"cpu": seconds, "chunks": n}``. CPU is
time.process_time(): this process only, so the server's work and other processes' load are left
out. Only API that every version of the client has is used, since it also runs old trees.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence


def _report(fields: dict[str, object]) -> None:
    print(json.dumps(fields), flush=True)


def main(argv: Sequence[str]) -> int:
    base_url, api_key, chunks, body = argv
    import aimlapi_gemini
    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletionRequest

    _report({"package": aimlapi_gemini.__file__})
    request = ChatCompletionRequest.from_dict(json.loads(body))
    with AuthenticatedClient(base_url=base_url, token=api_key, headers={"X-Reply-Tokens": chunks}) as client:

        def consume() -> int:
            with create_chat_completion.stream(client=client, body=request) as stream:
                return sum(1 for _ in stream)

        _report({"chunks": consume()})
        for _ in sys.stdin:
            started = time.process_time()
            count = consume()
            _report({"cpu": time.process_time() - started, "chunks": count})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
