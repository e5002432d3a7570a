"""The pytest plugin (entry point ``pytest11``): the ``aimlapi_mock`` fixture, a MockAPI per test.

Importing this module imports nothing of the kit's dependencies; the fixture does, when used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aimlapi_gemini.testing import MockAPI


@pytest.fixture
def aimlapi_mock() -> Iterator[MockAPI]:
    """A fresh MockAPI: script replies on it, call it through ``aimlapi_mock.client()``."""
    from aimlapi_gemini.testing import MockAPI  # an ImportError naming the extra when it is missing

    with MockAPI() as mock:
        yield mock
