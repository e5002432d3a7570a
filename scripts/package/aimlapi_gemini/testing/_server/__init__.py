"""A local reference server for the AI/ML API chat completions endpoint, driven by generated/openapi.json.

- app.py: ASGI routing, auth, dispatch; exchange.py: reading/sending/dropping connections;
- validation.py + spec.py: request validation against the spec (JSON Schema 2020-12, OAS 3.1);
- replies.py + arguments.py: deterministic replies; streaming.py: SSE;
- faults.py: the X-Fault header contract; errors.py: vendor error bodies;
- limits.py: every size, depth, count and deadline (ServerConfig.limits), each named in its errors;
- protocol.py: uvicorn's h11 protocol plus the header deadline, the transport for reset faults and
  vendor-shaped 400/503s from the HTTP layer;
- runner.py: uvicorn in the foreground, a background thread, or a subprocess.
"""

from .app import ReferenceApp, ServerConfig
from .runner import BackgroundServer, serve, spawn

app = ReferenceApp()

__all__ = ["BackgroundServer", "ReferenceApp", "ServerConfig", "app", "serve", "spawn"]
