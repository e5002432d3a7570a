"""A loopback HTTP server that answers every request with one canned reply, byte for byte.

For the replies the reference server never sends (it is driven by the spec): a body that lies
about its gzip encoding, JSON nested too deep to parse, a reply that breaks the schema. The CLI
tests run the program as a subprocess against it, so they need a real socket, not MockTransport.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class CannedReply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0  # seconds to wait before answering


class _Handler(BaseHTTPRequestHandler):
    server: CannedServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests_seen += 1
        reply = self.server.reply
        if self.server.closing.wait(reply.delay):
            return  # the test is over: nobody is waiting for this reply
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.server.requests += 1
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean


class CannedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, reply: CannedReply) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply = reply
        self.requests = 0
        self.requests_seen = 0  # received, whether answered yet or not
        self.closing = threading.Event()
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def canned_server(reply: CannedReply) -> Iterator[CannedServer]:
    """Serve ``reply`` to every POST on a free 127.0.0.1 port; yields the server (``.base_url``;
    ``.requests_seen`` and ``.requests``: how many were received, and answered)."""
    server = CannedServer(reply)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join()
