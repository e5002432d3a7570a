# Copied from scripts/package/aimlapi_gemini/_json.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""JSON of the API: decoding response bodies and stream events, encoding request bodies.

Encoding (``dumps``): one encoder for every request body, the client's and the batch's check of
its lines (and the batch's output lines): what httpx's ``json=`` sends (compact, text beyond ASCII
as it is, NaN and infinity refused), built once instead of on every request.

Decoding (``loads``): orjson decodes about twice as fast as the standard library, and decoding is
half of what parsing a large reply costs. It is stricter than ``json.loads``: it refuses lone
surrogate escapes, ``NaN``/``Infinity``, other encodings than UTF-8 and nesting deeper than 1,024,
and it turns integers past 64 bits into floats. Whatever it refuses goes to ``json.loads``, and so
does any document with a run of 19 digits (the only place such an integer can be), so every
document the standard library accepts gives the same value, and one neither accepts fails as
``json.loads`` fails (``ValueError``, or ``RecursionError`` when nested past Python's recursion
limit). The one difference: orjson decodes nesting between Python's limit (about 1,000) and 1,024.
"""

from __future__ import annotations

import json
from typing import Any

from orjson import JSONDecodeError as _StrictRefusal
from orjson import loads as _strict_loads

__all__ = ["dumps", "dumps_ascii", "loads"]

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)

dumps = _ENCODER.encode
"""The JSON text of a value (``ValueError`` for NaN or infinity); its ``.encode()`` is the body."""
dumps_ascii = _ASCII_ENCODER.encode
"""The same in ASCII (``\\uXXXX`` escapes): valid UTF-8 even when the value holds a lone surrogate."""

# 2**63 has 19 digits: every digit becomes "0" and everything else a space, then one substring
# search (about a tenth of orjson's time; a regex takes longer than decoding).
_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_NINETEEN_ZEROS = b"0" * 19


def loads(data: bytes | str) -> Any:
    """The value of a JSON document, as ``json.loads(data)`` gives it."""
    try:
        # Text (stream events) as UTF-8 bytes: encoding costs less than orjson's own handling of str.
        encoded = data.encode() if isinstance(data, str) else data
    except UnicodeEncodeError:  # a lone surrogate in the text: only json.loads takes it
        return json.loads(data)
    if _NINETEEN_ZEROS in encoded.translate(_DIGITS_TO_ZERO):
        return json.loads(data)
    try:
        return _strict_loads(encoded)
    except _StrictRefusal:
        return json.loads(data)
