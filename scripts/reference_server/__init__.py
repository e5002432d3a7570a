"""A local reference server for the AI/ML API chat completions endpoint, driven by generated/openapi.json.

- app.py: ASGI routing, auth, dispatch; exchange.py: reading/sending/dropping connections;
- validation.py + spec.py: request validation against the spec (OAS 3.0 validator);
- replies.py + arguments.py: deterministic replies; streaming.py: SSE;
- faults.py: the X-Fault header contract; errors.py: vendor error bodies;
- runner.py: uvicorn in the foreground, a background thread, or a subprocess.
"""

from .app import ReferenceApp, ServerConfig
from .runner import BackgroundServer, serve, spawn

app = ReferenceApp()

__all__ = ["BackgroundServer", "ReferenceApp", "ServerConfig", "app", "serve", "spawn"]
