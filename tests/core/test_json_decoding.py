"""The client's JSON decoder (orjson, with json.loads for what orjson refuses) agrees with json.loads."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aimlapi_gemini import _json

# JSON values, with what orjson refuses and json.loads accepts: huge integers, NaN/Infinity.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN and 1 is not 1.0 (the decoders must agree on the type too)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans())
def test_every_document_json_loads_accepts_decodes_to_the_same_value(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    expected = json.loads(text)
    assert same(_json.loads(text), expected)
    assert same(_json.loads(text.encode()), expected)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_bytes_json_loads_refuses_are_refused_with_its_error(data: bytes) -> None:
    try:
        expected = json.loads(data)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            _json.loads(data)
    else:
        assert same(_json.loads(data), expected)


@pytest.mark.parametrize(
    "document",
    [
        b'["\\ud800"]',  # a lone surrogate escape
        b"[NaN, Infinity, -Infinity]",
        '{"k": "\u00e9"}'.encode("utf-16"),  # another encoding than UTF-8, with its BOM
        b"\xef\xbb\xbf[1]",  # a UTF-8 byte order mark
    ],
)
def test_what_orjson_refuses_still_decodes_as_json_loads_decodes_it(document: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(document)
    assert same(_json.loads(document), json.loads(document))


@pytest.mark.parametrize(
    "document",
    [
        b'{"n": 123456789012345678901234567890}',  # past 64 bits: orjson would give a float
        b"[-9223372036854775809, 18446744073709551616]",
        b"[1e400, -1e400, 1.00000000000000000001]",
        b'["12345678901234567890", 1]',  # 19 digits inside a string: the slow path, same value
    ],
)
def test_long_numbers_decode_as_json_loads_decodes_them(document: bytes) -> None:
    assert same(_json.loads(document), json.loads(document))
    assert same(_json.loads(document.decode()), json.loads(document))


@pytest.mark.parametrize("document", [b"", b"{", b'{"a": 1,}', b"[1] [2]", b"\xff", b"nul"])
def test_invalid_json_is_the_error_json_loads_raises(document: bytes) -> None:
    with pytest.raises(ValueError, match=r"\w") as expected:
        json.loads(document)
    with pytest.raises(expected.type, match=re.escape(str(expected.value))):
        _json.loads(document)


def test_text_with_a_lone_surrogate_decodes_as_json_loads_decodes_it() -> None:
    text = '["\ud800", "\udfff x"]'  # unpaired surrogates in the str itself, not escapes
    assert _json.loads(text) == json.loads(text) == ["\ud800", "\udfff x"]


def test_nesting_past_the_recursion_limit_is_a_recursion_error_as_from_json_loads() -> None:
    document = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(document)
    with pytest.raises(RecursionError):
        _json.loads(document)


def test_the_fast_decoder_is_the_one_in_use() -> None:
    # A document only orjson can decode (nesting between Python's limit and orjson's 1,024).
    depth = 1_010
    document = b"[" * depth + b"]" * depth
    with pytest.raises(RecursionError):
        json.loads(document)
    value: Any = _json.loads(document)
    for _ in range(depth - 1):
        (value,) = value
    assert value == []
