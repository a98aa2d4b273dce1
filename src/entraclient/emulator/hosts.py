"""Entra host names: the clouds, their alias groups, and what the emulator answers for.

Invariants:

* Every host here is lower-case and has no port.
* Each well-known authority host belongs to exactly one :class:`Cloud`; the alias groups that
  instance discovery returns are read from :data:`CLOUDS` and nowhere else.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = [
    "CLOUDS",
    "LOOPBACK_HOSTS",
    "ROUTED_HOST_SUFFIXES",
    "TENANT_ALIASES",
    "WELL_KNOWN_AUTHORITY_HOSTS",
    "Cloud",
    "HostSet",
    "cloud_for_host",
    "split_host_port",
]


@dataclass(frozen=True, slots=True)
class Cloud:
    """One Entra cloud: its authority hosts (aliases of each other) and related names."""

    instance_name: str
    graph_host: str
    aliases: tuple[str, ...]
    preferred_cache: str

    @property
    def preferred_network(self) -> str:
        """The host Entra recommends talking to (the first alias)."""
        return self.aliases[0]

    def alias_metadata(self) -> dict[str, object]:
        """This cloud's entry in the instance discovery ``metadata`` array."""
        return {
            "preferred_network": self.preferred_network,
            "preferred_cache": self.preferred_cache,
            "aliases": list(self.aliases),
        }


def _single_host_cloud(host: str, instance_name: str, graph_host: str) -> Cloud:
    return Cloud(instance_name, graph_host, (host,), host)


PUBLIC_CLOUD = Cloud(
    "microsoftonline.com",
    "graph.microsoft.com",
    ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"),
    "login.windows.net",
)

# The sovereign-cloud Graph hosts for the sovcloud-identity clouds are placeholders: the
# emulator only echoes them in discovery documents.
CLOUDS: tuple[Cloud, ...] = (
    PUBLIC_CLOUD,
    Cloud(
        "partner.microsoftonline.cn",
        "microsoftgraph.chinacloudapi.cn",
        ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
        "login.partner.microsoftonline.cn",
    ),
    _single_host_cloud("login.microsoftonline.de", "microsoftonline.de", "graph.microsoft.de"),
    Cloud(
        "microsoftonline.us",
        "graph.microsoft.us",
        ("login.microsoftonline.us", "login.usgovcloudapi.net"),
        "login.microsoftonline.us",
    ),
    _single_host_cloud("login-us.microsoftonline.com", "microsoftonline.us", "graph.microsoft.us"),
    _single_host_cloud(
        "login.sovcloud-identity.fr", "sovcloud-identity.fr", "graph.svc.sovcloud.fr"
    ),
    _single_host_cloud(
        "login.sovcloud-identity.de", "sovcloud-identity.de", "graph.svc.sovcloud.de"
    ),
    _single_host_cloud(
        "login.sovcloud-identity.sg", "sovcloud-identity.sg", "graph.svc.sovcloud.sg"
    ),
)

WELL_KNOWN_AUTHORITY_HOSTS: frozenset[str] = frozenset(h for c in CLOUDS for h in c.aliases)

# Regional hosts ({region}.login.microsoft.com), B2C and CIAM tenants live under these.
ROUTED_HOST_SUFFIXES: tuple[str, ...] = (
    ".login.microsoft.com",
    ".b2clogin.com",
    ".b2clogin.cn",
    ".b2clogin.us",
    ".b2clogin.de",
    ".ciamlogin.com",
)

LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})

TENANT_ALIASES: frozenset[str] = frozenset({"common", "organizations", "consumers"})


def split_host_port(authority: str) -> tuple[str, int | None]:
    """Split ``host[:port]`` (IPv6 in brackets) into a lower-case host and an optional port."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif authority.count(":") == 1:
        host, _, port_text = authority.partition(":")
    else:
        host, port_text = authority, ""
    return host, int(port_text) if port_text.isdigit() else None


def cloud_for_host(host: str) -> Cloud:
    """The cloud a host belongs to, also for regional hosts; the public cloud otherwise."""
    for cloud in CLOUDS:
        for alias in cloud.aliases:
            if host == alias or host.endswith("." + alias):
                return cloud
    return PUBLIC_CLOUD


class HostSet:
    """A thread-safe set of host names (lower-cased); ``*.example.test`` adds a suffix."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: set[str] = set()
        self._suffixes: set[str] = set()

    def __repr__(self) -> str:
        return f"HostSet({sorted(self.names())})"

    def add(self, name: str) -> None:
        """Add a host name, or a ``*.`` pattern matching every subdomain of one."""
        name = name.strip().lower().rstrip(".")
        if not name or "/" in name:
            raise ValueError(f"not a host name: {name!r}")
        with self._lock:
            if name.startswith("*."):
                self._suffixes.add(name[1:])
            else:
                self._names.add(name)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        host = host.lower()
        with self._lock:
            return host in self._names or any(host.endswith(s) for s in self._suffixes)

    def names(self) -> list[str]:
        """The exact names added (not the patterns), sorted."""
        with self._lock:
            return sorted(self._names)
