"""Client and reference server agree on every string ``format`` of the spec (issue 19): the
generated models check the formats the server checks, with the same verdict on the same strings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aimlapi_gemini import _validation, models
from aimlapi_gemini._validation import ValidationError
from aimlapi_gemini.testing._server.validation import FORMATS, schema_errors
from codegen.plan import FORMAT_CHECKS

REPO = Path(__file__).resolve().parents[2]
# Strings on both sides of each checked format's line.
CANDIDATES = {
    "uri": {
        "https://example.com/a.png": True,
        "data:image/png;base64,iVBORw0KGgo=": True,
        "urn:isbn:0451450523": True,
        "http://[::1]:8080/x?y=1#z": True,
        "not a uri": False,
        "example.com/a.png": False,
        "/relative": False,
        "https://exa mple.com/": False,
        "http://[::1%25eth0]/": False,
        "": False,
    }
}


def _formatted_properties() -> Iterator[tuple[str, str, str]]:
    """(schema name, property, format) of each string property with a format in the resolved spec."""
    spec = json.loads((REPO / "generated" / "openapi.json").read_text(encoding="utf-8"))
    for name, schema in spec["components"]["schemas"].items():
        for prop, sub in (schema.get("properties") or {}).items():
            if isinstance(sub, dict) and "format" in sub and sub.get("type") == "string":
                yield name, prop, sub["format"]


FORMATTED = list(_formatted_properties())


def test_the_client_checks_every_string_format_the_spec_uses() -> None:
    # (A revision may use no format at all; the committed spec's image URL is a uri.)
    assert {fmt for _, _, fmt in FORMATTED} <= set(FORMAT_CHECKS)


@pytest.mark.parametrize("fmt", sorted(FORMAT_CHECKS))
def test_client_and_server_give_the_same_verdict_on_each_checked_format(fmt: str) -> None:
    # Whatever the revision uses: the check the models call and the server's format checker.
    client_check = getattr(_validation, FORMAT_CHECKS[fmt])
    for value, expected in CANDIDATES[fmt].items():
        server = FORMATS.conforms(value, fmt)
        try:
            client_check(value, "field")
        except ValidationError:
            client = False
        else:
            client = True
        assert (value, client, server) == (value, expected, expected)


def test_every_formatted_property_of_the_spec_is_checked_by_its_model_as_the_server_checks_it() -> None:
    spec = json.loads((REPO / "generated" / "openapi.json").read_text(encoding="utf-8"))
    verdicts = []
    for schema, prop, fmt in FORMATTED:
        assert spec["components"]["schemas"][schema].get("required", []) in ([], [prop])
        model: Any = getattr(models, schema)
        for value, expected in CANDIDATES[fmt].items():
            server = not schema_errors(f"#/components/schemas/{schema}", {prop: value})
            try:
                model.from_dict({prop: value})
            except ValidationError:
                client = False
            else:
                client = True
            verdicts.append((schema, prop, value, client, server, expected))
    assert [v for v in verdicts if not v[3] == v[4] == v[5]] == []
