"""Which server the contract suites talk to: the local reference server, or CONTRACT_BASE_URL.

With CONTRACT_BASE_URL set, the suites run against that server with AIML_API_KEY as the
bearer key and start nothing locally; without it they use the in-process reference server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aimlapi_gemini.testing._server import BackgroundServer

LIVE_URL_VARIABLE = "CONTRACT_BASE_URL"
LIVE_KEY_VARIABLE = "AIML_API_KEY"


@dataclass(frozen=True)
class LiveTarget:
    base_url: str
    api_key: str


def live_target() -> LiveTarget | None:
    """The remote server named by the environment, or None to use the local reference server."""
    base_url = os.environ.get(LIVE_URL_VARIABLE, "").strip()
    if not base_url:
        return None
    return LiveTarget(base_url=base_url.rstrip("/"), api_key=os.environ.get(LIVE_KEY_VARIABLE, ""))


@dataclass(frozen=True)
class Target:
    """Where the contract suites send requests; `server` is None for a live (remote) target."""

    base_url: str
    api_key: str
    server: BackgroundServer | None

    @property
    def headers(self) -> dict[str, str]:
        """The key in the header the spec's security scheme names."""
        from aimlapi_gemini.testing._server.spec import credential_headers

        return credential_headers(self.api_key)
