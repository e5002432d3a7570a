"""What changed between two resolved specs (OpenAPI 3.1), judged from a client user's side.

Three parts, one job each:

* ``walk.py`` walks both documents in step and records each difference (``diff_specs``);
* ``rules.py`` is the table of verdicts: for each kind of change, which side it breaks and why
  ("How changes are judged" in the maintainer docs is rendered from it);
* ``report.py`` is the ``Change`` record and the report's text, Markdown and JSON forms.

``schema_facts.py`` reads what a schema says; ``examples.py`` judges restructured schemas by
validating values built from the old schema against the new one.
"""

from __future__ import annotations

from .report import Change, changes_as_json, format_markdown, format_text
from .walk import diff_specs

__all__ = ["Change", "changes_as_json", "diff_specs", "format_markdown", "format_text"]
