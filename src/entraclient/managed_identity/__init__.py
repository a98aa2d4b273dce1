"""Managed identity: tokens from the Azure host an app runs on, with no secret to hold.

``ManagedIdentityClient`` has MSAL Python's API; ``AsyncManagedIdentityClient`` (in
:mod:`entraclient.managed_identity.aio`) is its asyncio twin. ``FederatedTokenFile`` and
``managed_identity_assertion`` turn a platform token into a confidential client's
``client_assertion`` (a federated identity credential).
"""

from entraclient.managed_identity.client import ManagedIdentityClient
from entraclient.managed_identity.identities import (
    ArcPlatformNotSupportedError,
    ManagedIdentity,
    ManagedIdentityError,
    SystemAssignedManagedIdentity,
    UserAssignedManagedIdentity,
)
from entraclient.managed_identity.workload_identity import (
    FederatedTokenFile,
    managed_identity_assertion,
)

__all__ = [
    "ArcPlatformNotSupportedError",
    "FederatedTokenFile",
    "ManagedIdentity",
    "ManagedIdentityClient",
    "ManagedIdentityError",
    "SystemAssignedManagedIdentity",
    "UserAssignedManagedIdentity",
    "managed_identity_assertion",
]
