# Copied from scripts/package/aimlapi_gemini/_body.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Read a whole response body without letting the server decide how much memory it takes.

httpx decompresses each network chunk in one go, so a 1 MB gzip bomb becomes gigabytes before
anyone can count them. Here gzip and deflate are decoded with zlib's ``max_length``, at most
``_STEP`` bytes at a time, and the decoded bytes are counted as they come: past the cap the
connection is closed and ResponseTooLargeError names the cap. Other encodings (br, zstd, or more
than one) go through httpx's own decoder, still counted chunk by chunk.

A body that is not what its ``Content-Encoding`` says is an APIResponseValidationError, not an
``httpx.DecodingError``.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

import httpx

from ._exceptions import APIResponseValidationError, ResponseTooLargeError

MAX_RESPONSE_BYTES_SETTING = "max_response_bytes"

# Decoded bytes produced per zlib call: bounds the memory one step can take however dense the input.
_STEP = 256 * 1024

_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class _ZlibDecoder:
    """gzip or deflate, in bounded steps. "deflate" is zlib-wrapped by the RFC, but some servers send
    it raw; like httpx, a first chunk that is not zlib is retried as raw deflate."""

    def __init__(self, encoding: str) -> None:
        self._wbits = _WBITS[encoding]
        self._deflate = encoding == "deflate"
        self._zlib = zlib.decompressobj(self._wbits)
        self._started = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._zlib.decompress(data, _STEP)
            except zlib.error:
                if self._started or not self._deflate or self._wbits < 0:
                    raise
                self._wbits = -zlib.MAX_WBITS
                self._zlib = zlib.decompressobj(self._wbits)
                continue
            self._started = True
            data = self._zlib.unconsumed_tail
            if out:
                yield out

    def flush(self) -> bytes:
        return self._zlib.flush()


def _zlib_decoder(response: httpx.Response) -> _ZlibDecoder | None:
    """The bounded decoder for this response, or None when httpx's own decoding is needed."""
    encodings = [
        part.strip().lower()
        for part in response.headers.get("content-encoding", "").split(",")
        if part.strip() and part.strip().lower() != "identity"
    ]
    if len(encodings) == 1 and encodings[0] in _WBITS:
        return _ZlibDecoder(encodings[0])
    return None


def _decoding_failed(response: httpx.Response, exc: zlib.error) -> httpx.DecodingError:
    return httpx.DecodingError(f"{type(exc).__name__}: {exc}", request=response.request)


def _decoded(response: httpx.Response, decoder: _ZlibDecoder) -> Iterator[bytes]:
    try:
        for raw in response.iter_raw():
            yield from decoder.decode(raw)
        if tail := decoder.flush():
            yield tail
    except zlib.error as exc:
        raise _decoding_failed(response, exc) from exc


async def _adecoded(response: httpx.Response, decoder: _ZlibDecoder) -> AsyncIterator[bytes]:
    try:
        async for raw in response.aiter_raw():
            for piece in decoder.decode(raw):
                yield piece
        if tail := decoder.flush():
            yield tail
    except zlib.error as exc:
        raise _decoding_failed(response, exc) from exc


def iter_decoded(response: httpx.Response) -> Iterator[bytes]:
    """The decoded body in pieces of at most _STEP bytes for gzip/deflate (what
    ``response.iter_bytes()`` gives, without inflating a whole network chunk at once); a body that
    is not what its Content-Encoding says raises httpx.DecodingError, as httpx does."""
    decoder = _zlib_decoder(response)
    return response.iter_bytes() if decoder is None else _decoded(response, decoder)


def aiter_decoded(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """Async twin of ``iter_decoded``."""
    decoder = _zlib_decoder(response)
    if decoder is None:
        return response.aiter_bytes()  # type: ignore[return-value]  # an async generator, typed loosely
    return _adecoded(response, decoder)  # type: ignore[return-value]


class _Collector:
    """Counts and keeps the decoded pieces; past ``limit`` it raises ResponseTooLargeError."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.response = response
        self.limit = limit
        self.size = 0
        self.pieces: list[bytes] = []

    def add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.limit:
            self.pieces.clear()
            response = self.response
            raise ResponseTooLargeError(
                f"HTTP {response.status_code} body is larger than {self.limit:,} bytes"
                f" (the client's {MAX_RESPONSE_BYTES_SETTING}); stopped reading",
                response=response,
                limit=self.limit,
                setting=MAX_RESPONSE_BYTES_SETTING,
            )
        self.pieces.append(piece)

    def finish(self) -> None:
        # What httpx's own Response.read() does with the bytes it read.
        self.response._content = b"".join(self.pieces)


def _undecodable(response: httpx.Response, exc: httpx.DecodingError) -> APIResponseValidationError:
    encoding = response.headers.get("content-encoding", "")
    return APIResponseValidationError(
        f"HTTP {response.status_code} body could not be decoded as its Content-Encoding"
        f" {encoding!r} says (DecodingError: {exc})",
        response=response,
        text="",
    )


def read_body(response: httpx.Response, limit: int) -> None:
    """Read the body into ``response.content``, at most ``limit`` decoded bytes; the response is
    closed when this fails."""
    collector = _Collector(response, limit)
    try:
        for piece in iter_decoded(response):
            collector.add(piece)
    except httpx.DecodingError as exc:
        response.close()
        raise _undecodable(response, exc) from exc
    except BaseException:
        response.close()
        raise
    collector.finish()


async def aread_body(response: httpx.Response, limit: int) -> None:
    """Async twin of ``read_body``."""
    collector = _Collector(response, limit)
    try:
        async for piece in aiter_decoded(response):
            collector.add(piece)
    except httpx.DecodingError as exc:
        await response.aclose()
        raise _undecodable(response, exc) from exc
    except BaseException:
        await response.aclose()
        raise
    collector.finish()
