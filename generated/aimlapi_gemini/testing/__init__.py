# Copied from scripts/package/aimlapi_gemini/testing/__init__.py by `make generate`.
# Do not edit here: edit the source there, then regenerate.
"""Test code built on aimlapi_gemini without a key or a network: ``MockAPI``, the reference server as a
test double, and a pytest plugin whose ``aimlapi_mock`` fixture is a fresh MockAPI per test.

Needs the ``testing`` extra (``pip install 'aimlapi-gemini[testing]'``). The names are imported on
first use, so that the pytest plugin (registered for every install) costs nothing where the kit is
not used. Copied by ``make generate`` from scripts/package/aimlapi_gemini/testing/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimlapi_gemini.testing._server.mock import MockAPI
    from aimlapi_gemini.testing._server.script import ScriptError

__all__ = ["MockAPI", "ScriptError"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from aimlapi_gemini.testing._server import mock, script
    except ImportError as exc:
        raise ImportError(
            f"aimlapi_gemini.testing needs the testing extra (missing: {exc.name}); "
            "pip install 'aimlapi-gemini[testing]'"
        ) from exc
    return mock.MockAPI if name == "MockAPI" else script.ScriptError
