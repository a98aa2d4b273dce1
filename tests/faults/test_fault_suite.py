"""The fault suite: every flow stage of flows.py against every fault of catalogue.py.

For each case: the outcome is the expected one (an error dict, a TransportError, or a token
the protocol allows), no other exception escapes, nothing is written to the token cache or
the http_cache when the outcome is a failure, no request follows a redirect, and the next
healthy request (after any throttling hold has passed) succeeds. The last test scans every
log record of the whole suite for every secret and token the suite used.
"""

from __future__ import annotations

from typing import Any

import pytest

from entraclient import TransportError
from entraclient.emulator.faults import Respond
from tests.clocked import real_time_clock
from tests.faults.catalogue import (
    ELSEWHERE,
    FAULTS,
    THROTTLE_WAIT,
    FaultCase,
    Invalid,
    Raises,
    ServerError,
    Tolerated,
)
from tests.faults.conftest import CapturedLogs
from tests.faults.flows import (
    HEALTHY_LIFETIME,
    STAGES,
    AppFactory,
    FlowStage,
    SuiteApp,
    SuiteWorld,
    new_app,
)
from tests.faults.results import OUTCOMES

CASES = [
    (stage, fault)
    for stage in STAGES
    for fault in FAULTS
    if not (fault.token_only and stage.kind != "token")
]
EXCEPTION_TEXTS: list[str] = []


def _case_id(case: tuple[FlowStage, FaultCase]) -> str:
    stage, fault = case
    return f"{stage.name} | {fault.name}"


def _snapshot(app: SuiteApp) -> tuple[object, object]:
    http_cache = app.http_cache if app.http_cache is not None else {}
    return app.token_cache.snapshot(), {k: repr(v) for k, v in http_cache.items()}


def _call(app: SuiteApp, stage: FlowStage, world: SuiteWorld) -> dict[str, Any] | TransportError:
    try:
        result = stage.call(app, world)
    except TransportError as failure:
        EXCEPTION_TEXTS.extend([str(failure), repr(failure), str(failure.__cause__)])
        return failure
    except Exception as unexpected:
        pytest.fail(f"unexpected {type(unexpected).__name__}: {unexpected}")
    world.remember(result)
    return result


def _check_failure(
    stage: FlowStage, fault: FaultCase, outcome: dict[str, Any] | TransportError
) -> str:
    expected = fault.expected
    if isinstance(expected, Raises):
        assert isinstance(outcome, TransportError), outcome
        assert outcome.__cause__ is not None, "a TransportError chains what went wrong"
        if stage.kind == "token":
            assert outcome.correlation_id, "a failed token request names its correlation id"
        return expected.label()
    assert isinstance(outcome, dict), f"expected an error dict, got {outcome!r}"
    assert "access_token" not in outcome, outcome
    assert isinstance(outcome.get("error_description"), str) and outcome["error_description"]
    if isinstance(expected, ServerError):
        assert outcome["error"] == expected.error, outcome
    else:
        assert isinstance(expected, Invalid)
        assert outcome["error"] == "invalid_response", outcome
    if stage.kind == "token":
        assert outcome.get("correlation_id"), outcome
    return expected.label()


def _check_fallback(outcome: dict[str, Any] | TransportError, seeded: set[str]) -> str:
    assert isinstance(outcome, dict), outcome
    assert outcome["token_source"] == "cache", outcome
    assert outcome["access_token"] in seeded
    return "cached token"


def _check_tolerated(app: SuiteApp, stage: FlowStage, outcome: object, expected: Tolerated) -> str:
    assert isinstance(outcome, dict) and "access_token" in outcome, outcome
    (entry,) = [
        e for e in app.token_cache.entries("AccessToken") if e["secret"] == outcome["access_token"]
    ]
    lifetime = expected.expires_in
    if lifetime == HEALTHY_LIFETIME:
        lifetime = stage.token_lifetime
    assert int(entry["expires_on"]) - int(entry["cached_at"]) == lifetime
    return expected.label()


def _holds(fault: object) -> bool:
    """Whether this fault's answer makes the throttling layer hold the request."""
    if not isinstance(fault, Respond):
        return False
    retry_after = [v for k, v in fault.headers if k.lower() == "retry-after"]
    return (fault.status == 429 or fault.status >= 500) and retry_after != ["0"]


def _check_held(app: SuiteApp, stage: FlowStage, world: SuiteWorld) -> None:
    """The same call again at once: answered from the throttle state, nothing sent."""
    count = len(world.emu.requests)
    again = _call(app, stage, world)
    assert len(world.emu.requests) == count, "a throttled request reached the emulator"
    assert isinstance(again, dict), again
    if stage.falls_back_to_cached_token:
        assert again["token_source"] == "cache", again
    else:
        assert again["error"] == "temporarily_unavailable", again
        assert 1 <= again["retry_after"] <= THROTTLE_WAIT, again


def run_case(
    world: SuiteWorld, stage: FlowStage, fault: FaultCase, make_app: AppFactory = new_app
) -> str:
    """Run one case, check everything the suite promises, return its outcome label."""
    emu, clock = world.emu, real_time_clock()
    app = make_app(world, stage.authority(world), clock)
    stage.prepare(app, world, clock)
    seeded = {e["secret"] for e in app.token_cache.entries("AccessToken")}
    before = _snapshot(app)
    emu.clear_faults()
    injected = fault.build(stage.healthy(world, clock()))
    emu.inject(injected, path=stage.fault_path, times=1)
    emu.clear_log()

    outcome = _call(app, stage, world)

    if isinstance(fault.expected, Tolerated):
        label = _check_tolerated(app, stage, outcome, fault.expected)
    else:
        if stage.falls_back_to_cached_token:
            label = _check_fallback(outcome, seeded)
        else:
            label = _check_failure(stage, fault, outcome)
        assert _snapshot(app) == before, "a fault must leave the token cache and http_cache as is"
    assert not [r for r in emu.requests if r.host.startswith(ELSEWHERE)], "a redirect was followed"
    if _holds(injected):
        label += ", then held"
        _check_held(app, stage, world)

    emu.clear_faults()
    clock.advance(THROTTLE_WAIT)
    healthy = _call(app, stage, world)
    assert isinstance(healthy, dict) and "access_token" in healthy, healthy
    return label


@pytest.mark.parametrize(("stage", "fault"), CASES, ids=[_case_id(c) for c in CASES])
def test_fault(
    world: SuiteWorld, suite_logs: CapturedLogs, stage: FlowStage, fault: FaultCase
) -> None:
    OUTCOMES[(fault.name, stage.name)] = run_case(world, stage, fault)


def test_the_catalogue_has_at_least_30_faults_for_every_stage() -> None:
    for stage in STAGES:
        assert sum(1 for s, _ in CASES if s is stage) >= 30, stage.name


def test_no_secret_or_token_in_any_log_of_the_suite(
    world: SuiteWorld, suite_logs: CapturedLogs
) -> None:
    for stage, fault in CASES:  # cases deselected with -k still run here, for the scan
        if (fault.name, stage.name) not in OUTCOMES:
            OUTCOMES[(fault.name, stage.name)] = run_case(world, stage, fault)
    logs = suite_logs.text()
    assert len(suite_logs.lines) > len(CASES), "the capture saw too little to prove anything"
    for evidence in ("cache miss", "throttled:", "refresh failed", "discovering"):
        assert evidence in logs, f"no log line says {evidence!r}"
    assert len(world.secrets) > len(CASES)  # the client secret and every token seen
    searched = logs + "\n".join(EXCEPTION_TEXTS)
    leaked = sorted(s for s in world.secrets if s in searched)
    assert leaked == [], f"{len(leaked)} secrets or tokens appear in logs or exceptions"
