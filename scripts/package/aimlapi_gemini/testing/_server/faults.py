"""Fault injection, chosen per request by headers. This is a contract other tests rely on.

Headers:

``X-Fault: <kind>[;param=value...]``
    The fault to inject. Without the header the request is served normally.
``X-Fault-Id: <any string>`` and ``X-Fault-Times: N``
    With both, the fault applies only to the first N requests the server sees carrying
    that X-Fault-Id; later ones are served normally (retry tests: "fail twice, then work").
    Without X-Fault-Times the fault applies to every request that carries it. The server
    remembers the ``MAX_FAULT_IDS`` ids used last (an id seen again moves to the front; the
    oldest is forgotten, and counts from 0 if it comes back), each by a digest of fixed size,
    so the ledger stays under a few MiB whatever ids and how many clients send.

Kinds (applied after routing and authentication):

``status=<code>``
    That status (a registered error status, 400-599) with a vendor-shaped ErrorResponse
    JSON body. Params:
    ``retry-after=<seconds>`` sends ``Retry-After: <seconds>``;
    ``retry-after-ms=<ms>`` sends ``retry-after-ms: <ms>``;
    ``retry-after-date=<seconds from now>`` sends ``Retry-After`` as an HTTP-date.
``latency=<seconds>``
    Sleep, then send the normal response (for streams: before the first byte).
``reset``
    Close the TCP connection without sending any response: the client sees a transport
    error, never an HTTP status. (In-process ASGI use has no socket; the app raises
    ConnectionResetError instead.)
``truncate``
    Status 200, ``content-type: application/json``, a complete HTTP message whose body is
    the first half of the normal (non-stream) JSON reply, i.e. invalid JSON.
``html=<status>``
    That status (a registered error status, 400-599) with an HTML error page
    (``content-type: text/html``), as a proxy sends.
``stream-cut=<n>``
    For ``stream: true``: the role chunk and n content chunks, then the connection is
    dropped without ``data: [DONE]`` (an incomplete chunked body). Ignored for non-stream.
``stream-error=<n>``
    For ``stream: true``: after n content chunks an ``event: error`` whose ``data:`` is an
    ErrorResponse (statusCode 500), then the stream ends without ``[DONE]``.

A malformed X-Fault header gets a 400 ErrorResponse naming the header.

Server-wide chaos (``ServerConfig(chaos=Chaos(...))``, ``python -m aimlapi_gemini.testing._server
--chaos 429=0.15,5xx=0.05``): every request without an X-Fault header fails at random, from one
seeded generator, so a run is repeatable for a given order of arrival. ``rate_limited`` is the share
answered 429 with ``retry-after-ms: <retry_after_ms>``; ``server_errors`` the share answered 500,
502 or 503 (in turn). Batch and retry tests use it to see a client under a storm of failures
(``Chaos.parse`` reads the ``--chaos`` text: ``429=P``, ``5xx=P``, ``retry-after-ms=MS``,
``seed=N``)."""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from http import HTTPStatus

KINDS = frozenset({"status", "latency", "reset", "truncate", "html", "stream-cut", "stream-error"})
_VALUED = KINDS - {"reset", "truncate"}
_PARAMS = frozenset({"retry-after", "retry-after-ms", "retry-after-date"})
_LARGEST = 1e9
_ERROR_STATUSES = frozenset(status.value for status in HTTPStatus if 400 <= status.value <= 599)
# The X-Fault-Ids the ledger keeps (least recently used forgotten first): far more than a test
# suite has going at once, about 1.5 MiB at most.
MAX_FAULT_IDS = 10_000


class FaultHeaderError(ValueError):
    """The fault headers cannot be understood; str(self) says why."""


@dataclass(frozen=True)
class Fault:
    kind: str
    value: float = 0.0
    params: dict[str, float] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return int(self.value)


def _number(text: str, what: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise FaultHeaderError(f"X-Fault: {what} must be a number, got {text!r}") from None
    if not number >= 0:  # also rejects NaN
        raise FaultHeaderError(f"X-Fault: {what} must be a non-negative number, got {text!r}")
    if number > _LARGEST:  # inf would sleep forever, overflow int() or the Retry-After date
        raise FaultHeaderError(f"X-Fault: {what} must be at most {_LARGEST:g}, got {text!r}")
    return number


def parse_fault(header: str) -> Fault:
    head, *rest = (part.strip() for part in header.split(";"))
    kind, _, value = head.partition("=")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise FaultHeaderError(f"X-Fault: unknown kind {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    if (kind in _VALUED) != bool(value.strip()):
        raise FaultHeaderError(f"X-Fault: {kind} {'needs' if kind in _VALUED else 'takes no'} a value")
    params: dict[str, float] = {}
    for part in filter(None, rest):
        name, _, text = part.partition("=")
        name = name.strip().lower()
        if name not in _PARAMS:
            raise FaultHeaderError(f"X-Fault: unknown parameter {name!r}")
        params[name] = _number(text.strip(), name)
    number = _number(value.strip(), kind) if value.strip() else 0.0
    if kind in ("status", "html") and number not in _ERROR_STATUSES:
        # Only error statuses: 1xx is no final response, 204/304 cannot carry the error body,
        # 2xx/3xx with an error body would break the spec, and unregistered codes (599) have no
        # reason phrase for the body's message.
        raise FaultHeaderError(f"X-Fault: {kind} needs an HTTP error status code (400-599), got {value!r}")
    return Fault(kind=kind, value=number, params=params)


class FaultLedger:
    """Counts requests per X-Fault-Id, so 'fail the first N times' works across retries; the
    ``capacity`` ids used last, each kept as a 16-byte digest (see the module docstring)."""

    def __init__(self, capacity: int = MAX_FAULT_IDS) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[bytes, int] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def applies(self, fault_id: str | None, times: str | None) -> bool:
        if times is None:
            return True
        try:
            limit = int(times)
        except ValueError:
            raise FaultHeaderError(f"X-Fault-Times must be an integer, got {times[:40]!r}") from None
        if fault_id is None:
            raise FaultHeaderError("X-Fault-Times needs an X-Fault-Id to count requests by")
        key = hashlib.blake2b(fault_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            seen = self._seen.pop(key, 0) + 1
            self._seen[key] = seen
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return seen <= limit


_CHAOS_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class Chaos:
    """Random failures for every request without an X-Fault header (see the module docstring)."""

    rate_limited: float = 0.0
    server_errors: float = 0.0
    retry_after_ms: float = 10.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rate_limited", "server_errors"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"chaos: {name} must be a probability from 0 to 1, got {share!r}")
        if self.rate_limited + self.server_errors > 1.0:
            raise ValueError("chaos: the shares of 429 and 5xx add up to more than 1")
        if not 0.0 <= self.retry_after_ms <= _LARGEST:
            raise ValueError(
                f"chaos: retry_after_ms must be from 0 to {_LARGEST:g}, got {self.retry_after_ms!r}"
            )

    @classmethod
    def parse(cls, text: str) -> Chaos:
        """``429=0.15,5xx=0.05,retry-after-ms=5,seed=1`` (every part optional)."""
        names = {
            "429": "rate_limited",
            "5xx": "server_errors",
            "retry-after-ms": "retry_after_ms",
            "seed": "seed",
        }
        values: dict[str, float] = {}
        seed = 0
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            key, _, value = part.partition("=")
            name = names.get(key.strip().lower())
            if name is None:
                raise ValueError(
                    f"chaos: unknown setting {key.strip()!r}; expected one of {', '.join(names)}"
                )
            try:
                if name == "seed":
                    seed = int(value)
                else:
                    values[name] = float(value)
            except ValueError:
                raise ValueError(f"chaos: {key.strip()} must be a number, got {value.strip()!r}") from None
        return cls(seed=seed, **values)


class ChaosDraw:
    """The seeded generator of one server: which request fails, and how."""

    def __init__(self, chaos: Chaos) -> None:
        self.chaos = chaos
        self._random = random.Random(chaos.seed)
        self._server_errors = 0
        self._lock = threading.Lock()

    def next_fault(self) -> Fault | None:
        with self._lock:
            roll = self._random.random()
            if roll < self.chaos.rate_limited:
                return Fault("status", 429.0, {"retry-after-ms": self.chaos.retry_after_ms})
            if roll < self.chaos.rate_limited + self.chaos.server_errors:
                status = _CHAOS_STATUSES[self._server_errors % len(_CHAOS_STATUSES)]
                self._server_errors += 1
                return Fault("status", float(status))
        return None
