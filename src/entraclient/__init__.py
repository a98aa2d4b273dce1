"""entraclient: a confidential client for Microsoft Entra ID, API-compatible with MSAL Python.

The public names are loaded on first use (PEP 562), so ``import entraclient`` costs almost
nothing and ``from entraclient import ConfidentialClientApplication`` loads only what the
application needs; ``requests``, ``httpx`` and ``cryptography`` wait until a transport or a
certificate is built.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from entraclient._version import __version__

if TYPE_CHECKING:
    from entraclient.application import ClientApplication, ConfidentialClientApplication
    from entraclient.cache import SerializableTokenCache, TokenCache
    from entraclient.errors import EntraClientError, TransportError
    from entraclient.managed_identity import (
        ArcPlatformNotSupportedError,
        ManagedIdentityClient,
        ManagedIdentityError,
        SystemAssignedManagedIdentity,
        UserAssignedManagedIdentity,
    )

__all__ = [
    "ArcPlatformNotSupportedError",
    "ClientApplication",
    "ConfidentialClientApplication",
    "EntraClientError",
    "ManagedIdentityClient",
    "ManagedIdentityError",
    "SerializableTokenCache",
    "SystemAssignedManagedIdentity",
    "TokenCache",
    "TransportError",
    "UserAssignedManagedIdentity",
    "__version__",
]

_HOMES = {
    "ClientApplication": "entraclient.application",
    "ConfidentialClientApplication": "entraclient.application",
    "SerializableTokenCache": "entraclient.cache",
    "TokenCache": "entraclient.cache",
    "EntraClientError": "entraclient.errors",
    "TransportError": "entraclient.errors",
    "ArcPlatformNotSupportedError": "entraclient.managed_identity",
    "ManagedIdentityClient": "entraclient.managed_identity",
    "ManagedIdentityError": "entraclient.managed_identity",
    "SystemAssignedManagedIdentity": "entraclient.managed_identity",
    "UserAssignedManagedIdentity": "entraclient.managed_identity",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'entraclient' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
