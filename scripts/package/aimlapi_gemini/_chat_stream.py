"""``client.chat.completions.stream(...)``: the OpenAI SDK's stream helper, events over a Stream.

``ChatCompletionStreamManager`` (a ``with`` block) opens the stream on entry and closes it on exit;
``ChatCompletionStream`` yields, for every chunk, a ``ChunkEvent`` and then what the chunk adds
(``content.delta``, ``refusal.delta``, ``tool_calls.function.arguments.delta``), then what it ends
(``content.done`` and ``refusal.done`` when the choice ends or its tool calls begin,
``tool_calls.function.arguments.done`` when the next tool call begins or the choice ends).

Built on ``Stream``: its chunks are joined as they are decoded (``_accumulate``), so the events'
snapshots, ``current_completion_snapshot`` and ``get_final_completion()`` all read that one join,
and an error mid-stream (raised as the Stream raises it) leaves the snapshot of what arrived.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Self

from ._accumulate import CompletionAccumulator
from ._chat_stream_events import (
    ChatCompletionSnapshot,
    ChatCompletionStreamEvent,
    ChoiceSnapshot,
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    FunctionToolCallArgumentsDeltaEvent,
    FunctionToolCallArgumentsDoneEvent,
    MessageSnapshot,
    RefusalDeltaEvent,
    RefusalDoneEvent,
    ToolCallSnapshot,
)
from ._streaming import AsyncStream, Stream

if TYPE_CHECKING:
    import httpx

    from aimlapi_gemini.models import ChatCompletion, ChatCompletionChunk, ChatCompletionChunkChoice

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamManager",
]


class _ChoiceProgress:
    """Which done events one choice has had, and the tool call its pieces are on."""

    __slots__ = ("content_done", "current_tool_call", "refusal_done", "tool_calls_done")

    def __init__(self) -> None:
        self.content_done = False
        self.refusal_done = False
        self.current_tool_call: int | None = None
        self.tool_calls_done: set[int] = set()

    def text_done(self, choice: ChoiceSnapshot) -> list[ChatCompletionStreamEvent]:
        """content.done / refusal.done, once each (content.done only for text that is not empty)."""
        events: list[ChatCompletionStreamEvent] = []
        message = choice.message
        if message.content and not self.content_done:
            self.content_done = True
            events.append(ContentDoneEvent(content=message.content, index=choice.index))
        if message.refusal is not None and not self.refusal_done:
            self.refusal_done = True
            events.append(RefusalDoneEvent(refusal=message.refusal, index=choice.index))
        return events

    def tool_call_done(self, message: MessageSnapshot, index: int) -> list[ChatCompletionStreamEvent]:
        if index in self.tool_calls_done:
            return []
        self.tool_calls_done.add(index)
        call = _tool_call(message, index)
        if call is None:
            return []
        name = call.function.name or ""
        return [FunctionToolCallArgumentsDoneEvent(name=name, index=index, arguments=call.function.arguments)]


def _tool_call(message: MessageSnapshot, index: int) -> ToolCallSnapshot | None:
    for call in message.tool_calls or ():
        if call.index == index:
            return call
    return None


class _EventBuilder:
    """Chunks in (already joined by the stream's accumulator), events out."""

    def __init__(self, accumulator: CompletionAccumulator) -> None:
        self._accumulator = accumulator
        self._choices: dict[int, _ChoiceProgress] = {}

    def snapshot(self) -> ChatCompletionSnapshot:
        snapshot = self._accumulator.typed_snapshot()
        if snapshot is None:
            raise RuntimeError("no chunk has arrived yet, so there is no completion snapshot")
        return snapshot

    def events(self, chunk: ChatCompletionChunk) -> list[ChatCompletionStreamEvent]:
        snapshot = self.snapshot()
        events: list[ChatCompletionStreamEvent] = [ChunkEvent(chunk=chunk, snapshot=snapshot)]
        by_index = {choice.index: choice for choice in snapshot.choices}
        for choice in chunk.choices:
            progress = self._choices.setdefault(choice.index, _ChoiceProgress())
            events += self._choice_events(choice, by_index[choice.index], progress)
        return events

    def _choice_events(
        self, choice: ChatCompletionChunkChoice, joined: ChoiceSnapshot, progress: _ChoiceProgress
    ) -> list[ChatCompletionStreamEvent]:
        events: list[ChatCompletionStreamEvent] = []
        delta, message, index = choice.delta, joined.message, choice.index
        if isinstance(delta.content, str) and message.content is not None:
            events.append(ContentDeltaEvent(delta=delta.content, snapshot=message.content, index=index))
        if isinstance(delta.refusal, str) and message.refusal is not None:
            events.append(RefusalDeltaEvent(delta=delta.refusal, snapshot=message.refusal, index=index))
        pieces = delta.tool_calls if isinstance(delta.tool_calls, list) else []
        for piece in pieces:
            call = _tool_call(message, piece.index)
            if call is None:  # every piece was joined before its events are built
                continue
            arguments_delta = getattr(piece.function, "arguments", None)
            events.append(
                FunctionToolCallArgumentsDeltaEvent(
                    name=call.function.name or "",
                    index=piece.index,
                    arguments=call.function.arguments,
                    arguments_delta=arguments_delta if isinstance(arguments_delta, str) else "",
                )
            )
        if joined.finish_reason is not None:
            events += progress.text_done(joined)
            if progress.current_tool_call is not None:
                events += progress.tool_call_done(message, progress.current_tool_call)
        for piece in pieces:
            # A new tool call ends the text before it and the tool call before it.
            if progress.current_tool_call != piece.index:
                events += progress.text_done(joined)
                if progress.current_tool_call is not None:
                    events += progress.tool_call_done(message, progress.current_tool_call)
            progress.current_tool_call = piece.index
        return events


def _builder_of(stream: Stream[ChatCompletionChunk] | AsyncStream[ChatCompletionChunk]) -> _EventBuilder:
    accumulator = stream.accumulator
    if accumulator is None:
        raise RuntimeError("the stream's events need its chunks joined: leave accumulate on")
    return _EventBuilder(accumulator)


class ChatCompletionStream(Iterator[ChatCompletionStreamEvent]):
    """The events of one streamed reply (iterate it once): the OpenAI SDK's ``ChatCompletionStream``."""

    def __init__(self, stream: Stream[ChatCompletionChunk]) -> None:
        self._stream = stream
        self._builder = _builder_of(stream)
        self._iterator = self._iterate()

    @property
    def response(self) -> httpx.Response:
        """The HTTP response (status, headers); its body is read through the events."""
        return self._stream.response

    def __iter__(self) -> Iterator[ChatCompletionStreamEvent]:
        return self._iterator

    def __next__(self) -> ChatCompletionStreamEvent:
        return next(self._iterator)

    def _iterate(self) -> Generator[ChatCompletionStreamEvent, None, None]:
        events = self._builder.events
        for chunk in self._stream:
            yield from events(chunk)

    def until_done(self) -> Self:
        """Read the rest of the stream (its events unseen), and return it."""
        for _ in self._iterator:
            pass
        return self

    def get_final_completion(self) -> ChatCompletion:
        """Read the rest of the stream and return the validated ``ChatCompletion`` (``usage`` None
        when the stream reported none); errors propagate as when iterating."""
        self.until_done()
        return self._stream.get_final_completion()

    @property
    def current_completion_snapshot(self) -> ChatCompletionSnapshot:
        """The completion joined so far; after an error mid-stream, what arrived before it.
        RuntimeError before the first chunk."""
        return self._builder.snapshot()

    def close(self) -> None:
        """Close the connection (the rest of the stream is not read)."""
        self._iterator.close()
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ChatCompletionStreamManager:
    """What ``client.chat.completions.stream(...)`` returns: ``with ... as stream`` opens the stream
    (retrying until the status line arrives; a non-2xx answer raises there) and closes it on exit.
    The keywords were checked when it was made: a bad one raised then, before anything was sent."""

    def __init__(self, connect: Callable[[], Stream[ChatCompletionChunk]]) -> None:
        self._connect = connect
        self._stream: ChatCompletionStream | None = None

    def __enter__(self) -> ChatCompletionStream:
        self._stream = ChatCompletionStream(self._connect())
        return self._stream

    def __exit__(self, *exc_info: object) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncChatCompletionStream(AsyncIterator[ChatCompletionStreamEvent]):
    """Async twin of ChatCompletionStream."""

    def __init__(self, stream: AsyncStream[ChatCompletionChunk]) -> None:
        self._stream = stream
        self._builder = _builder_of(stream)
        self._iterator = self._iterate()

    @property
    def response(self) -> httpx.Response:
        """As ``ChatCompletionStream.response``."""
        return self._stream.response

    def __aiter__(self) -> AsyncIterator[ChatCompletionStreamEvent]:
        return self._iterator

    async def __anext__(self) -> ChatCompletionStreamEvent:
        return await anext(self._iterator)

    async def _iterate(self) -> AsyncGenerator[ChatCompletionStreamEvent, None]:
        events = self._builder.events
        async for chunk in self._stream:
            for event in events(chunk):
                yield event

    async def until_done(self) -> Self:
        """Async twin of ``ChatCompletionStream.until_done``."""
        async for _ in self._iterator:
            pass
        return self

    async def get_final_completion(self) -> ChatCompletion:
        """Async twin of ``ChatCompletionStream.get_final_completion``."""
        await self.until_done()
        return await self._stream.get_final_completion()

    @property
    def current_completion_snapshot(self) -> ChatCompletionSnapshot:
        """As ``ChatCompletionStream.current_completion_snapshot``."""
        return self._builder.snapshot()

    async def close(self) -> None:
        """Close the connection (the rest of the stream is not read)."""
        await self._iterator.aclose()
        await self._stream.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class AsyncChatCompletionStreamManager:
    """Async twin of ChatCompletionStreamManager: ``async with client.chat.completions.stream(...)``."""

    def __init__(self, connect: Callable[[], Awaitable[AsyncStream[ChatCompletionChunk]]]) -> None:
        self._connect = connect
        self._stream: AsyncChatCompletionStream | None = None

    async def __aenter__(self) -> AsyncChatCompletionStream:
        self._stream = AsyncChatCompletionStream(await self._connect())
        return self._stream

    async def __aexit__(self, *exc_info: object) -> None:
        if self._stream is not None:
            await self._stream.close()
