"""The environment switch: route the default transports to a running emulator.

Set two environment variables and every application built afterwards *without* an
``http_client`` talks to the emulator instead of the internet:

* ``ENTRACLIENT_EMULATOR=127.0.0.1:PORT`` (or ``[::1]:PORT``, ``localhost:PORT``): where the
  emulator listens; only loopback addresses are accepted;
* ``ENTRACLIENT_EMULATOR_CA=/path/to/ca.pem``: the emulator's CA certificate;
* ``ENTRACLIENT_EMULATOR_HOSTS=adfs.contoso.test,*.example.test`` (optional): more host
  names the emulator serves (custom instances, ADFS farms), comma-separated.

Under the switch, the default ``requests`` session (sync) and ``httpx.AsyncClient`` (async)
send the Entra host names (``login.microsoftonline.com``, regional hosts, national clouds,
``*.b2clogin.com``, ``*.ciamlogin.com``) to the emulator, verify TLS for those names against
its CA only, reach loopback hosts over TLS verified against the same CA, and refuse every
other host before any DNS look-up. Nothing can leak to the internet by mistake.

The variables are read when a default transport is built, that is when an application is
constructed. A user's ``http_client`` is left alone. A switch that is set but malformed
raises :class:`ValueError` saying what to change, rather than falling back to the internet.

This module imports nothing heavy: ``requests``, ``httpx`` and the emulator's routing code
are imported only when the switch is on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    import requests

    from entraclient.emulator.routing import HostRouter

__all__ = [
    "ADDRESS_VARIABLE",
    "CA_VARIABLE",
    "HOSTS_VARIABLE",
    "EmulatorSwitch",
    "switch_from_environment",
    "switched_httpx_client",
    "switched_requests_session",
]

ADDRESS_VARIABLE = "ENTRACLIENT_EMULATOR"
CA_VARIABLE = "ENTRACLIENT_EMULATOR_CA"
HOSTS_VARIABLE = "ENTRACLIENT_EMULATOR_HOSTS"

_LOOPBACK = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1", "::1": "::1"}


@dataclass(frozen=True, slots=True)
class EmulatorSwitch:
    """Where the emulator listens, the CA file its TLS certificates chain to, and the host
    names it serves beyond the Entra ones."""

    address: tuple[str, int]
    ca_path: Path
    hosts: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        """The environment variables that turn this switch on in another process."""
        host, port = self.address
        shown = f"[{host}]" if ":" in host else host
        variables = {ADDRESS_VARIABLE: f"{shown}:{port}", CA_VARIABLE: str(self.ca_path)}
        if self.hosts:
            variables[HOSTS_VARIABLE] = ",".join(self.hosts)
        return variables

    def router(self) -> HostRouter:
        """The routing table: Entra hosts and :attr:`hosts` to the emulator, loopback to itself."""
        from entraclient.emulator.hosts import HostSet
        from entraclient.emulator.routing import HostRouter

        extra = HostSet()
        for name in self.hosts:
            extra.add(name)
        return HostRouter(self.address, extra)


def switch_from_environment(environ: Mapping[str, str] | None = None) -> EmulatorSwitch | None:
    """The switch the environment asks for, or ``None`` when ``ENTRACLIENT_EMULATOR`` is unset.

    Raises:
        ValueError: the variables are set but unusable (not loopback, no port, no CA file).
    """
    env = os.environ if environ is None else environ
    raw = env.get(ADDRESS_VARIABLE, "").strip()
    if not raw:
        return None
    address = _parse_address(raw)
    ca = env.get(CA_VARIABLE, "").strip()
    if not ca:
        raise ValueError(
            f"{ADDRESS_VARIABLE} is set but {CA_VARIABLE} is not: set it to the CA certificate "
            "path the emulator prints (entraclient emulator --json shows it as ca_path)"
        )
    ca_path = Path(ca)
    if not ca_path.is_file():
        raise ValueError(
            f"{CA_VARIABLE}={ca} is not a file: is the emulator still running? "
            "It removes its CA file when it stops; copy the path from its banner again"
        )
    hosts = tuple(h.strip() for h in env.get(HOSTS_VARIABLE, "").split(",") if h.strip())
    for name in hosts:
        if "/" in name or ":" in name or " " in name:
            raise ValueError(
                f"{HOSTS_VARIABLE}: {name!r} is not a host name; list names such as "
                "adfs.contoso.test or *.example.test, separated by commas"
            )
    return EmulatorSwitch(address, ca_path, hosts)


def _parse_address(raw: str) -> tuple[str, int]:
    host, sep, port_text = raw.rpartition(":")
    host = host.strip("[]").lower()
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(
            f"{ADDRESS_VARIABLE}={raw!r} needs a port: set it to HOST:PORT, "
            "for example 127.0.0.1:8443 (the address the emulator prints)"
        )
    if host not in _LOOPBACK:
        raise ValueError(
            f"{ADDRESS_VARIABLE}={raw!r} is not a loopback address: the emulator listens "
            "only on 127.0.0.1, ::1 or localhost"
        )
    return _LOOPBACK[host], int(port_text)


def switched_requests_session(max_retries: Any = 0) -> requests.Session | None:
    """A ``requests.Session`` routed to the emulator if the switch is on, else ``None``.

    ``max_retries`` is handed to the routing adapter, as to any ``HTTPAdapter``.
    """
    switch = switch_from_environment()
    if switch is None:
        return None
    from entraclient.emulator.routing import RoutingAdapter, routed_session

    adapter = RoutingAdapter(switch.router(), switch.ca_path, max_retries=max_retries)
    return routed_session(adapter)


def switched_httpx_client(timeout: httpx.Timeout | None = None) -> httpx.AsyncClient | None:
    """An ``httpx.AsyncClient`` routed to the emulator if the switch is on, else ``None``."""
    switch = switch_from_environment()
    if switch is None:
        return None
    import httpx

    from entraclient.emulator.async_routing import AsyncRoutingTransport

    return httpx.AsyncClient(
        transport=AsyncRoutingTransport(switch.router(), switch.ca_path),
        timeout=timeout if timeout is not None else httpx.Timeout(None),
        trust_env=False,
        follow_redirects=False,
    )
