"""The server-sent events decoder (``_sse``) against the WHATWG HTML event-stream rules: fields,
line ends, chunk boundaries anywhere (inside a CRLF or a UTF-8 character too), the BOM, and the
cap on one event that keeps memory bounded."""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Iterable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aimlapi_gemini._sse import DEFAULT_MAX_EVENT_BYTES, EventTooLargeError, ServerSentEvent, SSEDecoder

Event = tuple[str, str, str]
"""An event as read: its type, its data as text, its id."""


def read(events: Iterable[ServerSentEvent]) -> list[Event]:
    return [(event.event, event.data, event.id) for event in events]


def decode(
    pieces: Iterable[bytes], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES, *, data_first: bool = False
) -> list[Event]:
    decoder = SSEDecoder(max_event_bytes)
    feed = (lambda piece: feed_data_first(decoder, piece)) if data_first else decoder.feed
    return read(event for piece in pieces for event in feed(piece))


def feed_data_first(decoder: SSEDecoder, piece: bytes) -> list[ServerSentEvent]:
    """What the streams do with a piece: ``feed_data``'s payloads as message events, else ``feed``."""
    payloads = decoder.feed_data(piece)
    if payloads is None:
        return decoder.feed(piece)
    return [ServerSentEvent("message", payload, decoder.last_event_id) for payload in payloads]


def feed_all(decoder: SSEDecoder, pieces: Iterable[bytes], received: list[ServerSentEvent]) -> None:
    """Feed every piece, keeping the events in ``received`` (they are kept up to an exception)."""
    for piece in pieces:
        received.extend(decoder.feed(piece))


def message(data: str, event: str = "message", id: str = "") -> Event:
    return (event, data, id)


def test_one_event_has_the_default_type_message() -> None:
    assert decode([b"data: hello\n\n"]) == [message("hello")]


def test_data_lines_join_with_a_line_feed() -> None:
    stream = b"data: first\ndata: second\ndata:\ndata\ndata: last\n\n"
    assert decode([stream]) == [message("first\nsecond\n\n\nlast")]


def test_a_final_empty_data_line_leaves_one_trailing_line_feed() -> None:
    assert decode([b"data: a\ndata:\n\n"]) == [message("a\n")]


def test_only_one_space_after_the_colon_is_removed() -> None:
    stream = b"data:none\n\ndata: one\n\ndata:  two\n\ndata:\ttab\n\n"
    assert [data for _, data, _ in decode([stream])] == ["none", "one", " two", "\ttab"]


def test_comments_are_ignored_anywhere() -> None:
    stream = b": keep-alive\n\ndata: a\n: between\ndata: b\n:\n\n"
    assert decode([stream]) == [message("a\nb")]


def test_a_blank_line_without_data_dispatches_nothing() -> None:
    # The event type set before it is reset, so the next event is a "message" again.
    stream = b"\n\nevent: lonely\n\nid\n\ndata: x\n\n"
    assert decode([stream]) == [message("x")]


def test_the_event_field_sets_the_type_of_that_event_only() -> None:
    stream = b"event: completion\ndata: a\n\ndata: b\n\nevent:error\ndata: c\n\n"
    assert decode([stream]) == [message("a", "completion"), message("b"), message("c", "error")]


def test_the_last_event_id_persists_until_changed() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 8\0x\ndata: d\n\n")
    assert [(event.data, event.id) for event in events] == [("a", "7"), ("b", "7"), ("c", ""), ("d", "")]
    # The id of an event still open counts only once its blank line arrives.
    decoder.feed(b"id: 9\ndata: e\n")
    assert decoder.last_event_id == ""
    assert read(decoder.feed(b"\n")) == [message("e", id="9")]
    assert decoder.last_event_id == "9"
    assert read(decoder.feed(b"data: f\n\n")) == [message("f", id="9")]


def test_an_id_set_by_an_event_without_data_still_counts() -> None:
    assert decode([b"id: 3\n\ndata: x\n\n"]) == [message("x", id="3")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"3000", 3000), (b" 0", 0), (b"007", 7), (b"1.5", None), (b"-1", None), (b"", None), (b"1e3", None)],
)
def test_retry_takes_only_ascii_digits(value: bytes, expected: int | None) -> None:
    decoder = SSEDecoder()
    assert read(decoder.feed(b"retry:" + value + b"\ndata: x\n\n")) == [message("x")]
    assert decoder.retry == expected


def test_retry_with_non_ascii_digits_is_ignored() -> None:
    decoder = SSEDecoder()
    decoder.feed("retry: ١٢\n\n".encode())  # Arabic-Indic digits
    assert decoder.retry is None


def test_unknown_fields_are_ignored_and_names_are_case_sensitive() -> None:
    stream = b"Data: no\nDATA: no\nfoo: bar\nretryx: 5\ndatum: no\ndata: yes\n\n"
    assert decode([stream]) == [message("yes")]


def test_a_colon_splits_only_once() -> None:
    assert decode([b'data: {"a": "b:c"}\n\n']) == [message('{"a": "b:c"}')]


STREAM_LF = b"event: a\ndata: 1\ndata: 2\n\n: c\ndata: 3\n\n"
EXPECTED = [message("1\n2", "a"), message("3")]


@pytest.mark.parametrize(
    "stream",
    [
        STREAM_LF,
        STREAM_LF.replace(b"\n", b"\r\n"),
        STREAM_LF.replace(b"\n", b"\r"),
        b"event: a\r\ndata: 1\rdata: 2\n\r\n: c\rdata: 3\r\r",
        b"event: a\rdata: 1\r\ndata: 2\r\n\n: c\ndata: 3\n\r",
    ],
    ids=["LF", "CRLF", "CR", "mixed", "mixed-2"],
)
def test_lines_end_in_lf_crlf_or_cr(stream: bytes) -> None:
    assert decode([stream]) == EXPECTED
    assert decode([stream[i : i + 1] for i in range(len(stream))]) == EXPECTED


def test_a_cr_ending_one_chunk_and_an_lf_starting_the_next_are_one_line_end() -> None:
    # Two line ends there would be a blank line, splitting the event in two.
    assert decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [message("a\nb")]
    assert decode([b"data: a\r", b"\n", b"\n"]) == [message("a")]


def test_cr_cr_is_two_line_ends() -> None:
    assert decode([b"data: a\r", b"\r"]) == [message("a")]


def test_a_lone_lf_after_a_chunk_that_did_not_end_in_cr_is_a_line_end() -> None:
    assert decode([b"data: a\n", b"\n"]) == [message("a")]


# Everything at once: BOM, multi-byte characters (2, 3 and 4 bytes), CRLF, CR, comments, fields.
TRICKY = (
    "\ufeffid: ñ-1\r\nevent: ünïcode\r\ndata: héllo €\r\ndata:  🌍 world\r\n\r\n"
    ": comment ✓\rretry: 1500\rdata:x\r\r"
    'data: {"content": "日本語"}\n\nevent: named\ndata: one line\n\nid: 2\ndata: z\n\ndata: [DONE]\n\n'
).encode()
TRICKY_EVENTS = [
    message("héllo €\n 🌍 world", "ünïcode", "ñ-1"),
    message("x", id="ñ-1"),
    message('{"content": "日本語"}', id="ñ-1"),
    message("one line", "named", "ñ-1"),
    message("z", id="2"),
    message("[DONE]", id="2"),
]


def test_the_tricky_stream_in_one_piece() -> None:
    assert decode([TRICKY]) == TRICKY_EVENTS


@pytest.mark.parametrize("data_first", [False, True], ids=["feed", "feed_data first"])
@pytest.mark.parametrize("position", range(len(TRICKY) + 1))
def test_an_event_split_at_any_byte_boundary(position: int, data_first: bool) -> None:
    assert decode([TRICKY[:position], TRICKY[position:]], data_first=data_first) == TRICKY_EVENTS


@pytest.mark.parametrize("data_first", [False, True], ids=["feed", "feed_data first"])
def test_a_stream_split_at_every_pair_of_boundaries(data_first: bool) -> None:
    size = len(TRICKY)
    for first in range(size + 1):
        for second in range(first, size + 1, 3):
            pieces = [TRICKY[:first], TRICKY[first:second], TRICKY[second:]]
            assert decode(pieces, data_first=data_first) == TRICKY_EVENTS, (first, second)


@pytest.mark.parametrize("data_first", [False, True], ids=["feed", "feed_data first"])
def test_a_stream_fed_one_byte_at_a_time(data_first: bool) -> None:
    assert decode((TRICKY[i : i + 1] for i in range(len(TRICKY))), data_first=data_first) == TRICKY_EVENTS


def test_the_retry_field_of_the_tricky_stream() -> None:
    decoder = SSEDecoder()
    decoder.feed(TRICKY)
    assert decoder.retry == 1500


def test_a_leading_bom_is_ignored_even_when_split() -> None:
    stream = b"\xef\xbb\xbfdata: x\n\n"
    assert decode([stream]) == [message("x")]
    assert decode([stream[:1], stream[1:2], stream[2:3], stream[3:]]) == [message("x")]


def test_only_the_first_bom_is_ignored() -> None:
    # A second BOM is part of the field name, which is then unknown; one inside data stays.
    stream = "\ufeff\ufeffdata: no\n\ndata: \ufeffyes\n\n\ufeffdata: no\n\n".encode()
    assert decode([stream]) == [message("\ufeffyes")]


@pytest.mark.parametrize("data_first", [False, True], ids=["feed", "feed_data first"])
def test_a_bom_that_is_not_at_the_start_of_the_stream_is_not_stripped(data_first: bool) -> None:
    assert decode([b"\n", b"\xef\xbb\xbfdata: no\n\n"], data_first=data_first) == []
    after_an_event = [b"data: 1\n\n", b"\xef\xbb\xbfdata: no\n\n"]
    assert decode(after_an_event, data_first=data_first) == [message("1")]


def test_invalid_utf8_becomes_the_replacement_character() -> None:
    assert decode([b"data: a\xffb\xe2\x82\n\n"]) == [message("a\ufffdb\ufffd")]


@pytest.mark.parametrize("size", [1, 2, 7])
def test_the_data_is_kept_as_sent_for_a_decoder_that_takes_bytes(size: int) -> None:
    # What the stream hands msgspec: the bytes of the data lines, joined, whatever the pieces.
    stream = b'data: {"a": "\xc3\xa9"}\n\ndata: a\xffb\ndata: c\n\n'
    decoder = SSEDecoder()
    raws = [
        event.raw
        for start in range(0, len(stream), size)
        for event in decoder.feed(stream[start : start + size])
    ]
    assert raws == [b'{"a": "\xc3\xa9"}', b"a\xffb\nc"]


def test_an_event_the_body_ends_inside_is_not_dispatched() -> None:
    assert decode([b"data: complete\n\ndata: incomplete\n"]) == [message("complete")]
    assert decode([b"data: [DONE]"]) == []


def test_a_1_mib_event_in_64_kib_pieces() -> None:
    payload = ("é" * (2**19)).encode()  # 1 MiB, split inside characters too
    stream = b"data: " + payload + b"\ndata: " + payload + b"\n\ndata: next\n\n"
    pieces = [stream[i : i + 65_537] for i in range(0, len(stream), 65_537)]
    events = decode(pieces)
    assert [len(data) for _, data, _ in events] == [2 * 2**19 + 1, 4]
    assert events[0][1] == "é" * 2**19 + "\n" + "é" * 2**19


def test_many_events_in_one_chunk_and_empty_chunks() -> None:
    stream = b"".join(b"data: %d\n\n" % number for number in range(1000))
    assert [data for _, data, _ in decode([b"", stream, b""])] == [str(number) for number in range(1000)]


# The cap: the event's data lines (field names included) plus the line being read, in bytes.


def test_an_event_of_exactly_the_cap_passes() -> None:
    line = b"data: " + b"x" * 94  # 100 bytes
    assert decode([line + b"\n\n"], max_event_bytes=100) == [message("x" * 94)]
    assert decode([b"data: 1234\ndata: 5678\n\n"], max_event_bytes=20) == [message("1234\n5678")]


@pytest.mark.parametrize("pieces", [1, 7], ids=["whole", "in pieces"])
def test_an_event_over_the_cap_raises_after_the_events_before_it(pieces: int) -> None:
    stream = b"data: small\n\n" + b"data: " + b"x" * 95 + b"\n\n"
    step = -(-len(stream) // pieces)
    decoder = SSEDecoder(max_event_bytes=100)
    received: list[ServerSentEvent] = []
    with pytest.raises(EventTooLargeError) as caught:
        feed_all(decoder, (stream[start : start + step] for start in range(0, len(stream), step)), received)
    assert caught.value.limit == 100
    assert "exceeds 100 bytes" in str(caught.value)
    assert read([*received, *caught.value.events]) == [message("small")]


def test_the_cap_counts_all_the_data_lines_of_one_event() -> None:
    with pytest.raises(EventTooLargeError):
        decode([b"data: 1234\ndata: 5678\n\n"], max_event_bytes=19)


def test_the_cap_is_per_event_not_per_stream() -> None:
    stream = b"data: 12345678\n\n" * 1000
    assert len(decode([stream], max_event_bytes=16)) == 1000


def test_a_long_line_without_a_line_end_raises_at_the_cap() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.feed(b"data: ")
    decoder.feed(b"x" * 994)  # 1000 bytes held: still allowed
    with pytest.raises(EventTooLargeError):
        decoder.feed(b"x")


def test_a_long_comment_line_is_capped_too() -> None:
    # Memory is what counts: a line being read is held whatever its field.
    with pytest.raises(EventTooLargeError):
        decode([b": " + b"x" * 200, b"\n\n"], max_event_bytes=100)


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_event_bytes must be a positive number"):
        SSEDecoder(0)


def _endless_line(total: int, piece: int = 65_536) -> Iterator[bytes]:
    """``total`` bytes of one line that never ends, each piece a fresh object (as a socket gives)."""
    yield b"data: "
    for _ in range(total // piece):
        yield b"x" * piece


def _peak_while_decoding(pieces: Iterator[bytes], max_event_bytes: int) -> tuple[int, int]:
    """(bytes fed before the decoder refused, peak traced memory)."""
    fed = [0]

    def counted() -> Iterator[bytes]:
        for piece in pieces:
            fed[0] += len(piece)
            yield piece

    tracemalloc.start()
    try:
        with pytest.raises(EventTooLargeError):
            feed_all(SSEDecoder(max_event_bytes), counted(), [])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return fed[0], peak


@pytest.mark.parametrize("cap", [2**20, DEFAULT_MAX_EVENT_BYTES], ids=["1 MiB", "default 16 MiB"])
def test_a_50_mb_line_without_a_line_end_costs_bounded_memory(cap: int) -> None:
    fed, peak = _peak_while_decoding(_endless_line(50 * 10**6), cap)
    assert cap < fed <= cap + 65_536 + 6  # refused at the first piece past the cap
    assert peak < cap + 4 * 2**20, peak  # what it held, not 50 MB (nor a copy of it)


# feed_data: the streams' fast path for chunks of plain "data:" events. Whatever the bytes and
# wherever they are cut, taking its payloads where it answers and feed's events elsewhere gives
# the events (and the refusal past the cap, after the same events) that feed alone gives.

_PIECES = [
    *(b"data: ", b"data:", b"data", b'{"a": 1}', b"[DONE]", b"x", b"\xc3\xa9", b"y" * 40),
    *(b"\n", b"\n\n", b"\r", b"\r\n", b"event: e", b"id: 7", b": c", b"retry: 5", b"\xef\xbb\xbf"),
]

_PLAIN_EVENTS = [b"data: {}\n\n", b'data: {"a": 1}\n\n', b"data: \n\n", b"data: [DONE]\n\n"]


def _outcome(pieces: list[bytes], cap: int, data_first: bool) -> tuple[list[Event], int | None]:
    decoder = SSEDecoder(cap)
    received: list[ServerSentEvent] = []
    try:
        for piece in pieces:
            received.extend(feed_data_first(decoder, piece) if data_first else decoder.feed(piece))
    except EventTooLargeError as exc:
        return read([*received, *exc.events]), exc.limit
    return read(received), None


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    stream=st.lists(st.sampled_from(_PLAIN_EVENTS) | st.sampled_from(_PIECES), max_size=40).map(b"".join),
    cuts=st.lists(st.integers(min_value=0, max_value=2_000), max_size=6),
    cap=st.sampled_from([8, 20, 48, DEFAULT_MAX_EVENT_BYTES]),
)
def test_feed_data_where_it_answers_gives_what_feed_gives(stream: bytes, cuts: list[int], cap: int) -> None:
    bounds = sorted({0, len(stream), *(cut % (len(stream) + 1) for cut in cuts)})
    pieces = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert _outcome(pieces, cap, data_first=True) == _outcome(pieces, cap, data_first=False)


def test_feed_data_answers_for_plain_data_events_cut_anywhere_and_declines_the_rest() -> None:
    decoder = SSEDecoder()
    assert decoder.feed_data(b'data: {"a": 1}\n\ndata: [DO') == [b'{"a": 1}']
    assert decoder.feed_data(b"NE]\n\ndata: ") == [b"[DONE]"]
    assert decoder.feed_data(b"x\n\n") == [b"x"]
    # Each of these involves more than plain data events: nothing is taken, feed decides.
    for declined in (b"event: e\ndata: 1\n\n", b"data: 1\r\n\r\n", b": c\n\n", b"data: 1\n", b"data: 1"):
        assert decoder.feed_data(declined) is None
    assert read(decoder.feed(b"data: 2\n\n")) == [message("2")]
