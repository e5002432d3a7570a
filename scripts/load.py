#!/usr/bin/env python3
"""`make load`: the reference server under load and abuse, on loopback, in bounded loops.

The server runs in its own process (aimlapi_gemini.testing._server.runner.spawn); the load comes from raw
asyncio sockets in this one (HTTP/1.1 keep-alive, one request at a time per connection), so the
client's own overhead stays small next to the server's. Phases:

1. N connections (100, then 1,000) share a fixed number of requests: requests/s, p50, p99, errors.
2. 400 slow-header sockets (one header byte a second, reconnecting when cut) are opened, and
   phase 1 at the first connection count runs again among them: its p99 against the p99 without.
   Then the sockets are held until the server's header deadline should have cut them all.
3. Abuse: a 100 MB chunked body (413 expected) and X-Reply-Tokens: 10000000 (400 expected).
4. The server's peak RSS (VmHWM from /proc; Linux only).

Targets, printed PASS/FAIL (exit status 1 on any FAIL): 0 errors at the largest connection
count; p99 under attack <= 3x the p99 without; every slow socket cut; peak RSS < 200 MiB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from spec_requests import user_message

from aimlapi_gemini.testing._server.limits import Limits
from aimlapi_gemini.testing._server.runner import free_port, raise_open_file_limit, spawn
from aimlapi_gemini.testing._server.spec import credential_headers, find_operation, load_spec, sample_model

HOST = "127.0.0.1"
API_KEY = "load-key"
# The route and the key's header are the spec's, as the server serves them.
PATH = find_operation().path
CREDENTIALS = [f"{name}: {value}" for name, value in credential_headers(API_KEY).items()]
# One user message as the spec takes it (text, or where it takes none, the message its schema builds).
MESSAGE = user_message(load_spec(), "Hello there")
if MESSAGE is None:
    raise SystemExit("load: the spec takes no user message")
BODY = json.dumps({"model": sample_model(), "messages": [MESSAGE]}).encode()
REQUEST_TIMEOUT = 30.0
RSS_TARGET_MIB = 200
ATTACK_RATIO_TARGET = 3.0


def request_bytes(headers: dict[str, str] | None = None, body: bytes = BODY) -> bytes:
    lines = [
        f"{find_operation().method} {PATH} HTTP/1.1",
        f"Host: {HOST}",
        *CREDENTIALS,
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class PhaseResult:
    connections: int
    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def client_connection(port: int, count: int, result: PhaseResult) -> None:
    done = 0
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), REQUEST_TIMEOUT)
    except (OSError, TimeoutError):
        result.errors += count
        return
    request = request_bytes()
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            status, _ = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
            done += 1
            if status == 200:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        result.errors += count - done
    finally:
        writer.close()


async def run_phase(port: int, connections: int, requests: int) -> PhaseResult:
    per_connection = max(1, requests // connections)
    result = PhaseResult(connections, per_connection * connections, 0.0)
    started = time.perf_counter()
    await asyncio.gather(*(client_connection(port, per_connection, result) for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class SlowSockets:
    """Sockets that send a never-ending header one byte a second; each reconnects when cut."""

    port: int
    count: int
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    open_now: int = 0
    cut_after: list[float] = field(default_factory=list)  # seconds each cut socket had lived
    first_connections_cut: int = 0  # of the `count` first connections (reconnections aside)

    async def one(self) -> None:
        header = f"POST {PATH} HTTP/1.1\r\nHost: {HOST}\r\nX-Padding: ".encode()
        first = True
        while not self.stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(HOST, self.port)
            except OSError:
                await asyncio.sleep(1)
                continue
            opened = time.monotonic()
            self.open_now += 1
            position = 0
            try:
                while not self.stop.is_set():
                    writer.write(header[position : position + 1] if position < len(header) else b"a")
                    position += 1
                    try:
                        if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                            self._cut(opened, first)
                            break
                    except TimeoutError:
                        continue
            except OSError:
                self._cut(opened, first)
            finally:
                first = False
                self.open_now -= 1
                writer.close()

    def _cut(self, opened: float, first: bool) -> None:
        self.cut_after.append(time.monotonic() - opened)
        self.first_connections_cut += first

    async def wait_until_open(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.open_now < self.count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


async def abuse(port: int) -> list[tuple[str, str, bool]]:
    """(what, outcome, as expected?) for oversized inputs."""
    outcomes: list[tuple[str, str, bool]] = []
    reader, writer = await asyncio.open_connection(HOST, port)
    lines = [f"{find_operation().method} {PATH} HTTP/1.1", f"Host: {HOST}", *CREDENTIALS]
    lines += ["Content-Type: application/json", "Transfer-Encoding: chunked"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    chunk = b"a" * (1 << 20)

    async def send_100_mb() -> bool:
        """Whether the whole body went out."""
        try:
            writer.write(head)
            for _ in range(100):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except OSError:
            return False  # the server stopped reading after its limit: expected
        return True

    sender = asyncio.create_task(send_100_mb())
    try:
        status, _ = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
        outcomes.append(("100 MB chunked body", str(status), status == 413))
    except (ConnectionResetError, asyncio.IncompleteReadError) as exc:
        # The server answers 413 and closes while body bytes it never read are still arriving, so
        # its kernel resets the connection, and the reset can discard the 413 before it is read.
        # Refused all the same, provided the body never got through whole.
        sent_whole = await sender
        why = f"{type(exc).__name__} before the whole body was sent; the 413 was lost to the reset"
        outcomes.append(
            ("100 MB chunked body", why if not sent_whole else type(exc).__name__, not sent_whole)
        )
    except (OSError, TimeoutError) as exc:
        outcomes.append(("100 MB chunked body", type(exc).__name__, False))
    await sender
    writer.close()

    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(request_bytes({"X-Reply-Tokens": "10000000"}))
    status, _ = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
    outcomes.append(("X-Reply-Tokens: 10000000", str(status), status == 400))
    writer.close()
    return outcomes


def peak_rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


async def measure(args: argparse.Namespace, port: int, pid: int) -> bool:
    verdicts: list[tuple[bool, str]] = []
    print(f"{'connections':>11} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    results = []
    for connections in args.connections:
        result = await run_phase(port, connections, args.requests)
        results.append(result)
        print(
            f"{connections:>11} {result.requests:>9} {result.errors:>7} {result.rate:>8.0f} "
            f"{ms(result.percentile(0.5))} {ms(result.percentile(0.99))}"
        )
    largest = results[-1]
    verdicts.append(
        (largest.errors == 0, f"0 errors at {largest.connections} connections ({largest.errors})")
    )

    slow = SlowSockets(port, args.slow)
    attackers = [asyncio.create_task(slow.one()) for _ in range(args.slow)]
    await slow.wait_until_open(timeout=10)
    opened = slow.open_now
    baseline = results[0]
    attacked = await run_phase(port, baseline.connections, args.requests)
    ratio = attacked.percentile(0.99) / baseline.percentile(0.99)
    print(
        f"with {opened} slow-header sockets open, {baseline.connections} connections: "
        f"{attacked.rate:.0f} req/s, p50 {ms(attacked.percentile(0.5)).strip()} ms, "
        f"p99 {ms(attacked.percentile(0.99)).strip()} ms ({ratio:.2f}x the p99 without), "
        f"{attacked.errors} errors"
    )
    verdicts.append(
        (
            ratio <= ATTACK_RATIO_TARGET and attacked.errors == 0,
            f"p99 during the slow-socket attack <= {ATTACK_RATIO_TARGET:g}x the p99 without ({ratio:.2f}x)",
        )
    )
    # Hold the attack past the header deadline: every socket opened so far must have been cut.
    await asyncio.sleep(max(0.0, args.header_timeout + 2 - attacked.seconds))
    slow.stop.set()
    cut = slow.first_connections_cut
    lived = f", each after {min(slow.cut_after):.1f}-{max(slow.cut_after):.1f} s" if slow.cut_after else ""
    print(
        f"slow-header sockets cut by the server's header deadline ({args.header_timeout:g} s): "
        f"{cut}/{args.slow}{lived} ({len(slow.cut_after)} cuts counting reconnections)"
    )
    verdicts.append((cut == args.slow, f"every slow-header socket cut ({cut}/{args.slow})"))
    await asyncio.gather(*attackers)

    for what, outcome, expected in await abuse(port):
        print(f"abuse: {what} -> {outcome}")
        verdicts.append((expected, f"{what} refused ({outcome})"))

    rss = peak_rss_mib(pid)
    print(f"server peak RSS: {'n/a' if rss is None else f'{rss:.1f} MiB'}")
    verdicts.append(
        (
            rss is not None and rss < RSS_TARGET_MIB,
            f"server peak RSS < {RSS_TARGET_MIB} MiB ({rss or 0:.1f} MiB)",
        )
    )
    print()
    for ok, text in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return all(ok for ok, _ in verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--connections",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[100, 1000],
        help="comma-separated connection counts (default 100,1000)",
    )
    parser.add_argument("--requests", type=int, default=5000, help="requests per phase (default 5000)")
    parser.add_argument("--slow", type=int, default=400, help="slow-header sockets (default 400)")
    parser.add_argument(
        "--header-timeout", type=float, default=Limits.header_timeout, help="the server's header deadline"
    )
    args = parser.parse_args(argv)
    raise_open_file_limit()
    print(f"open-file limit here: {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    port = free_port(HOST)
    server = spawn(port, API_KEY, "--header-timeout", str(args.header_timeout))
    try:
        print(f"reference server: pid {server.pid}, http://{HOST}:{port}")
        passed = asyncio.run(measure(args, port, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
