"""pytest fixtures for the emulator (registered as a ``pytest11`` entry point).

* ``entra_emulator_session``: one running :class:`~entraclient.emulator.Emulator` per session.
* ``entra_emulator``: the same emulator, with its request log cleared and no fault armed
  before each test.

The emulator is imported inside the fixtures, so this plugin loads even where the
``emulator`` extra (starlette, uvicorn) is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from entraclient.emulator.emulator import Emulator

__all__ = ["entra_emulator", "entra_emulator_session"]


@pytest.fixture(scope="session")
def entra_emulator_session() -> Iterator[Emulator]:
    """A running emulator shared by the whole test session."""
    from entraclient.emulator.emulator import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def entra_emulator(entra_emulator_session: Emulator) -> Emulator:
    """The session's emulator, with an empty request log, no fault armed and no sign-in
    queued."""
    entra_emulator_session.clear_log()
    entra_emulator_session.clear_faults()
    entra_emulator_session.clear_sign_ins()
    return entra_emulator_session
