"""mkdocs hook: the site's guide and architecture pages are README.md and ARCHITECTURE.md, written
for the repository (GitHub shows them at its root). A page that is only the line
``<!-- include: NAME -->`` becomes that file, and the repository's links in it (to each other, to
docs/pages/) are rewritten to the pages' places. Nothing else changes: a link still broken after
this fails the strict build."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
_INCLUDE = re.compile(r"\A<!-- include: ([\w.\-]+) -->\s*\Z")
# Per page (its source path, or a folder ending in "/"): (the link as the repository writes it, the
# same target on the site).
_REPOSITORY_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "index.md": (
        ("](docs/pages/maintainers/)", "](maintainers/generation.md)"),
        ("](docs/pages/", "]("),
        ("](ARCHITECTURE.md", "](architecture.md"),
    ),
    "architecture.md": (("](README.md", "](index.md"),),
    "maintainers/": (
        ("](../../../README.md", "](../index.md"),
        ("](../../../ARCHITECTURE.md", "](../architecture.md"),
    ),
}


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    included = _INCLUDE.match(markdown)
    if included:
        markdown = (REPOSITORY / included.group(1)).read_text(encoding="utf-8")
    source = page.file.src_uri
    for place, rewrites in _REPOSITORY_LINKS.items():
        if source == place or (place.endswith("/") and source.startswith(place)):
            for repository, site in rewrites:
                markdown = markdown.replace(repository, site)
    return markdown
