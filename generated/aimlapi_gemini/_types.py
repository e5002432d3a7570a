# Copied from scripts/package/aimlapi_gemini/_types.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The shared types of the generated models and endpoints (``aimlapi_gemini.types`` re-exports
them): ``UNSET``, ``Response``, ``File``."""

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, BinaryIO, Generic, Literal, TypeVar

from attrs import define


class Unset:
    """The type of UNSET: a field that was not given (absent from the JSON), unlike None (null)."""

    def __bool__(self) -> Literal[False]:
        return False

    # Printed as the name users write, so model reprs stay readable.
    def __repr__(self) -> str:
        return "UNSET"

    # Pickled and copied as the name too: a model that crossed a process (a Ray task, a
    # multiprocessing pool) or was deep-copied still holds the one UNSET, so `is UNSET` holds.
    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint: the status, headers and raw bytes, and the body as a model when it fits"""

    # A plain int when the status is not a standard one (proxies send 520, 499...).
    status_code: HTTPStatus | int
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = ["UNSET", "File", "FileTypes", "RequestFiles", "Response", "Unset"]
