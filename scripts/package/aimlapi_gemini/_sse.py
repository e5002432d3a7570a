"""Server-sent events decoding: bytes in, events out, by the WHATWG HTML "event stream" rules.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

The decoder works on bytes. Line ends (LF, CR, CRLF) and the field syntax are ASCII, and no byte
of a multi-byte UTF-8 character is ever one of them, so a whole network chunk is split in one call
and only a finished event's type is decoded; its data stays bytes until read as text (invalid UTF-8
then becomes U+FFFD, as the spec's decoding does). The end of a chunk that is not a line end is
kept until the rest of its line comes.

Memory is capped: the data lines of the event being built plus the line being read may not exceed
``max_event_bytes``, so a line that never ends costs at most that much.
"""

from __future__ import annotations

from itertools import repeat
from typing import NamedTuple, NoReturn

DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
_LF = 0x0A
_CR = 0x0D
_COLON = 0x3A


class ServerSentEvent(NamedTuple):
    """One dispatched event."""

    event: str
    """The event type: ``message`` unless an ``event:`` field named another."""
    raw: bytes
    """The ``data:`` lines joined with a line feed, as sent (a JSON decoder takes them so, without
    a round trip through ``str``)."""
    id: str
    """The last event ID when the event was dispatched (an ``id:`` field persists across events)."""

    @property
    def data(self) -> str:
        """``raw`` as text (invalid UTF-8 becomes U+FFFD, as the spec's decoding does)."""
        return self.raw.decode("utf-8", "replace")


# NamedTuple's own __new__ is a Python function; the tuple constructor is what it calls.
_new_event = tuple.__new__


class EventTooLargeError(Exception):
    """One event (its data lines plus the line being read) exceeds ``limit`` bytes.

    ``events`` are the events completed in the same ``feed`` call before the one that is too large:
    they come first in the stream, so the caller can still hand them on.
    """

    def __init__(self, limit: int, events: list[ServerSentEvent]) -> None:
        super().__init__(f"a server-sent event exceeds {limit} bytes")
        self.limit = limit
        self.events = events


class SSEDecoder:
    """Incremental decoder: ``feed`` each piece of the body as it arrives, get the events it completes.

    An event still open when the body ends is not dispatched (the spec discards it). After
    ``EventTooLargeError`` the decoder has dropped what it held and must not be fed again.
    """

    __slots__ = (
        "_at_start",
        "_data",
        "_data_size",
        "_event_type",
        "_id_buffer",
        "_partial",
        "_partial_size",
        "_skip_lf",
        "last_event_id",
        "max_event_bytes",
        "retry",
    )

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        if max_event_bytes < 1:
            raise ValueError(f"max_event_bytes must be a positive number of bytes, not {max_event_bytes}")
        self.max_event_bytes = max_event_bytes
        self.last_event_id = ""
        """The spec's "last event ID string": the ``id:`` in force at the last blank line."""
        self.retry: int | None = None
        """The reconnection time in milliseconds the server asked for (``retry:``), if any."""
        self._id_buffer = ""
        self._event_type = ""
        self._data: list[bytes] = []
        self._data_size = 0  # bytes of the data lines in self._data, field names included
        self._partial: list[bytes] = []  # pieces of the line being read, not yet ended
        self._partial_size = 0
        self._skip_lf = False  # the last piece ended in CR: an LF first in the next is the same line end
        self._at_start = True  # the first line may begin with a BOM

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that ``chunk`` completes, in order. Raises EventTooLargeError past the cap."""
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[0] == _LF:
                chunk = chunk[1:]
        if not chunk:
            return []
        if _CR in chunk:
            self._skip_lf = chunk[-1] == _CR
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # Whole events first: the common one (a single "data:" line) then costs no per-line work.
        blocks = chunk.split(b"\n\n")
        lines = blocks.pop().split(b"\n")  # the complete lines after the last blank line...
        rest = lines.pop()  # ...and the start of a line still open
        events: list[ServerSentEvent] = []
        if blocks or lines:
            starts = blocks or lines  # whichever list holds the chunk's first line
            if self._partial:
                self._partial.append(starts[0])
                starts[0] = b"".join(self._partial)
                self._partial = []
                self._partial_size = 0
            if self._at_start:
                self._at_start = False
                if starts[0].startswith(_BOM):
                    starts[0] = starts[0][3:]
            if blocks:
                self._events(blocks, events)
            if lines:
                self._lines(lines, events)
        if rest:
            self._hold(rest, events)
        return events

    def feed_data(self, chunk: bytes) -> list[bytes] | None:
        """The data of the events ``chunk`` completes, when each is one ``data:`` line with no other
        field (the stream of chunks an API sends): ``[event.raw for event in feed(chunk)]``, without
        an event object each. None, with nothing taken, whenever anything else is involved (other
        fields, a line end that is not LF LF, an event begun with fields before, the cap, a chunk
        that completes no event): then call ``feed`` with the same chunk."""
        if (
            self._skip_lf
            or self._data
            or self._event_type
            or self._id_buffer != self.last_event_id
            or _CR in chunk
        ):
            return None
        if self._partial:
            if self._at_start or b"\n\n" not in chunk:
                # The BOM check needs the whole first line, and a chunk that ends no event is
                # held piece by piece, not joined again with every chunk: feed's.
                return None
            chunk = b"".join(self._partial) + chunk
        if not chunk.startswith(b"data: "):
            return None  # a BOM, another field, a comment: feed's
        # Split where one event ends and the next begins with "data: ": each piece is then one
        # event's data, unless it holds a line end (another line, field or blank line: feed's).
        payloads = chunk[6:].split(b"\n\ndata: ")
        last = payloads.pop()
        if b"\n\n" in last:  # the last event ended; what follows is held as it came
            ended, rest = last.rsplit(b"\n\n", 1)
            payloads.append(ended)
        elif not payloads:
            return None  # no event ended in this chunk
        else:  # the last event goes on in the next chunk: held with its "data: "
            rest = chunk[-len(last) - 6 :] if last else b"data: "
        limit = self.max_event_bytes
        if (
            any(map(bytes.__contains__, payloads, repeat(_LF)))
            or max(map(len, payloads)) > limit - 6
            or _LF in rest
            or len(rest) > limit
        ):
            return None
        self._at_start = False
        self._partial = [rest] if rest else []
        self._partial_size = len(rest)
        return payloads

    def _hold(self, piece: bytes, events: list[ServerSentEvent]) -> None:
        self._partial.append(piece)
        self._partial_size += len(piece)
        if self._data_size + self._partial_size > self.max_event_bytes:
            self._overflow(events)

    def _overflow(self, events: list[ServerSentEvent]) -> NoReturn:
        self._partial = []
        self._data = []
        self._partial_size = self._data_size = 0
        raise EventTooLargeError(self.max_event_bytes, events)

    def _events(self, blocks: list[bytes], events: list[ServerSentEvent]) -> None:
        """Blocks that each end with a blank line; the one-line ``data:`` event is the fast path."""
        limit = self.max_event_bytes
        if self._data or self._event_type or self._id_buffer != self.last_event_id:
            self._block(blocks[0], events)  # it completes an event begun before this chunk
            blocks = blocks[1:]
            if not blocks:
                return
        # After each dispatch no field is pending and last_event_id is the id buffer.
        last_id = self.last_event_id
        if (
            all(map(bytes.startswith, blocks, repeat(b"data: ")))
            and not any(map(bytes.__contains__, blocks, repeat(_LF)))
            and max(map(len, blocks)) <= limit
        ):
            # Every block is one "data:" line (a stream of chunks): checked and made in C loops.
            events += [_new_event(ServerSentEvent, ("message", block[6:], last_id)) for block in blocks]
            return
        append = events.append
        for block in blocks:
            if _LF in block or not block.startswith(b"data: "):
                self._block(block, events)
                last_id = self.last_event_id
                continue
            if len(block) > limit:
                self._overflow(events)
            append(_new_event(ServerSentEvent, ("message", block[6:], last_id)))

    def _block(self, block: bytes, events: list[ServerSentEvent]) -> None:
        lines = block.split(b"\n")
        lines.append(b"")
        self._lines(lines, events)

    def _lines(self, lines: list[bytes], events: list[ServerSentEvent]) -> None:
        """The spec's per-line steps, for complete lines."""
        limit = self.max_event_bytes
        data = self._data
        size = self._data_size
        for line in lines:
            if not line:  # a blank line dispatches the event
                self.last_event_id = self._id_buffer
                if data:
                    raw = data[0] if len(data) == 1 else b"\n".join(data)
                    event = (self._event_type or "message", raw, self.last_event_id)
                    events.append(_new_event(ServerSentEvent, event))
                    data = self._data = []
                    size = 0
                self._event_type = ""
                continue
            if size + len(line) > limit:
                self._overflow(events)
            if line.startswith(b"data:"):
                size += len(line)
                data.append(line[6:] if line.startswith(b"data: ") else line[5:])
            elif line == b"data":  # a field name without a colon has the empty value
                size += 4
                data.append(b"")
            elif line[0] != _COLON:  # a colon first is a comment
                self._field(line)
        self._data_size = size

    def _field(self, line: bytes) -> None:
        """A field other than ``data``: ``event``, ``id``, ``retry``, or an unknown one."""
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event_type = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\0" not in value:
                self._id_buffer = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # ASCII digits only, as bytes.isdigit checks
            self.retry = int(value)
        # Any other field name is ignored.
