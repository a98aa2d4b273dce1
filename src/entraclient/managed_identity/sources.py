"""Where the managed identity endpoint is: detected from the environment, as MSAL Python does.

Order (the first that matches wins):

1. Service Fabric: ``IDENTITY_ENDPOINT``, ``IDENTITY_HEADER`` and ``IDENTITY_SERVER_THUMBPRINT``;
2. App Service and Functions: ``IDENTITY_ENDPOINT`` and ``IDENTITY_HEADER``;
3. Azure Machine Learning: ``MSI_ENDPOINT`` and ``MSI_SECRET``;
4. Azure Arc: ``IDENTITY_ENDPOINT`` and ``IMDS_ENDPOINT``, or an installed Arc agent;
5. otherwise the VM instance metadata service, at ``AZURE_POD_IDENTITY_AUTHORITY_HOST`` when
   set (tests point it at the emulator), else ``http://169.254.169.254``.

Cloud Shell is not a source: MSAL Python's ``ManagedIdentityClient`` does not serve it either
(its tokens are a signed-in user's, not an app's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ARC_DEFAULT_ENDPOINT",
    "IMDS_DEFAULT_HOST",
    "HostEnvironment",
    "Source",
    "detect_host",
]

Source = Literal["service_fabric", "app_service", "machine_learning", "azure_arc", "vm"]
IMDS_DEFAULT_HOST = "http://169.254.169.254"
IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"
ARC_DEFAULT_ENDPOINT = "http://localhost:40342/metadata/identity/oauth2/token"


@dataclass(frozen=True, slots=True)
class HostEnvironment:
    """The backend found, its token endpoint, and the secret or thumbprint it came with."""

    source: Source
    endpoint: str
    secret: str | None = field(default=None, repr=False)
    server_thumbprint: str | None = None


def detect_host(
    environ: Mapping[str, str], *, arc_agent_installed: bool = False
) -> HostEnvironment:
    """The backend ``environ`` describes (see the module docstring for the order)."""
    endpoint = environ.get("IDENTITY_ENDPOINT")
    header = environ.get("IDENTITY_HEADER")
    thumbprint = environ.get("IDENTITY_SERVER_THUMBPRINT")
    if endpoint and header and thumbprint:
        return HostEnvironment("service_fabric", endpoint, header, thumbprint)
    if endpoint and header:
        return HostEnvironment("app_service", endpoint, header)
    msi_endpoint, msi_secret = environ.get("MSI_ENDPOINT"), environ.get("MSI_SECRET")
    if msi_endpoint and msi_secret:
        return HostEnvironment("machine_learning", msi_endpoint, msi_secret)
    if endpoint and environ.get("IMDS_ENDPOINT"):
        return HostEnvironment("azure_arc", endpoint)
    if arc_agent_installed:
        return HostEnvironment("azure_arc", ARC_DEFAULT_ENDPOINT)
    host = environ.get("AZURE_POD_IDENTITY_AUTHORITY_HOST") or IMDS_DEFAULT_HOST
    return HostEnvironment("vm", host.strip().rstrip("/") + IMDS_TOKEN_PATH)
