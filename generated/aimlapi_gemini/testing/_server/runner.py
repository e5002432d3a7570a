# Copied from scripts/package/aimlapi_gemini/testing/_server/runner.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Running the app under uvicorn: in the foreground, in a background thread, or as a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx
import uvicorn

from .app import ReferenceApp, ServerConfig
from .exchange import Receive, Scope, Send
from .limits import Limits
from .protocol import protocol_class

ASGIApp = Callable[[Scope, Receive, Send], Any]

# The server's command line (__main__.py), as a child process runs it.
SERVE_COMMAND = (sys.executable, "-m", __package__ or "aimlapi_gemini.testing._server")


def make_server(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 8000, limits: Limits | None = None
) -> uvicorn.Server:
    limits = limits or Limits()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(limits),
        timeout_keep_alive=limits.keep_alive_timeout,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        backlog=limits.max_concurrency,
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    return uvicorn.Server(config)


def serve(host: str, port: int, config: ServerConfig) -> None:
    """Run in the foreground until interrupted."""
    raise_open_file_limit()
    make_server(ReferenceApp(config), host, port, config.limits).run()


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


# How long a stopping BackgroundServer waits for replies in progress before it stops anyway.
GRACE_SECONDS = 2.0


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
        self._server = make_server(served, host, free_port(host), self.app.config.limits)
        self._thread = threading.Thread(target=self._server.run, name="reference-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._server.config.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        wait_until_answering(self.base_url)
        return self

    def stop(self) -> None:
        """Stop it: replies in progress get a moment to finish, then the server stops anyway
        (uvicorn's force_exit), so a stream still sending does not outlive its test's server."""
        self._server.should_exit = True
        self._thread.join(timeout=GRACE_SECONDS)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def raise_open_file_limit() -> None:
    """Soft open-file limit up to the hard one: each connection is a descriptor, and the
    default soft limit (often 1,024) is below max_concurrency."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def spawn(port: int, api_key: str = "test-key", *extra: str, **popen: Any) -> subprocess.Popen[bytes]:
    """Start the server's command line as a child process and wait until it answers."""
    command = [*SERVE_COMMAND, "--port", str(port), "--api-key", api_key, *extra]
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
