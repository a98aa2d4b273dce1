"""entraclient: a confidential client for Microsoft Entra ID, API-compatible with MSAL Python."""

from entraclient._version import __version__
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
