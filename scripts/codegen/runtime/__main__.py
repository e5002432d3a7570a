"""Command line: ``python -m aimlapi_gemini chat "Hello" [--stream] [--system TEXT] ...``.

The key comes from AIML_API_KEY. Exit codes: 0 done, 1 the API failed, 2 wrong usage or no key,
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO, get_args

from aimlapi_gemini.api.chat_completions import create_chat_completion
from aimlapi_gemini.client import AuthenticatedClient
from aimlapi_gemini.errors import AimlApiError, MissingAPIKeyError
from aimlapi_gemini.models.chat_completion import ChatCompletion
from aimlapi_gemini.models.chat_completion_request import ChatCompletionRequest
from aimlapi_gemini.models.chat_completion_request_model import ChatCompletionRequestModel
from aimlapi_gemini.models.system_message import SystemMessage
from aimlapi_gemini.models.user_message import UserMessage

PROG = "aimlapi-gemini"
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Talk to the gemini-pro model of the AI/ML API.")
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="send one message and print the reply")
    chat.add_argument("prompt", help="the user's message")
    chat.add_argument("--stream", action="store_true", help="print the reply as it is generated")
    chat.add_argument("--system", help="instructions for the model")
    models: tuple[str, ...] = get_args(ChatCompletionRequestModel)
    chat.add_argument("--model", choices=models, default=models[0], help="model id (default %(default)s)")
    chat.add_argument("--max-tokens", type=int, help="upper bound on the reply's length in tokens")
    chat.add_argument("--temperature", type=float, help="sampling temperature, 0 to 2")
    chat.add_argument("--base-url", help="API address (default $AIML_API_BASE_URL, else the vendor's)")
    chat.add_argument("--timeout", type=float, help="seconds to wait for a reply (default 600)")
    chat.add_argument("--max-retries", type=int, help="retries after transient failures (default 2)")
    return parser


def _request(args: argparse.Namespace) -> ChatCompletionRequest:
    request = ChatCompletionRequest(
        model=args.model, messages=[UserMessage(role="user", content=args.prompt)]
    )
    if args.system:
        request.messages.insert(0, SystemMessage(role="system", content=args.system))
    if args.max_tokens is not None:
        request.max_tokens = args.max_tokens
    if args.temperature is not None:
        request.temperature = args.temperature
    return request


def _client(args: argparse.Namespace) -> AuthenticatedClient:
    client = AuthenticatedClient() if args.base_url is None else AuthenticatedClient(base_url=args.base_url)
    if args.timeout is not None:
        client = client.with_options(timeout=args.timeout)
    if args.max_retries is not None:
        client = client.with_options(max_retries=args.max_retries)
    return client


def _reply_text(completion: ChatCompletion) -> str:
    return "".join(choice.message.content or "" for choice in completion.choices[:1])


def _chat(args: argparse.Namespace, out: TextIO) -> None:
    request = _request(args)
    with _client(args) as client:
        if not args.stream:
            out.write(_reply_text(create_chat_completion.sync(client=client, body=request)) + "\n")
            return
        try:
            with create_chat_completion.stream(client=client, body=request) as chunks:
                for chunk in chunks:
                    for choice in chunk.choices[:1]:
                        # A choice may come without a delta (absent or null), e.g. when it only ends.
                        if choice.delta and isinstance(choice.delta.content, str):
                            out.write(choice.delta.content)
                            out.flush()
        finally:
            out.write("\n")  # end the partial line even when the stream broke


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _chat(args, sys.stdout)
    except MissingAPIKeyError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AimlApiError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
