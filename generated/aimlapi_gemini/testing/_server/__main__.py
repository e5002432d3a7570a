# Copied from scripts/package/aimlapi_gemini/testing/_server/__main__.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Run the local reference server: `python -m aimlapi_gemini.testing._server --port 8123`
(`make serve`; `runner.spawn` starts it this way as a child process)."""

from __future__ import annotations

import argparse

from . import ServerConfig, serve
from .faults import Chaos
from .limits import Limits
from .spec import find_operation


def _chaos(text: str) -> Chaos:
    try:
        return Chaos.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> None:
    operation = find_operation()
    parser = argparse.ArgumentParser(
        description=f"Local reference server for {operation.method} {operation.path}."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--api-key", default="test-key", help="the key clients must send (in the spec's security scheme)"
    )
    parser.add_argument(
        "--stream-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause before each server-sent event",
    )
    parser.add_argument(
        "--max-body-bytes", type=int, default=Limits.max_body_bytes, help="larger request bodies get 413"
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=Limits.header_timeout,
        metavar="SECONDS",
        help="close connections whose request headers take longer",
    )
    parser.add_argument(
        "--chaos",
        type=_chaos,
        metavar="429=P,5xx=P,retry-after-ms=MS,seed=N",
        help="fail random requests without X-Fault (see faults.py)",
    )
    args = parser.parse_args(argv)
    limits = Limits(max_body_bytes=args.max_body_bytes, header_timeout=args.header_timeout)
    print(f"reference server on http://{args.host}:{args.port} (key {args.api_key!r})", flush=True)
    serve(
        args.host,
        args.port,
        ServerConfig(api_key=args.api_key, stream_delay=args.stream_delay, limits=limits, chaos=args.chaos),
    )


if __name__ == "__main__":
    main()
