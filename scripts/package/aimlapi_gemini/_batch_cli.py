"""``aimlapi-gemini batch INPUT.jsonl -o OUTPUT.jsonl``: the command line of ``aimlapi_gemini.batch``.

Exit codes: 0 every line of this run (and shard) was answered with a response; 1 some lines got
an error line or were invalid and skipped (the summary says how many); 2 wrong usage (a bad
option, no input file, an output file that is not a batch output, an invalid line with
``--strict``, no usable key or base URL, another run holding the output, or a run stopped
because every line would get the same answer: a 401/403, a Retry-After over 120 s, a server no
attempt could connect to); 130 interrupted (Ctrl-C: the lines in flight were
finished within ``--grace`` and the file is consistent; run again to go on); 143 and 129 the
same after a SIGTERM or a SIGHUP (128 plus the signal's number, as a shell reports it).

Invalid lines are reported on stderr as ``INPUT:LINE: reason``. The progress bar is drawn only when
stdout and stderr are terminals; the summary line goes to stderr in every case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aimlapi_gemini._cli_args import EXIT_USAGE, base_url, seconds, whole_number

EXIT_FAILED_LINES = 1
# The runner's MAX_CONCURRENCY and DEFAULT_MAX_RETRIES (not imported: --help loads no runner;
# a test checks they agree).
MAX_CONCURRENCY = 1024
DEFAULT_MAX_RETRIES = 10
EXIT_INTERRUPTED = 130
PROG = "aimlapi-gemini"


def _shard(value: str) -> Any:
    from aimlapi_gemini._batch_io import Shard

    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(commands: Any) -> None:
    """The ``batch`` subcommand on the main parser's subparsers."""
    batch = commands.add_parser(
        "batch",
        help="send every request of a JSON Lines file, resumably",
        description="Send every request of INPUT (JSON Lines) and append one answer line per custom_id "
        "to OUTPUT; rerun with the same OUTPUT to resume.",
    )
    batch.add_argument("input", type=Path, metavar="INPUT.jsonl", help="one request per line")
    batch.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUTPUT.jsonl", help="answers are appended here"
    )
    batch.add_argument(
        "--concurrency",
        metavar="N",
        type=whole_number(1, MAX_CONCURRENCY),
        default=16,
        help=f"requests in flight at most (default %(default)s, at most {MAX_CONCURRENCY})",
    )
    batch.add_argument(
        "--rpm", metavar="N", type=whole_number(1), help="requests started per minute, never more"
    )
    batch.add_argument(
        "--tpm",
        metavar="N",
        type=whole_number(1),
        help="tokens per minute (estimated from each request), never more",
    )
    batch.add_argument(
        "--max-retries",
        metavar="N",
        type=whole_number(0),
        default=DEFAULT_MAX_RETRIES,
        help="retries per line after 408, 409, 429, 5xx and connection errors (default %(default)s: "
        "at a 20%% failure rate a line fails all 11 attempts about once in 50 million)",
    )
    batch.add_argument(
        "--base-url",
        metavar="URL",
        type=base_url,
        help="API address (default $AIML_API_BASE_URL, else the vendor's)",
    )
    batch.add_argument(
        "--timeout", metavar="SECONDS", type=seconds, help="seconds to wait for each reply (default 600)"
    )
    batch.add_argument(
        "--shard", type=_shard, metavar="K/N", help="take only shard K of N (split by a hash of custom_id)"
    )
    batch.add_argument(
        "--errors-only-retry",
        action="store_true",
        help="send again only the ids whose output line is an error (the output keeps the last line per id)",
    )
    batch.add_argument("--strict", action="store_true", help="stop at the first invalid input line")
    batch.add_argument(
        "--grace",
        metavar="SECONDS",
        type=seconds,
        default=30.0,
        help="on Ctrl-C (or SIGTERM, SIGHUP), seconds to let the lines in flight finish "
        "(default %(default)g)",
    )
    batch.add_argument("--fsync", action="store_true", help="fsync the output after every line")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _interrupted_code(signal_name: str | None) -> int:
    """128 plus the number of the signal that stopped the run (130 for Ctrl-C, or no signal)."""
    import signal

    if signal_name is None or signal_name == "SIGINT":
        return EXIT_INTERRUPTED
    return 128 + signal.Signals[signal_name].value


def run(args: argparse.Namespace) -> int:
    """Run the ``batch`` subcommand; returns the exit code."""
    import httpx

    from aimlapi_gemini._batch_io import BatchFileError, InvalidLine
    from aimlapi_gemini._batch_runner import InvalidInputError, run_batch
    from aimlapi_gemini._config import api_key_from_env
    from aimlapi_gemini.client import AuthenticatedClient
    from aimlapi_gemini.errors import AimlApiError

    try:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        options: dict[str, Any] = {"httpx_args": {"limits": limits}, "max_retries": 0}
        if args.base_url is not None:
            options["base_url"] = args.base_url
        if args.timeout is not None:
            options["timeout"] = args.timeout
        # The key only from the environment (an option would show it in `ps` and the shell's history).
        client = AuthenticatedClient(token=api_key_from_env(argument=None), **options)
    except AimlApiError as exc:  # no key, a base URL that cannot work
        _say(f"error: {exc}")
        return EXIT_USAGE
    if not args.input.is_file():
        _say(f"error: {args.input}: no such input file")
        return EXIT_USAGE

    def on_invalid(line: InvalidLine) -> None:
        named = "" if line.custom_id is None else f" (custom_id {line.custom_id!r})"
        _say(f"{args.input}:{line.line_number}: skipped{named}: {line.reason}")

    try:
        summary = run_batch(
            args.input,
            args.output,
            client=client,
            concurrency=args.concurrency,
            rpm=args.rpm,
            tpm=args.tpm,
            max_retries=args.max_retries,
            shard=args.shard,
            errors_only_retry=args.errors_only_retry,
            strict=args.strict,
            fsync=args.fsync,
            grace=args.grace,
            on_invalid=None if args.strict else on_invalid,
            progress=False if args.no_progress else None,  # None: a bar only on a terminal
        )
    except InvalidInputError as exc:
        _say(f"error: stopped (--strict): {exc}")
        return EXIT_USAGE
    except BatchFileError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except OSError as exc:  # the output cannot be created or written (no directory, disk full)
        _say(f"error: {exc.strerror or exc}: {exc.filename or args.output}")
        return EXIT_FAILED_LINES
    if summary.repaired:
        _say(summary.repaired)
    if summary.compacted:
        _say(
            f"kept the last line of each custom_id in {args.output} ({summary.compacted} older lines removed)"
        )
    _say(summary.line())
    if summary.stopped_by:
        _say(f"error: stopped: {summary.stopped_by}; every other line would fail the same way")
        return EXIT_USAGE
    if summary.interrupted:
        return _interrupted_code(summary.interrupted_by)
    return 0 if summary.ok else EXIT_FAILED_LINES
