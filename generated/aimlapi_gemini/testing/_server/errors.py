# Copied from scripts/package/aimlapi_gemini/testing/_server/errors.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Vendor-shaped error bodies: {message, path, requestId, statusCode, timestamp}."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any


def new_request_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    # Millisecond precision with a Z suffix, as the vendor's gateway writes it.
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_body(status: int, path: str, request_id: str, message: str | None = None) -> dict[str, Any]:
    return {
        "message": message if message is not None else HTTPStatus(status).phrase,
        "path": path,
        "requestId": request_id,
        "statusCode": status,
        "timestamp": now_iso(),
    }


def html_error_page(status: int) -> str:
    """What a reverse proxy in front of the gateway sends instead of JSON."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return (
        f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n"
        f"<body>\r\n<center><h1>{status} {phrase}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
