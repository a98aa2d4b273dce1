"""The token cache in MSAL's unified schema, indexed so every request is O(1)."""

from entraclient.cache.serializable import SerializableTokenCache
from entraclient.cache.token_cache import TokenCache

__all__ = ["SerializableTokenCache", "TokenCache"]
