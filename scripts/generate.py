#!/usr/bin/env python3
"""Regenerate the client from the spec: `scripts/generate.py [--spec PATH] [--out DIR] [--check]`.

Without --check, rewrites DIR (default generated/) and prints which files were added, removed
or changed. With --check, regenerates into a temporary directory and exits 1 with the list of
differing files when DIR is stale.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codegen.overlay import OverlayError
from codegen.pipeline import DEFAULT_OUT, DEFAULT_OVERLAY, DEFAULT_SPEC, GenerationError, check, regenerate
from codegen.spec_diff import format_text
from codegen.transforms import SpecError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC, help="vendor OpenAPI document (JSON or YAML)"
    )
    parser.add_argument("--overlay", type=Path, default=DEFAULT_OVERLAY, help="OpenAPI Overlay 1.0 document")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--check", action="store_true", help="fail if --out differs from a fresh generation")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        if args.check:
            print(f"checking {args.out} against a fresh generation from {args.spec}", flush=True)
            diff = check(args.spec, args.out, args.overlay)
            if diff:
                print(f"{args.out} is stale; run `make generate` and commit the result:", file=sys.stderr)
                print("\n".join(diff.lines()), file=sys.stderr)
                return 1
            print(f"{args.out} is up to date ({time.perf_counter() - started:.1f} s)")
            return 0
        print(f"generating {args.out} from {args.spec} + {args.overlay}", flush=True)
        diff = regenerate(args.spec, args.out, args.overlay)
    except (GenerationError, OverlayError, SpecError) as exc:
        print(f"generate: error: {exc}", file=sys.stderr)
        return 2
    summary = "\n".join(diff.lines()) if diff else "  no changes"
    if diff.resolve_report.lines():
        summary = "from the spec:\n" + "\n".join(diff.resolve_report.lines()) + "\nfiles:\n" + summary
    report = (
        format_text(diff.api_changes)
        if diff.api_changes is not None
        else f"API changes: not judged (no previous {args.out / 'openapi.json'} to compare with)"
    )
    print(f"{summary}\n{report}\ndone in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
