"""Applications whose clock a test moves: the one seam tests use to pass time."""

from __future__ import annotations

import time
from typing import Any

from entraclient import ConfidentialClientApplication
from tests.flows.scripted import FakeClock


class ClockedApp(ConfidentialClientApplication):
    """A ConfidentialClientApplication that reads ``clock`` instead of the system clock."""

    def __init__(self, *args: Any, clock: FakeClock, **kwargs: Any) -> None:
        self.test_clock = clock
        super().__init__(*args, **kwargs)

    def _now(self) -> float:
        return self.test_clock()


def real_time_clock() -> FakeClock:
    """A test clock starting now, so assertions and tokens stay valid for the emulator."""
    return FakeClock(time.time())
