"""entraclient: a confidential client for Microsoft Entra ID, API-compatible with MSAL Python."""

from entraclient._version import __version__
from entraclient.application import ClientApplication, ConfidentialClientApplication
from entraclient.cache import SerializableTokenCache, TokenCache
from entraclient.errors import EntraClientError, TransportError

__all__ = [
    "ClientApplication",
    "ConfidentialClientApplication",
    "EntraClientError",
    "SerializableTokenCache",
    "TokenCache",
    "TransportError",
    "__version__",
]
