# Copied from scripts/package/aimlapi_gemini/testing/_server/mock.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""MockAPI: the reference server as a test double for code built on the client (aimlapi_gemini.testing).

In-process for the package's own clients (`client()`, `async_client()`, the OpenAI-SDK-shaped
`aimlapi()` and `async_aimlapi()`, or `transport` for any httpx client), on loopback (`base_url`,
started on first use) for an HTTP stack of one's own.
Both serve the same script: replies queued with `reply`, `reply_tool_call`, `fail`, `cut_stream`
and `slow_stream` answer the next requests in order, each checked against the spec when queued
(ScriptError says what breaks it); requests beyond the script get the deterministic replies.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import httpx

from aimlapi_gemini import AIMLAPI, AsyncAIMLAPI, AuthenticatedClient, ChatCompletionRequest

from .app import ReferenceApp, ServerConfig
from .inprocess import InProcessTransport
from .script import ReplyScript, ScriptError, Step, tool_call_step

if TYPE_CHECKING:
    from .runner import BackgroundServer

# The in-process transport answers any host; this one says where requests go in logs and errors.
IN_PROCESS_BASE_URL = "http://aimlapi-mock.invalid"


class MockAPI:
    """A spec-driven stand-in for the AI/ML API chat completions endpoint; see the module docs.

    Use as a context manager (or call `close()`) so the loopback server and loop thread stop.
    """

    def __init__(self, *, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.script = ReplyScript()
        self.app = ReferenceApp(ServerConfig(api_key=api_key))
        self.app.script = self.script
        self.transport = InProcessTransport(self.app)
        self._server: BackgroundServer | None = None  # started when base_url is first asked for
        self._lock = threading.Lock()

    # --- scripting -------------------------------------------------------------------------

    def reply(self, text: str, *, finish_reason: str | None = None, usage: bool | None = None) -> Self:
        """The next request gets `text` as the reply (streamed: one chunk per word). `usage`, for a
        stream: its last chunk reports usage (True) or not (False), as OpenAI-compatible servers do
        unless asked; None: as the request asks (`stream_options.include_usage`, where the spec
        has it; always, where it has not)."""
        self.script.add(Step(text=text, finish_reason=finish_reason, usage=usage))
        return self

    def reply_tool_call(
        self, name: str, arguments: Mapping[str, Any] | str | None = None, *, call_id: str | None = None
    ) -> Self:
        """The next request gets a call of tool `name` with `arguments` (a dict, or its JSON text)."""
        self.script.add(tool_call_step(name, {} if arguments is None else arguments, call_id))
        return self

    def fail(
        self, status: int = 500, *, retry_after: float | None = None, message: str | None = None
    ) -> Self:
        """The next request gets `status` with the vendor's error body (and `Retry-After`)."""
        headers = {} if retry_after is None else {"retry-after": _seconds(retry_after)}
        self.script.add(Step(status=status, message=message, headers=headers))
        return self

    def cut_stream(self, after: int = 0, *, text: str | None = None) -> Self:
        """The next stream stops after `after` content chunks, without [DONE], the connection
        dropped; a plain request gets half of its JSON body instead."""
        self.script.add(Step(text=text, cut_after=after))
        return self

    def slow_stream(self, delay: float, *, text: str | None = None) -> Self:
        """The next stream waits `delay` seconds before each event; a plain reply waits once."""
        self.script.add(Step(text=text, delay=delay))
        return self

    @property
    def pending(self) -> int:
        """How many scripted replies no request has taken yet."""
        return self.script.pending

    @property
    def requests(self) -> list[ChatCompletionRequest]:
        """Every request served so far with a valid body, in order, as the client's model."""
        return [ChatCompletionRequest.from_dict(body) for body in self.script.received]

    def reset(self) -> None:
        """Forget the script and the requests."""
        self.script.clear()

    # --- clients -----------------------------------------------------------------------------

    def client(self, **options: Any) -> AuthenticatedClient:
        """An AuthenticatedClient served in-process (sync and async calls alike); `options` go to it."""
        httpx_args = {**options.pop("httpx_args", {}), "transport": self.transport}
        return AuthenticatedClient(
            base_url=IN_PROCESS_BASE_URL, token=self.api_key, httpx_args=httpx_args, **options
        )

    def async_client(self, **options: Any) -> AuthenticatedClient:
        """The same as client(): one AuthenticatedClient serves both; named for async code's sake."""
        return self.client(**options)

    def aimlapi(self, **options: Any) -> AIMLAPI:
        """An AIMLAPI client (``.chat.completions.create(...)``) served in-process; `options` go to it."""
        http_client = httpx.Client(transport=self.transport)
        return AIMLAPI(api_key=self.api_key, base_url=IN_PROCESS_BASE_URL, http_client=http_client, **options)

    def async_aimlapi(self, **options: Any) -> AsyncAIMLAPI:
        """Async twin of aimlapi(): an AsyncAIMLAPI client served in-process."""
        http_client = httpx.AsyncClient(transport=self.transport)
        return AsyncAIMLAPI(
            api_key=self.api_key, base_url=IN_PROCESS_BASE_URL, http_client=http_client, **options
        )

    @property
    def base_url(self) -> str:
        """The mock on a free 127.0.0.1 port (started now if it is not running): for any HTTP client."""
        with self._lock:
            if self._server is None:
                from .runner import BackgroundServer  # uvicorn: only when a socket is wanted

                server = BackgroundServer(ServerConfig(api_key=self.api_key))
                server.app.script = self.script
                self._server = server.start()
            return self._server.base_url

    def chat_url(self, model: str = "gemini-pro") -> str:
        """The URL a chat request for `model` goes to over loopback: `base_url` and the spec's
        path (its parameters filled as a body with that model fills them), for any HTTP client."""
        from aimlapi_gemini._path import fill_path
        from aimlapi_gemini._spec_facts import CHAT_PATH

        return self.base_url + fill_path(CHAT_PATH, {"model": model})

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()
        self.transport.shutdown()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _seconds(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ScriptError(f"scripted retry_after must be a non-negative number of seconds, got {value!r}")
    return f"{value:g}"
