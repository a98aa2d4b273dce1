"""The fault suite over the async façade: every stage and fault of the sync suite, awaited.

Refused connections are injected by the emulator's sync routing adapter only, so those two
faults run on the sync side alone; every other case must end exactly as it does there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.async_app import OPEN, new_async_app
from tests.faults.catalogue import FaultCase
from tests.faults.conftest import CapturedLogs
from tests.faults.flows import FlowStage, SuiteWorld
from tests.faults.results import OUTCOMES
from tests.faults.test_fault_suite import CASES, EXCEPTION_TEXTS, _case_id, run_case

ASYNC_CASES = [
    (stage, fault) for stage, fault in CASES if not fault.name.startswith("connection refused")
]
ASYNC_OUTCOMES: dict[tuple[str, str], str] = {}


@pytest.fixture(autouse=True)
def close_apps() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


@pytest.mark.parametrize(("stage", "fault"), ASYNC_CASES, ids=[_case_id(c) for c in ASYNC_CASES])
def test_fault_over_async(
    world: SuiteWorld, suite_logs: CapturedLogs, stage: FlowStage, fault: FaultCase
) -> None:
    ASYNC_OUTCOMES[(fault.name, stage.name)] = run_case(world, stage, fault, new_async_app)


def test_async_outcomes_match_the_sync_ones() -> None:
    shared = set(OUTCOMES) & set(ASYNC_OUTCOMES)
    assert {k: ASYNC_OUTCOMES[k] for k in shared} == {k: OUTCOMES[k] for k in shared}


def test_no_secret_or_token_in_any_log_of_the_async_suite(
    world: SuiteWorld, suite_logs: CapturedLogs
) -> None:
    for stage, fault in ASYNC_CASES:  # cases deselected with -k still run here, for the scan
        if (fault.name, stage.name) not in ASYNC_OUTCOMES:
            ASYNC_OUTCOMES[(fault.name, stage.name)] = run_case(world, stage, fault, new_async_app)
        while OPEN:
            OPEN.pop().close()
    logs = suite_logs.text()
    assert len(suite_logs.lines) > len(ASYNC_CASES)
    assert len(world.secrets) > len(ASYNC_CASES)
    searched = logs + "\n".join(EXCEPTION_TEXTS)
    leaked = sorted(s for s in world.secrets if s in searched)
    assert leaked == [], f"{len(leaked)} secrets or tokens appear in logs or exceptions"
