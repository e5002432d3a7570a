"""`make profile PROFILE=...`: the generated client's side of one section under pyinstrument."""

from __future__ import annotations

import json
import subprocess

from aimlapi_gemini.testing._server.runner import spawned

from .payloads import API_KEY, large_completion, request_body, typed_request

PROFILES = ("per-call", "parse", "build", "stream")


def profile(name: str) -> None:
    """Where a target is missed, find out why: the generated client's side of one section under
    pyinstrument (a sampling profiler that shows the call tree without cProfile's distortion)."""
    from pyinstrument import Profiler

    from aimlapi_gemini import AuthenticatedClient
    from aimlapi_gemini.api.chat_completions import create_chat_completion
    from aimlapi_gemini.models import ChatCompletion, ChatCompletionRequest

    profiler = Profiler(interval=0.0002)
    if name == "parse":
        from aimlapi_gemini._json import loads  # the client's decoder, as the bench's parse row

        reply = json.dumps(large_completion()).encode()
        with profiler:
            for _ in range(30):
                ChatCompletion.from_dict(loads(reply))
    elif name == "build":
        with profiler:
            for _ in range(100):
                json.dumps(typed_request(1000).to_dict())
    else:
        # max_tokens caps X-Reply-Tokens on the server, so lift it for the long stream.
        request = ChatCompletionRequest.from_dict({**request_body(), "stream": False, "max_tokens": 20_000})
        with spawned(API_KEY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as base_url:
            headers = {"X-Reply-Tokens": "10000"} if name == "stream" else {}
            with AuthenticatedClient(base_url=base_url, token=API_KEY, headers=headers) as client:
                create_chat_completion.sync(client=client, body=request)  # open the connection first
                with profiler:
                    if name == "stream":
                        with create_chat_completion.stream(client=client, body=request) as stream:
                            for _ in stream:
                                pass
                    else:
                        for _ in range(300):
                            create_chat_completion.sync(client=client, body=request)
    print(profiler.output_text(unicode=True, show_all=False))
