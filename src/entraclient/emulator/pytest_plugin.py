"""pytest fixtures for the emulator (registered as a ``pytest11`` entry point).

* ``entra_emulator_session``: one running :class:`~entraclient.emulator.Emulator` per session.
* ``entra_emulator``: the same emulator, reset before each test (:meth:`Emulator.reset`):
  what earlier tests registered is gone, so tests may reuse tenant domains and client ids.
  Tests that use only ``entra_emulator_session`` share their registrations.
* ``entra_emulator_switch``: ``entra_emulator`` with the environment switch
  (``ENTRACLIENT_EMULATOR`` and ``ENTRACLIENT_EMULATOR_CA``) set for the test, so code that
  builds an application without ``http_client`` reaches the emulator and nothing else.

The emulator is imported inside the fixtures, so this plugin loads even where the
``emulator`` extra (starlette, uvicorn) is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from entraclient.emulator.emulator import Emulator

__all__ = ["entra_emulator", "entra_emulator_session", "entra_emulator_switch"]


@pytest.fixture(scope="session")
def entra_emulator_session() -> Iterator[Emulator]:
    """A running emulator shared by the whole test session."""
    from entraclient.emulator.emulator import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def entra_emulator(entra_emulator_session: Emulator) -> Emulator:
    """The session's emulator, reset before the test: only the sample setup registered, an
    empty request log, no fault armed and no sign-in queued."""
    entra_emulator_session.reset()
    return entra_emulator_session


@pytest.fixture
def entra_emulator_switch(entra_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """``entra_emulator``, with the default transports routed to it for this test only.

    Applications constructed during the test without an ``http_client`` send the Entra host
    names to the emulator and refuse every other host; the variables are restored afterwards.
    ``@pytest.mark.usefixtures("entra_emulator_switch")`` turns it on for a test or a class.
    """
    from entraclient.emulator_switch import HOSTS_VARIABLE, EmulatorSwitch

    monkeypatch.delenv(HOSTS_VARIABLE, raising=False)
    switch = EmulatorSwitch((entra_emulator.host, entra_emulator.port), entra_emulator.ca_path)
    for name, value in switch.environment().items():
        monkeypatch.setenv(name, value)
    return entra_emulator
