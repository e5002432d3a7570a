"""The files of a batch: input lines read lazily and checked, output lines written whole.

Input (JSON Lines, UTF-8): each line is ``{"custom_id": "...", "body": {ChatCompletionRequest}}``
(the OpenAI Batch API's shape; its ``method`` and ``url``, when present, must be the spec's chat
operation's, ``POST`` and ``/v1/chat/completions`` today: ``_spec_facts.CHAT_METHOD``, ``CHAT_PATH``;
a path with parameters filled from the body, ``/openai/deployments/{model}``, is the endpoint as
the spec writes it, or as the line's body fills it, ``/openai/deployments/cohere%2Fcommand-r-plus``:
each line goes to the path its own body fills), or a bare request body, whose ``custom_id`` is
then its line number (``"1"`` for the first line). Blank lines are ignored. A line that is not
JSON, not one of these shapes, whose body is no valid ``ChatCompletionRequest`` (the generated
model's own checks) or whose ``custom_id`` came earlier is an ``InvalidLine`` naming its line
number; it is never sent, and gets an error line (below).

Output (JSON Lines), the OpenAI Batch API's output lines: one per request, ``{"id": "batch_req_...",
"custom_id", "response": {"status_code", "request_id", "body"}, "error": null}`` for a 2xx reply; a
failure has ``"error": {"code", "message"}``, with ``response`` the HTTP answer when there was one
(a 4xx/5xx: its status and error body) and null when none came (a connection error, a timeout) or
the line was invalid. An invalid line's error line carries its ``custom_id`` when it has a usable
one that no earlier line took (a rerun then skips it like any answered id, ``--errors-only-retry``
checks it again), else ``"custom_id": null`` and a message naming its line number (written once: a
rerun does not repeat a line the output holds already). Lines written by earlier versions
(``{"custom_id", "response"}`` or ``{"custom_id", "error"}``, without ``id``) are read for resume
and compaction as before. Each line goes to the file in one ``write`` on a descriptor opened with
``O_APPEND`` (the kernel has it the moment the call returns, so a ``kill -9`` cannot lose or split
it; with ``fsync`` it is on the disk too). A line without its newline at the end of the file can
only be left by an older crash or a hand edit: ``scan_output`` repairs it (completes it if it is a
whole record, else cuts it off) before anything is appended.

Shards: ``shard_of(custom_id, count)`` is a truncated SHA-256 of the id modulo the count, the
same on every machine and Python version (``hash()`` is salted per process).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from attrs import define, field

from aimlapi_gemini._spec_facts import CHAT_METHOD, CHAT_PATH
from aimlapi_gemini.models.chat_completion_request import ChatCompletionRequest

if sys.platform != "win32":
    import fcntl

from ._json import dumps, dumps_ascii
from ._path import fill_path, is_templated
from ._validation import ValidationError

# Where every line goes: the spec's chat operation.
METHOD, ENDPOINT = CHAT_METHOD, CHAT_PATH
_FILLED = " (or as the line's body fills it)" if is_templated(ENDPOINT) else ""
# Tokens are estimated as the OpenAI cookbook does it: about four characters of text per token,
# plus the reply's budget (max_tokens, else what the API gives a reply without one).
CHARS_PER_TOKEN = 4
DEFAULT_REPLY_TOKENS = 512


class BatchFileError(Exception):
    """An input or output file that cannot be used as it is; str(self) names the file and line."""


@define(frozen=True, slots=True)
class BatchItem:
    """One valid input line, ready to send."""

    line_number: int
    custom_id: str
    request: ChatCompletionRequest
    estimated_tokens: int


@define(frozen=True, slots=True)
class InvalidLine:
    """An input line that is not sent; ``reason`` says why."""

    line_number: int
    reason: str
    custom_id: str | None = None
    output_id: str | None = None
    """The ``custom_id`` its error line carries: its own when it is usable (a non-empty string UTF-8
    can carry) and no earlier line took it, else None (``"custom_id": null``)."""

    def __str__(self) -> str:
        named = f" (custom_id {self.custom_id!r})" if self.custom_id is not None else ""
        return f"line {self.line_number}{named}: {self.reason}"


@define(frozen=True, slots=True)
class Shard:
    """``--shard K/N``: this run takes the ids whose shard is ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard must be K/N with 1 <= K <= N, got {self.index}/{self.count}")

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, slash, count = text.partition("/")
        if not slash or not index.strip().isdigit() or not count.strip().isdigit():
            raise ValueError(f"shard must be K/N (for example 1/3), got {text!r}")
        return cls(int(index), int(count))

    def takes(self, custom_id: str) -> bool:
        return shard_of(custom_id, self.count) == self.index - 1


def shard_of(custom_id: str, count: int) -> int:
    """0-based shard of ``custom_id`` among ``count``: stable across machines and processes."""
    digest = hashlib.sha256(custom_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count


def _text_chars(value: Any) -> int:
    # Message contents are strings or lists of parts; count the text wherever it is.
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(_text_chars(part) for part in value)
    if isinstance(value, dict):
        return _text_chars(value.get("text")) + _text_chars(value.get("content"))
    return 0


def estimate_tokens(body: Mapping[str, Any]) -> int:
    """Tokens a request may use: its messages' text at CHARS_PER_TOKEN, plus its reply budget."""
    messages = body.get("messages")
    prompt = sum(_text_chars(message) for message in messages) if isinstance(messages, list) else 0
    reply = body.get("max_tokens")
    budget = reply if isinstance(reply, int) and not isinstance(reply, bool) else DEFAULT_REPLY_TOKENS
    return -(-prompt // CHARS_PER_TOKEN) + budget


@define
class ReadStats:
    """What the reader skipped without yielding (for the progress bar and the summary)."""

    lines: int = 0
    other_shard: int = 0
    already_done: int = 0
    failed_before: int = 0
    """Of ``already_done``, the ids whose output line is an error."""


def _lone_surrogate(text: str) -> str | None:
    """'a lone surrogate (U+D800 at character 3)' when ``text`` has one, else None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        where = f"U+{ord(text[exc.start]):04X} at character {exc.start}"
        return f"a lone surrogate ({where}), which UTF-8 cannot encode"
    return None


def _is_endpoint(url: object, body: object) -> bool:
    """A line's ``url``: the chat operation's path as the spec writes it, or, when that path has
    parameters (which the client fills from the body), the path the line's body fills."""
    if url == ENDPOINT:
        return True
    if not _FILLED or not isinstance(url, str) or not isinstance(body, dict):
        return False
    try:
        return url == fill_path(ENDPOINT, body)
    except ValidationError:
        return False


def _parse_line(line_number: int, raw: bytes) -> BatchItem | InvalidLine:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        return InvalidLine(line_number, f"not UTF-8 text (byte {exc.start}: {exc.reason})")
    except (ValueError, RecursionError) as exc:
        return InvalidLine(line_number, f"not JSON ({exc})")
    if not isinstance(data, dict):
        return InvalidLine(line_number, f"expected a JSON object, got {type(data).__name__}")
    if "body" in data:
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            return InvalidLine(line_number, "custom_id must be a non-empty string")
        if (surrogate := _lone_surrogate(custom_id)) is not None:
            # It could only be written as bytes that are not UTF-8, or escaped into an id that
            # differs from the input's: refused, so the output is always UTF-8 JSON.
            return InvalidLine(line_number, f"custom_id holds {surrogate}", custom_id)
        method, url = data.get("method", METHOD), data.get("url", ENDPOINT)
        if method != METHOD or not _is_endpoint(url, data["body"]):
            return _invalid(
                line_number,
                f"method and url must be {METHOD} {ENDPOINT}{_FILLED}, got {method} {url}",
                custom_id,
            )
        body = data["body"]
        if not isinstance(body, dict):
            return _invalid(line_number, "body must be a JSON object", custom_id)
    else:
        custom_id, body = str(line_number), data
    checked = check_body(body)
    if isinstance(checked, str):
        return _invalid(line_number, checked, custom_id)
    return BatchItem(line_number, custom_id, checked, estimate_tokens(body))


def check_body(body: dict[str, Any]) -> ChatCompletionRequest | str:
    """A request body as the batch sends it (the generated model's own checks, no stream, JSON
    UTF-8 can carry), or the reason it is refused (the batch's lines and the Ray integration's rows)."""
    if body.get("stream") is True:
        return "stream: true cannot be batched (the output holds whole replies)"
    try:
        request = ChatCompletionRequest.from_dict(body)
    except ValidationError as exc:
        return str(exc.about("body is not a valid ChatCompletionRequest"))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        return f"body is not a valid ChatCompletionRequest: {exc}"
    try:
        # Encoded as the client will send it: a lone surrogate ("\\ud800" in the input's JSON) is a
        # valid Python string that UTF-8 cannot carry.
        dumps(request.to_dict()).encode()
    except UnicodeEncodeError as exc:
        where = _lone_surrogate(exc.object) if isinstance(exc.object, str) else None
        return f"body cannot be sent as JSON: it holds {where or exc.reason}"
    except (ValueError, TypeError, RecursionError) as exc:
        return f"body cannot be sent as JSON: {exc}"
    return request


def _invalid(line_number: int, reason: str, custom_id: str) -> InvalidLine:
    """An invalid line whose ``custom_id`` is usable: its error line is answered under it."""
    return InvalidLine(line_number, reason, custom_id, custom_id)


def read_items(
    path: Path,
    *,
    shard: Shard | None = None,
    done: Mapping[str, object] | frozenset[str] | set[str] = frozenset(),
    stats: ReadStats | None = None,
) -> Iterator[BatchItem | InvalidLine]:
    """The input's lines of this shard that are not ``done``, one at a time (the file is never
    held whole). An id seen twice is invalid the second time, even when done."""
    stats = stats if stats is not None else ReadStats()
    seen: set[str] = set()
    with path.open("rb") as lines:
        for line_number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            stats.lines += 1
            parsed = _parse_line(line_number, raw)
            # A line without a usable id belongs to the shard of its line number, so that exactly
            # one of the shards reports it.
            key = parsed.custom_id if parsed.custom_id is not None else str(line_number)
            if shard is not None and not shard.takes(key):
                stats.other_shard += 1
                continue
            # The id a line is answered under: a valid line's, or an invalid line's usable one.
            answered_as = parsed.custom_id if isinstance(parsed, BatchItem) else parsed.output_id
            if answered_as is not None:
                if answered_as in seen:
                    # The id belongs to the earlier line: this one's error line carries none.
                    reason = "custom_id repeats an earlier line's"
                    if isinstance(parsed, InvalidLine):
                        reason = f"{parsed.reason}; and its custom_id repeats an earlier line's"
                    yield InvalidLine(line_number, reason, answered_as)
                    continue
                seen.add(answered_as)
                if answered_as in done:
                    stats.already_done += 1
                    if isinstance(done, Mapping) and not done[answered_as]:
                        stats.failed_before += 1
                    continue
            yield parsed


def count_lines(path: Path) -> int:
    """Non-blank lines of a file, read in blocks (for the progress bar's total)."""
    total = 0
    with path.open("rb") as lines:
        for raw in lines:
            if raw.strip():
                total += 1
    return total


# --- output ---------------------------------------------------------------------------------


class OutputLock:
    """Exclusive ``flock``s held for the whole run, so that two runs never append to one file (each
    would send the ids the other is sending), whatever name each reaches it by:

    - on ``.OUTPUT.lock`` beside the output's real path (symlinks resolved): two runs on one name,
      or through symlinks to it;
    - on the output file itself (created if need be): two runs through hard links, which share
      the file but no name. Compaction replaces the file; ``hold`` locks the new one before it
      takes the output's place, and the old stays locked until the end too.

    The lock file stays (removing it would let a third run lock a new one while the second holds
    the old); the kernel drops the locks when the process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.output = path
        real = Path(os.path.realpath(path))
        self.path = real.with_name(f".{real.name}.lock")
        self._fds: list[int] = []
        self._take(self.path, f"it holds {self.path}")
        self._take(path, "through another name: a hard link or a symlink to it")

    def _take(self, path: Path, how: str) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._fds.append(fd)
        if sys.platform == "win32":  # no flock: runs there are not kept from each other
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close()
            raise BatchFileError(
                f"{self.output}: another batch run is writing to it ({how}); wait for it or stop it"
            ) from None

    def hold(self, path: Path) -> None:
        """Lock ``path`` too: a file about to replace the output (a new file, so it is free)."""
        self._take(path, "through another name: a hard link or a symlink to it")

    def close(self) -> None:
        while self._fds:
            os.close(self._fds.pop())

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def lock_output(path: Path) -> OutputLock:
    return OutputLock(path)


@define
class OutputState:
    """What the output file holds: per custom_id, whether its latest line is a response."""

    answered: dict[str, bool] = field(factory=dict)
    unkeyed: set[str] = field(factory=set)
    """The messages of its error lines with ``"custom_id": null`` (invalid lines without a usable
    id), so a rerun does not write them again."""
    lines: int = 0
    superseded: int = 0
    """Lines an id's later line replaces (left by --errors-only-retry until compaction)."""
    repaired: str | None = None
    """What was done to a torn last line, if there was one."""

    def done_ids(self, *, errors_only_retry: bool) -> Mapping[str, bool] | set[str]:
        if not errors_only_retry:
            return self.answered
        return {custom_id for custom_id, ok in self.answered.items() if ok}


@define(frozen=True, slots=True)
class _Record:
    """What resume needs of one output line."""

    custom_id: str | None
    ok: bool
    """A 2xx response and no error."""
    unkeyed_message: str | None = None
    """The message of an error line without a custom_id."""

    def key(self) -> str:
        """The line it supersedes or is superseded by: the same custom_id, or, without one, the
        same message (which names the input line)."""
        return f"id:{self.custom_id}" if self.custom_id is not None else f"message:{self.unkeyed_message}"


def _record_of(raw: bytes) -> _Record | None:
    """The record of an output line (this version's or an earlier one's), or None when it is not one."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    custom_id = data.get("custom_id")
    if "response" in data and "error" in data:  # the OpenAI Batch API's shape
        response, error = data["response"], data["error"]
        if not isinstance(response, dict | None) or not isinstance(error, dict | None):
            return None
        if error is None:
            status = response.get("status_code") if response is not None else None
            if not isinstance(custom_id, str) or not isinstance(status, int) or not 200 <= status < 300:
                return None
            return _Record(custom_id, ok=True)
        message = error.get("message")
        if not isinstance(message, str):
            return None
        if isinstance(custom_id, str):
            return _Record(custom_id, ok=False)
        return _Record(None, ok=False, unkeyed_message=message) if custom_id is None else None
    # Earlier versions: exactly one of response and error, and a custom_id always.
    if not isinstance(custom_id, str) or ("response" in data) == ("error" in data):
        return None
    return _Record(custom_id, ok="response" in data)


def scan_output(path: Path) -> OutputState:
    """Read what an earlier run wrote (nothing when the file does not exist). Every line must be
    an output record (else BatchFileError, and the file is left as it is); only then is a torn
    last line repaired: completed when it is a whole record, else cut off."""
    state = OutputState()
    if not path.exists():
        return state
    offset = 0
    tail: bytes | None = None
    with path.open("rb") as lines:
        for line_number, raw in enumerate(lines, start=1):
            if not raw.endswith(b"\n"):  # only the last line can lack it
                tail = raw
                break
            record = _record_of(raw)
            if record is None:
                raise BatchFileError(
                    f"{path}: line {line_number} is not a batch output line; fix or move the file"
                )
            _count(state, record)
            offset += len(raw)
    if tail is not None:
        _repair_tail(path, state, offset, tail)
    return state


def _count(state: OutputState, record: _Record) -> None:
    if record.custom_id is None:
        if record.unkeyed_message in state.unkeyed:
            state.superseded += 1
        state.unkeyed.add(record.unkeyed_message or "")
    else:
        if record.custom_id in state.answered:
            state.superseded += 1
        state.answered[record.custom_id] = record.ok
    state.lines += 1


def _repair_tail(path: Path, state: OutputState, offset: int, tail: bytes) -> None:
    record = _record_of(tail)
    with path.open("r+b") as file:
        if record is not None:
            file.seek(offset + len(tail))
            file.write(b"\n")
            _count(state, record)
            state.repaired = f"completed the last line of {path} (it had no newline)"
        else:
            file.truncate(offset)
            state.repaired = (
                f"removed a torn last line of {path} ({len(tail)} bytes, from an interrupted run)"
            )
        file.flush()
        os.fsync(file.fileno())


def line_id() -> str:
    """A new output line's ``id``, as the OpenAI Batch API names them (``batch_req_`` + 128 random bits)."""
    return f"batch_req_{os.urandom(16).hex()}"


def response_record(custom_id: str, status_code: int, request_id: str | None, body: Any) -> dict[str, Any]:
    """A 2xx reply's line."""
    return {
        "id": line_id(),
        "custom_id": custom_id,
        "response": {"status_code": status_code, "request_id": request_id, "body": body},
        "error": None,
    }


def error_record(
    custom_id: str | None, code: str, message: str, response: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A failure's line: ``error`` says what failed (``code``, one of ERROR_CODES'; ``message``, one
    line), ``response`` the HTTP answer when there was one (``{"status_code", "request_id", "body"}``)."""
    return {
        "id": line_id(),
        "custom_id": custom_id,
        "response": None if response is None else dict(response),
        "error": {"code": code, "message": message},
    }


def invalid_record(line: InvalidLine) -> dict[str, Any]:
    """An invalid input line's error line (its message names the line number)."""
    return error_record(line.output_id, INVALID_REQUEST, str(line))


# ``error.code`` of the output's error lines: machine-readable, stable.
INVALID_REQUEST = "invalid_request"
"""An input line that was not sent."""
ERROR_CODES = {
    INVALID_REQUEST: "an input line that was not sent",
    "http_error": "a final 4xx/5xx answer (``response`` holds it)",
    "invalid_response": "a 2xx answer whose body is not a ChatCompletion (``response`` holds it)",
    "timeout": "no response within the timeout, after the retries",
    "connection_error": "no response: the connection failed, after the retries",
    "response_too_large": "a reply over the client's size cap",
    "client_error": "anything else the client raised for this line",
}


def _splicable(content: bytes) -> bool:
    """The reply's bytes are one line of UTF-8 JSON already. The client parsed them, but also
    takes UTF-16 and UTF-32 (JSON's old encodings, whose ASCII has NUL bytes) and UTF-8 with
    encoded surrogates; those are re-encoded, so the output stays one UTF-8 line per record."""
    if content[:1] != b"{" or b"\n" in content or b"\r" in content or b"\x00" in content:
        return False
    if content.isascii():
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class OutputWriter:
    """Appends whole lines: one ``os.write`` each on an ``O_APPEND`` descriptor (see module doc)."""

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self.lines = 0
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: Mapping[str, Any]) -> None:
        text = dumps(record)
        try:
            line = text.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (in a server's message or body): JSON's \\udXXX escapes say it in
            # ASCII, so the line stays valid UTF-8 that every JSON reader takes.
            line = dumps_ascii(record).encode("ascii")
        self._write_bytes(line + b"\n")

    def write_response(
        self, custom_id: str, status_code: int, request_id: str | None, content: bytes
    ) -> None:
        """A response line whose body is the server's JSON bytes as they came, when they are one
        line of JSON text already (a compact object: the usual case), else re-encoded."""
        if not _splicable(content):
            self.write(response_record(custom_id, status_code, request_id, json.loads(content)))
            return
        head = dumps(
            {
                "id": line_id(),
                "custom_id": custom_id,
                "response": {"status_code": status_code, "request_id": request_id},
            }
        )
        # '{"id":...,"custom_id":...,"response":{...,"request_id":...}}'
        # -> the same with ',"body":<content>},"error":null}'
        self._write_bytes(head[:-2].encode("utf-8") + b',"body":' + content + b'},"error":null}\n')

    def _write_bytes(self, line: bytes) -> None:
        data = memoryview(line)
        while data:  # a regular file takes it whole; the loop covers a partial write all the same
            written = os.write(self._fd, data)
            data = data[written:]
        if self.fsync:
            os.fsync(self._fd)
        self.lines += 1

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def compact_output(path: Path, lock: OutputLock | None = None) -> int:
    """Keep only each custom_id's last line (last wins; an error line without one, the last with
    its message), replacing the file atomically (a temporary file beside it, fsynced, then
    ``os.replace``; beside the real file, so a symlink stays a symlink; ``lock`` holds the new file
    before it replaces the old). Returns how many lines were dropped."""
    path = Path(os.path.realpath(path))
    last: dict[str, int] = {}
    with path.open("rb") as lines:
        for index, raw in enumerate(lines):
            record = _record_of(raw)
            if record is not None:
                last[record.key()] = index
    dropped = 0
    temporary = path.with_name(f".{path.name}.compacting")
    with path.open("rb") as lines, temporary.open("wb") as kept:
        for index, raw in enumerate(lines):
            record = _record_of(raw)
            if record is not None and last.get(record.key()) == index:
                kept.write(raw)
            else:
                dropped += 1
        kept.flush()
        os.fsync(kept.fileno())
    if lock is not None:
        lock.hold(temporary)
    os.replace(temporary, path)
    _fsync_directory(path.parent)
    return dropped


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible everywhere (Windows); the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
