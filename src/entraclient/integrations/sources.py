"""Bearer token sources for the httpx and requests auth: app tokens and on-behalf-of tokens.

A source answers ``bearer_token(claims)`` with an access token string, asking its application
(which answers from its cache when it can, and coalesces concurrent misses); ``claims`` is a
claims challenge from the resource and makes the application ask the identity provider.
Errors raise :class:`~entraclient.integrations.tokens.TokenRequestError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from entraclient.aio import AsyncConfidentialClientApplication
from entraclient.application import ConfidentialClientApplication
from entraclient.integrations.tokens import issued_token_of, now

__all__ = [
    "AppTokens",
    "AsyncAppTokens",
    "AsyncBearerTokenSource",
    "AsyncOnBehalfOfTokens",
    "BearerTokenSource",
    "OnBehalfOfTokens",
]


class BearerTokenSource(Protocol):
    """Anything that hands out bearer tokens synchronously."""

    def bearer_token(self, claims: str | None = None) -> str:
        """An access token; with ``claims``, a new one satisfying that claims challenge."""
        ...


class AsyncBearerTokenSource(Protocol):
    """Anything that hands out bearer tokens to asyncio code."""

    async def bearer_token(self, claims: str | None = None) -> str:
        """An access token; with ``claims``, a new one satisfying that claims challenge."""
        ...


def _token_of(result: Mapping[str, Any]) -> str:
    return issued_token_of(result, now=now()).token


def _scope_list(scopes: Iterable[str]) -> list[str]:
    listed = list(scopes)
    if not listed or not all(isinstance(s, str) and s for s in listed):
        raise ValueError("scopes must be a non-empty list of scope strings")
    return listed


class AppTokens:
    """App tokens of ``app`` for ``scopes`` (usually ``["{resource}/.default"]``)."""

    def __init__(self, app: ConfidentialClientApplication, scopes: Iterable[str]) -> None:
        self._app = app
        self._scopes = _scope_list(scopes)

    def bearer_token(self, claims: str | None = None) -> str:
        """An app token, from the cache unless ``claims`` is given."""
        return _token_of(self._app.acquire_token_for_client(self._scopes, claims_challenge=claims))


class OnBehalfOfTokens:
    """Tokens for ``scopes`` of a downstream API, on behalf of the user of ``user_assertion``."""

    def __init__(
        self, app: ConfidentialClientApplication, scopes: Iterable[str], user_assertion: str
    ) -> None:
        if not user_assertion:
            raise ValueError("user_assertion must be the token the API received")
        self._app = app
        self._scopes = _scope_list(scopes)
        self._assertion = user_assertion

    def __repr__(self) -> str:
        return f"OnBehalfOfTokens(scopes={self._scopes!r}, user_assertion=***)"

    def bearer_token(self, claims: str | None = None) -> str:
        """A token on behalf of the user, from the cache unless ``claims`` is given."""
        result = self._app.acquire_token_on_behalf_of(
            self._assertion, self._scopes, claims_challenge=claims
        )
        return _token_of(result)


class AsyncAppTokens:
    """The asyncio twin of :class:`AppTokens`."""

    def __init__(self, app: AsyncConfidentialClientApplication, scopes: Iterable[str]) -> None:
        self._app = app
        self._scopes = _scope_list(scopes)

    async def bearer_token(self, claims: str | None = None) -> str:
        """An app token, from the cache unless ``claims`` is given."""
        result = await self._app.acquire_token_for_client(self._scopes, claims_challenge=claims)
        return _token_of(result)


class AsyncOnBehalfOfTokens:
    """The asyncio twin of :class:`OnBehalfOfTokens`."""

    def __init__(
        self, app: AsyncConfidentialClientApplication, scopes: Iterable[str], user_assertion: str
    ) -> None:
        if not user_assertion:
            raise ValueError("user_assertion must be the token the API received")
        self._app = app
        self._scopes = _scope_list(scopes)
        self._assertion = user_assertion

    def __repr__(self) -> str:
        return f"AsyncOnBehalfOfTokens(scopes={self._scopes!r}, user_assertion=***)"

    async def bearer_token(self, claims: str | None = None) -> str:
        """A token on behalf of the user, from the cache unless ``claims`` is given."""
        result = await self._app.acquire_token_on_behalf_of(
            self._assertion, self._scopes, claims_challenge=claims
        )
        return _token_of(result)
