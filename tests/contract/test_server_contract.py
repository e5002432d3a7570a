"""Server contract: schemathesis drives the server with positive and negative requests.

schemathesis's default checks run as they are (its response_schema_conformance reads each
event of a stream through the event schema's contentMediaType/contentSchema), plus only
contract_kit.checks.stream_ends_with_done. The big run goes through the in-process ASGI app;
a smaller one goes over real loopback HTTP. With CONTRACT_BASE_URL both go to that server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from contract_kit.checks import call_and_check, contract_schema
from contract_kit.tally import CASES, total
from contract_kit.target import Target, live_target
from hypothesis import HealthCheck, settings

from aimlapi_gemini.testing._server import app

# Fuzzing-phase examples, shared by the two modes; the coverage phase adds ~435 deterministic
# cases on top for today's spec, so the main run makes ~1,100. The coverage phase shrinks with the
# spec (a revision without tools has fewer fields to cover), so the floor checked at module
# teardown is the fuzzing examples alone.
MAIN_EXAMPLES = 700
LOOPBACK_EXAMPLES = 60
MINIMUM_MAIN_CASES = MAIN_EXAMPLES


def _schema(max_examples: int, app: object = None) -> schemathesis.BaseSchema:
    schema = contract_schema(app)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=max_examples,
        deterministic=True,
    )
    return schema


main_schema = _schema(MAIN_EXAMPLES, app if live_target() is None else None)
loopback_schema = _schema(LOOPBACK_EXAMPLES)

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _check(case: schemathesis.Case[Any], target: Target, *, main: bool) -> None:
    phase = case.meta.phase.name.value if case.meta is not None else "explicit"
    mode = case.meta.generation.mode.value if case.meta is not None else "explicit"
    CASES[f"{'main' if main else 'loopback'} {phase} {mode}"] += 1
    # The main run reaches the local app in-process (schema.app); everything else goes over HTTP.
    base_url = None if main and target.server is not None else target.base_url
    call_and_check(case, target.headers, base_url)


@pytest.fixture(scope="module", autouse=True)
def _enough_cases() -> Iterator[None]:
    """Fails the module if the main run happened but generated fewer cases than promised."""
    yield
    ran = total("main")
    if ran:
        assert ran >= MINIMUM_MAIN_CASES, dict(CASES)
        modes = {name.split()[-1] for name in CASES if name.startswith("main")}
        assert {"positive", "negative"} <= modes, dict(CASES)


@main_schema.parametrize()
@SETTINGS
def test_server_conforms(case: schemathesis.Case[Any], contract_target: Target) -> None:
    _check(case, contract_target, main=True)


@loopback_schema.parametrize()
@SETTINGS
def test_server_conforms_over_loopback(case: schemathesis.Case[Any], contract_target: Target) -> None:
    _check(case, contract_target, main=False)
