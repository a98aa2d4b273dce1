"""The result dicts callers receive (PROTOCOL.md §6.3), built in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entraclient.flows.token_request import TokenResponse

__all__ = ["from_cache", "from_identity_provider", "is_aging"]


def from_identity_provider(token: TokenResponse, now: float) -> dict[str, Any]:
    """The server's JSON as sent, minus private keys, with ``refresh_on`` and the source."""
    result = {k: v for k, v in token.body.items() if not k.startswith("_") and k != "refresh_in"}
    if token.refresh_in is not None:
        result["refresh_on"] = int(now + token.refresh_in)
    if token.id_token is not None:
        result["id_token_claims"] = dict(token.id_token_claims)
    result["token_source"] = "identity_provider"
    return result


def is_aging(entry: Mapping[str, Any], now: float) -> bool:
    """Whether a cached token is past its ``refresh_on``: usable, but due for a refresh."""
    refresh_on = entry.get("refresh_on")
    return refresh_on is not None and int(refresh_on) < now


def from_cache(entry: Mapping[str, Any], now: float) -> dict[str, Any]:
    """A cached access token as the same shape of dict MSAL returns for a cache hit."""
    result: dict[str, Any] = {
        "access_token": entry["secret"],
        "token_type": entry.get("token_type") or "Bearer",
        "expires_in": int(int(entry["expires_on"]) - now),
        "token_source": "cache",
    }
    refresh_on = entry.get("refresh_on")
    if refresh_on:
        result["refresh_on"] = int(refresh_on)
    return result
