"""Regional hosts: which hosts are regional, what they refuse, and the emulator's region.

Invariants:

* A regional host is ``{region}.{an Entra authority host}`` (``westus2.login.microsoft.com``,
  ``usgovvirginia.login.microsoftonline.us``); it serves the same tenants as the central host.
* A regional host serves only the client credentials grant, and only to apps not denied with
  ``Emulator.deny_regional``; anything else is AADSTS100007, as Entra answers.
* :class:`RegionSettings` holds the region the metadata service (:mod:`.imds`) reports.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from entraclient.emulator.directory import App
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.hosts import CLOUDS, split_host_port

__all__ = ["RegionSettings", "check_regional_request", "region_of_host"]

CLIENT_CREDENTIALS = "client_credentials"


class RegionSettings:
    """The emulator's region (what IMDS reports) and the apps refused on regional hosts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._location: str | None = None
        self._denied: set[str] = set()

    def __repr__(self) -> str:
        return f"RegionSettings(location={self.location!r})"

    @property
    def location(self) -> str | None:
        """The region IMDS reports, or ``None`` (IMDS answers 404)."""
        with self._lock:
            return self._location

    def set_location(self, location: str | None) -> None:
        with self._lock:
            self._location = location

    def deny(self, app: App) -> None:
        with self._lock:
            self._denied.add(app.client_id)

    def is_denied(self, app: App) -> bool:
        with self._lock:
            return app.client_id in self._denied


def region_of_host(host: str) -> str | None:
    """``westus2`` for ``westus2.login.microsoft.com[:port]``; ``None`` for a central host."""
    name = split_host_port(host)[0]
    for cloud in CLOUDS:
        for alias in cloud.aliases:
            label = name[: -len(alias) - 1] if name.endswith("." + alias) else ""
            if label and "." not in label:
                return label
    return None


def check_regional_request(
    settings: RegionSettings, host: str, form: Mapping[str, str], app: App
) -> None:
    """Refuse (AADSTS100007) what a regional host does not serve; a central host passes."""
    if region_of_host(host) is None:
        return
    if form.get("grant_type") != CLIENT_CREDENTIALS or settings.is_denied(app):
        raise EntraError(ErrorKind.REGIONAL_NOT_ALLOWED)
