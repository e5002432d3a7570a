"""`make demo`: the command line client end to end, one reply and then one streamed reply.

Without --live it starts the local reference server (`python -m aimlapi_gemini.testing._server`)
on a free port, points the CLI at it with a test key, and stops the server afterwards. With --live
it talks to the real API with the key in AIML_API_KEY. Where the API's user messages take no text
(a captioner's), the message is a short sound file made for the demo (`--audio FILE`) instead.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import wave
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from aimlapi_gemini._spec_facts import MODEL_IDS
from aimlapi_gemini._user_content import NotTaken, user_content
from aimlapi_gemini.testing._server.runner import spawned

PROMPT = "Say hello to the demo in one short sentence."
LOCAL_KEY = "test-key"
# Slow the local stream down a little so that --stream visibly prints as the reply arrives.
LOCAL_STREAM_DELAY = "0.03"


def takes_text() -> bool:
    """Whether the API's user messages take the prompt (the CLI's own rule, with its default model)."""
    try:
        user_content((*MODEL_IDS, "gemini-pro")[0], PROMPT)
    except NotTaken:
        return False
    return True


def message_args(folder: Path) -> list[str]:
    """The chat command's message: the prompt, or a hundredth of a second of silence written to
    `folder` as a WAV file, where the API takes no text."""
    if takes_text():
        return [PROMPT]
    sound = folder / "demo.wav"
    with wave.open(str(sound), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(2 * 80))
    return ["--audio", str(sound)]


def run_cli(extra: Sequence[str], env: Mapping[str, str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        arguments = ["chat", *message_args(Path(folder)), "--max-tokens", "64", *extra]
        print(f"\n$ aimlapi-gemini {shlex.join(arguments)}", flush=True)
        command = [sys.executable, "-m", "aimlapi_gemini", *arguments]
        return subprocess.run(command, env=env, check=False).returncode


def run_both(env: Mapping[str, str]) -> int:
    for extra in ([], ["--stream"]):
        if code := run_cli(extra, env):
            return code
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--live", action="store_true", help="use the real API with AIML_API_KEY")
    args = parser.parse_args(argv)

    if args.live:
        if not os.environ.get("AIML_API_KEY"):
            print("demo: LIVE=1 talks to the real API: set AIML_API_KEY first", file=sys.stderr)
            return 2
        print("demo: the real API (key from AIML_API_KEY)", flush=True)
        return run_both(os.environ)

    print("demo: starting the reference server", flush=True)
    try:
        with spawned(LOCAL_KEY, "--stream-delay", LOCAL_STREAM_DELAY) as base_url:
            print(f"demo: reference server on {base_url}", flush=True)
            status = run_both({**os.environ, "AIML_API_KEY": LOCAL_KEY, "AIML_API_BASE_URL": base_url})
    except httpx.TransportError as exc:
        print(f"demo: the reference server did not start: {exc}", file=sys.stderr)
        return 1
    print("\ndemo: reference server stopped", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
