"""A local Ray (two CPUs, no dashboard) for the module that needs one, and reference servers that
record their requests' arrivals."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import ray

from aimlapi_gemini.testing._server import BackgroundServer, ReferenceApp, ServerConfig
from aimlapi_gemini.testing._server.faults import Chaos
from tests.doubles.recording import RecordedServer, Recorder

ServerFactory = Callable[..., RecordedServer]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """``make_server(chaos=Chaos(...))``: a reference server recording arrivals and headers."""
    started: list[BackgroundServer] = []

    def make(*, chaos: Chaos | None = None) -> RecordedServer:
        recorders: list[Recorder] = []

        def wrap(app: ReferenceApp) -> Recorder:
            recorders.append(Recorder(app))
            return recorders[0]

        server = BackgroundServer(ServerConfig(chaos=chaos), middleware=wrap).start()
        started.append(server)
        return RecordedServer(server, recorders[0])

    yield make
    for server in started:
        server.stop()
