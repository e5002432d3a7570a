# Copied from scripts/package/aimlapi_gemini/testing/_server/app.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""The ASGI application: routing, authentication, then faults, validation and the reply."""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from . import faults
from .errors import error_body, html_error_page, new_request_id
from .exchange import BodyTooLarge, Exchange, Receive, Scope, Send
from .limits import LimitError, Limits, check_structure, limit_text, parse_json_limited
from .replies import ReplyPlan, plan_reply
from .routing import PathRoute
from .script import ReplyScript
from .spec import credential_headers, find_operation, request_fields
from .streaming import USAGE_CHOICES, USAGE_HEADER, StreamCut, reports_usage, sse, stream_body
from .validation import BodyError, check_request_body, check_text

_RECORDED_BODIES = 256
_RECORDED_BYTES = 32 * 1024 * 1024
# An error that ends the exchange early, with the rest of the request unread.
_CLOSE = {"connection": "close"}


@dataclass(frozen=True)
class ServerConfig:
    api_key: str = "test-key"
    stream_delay: float = 0.0
    limits: Limits = field(default_factory=Limits)
    # Random 429s and 5xx for requests without X-Fault (faults.py, "Server-wide chaos").
    chaos: faults.Chaos | None = None


def _header_number(exchange: Exchange, name: str, kind: type[int] | type[float]) -> float | None:
    text = exchange.headers.get(name.lower())
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise BodyError(f"{name} header must be a non-negative {kind.__name__}, got {text!r}") from None
    if not 0 <= value < math.inf:  # also NaN
        raise BodyError(f"{name} header must be a finite non-negative {kind.__name__}, got {text!r}")
    return value


def _retry_headers(fault: faults.Fault) -> dict[str, str]:
    headers: dict[str, str] = {}
    if "retry-after" in fault.params:
        headers["retry-after"] = f"{fault.params['retry-after']:g}"
    if "retry-after-ms" in fault.params:
        headers["retry-after-ms"] = f"{fault.params['retry-after-ms']:g}"
    if "retry-after-date" in fault.params:
        headers["retry-after"] = email.utils.formatdate(
            time.time() + fault.params["retry-after-date"], usegmt=True
        )
    return headers


class ReferenceApp:
    """ASGI app answering the spec's operation (POST /v1/chat/completions today) like the vendor's
    gateway (see package docs): its route is the spec's path (a templated one answers any value of
    its parameters: routing.py), its key check the spec's scheme."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.operation = find_operation()
        self.route = PathRoute(self.operation.path)
        # Lower-case names, as the exchange holds them.
        self._credentials = {
            name.lower(): value for name, value in credential_headers(self.config.api_key).items()
        }
        self.fault_ledger = faults.FaultLedger()
        self._chaos = None if self.config.chaos is None else faults.ChaosDraw(self.config.chaos)
        self._received: OrderedDict[str, bytes] = OrderedDict()
        self._received_bytes = 0
        # Replies a test has queued (script.py; the testing kit's MockAPI sets it), served first.
        self.script: ReplyScript | None = None

    def received_body(self, request_id: str) -> bytes | None:
        """The raw body of a recent request, by the x-request-id the server answered it with."""
        return self._received.get(request_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            await self._handle(Exchange(scope, receive, send, new_request_id()))

    async def _handle(self, exchange: Exchange) -> None:
        if not self.route.matches(exchange.scope):
            await exchange.send_error(404, f"Cannot {exchange.scope['method']} {exchange.scope['path']}")
        elif exchange.scope["method"] != self.operation.method:
            allow = {"allow": self.operation.method}
            await exchange.send_error(405, f"Method {exchange.scope['method']} not allowed", allow)
        elif any(exchange.headers.get(name) != value for name, value in self._credentials.items()):
            await exchange.send_error(401, "Missing or invalid API key")
        else:
            try:
                fault = self._fault(exchange)
            except faults.FaultHeaderError as exc:
                await exchange.send_error(400, str(exc))
                return
            await self._serve(exchange, fault)

    def _fault(self, exchange: Exchange) -> faults.Fault | None:
        header = exchange.headers.get("x-fault")
        if header is None:
            return None if self._chaos is None else self._chaos.next_fault()
        fault = faults.parse_fault(header)
        applies = self.fault_ledger.applies(
            exchange.headers.get("x-fault-id"), exchange.headers.get("x-fault-times")
        )
        return fault if applies else None

    async def _serve(self, exchange: Exchange, fault: faults.Fault | None) -> None:
        kind = fault.kind if fault else None
        if fault is not None and kind == "status":
            await exchange.send_error(fault.count, None, _retry_headers(fault))
            return
        if fault is not None and kind == "html":
            await exchange.send_bytes(fault.count, "text/html", html_error_page(fault.count).encode())
            return
        if kind == "reset":
            await exchange.abort()
            return
        try:
            raw = await self._read_body(exchange)
        except LimitError as exc:
            await exchange.send_error(exc.status, str(exc), _CLOSE)
            return
        self._record(exchange.request_id, raw)
        try:
            if len(raw) > self.config.limits.offload_bytes:
                # Parsing and validating a big body takes long: off the event loop, so other
                # connections are served meanwhile.
                body, plan, delay = await asyncio.to_thread(self._prepare, exchange, raw)
            else:
                body, plan, delay = self._prepare(exchange, raw)
        except BodyError as exc:
            await exchange.send_error(exc.status if isinstance(exc, LimitError) else 400, str(exc))
            return
        step = self.script.take(body) if self.script is not None else None
        if step is not None and step.status is not None:
            await exchange.send_error(step.status, step.message, dict(step.headers))
            return
        if step is not None:
            fault = step.fault(streamed=body.get("stream") is True)
            kind = fault.kind if fault else None
            delay = delay if step.delay is None else step.delay
        plan = plan if step is None else step.plan(plan)
        if fault is not None and kind == "latency":
            await asyncio.sleep(fault.value)
        if kind == "truncate":
            text = json.dumps(plan.completion()).encode()
            await exchange.send_bytes(200, "application/json", text[: len(text) // 2])
        elif body.get("stream") is True:
            asked = exchange.headers.get(USAGE_HEADER.lower())
            if asked is not None and asked not in USAGE_CHOICES:
                choices = " or ".join(USAGE_CHOICES)
                await exchange.send_error(400, f"{USAGE_HEADER} header must be {choices}, got {asked!r}")
                return
            cut = fault.count if fault is not None and kind == "stream-cut" else None
            error = fault.count if fault is not None and kind == "stream-error" else None
            await self._stream(
                exchange,
                stream_body(
                    plan,
                    delay=delay,
                    cut_after=cut,
                    error_after=error,
                    error_event=lambda: self._error_event(exchange),
                    usage=reports_usage(body, asked, "stream_options" in request_fields())
                    if step is None or step.usage is None
                    else step.usage,
                ),
            )
        else:
            await exchange.send_json(200, plan.completion())

    async def _read_body(self, exchange: Exchange) -> bytes:
        limits = self.config.limits
        declared = exchange.headers.get("content-length", "")
        too_large = LimitError(
            f"Request body larger than {limits.max_body_bytes} bytes " + limit_text(limits, "max_body_bytes"),
            413,
        )
        if declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise too_large
        try:
            async with asyncio.timeout(limits.body_timeout):
                return await exchange.read_body(limits.max_body_bytes)
        except BodyTooLarge:
            raise too_large from None
        except TimeoutError:
            raise LimitError(
                f"Request body not received within {limits.body_timeout:g} s "
                + limit_text(limits, "body_timeout"),
                408,
            ) from None

    def _prepare(self, exchange: Exchange, raw: bytes) -> tuple[dict[str, object], ReplyPlan, float]:
        """Parse, check and plan: everything between the raw body and the reply."""
        body, reply_tokens, delay = self._parse(exchange, raw)
        return body, plan_reply(body, None if reply_tokens is None else int(reply_tokens)), delay

    def _parse(self, exchange: Exchange, raw: bytes) -> tuple[dict[str, object], float | None, float]:
        limits = self.config.limits
        media_type = exchange.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise BodyError("Body validation error: body: expected content-type application/json")
        body = parse_json_limited(limits, raw)
        check_structure(limits, body)
        check_text(raw, body)
        check_request_body(self.operation.request_schema_ref, body)
        reply_tokens = _header_number(exchange, "X-Reply-Tokens", int)
        if reply_tokens is not None and reply_tokens > limits.max_reply_tokens:
            raise LimitError(
                f"X-Reply-Tokens header must be at most {limits.max_reply_tokens}, got {reply_tokens:g} "
                + limit_text(limits, "max_reply_tokens")
            )
        delay = _header_number(exchange, "X-Stream-Delay", float)
        return body, reply_tokens, self.config.stream_delay if delay is None else delay

    @staticmethod
    def _error_event(exchange: Exchange) -> bytes:
        payload = error_body(500, exchange.scope["path"], exchange.request_id, "The model provider failed")
        return sse(json.dumps(payload), event="error")

    @staticmethod
    async def _stream(exchange: Exchange, body: AsyncIterator[bytes]) -> None:
        await exchange.start(200, "text/event-stream", {"cache-control": "no-cache"})
        try:
            async for chunk in body:
                if exchange.gone:
                    # A dropped stream is not made to the end for nobody (it would keep the
                    # server's thread busy, in the process of the tests that started it).
                    return
                await exchange.write(chunk)
        except StreamCut:
            await exchange.abort()
            return
        await exchange.write(b"", more=False)

    def _record(self, request_id: str, raw: bytes) -> None:
        self._received[request_id] = raw
        self._received_bytes += len(raw)
        # Bounded in count and in bytes, so recording cannot grow the server without end.
        while len(self._received) > _RECORDED_BODIES or self._received_bytes > _RECORDED_BYTES:
            self._received_bytes -= len(self._received.popitem(last=False)[1])


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
