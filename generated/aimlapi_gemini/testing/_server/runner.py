# Copied from scripts/reference_server/runner.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Running the app under uvicorn: in the foreground, in a background thread, or as a subprocess."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import ReferenceApp, ServerConfig
from .exchange import TRANSPORT_EXTENSION, Receive, Scope, Send

ASGIApp = Callable[[Scope, Receive, Send], Any]

SERVE_SCRIPT = Path(__file__).resolve().parents[1] / "serve.py"


class _TransportExposingProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus a scope extension carrying the connection's transport.

    ASGI has no way to drop a connection without a response (uvicorn turns an exception
    before `http.response.start` into a 500), so the reset faults need the socket itself.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        app = self.app

        async def with_transport(scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_EXTENSION] = {"transport": transport}
            await app(scope, receive, send)

        self.app = with_transport


def make_server(app: ASGIApp, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_TransportExposingProtocol,
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    return uvicorn.Server(config)


def serve(host: str, port: int, config: ServerConfig) -> None:
    """Run in the foreground until interrupted."""
    make_server(ReferenceApp(config), host, port).run()


def wait_until_answering(base_url: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{base_url}/", timeout=1.0)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class BackgroundServer:
    """The server on a free loopback port in a daemon thread; use as a context manager.

    `middleware` wraps the app that is served (tests use it to break the server on purpose);
    `.app` stays the ReferenceApp inside.
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        host: str = "127.0.0.1",
        middleware: Callable[[ReferenceApp], ASGIApp] | None = None,
    ) -> None:
        self.app = ReferenceApp(config)
        self.host = host
        self.api_key = self.app.config.api_key
        served: ASGIApp = self.app if middleware is None else middleware(self.app)
        self._server = make_server(served, host, free_port(host))
        self._thread = threading.Thread(target=self._server.run, name="reference-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.config.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        wait_until_answering(self.base_url)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def spawn(port: int, api_key: str = "test-key", *extra: str, **popen: Any) -> subprocess.Popen[bytes]:
    """Start scripts/serve.py as a child process and wait until it answers."""
    command = [sys.executable, str(SERVE_SCRIPT), "--port", str(port), "--api-key", api_key, *extra]
    process = subprocess.Popen(command, **popen)
    try:
        wait_until_answering(f"http://127.0.0.1:{port}")
    except httpx.TransportError:
        process.kill()
        process.wait()
        raise
    return process


@contextmanager
def spawned(api_key: str = "test-key", *extra: str, **popen: Any) -> Iterator[str]:
    """The server as a child process on a free loopback port (its own GIL, unlike
    BackgroundServer); yields its base URL and stops it on exit."""
    port = free_port("127.0.0.1")
    process = spawn(port, api_key, *extra, **popen)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
