# Copied from scripts/reference_server/faults.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Fault injection, chosen per request by headers. This is a contract other tests rely on.

Headers:

``X-Fault: <kind>[;param=value...]``
    The fault to inject. Without the header the request is served normally.
``X-Fault-Id: <any string>`` and ``X-Fault-Times: N``
    With both, the fault applies only to the first N requests the server sees carrying
    that X-Fault-Id; later ones are served normally (retry tests: "fail twice, then work").
    Without X-Fault-Times the fault applies to every request that carries it.

Kinds (applied after routing and authentication):

``status=<code>``
    That status with a vendor-shaped ErrorResponse JSON body. Params:
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
    That status with an HTML error page (``content-type: text/html``), as a proxy sends.
``stream-cut=<n>``
    For ``stream: true``: the role chunk and n content chunks, then the connection is
    dropped without ``data: [DONE]`` (an incomplete chunked body). Ignored for non-stream.
``stream-error=<n>``
    For ``stream: true``: after n content chunks an ``event: error`` whose ``data:`` is an
    ErrorResponse (statusCode 500), then the stream ends without ``[DONE]``.

A malformed X-Fault header gets a 400 ErrorResponse naming the header.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

KINDS = frozenset({"status", "latency", "reset", "truncate", "html", "stream-cut", "stream-error"})
_VALUED = KINDS - {"reset", "truncate"}
_PARAMS = frozenset({"retry-after", "retry-after-ms", "retry-after-date"})


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
    if kind in ("status", "html") and not (100 <= number <= 599 and number == int(number)):
        raise FaultHeaderError(f"X-Fault: {kind} needs an HTTP status code, got {value!r}")
    return Fault(kind=kind, value=number, params=params)


class FaultLedger:
    """Counts requests per X-Fault-Id, so 'fail the first N times' works across retries."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def applies(self, fault_id: str | None, times: str | None) -> bool:
        if times is None:
            return True
        try:
            limit = int(times)
        except ValueError:
            raise FaultHeaderError(f"X-Fault-Times must be an integer, got {times!r}") from None
        if fault_id is None:
            raise FaultHeaderError("X-Fault-Times needs an X-Fault-Id to count requests by")
        with self._lock:
            self._seen[fault_id] = self._seen.get(fault_id, 0) + 1
            return self._seen[fault_id] <= limit
