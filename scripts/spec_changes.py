#!/usr/bin/env python3
"""API change report between two resolved specs: `scripts/spec_changes.py OLD NEW`.

OLD and NEW are resolved documents (generated/openapi.json before and after). With
--old-package/--new-package (the generated aimlapi_gemini directories of both), griffe's
breaking changes of the public Python API join the report. --fail-on breaking exits 1 when any
change is breaking (exit 2: an input cannot be read). The judging rules are in
scripts/codegen/spec_diff/rules.py and the README ("How changes are judged").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codegen.spec_diff import Change, changes_as_json, diff_specs, format_markdown, format_text


def _load(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(f"spec_changes: error: cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SystemExit(f"spec_changes: error: {path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SystemExit(f"spec_changes: error: {path} does not hold a JSON object")
    return data


def collect(
    old_spec: Path, new_spec: Path, old_package: Path | None = None, new_package: Path | None = None
) -> list[Change]:
    changes = diff_specs(_load(old_spec), _load(new_spec))
    if old_package is not None and new_package is not None:
        from codegen.python_api_diff import diff_packages

        try:
            changes += diff_packages(old_package, new_package)
        except FileNotFoundError as exc:
            raise SystemExit(f"spec_changes: error: {exc}") from None
    return changes


def render(changes: list[Change], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(changes_as_json(changes), indent=2, ensure_ascii=False, default=str)
    if fmt == "markdown":
        return format_markdown(changes)
    return format_text(changes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "old", type=Path, help="the resolved spec before (e.g. the last release's openapi.json)"
    )
    parser.add_argument("new", type=Path, help="the resolved spec after")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--fail-on", choices=("breaking",), help="exit 1 when a breaking change is present")
    parser.add_argument(
        "--old-package", type=Path, help="the old generated package directory (aimlapi_gemini)"
    )
    parser.add_argument("--new-package", type=Path, help="the new generated package directory")
    parser.add_argument("--output", type=Path, help="write the report here instead of stdout")
    args = parser.parse_args(argv)
    if (args.old_package is None) != (args.new_package is None):
        parser.error("--old-package and --new-package go together")
    try:
        changes = collect(args.old, args.new, args.old_package, args.new_package)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    report = render(changes, args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report + "\n", encoding="utf-8")
    else:
        print(report)
    if args.fail_on == "breaking" and any(c.breaking for c in changes):
        print(f"spec_changes: {sum(c.breaking for c in changes)} breaking change(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
