"""The ADFS farms the emulator plays: each host name serves one directory tenant.

ADFS has no tenant in its URLs (``https://{host}/adfs``): the farm is the tenant. Host names
are kept lower-case and without a port.
"""

from __future__ import annotations

import threading

from entraclient.emulator.directory import Tenant
from entraclient.emulator.hosts import split_host_port

__all__ = ["AdfsFarms"]


class AdfsFarms:
    """A thread-safe map from ADFS host name to the tenant it serves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tenants: dict[str, Tenant] = {}

    def __repr__(self) -> str:
        with self._lock:
            return f"AdfsFarms({sorted(self._tenants)})"

    def add(self, host: str, tenant: Tenant) -> None:
        """Serve ``tenant`` as the ADFS farm at ``host``."""
        with self._lock:
            self._tenants[split_host_port(host)[0]] = tenant

    def tenant_for(self, host: str) -> Tenant | None:
        """The tenant of the farm at ``host`` (``Host`` header form), or ``None``."""
        with self._lock:
            return self._tenants.get(split_host_port(host)[0])
