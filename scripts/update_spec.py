#!/usr/bin/env python3
"""Take a new revision of the vendor's document: `scripts/update_spec.py PATH [--no-tests]`.

The maintainer's one command when the vendor publishes a revision (`make update-spec SPEC=PATH`):

1. copy PATH (JSON or YAML) into spec/gemini-pro.json (as JSON);
2. regenerate generated/ with the overlay unchanged, printing the overlay actions skipped
   because their shapes are gone, the structure notes and the API change report;
3. run the contract suites (tests/contract) and the spec-following tests against the new client;
4. say in its last line what to do next.

When generation refuses the document, spec/ and generated/ are left as they were and the
report lists every problem with a hint. When the suites fail, the new spec and client stay in
place (the diff is the thing to look at) and the last line says how to go back.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codegen.overlay import OverlayError
from codegen.pipeline import (
    DEFAULT_OUT,
    DEFAULT_OVERLAY,
    DEFAULT_SPEC,
    GenerationError,
    load_document,
    regenerate,
)
from codegen.spec_diff import format_text
from codegen.transforms import SpecError

REPO = Path(__file__).resolve().parent.parent
# The suites that say whether client, spec and server still agree after a revision: the
# contract suites, and the tests that take what they exercise from the spec.
SUITES = ["tests/contract", "-m", "not live"]


def _step(text: str) -> None:
    print(f"==> {text}", flush=True)


def _write_spec(source: Path, spec: Path) -> None:
    document = load_document(source)
    spec.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("document", type=Path, help="the vendor's new OpenAPI document (JSON or YAML)")
    parser.add_argument("--no-tests", action="store_true", help="stop after regenerating")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    spec: Path = args.spec
    with tempfile.TemporaryDirectory(prefix="aimlapi-update-") as tmp:
        backup = Path(tmp) / "previous.json"
        shutil.copyfile(spec, backup)
        _step(f"taking {args.document} into {spec.relative_to(REPO) if spec.is_relative_to(REPO) else spec}")
        try:
            _write_spec(args.document, spec)
            _step(f"regenerating {args.out.name}/ with {DEFAULT_OVERLAY.name} unchanged")
            diff = regenerate(spec, args.out)
        except (GenerationError, OverlayError, SpecError) as exc:
            shutil.copyfile(backup, spec)
            print(f"update-spec: the document was not taken:\n{exc}", file=sys.stderr)
            print(
                "next: fix what is listed above (the overlay, or the pipeline for a structure it does"
                f" not know), then run `make update-spec SPEC={args.document}` again; spec/ and"
                " generated/ are unchanged"
            )
            return 2
    for line in diff.resolve_report.lines():
        print(line)
    print("\n".join(diff.lines()) if diff else "  no file changed")
    if diff.api_changes is not None:
        print(format_text(diff.api_changes))
    if args.no_tests:
        print("next: run `make test`, then commit spec/ and generated/ with the report above")
        return 0
    _step("running the contract suites against the new client")
    suites = subprocess.run([sys.executable, "-m", "pytest", "-q", *SUITES], cwd=REPO, check=False)
    if suites.returncode != 0:
        print(
            "next: the contract suites failed (above); fix the overlay, templates or runtime and rerun"
            " `make generate`, or go back with `git checkout spec generated`"
        )
        return 1
    print("next: run `make test`, then commit spec/ and generated/ with the change report above")
    return 0


if __name__ == "__main__":
    sys.exit(main())
