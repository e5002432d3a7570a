# Copied from scripts/package/aimlapi_gemini/__main__.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Command line: ``python -m aimlapi_gemini chat "Hello" [--stream] [--system TEXT] [--audio FILE] ...``, and
``batch INPUT.jsonl -o OUTPUT.jsonl`` (``_batch_cli``: its options and exit codes).

The key comes from AIML_API_KEY; ``-`` as the prompt reads it from standard input. Every failure is
one line on stderr. Exit codes: 0 done; 1 the API failed, or the reply could not be printed; 2 wrong
usage (a bad option, text that is not UTF-8, no usable key or base URL); 130 interrupted. When the
reader of stdout goes away (``... | head -1``) the program stops with 1 and says so in one line.
"""

# No `from __future__ import annotations`: it imports a module, before the `try:` below could
# catch a Ctrl-C there (the annotations here need no postponing on Python 3.11).
import sys  # built in, loaded with the interpreter: this line cannot be interrupted

PROG = "aimlapi-gemini"
EXIT_INTERRUPTED = 130


def _interrupted() -> int:
    print(f"{PROG}: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


# A Ctrl-C while the program starts is one line too, not a traceback: from this module's first
# import on. The `aimlapi-gemini` script imports the package, then this module, then calls main();
# the package's own import runs no code that can be interrupted (its names load on first use), so
# what is left uncovered is the interpreter's start-up, before any of this package's code runs.
try:
    from aimlapi_gemini._ctrl_c import NotedCtrlC

    with NotedCtrlC():  # one dropped in a finalizer during the imports counts too
        import argparse
        import io
        import os
        from collections.abc import Sequence
        from typing import Any, TextIO

        from aimlapi_gemini import _batch_cli
        from aimlapi_gemini._cli_args import EXIT_USAGE, finite, whole_number
        from aimlapi_gemini._cli_args import Parser as _Parser
        from aimlapi_gemini._cli_args import base_url as _base_url
        from aimlapi_gemini._cli_args import seconds as _seconds
        from aimlapi_gemini._cli_args import text as _text
        from aimlapi_gemini._config import api_key_from_env
        from aimlapi_gemini._spec_facts import MODEL_IDS
        from aimlapi_gemini._user_content import Audio, NotTaken, user_content
        from aimlapi_gemini._validation import ValidationError
        from aimlapi_gemini._version import __version__
        from aimlapi_gemini.api.chat_completions import create_chat_completion
        from aimlapi_gemini.client import AuthenticatedClient
        from aimlapi_gemini.errors import AimlApiError
        from aimlapi_gemini.models.chat_completion import ChatCompletion
        from aimlapi_gemini.models.chat_completion_request import ChatCompletionRequest
except KeyboardInterrupt:
    sys.exit(_interrupted())

EXIT_API_ERROR = 1
STDIN_PROMPT = "-"
# A model id to send when none is given and the spec names none.
FALLBACK_MODEL = "gemini-pro"


class UsageError(Exception):
    """Wrong usage found after the options were parsed; str(self) says what is wrong."""


class OutputError(Exception):
    """The reply cannot be printed (stdout closed or failing); str(self) says why."""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Talk to the gemini-pro model of the AI/ML API.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="send one message and print the reply")
    chat.add_argument(
        "prompt", nargs="?", type=_text, help=f"the user's message; {STDIN_PROMPT} reads it from stdin"
    )
    chat.add_argument(
        "--audio",
        type=_text,
        metavar="FILE",
        help="a sound file to send in the message (if the API takes audio)",
    )
    chat.add_argument("--stream", action="store_true", help="print the reply as it is generated")
    chat.add_argument("--system", type=_text, help="instructions for the model")
    # Any id, as the spec's model field takes (the API answers an id it does not serve); the
    # spec's known ids are suggested, not enforced.
    known = MODEL_IDS or (FALLBACK_MODEL,)
    chat.add_argument(
        "--model",
        type=_text,
        default=known[0],
        metavar="ID",
        help=f"model id: {', '.join(known)} or any other the API serves (default %(default)s)",
    )
    # Their ranges are the spec's: the request is checked against it before anything is sent.
    chat.add_argument(
        "--max-tokens", type=whole_number(0), help="upper bound on the reply's length in tokens"
    )
    chat.add_argument("--temperature", type=finite, help="sampling temperature (the spec says its range)")
    chat.add_argument(
        "--base-url", type=_base_url, help="API address (default $AIML_API_BASE_URL, else the vendor's)"
    )
    chat.add_argument("--timeout", type=_seconds, help="seconds to wait for a reply (default 600)")
    chat.add_argument(
        "--max-retries", type=whole_number(0), help="retries after transient failures (default 2)"
    )
    _batch_cli.add_parser(commands)
    return parser


def _read_stdin() -> str:
    if sys.stdin is None:
        raise UsageError(f"the prompt is {STDIN_PROMPT!r} but standard input is closed")
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"standard input is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


# The options that become request fields, by the field's JSON name.
_FIELD_OPTIONS = {"max_tokens": "--max-tokens", "temperature": "--temperature"}


def _request(args: argparse.Namespace) -> ChatCompletionRequest:
    """The request body, as a mapping checked against the spec: the message shapes, fields and
    ranges are the spec's, so a value the API would refuse is a usage error before any call."""
    prompt = _read_stdin() if args.prompt == STDIN_PROMPT else args.prompt
    if prompt is None and args.audio is None:
        raise UsageError(f"chat: give a PROMPT ({STDIN_PROMPT} reads it from stdin) or --audio FILE")
    try:
        content = user_content(args.model, prompt, None if args.audio is None else _read_audio(args.audio))
    except NotTaken as exc:
        fix = ": send a sound file with --audio FILE" if exc.what == "text" else ""
        raise UsageError(f"{'--audio: ' if exc.what == 'audio' else ''}{exc}{fix}") from None
    messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
    if args.system:
        messages.insert(0, {"role": "system", "content": args.system})
    body: dict[str, Any] = {"model": args.model, "messages": messages}
    for field, option in _FIELD_OPTIONS.items():
        value = getattr(args, field)
        if value is None:
            continue
        if field not in ChatCompletionRequest.json_names.values():
            raise UsageError(f"{option}: this API's requests have no {field} field")
        body[field] = value
    try:
        return ChatCompletionRequest.from_dict(body)
    except ValidationError as exc:
        flag = next((o for f, o in _FIELD_OPTIONS.items() if exc.path.startswith(f)), None)
        raise UsageError(f"{flag}: {exc}" if flag else f"the request does not fit the API: {exc}") from None


def _read_audio(path: str) -> Audio:
    try:
        with open(path, "rb") as sound:
            data = sound.read()
    except OSError as exc:
        raise UsageError(f"--audio: cannot read {path!r}: {exc.strerror or exc}") from None
    return Audio(data, os.path.splitext(path)[1].lstrip(".").lower())


def _client(args: argparse.Namespace) -> AuthenticatedClient:
    # The key only from the environment (an option would show it in `ps` and the shell's history).
    token = api_key_from_env(argument=None)
    client = (
        AuthenticatedClient(token=token)
        if args.base_url is None
        else AuthenticatedClient(base_url=args.base_url, token=token)
    )
    if args.timeout is not None:
        client = client.with_options(timeout=args.timeout)
    if args.max_retries is not None:
        client = client.with_options(max_retries=args.max_retries)
    return client


def _reply_text(completion: ChatCompletion) -> str:
    return "".join(choice.message.content or "" for choice in completion.choices[:1])


def _print(out: TextIO, text: str) -> None:
    """Write and flush at once, so that a closed pipe shows here and not at interpreter exit."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise  # the reader left: main() stops quietly
    except OSError as exc:
        raise OutputError(f"cannot print the reply: {exc.strerror or exc}") from None


def _chat(client: AuthenticatedClient, request: ChatCompletionRequest, stream: bool, out: TextIO) -> None:
    if not stream:
        _print(out, _reply_text(create_chat_completion.sync(client=client, body=request)) + "\n")
        return
    started_line = False
    try:
        with create_chat_completion.stream(client=client, body=request) as chunks:
            for chunk in chunks:
                for choice in chunk.choices[:1]:
                    # A choice may come without a delta (absent or null), e.g. when it only ends.
                    if choice.delta and isinstance(choice.delta.content, str) and choice.delta.content:
                        _print(out, choice.delta.content)
                        started_line = True
    except (AimlApiError, KeyboardInterrupt):
        if started_line:  # end the partial reply (kept), so the error starts on a line of its own
            _print(out, "\n")
        raise
    _print(out, "\n")


def _fail(message: object, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    out = sys.stdout
    if out is None:  # started with stdout closed (`>&-`): nowhere to print, so send nothing
        return _fail("cannot print the reply: standard output is closed", EXIT_API_ERROR)
    if isinstance(out, io.TextIOWrapper):
        # A reply may hold characters this stdout cannot encode (a lone surrogate, or an ASCII
        # terminal): print them escaped rather than fail after the tokens were paid for.
        out.reconfigure(errors="backslashreplace")
    try:
        request = _request(args)
        # Building the client and its pool sends nothing: what fails here is the configuration
        # (AIML_API_KEY, AIML_API_BASE_URL), so it is a usage error.
        client = _client(args)
        client.get_httpx_client()
    except (UsageError, AimlApiError) as exc:
        return _fail(exc, EXIT_USAGE)
    with client:
        try:
            _chat(client, request, args.stream, out)
        except (AimlApiError, OutputError) as exc:
            return _fail(exc, EXIT_API_ERROR)
    return 0


def _silence_stdout() -> None:
    # The interpreter flushes stdout again at exit; pointed at /dev/null that flush cannot fail
    # with "Exception ignored ... BrokenPipeError" (see the note on SIGPIPE in the signal docs).
    try:
        stdout_fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (stdout replaced, as in tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stdout_fd)
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with NotedCtrlC():
            args = _parser().parse_args(argv)
        if args.command == "batch":
            return _batch_cli.run(args)  # its own Ctrl-C handling: a grace period for lines in flight
        with NotedCtrlC():
            return _run(args)
    except BrokenPipeError:
        _silence_stdout()
        print(f"{PROG}: stopped: the reader of standard output went away (broken pipe)", file=sys.stderr)
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        return _interrupted()


if __name__ == "__main__":
    sys.exit(main())
