"""Suite-wide guards: nothing but loopback, ever.

pytest-socket (``--allow-hosts`` in pyproject.toml) refuses connections to any address but
loopback; this module also refuses to *resolve* any name but a loopback one, so a slip that
would look up ``login.microsoftonline.com`` fails loudly instead of leaking a DNS query.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what they draw, never how fast: a busy 2-core machine may draw and run
# slowly, which is no failure (timed assertions do not belong in tests).
settings.register_profile(
    "entraclient", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("entraclient")

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})


class NonLoopbackLookupError(RuntimeError):
    """A test tried to resolve a name that is not loopback."""


_real_getaddrinfo = socket.getaddrinfo


def _loopback_only_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    text = str(name).lower()
    if name is not None and text not in LOOPBACK_NAMES and not text.startswith("127."):
        raise NonLoopbackLookupError(f"test tried to resolve non-loopback host {name!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.getaddrinfo = _loopback_only_getaddrinfo


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.getaddrinfo = _real_getaddrinfo
