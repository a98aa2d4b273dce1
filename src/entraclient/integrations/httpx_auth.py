"""Bearer auth for httpx clients, with one retry on a claims challenge.

httpx runs :meth:`BearerAuth.sync_auth_flow` in ``httpx.Client`` and
:meth:`BearerAuth.async_auth_flow` in ``httpx.AsyncClient``; the async flow only awaits its
token source, so the event loop never blocks on a token request.

Invariant: a request is sent at most twice — once with the current token and, when the 401
answer carries ``error="insufficient_claims"`` and ``claims``, once more with a token
acquired for that challenge. Any second 401 goes back to the caller.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from entraclient.integrations.challenges import claims_challenge_of
from entraclient.integrations.sources import AsyncBearerTokenSource, BearerTokenSource

__all__ = ["BearerAuth"]


def _authorize(request: httpx.Request, token: str) -> None:
    request.headers["Authorization"] = f"Bearer {token}"


def _claims_of(response: httpx.Response) -> str | None:
    if response.status_code != 401:
        return None
    challenge = claims_challenge_of(response.headers.get_list("www-authenticate"))
    return challenge.claims if challenge else None


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer`` from ``tokens`` (sync clients) or ``async_tokens`` (async).

    Give the source(s) for the client kind(s) you use, e.g.
    ``BearerAuth(async_tokens=AsyncAppTokens(app, ["api://x/.default"]))``.
    """

    requires_request_body = True  # the body must be replayable for the claims retry

    def __init__(
        self,
        tokens: BearerTokenSource | None = None,
        *,
        async_tokens: AsyncBearerTokenSource | None = None,
    ) -> None:
        if tokens is None and async_tokens is None:
            raise ValueError("pass tokens (for httpx.Client) or async_tokens (for AsyncClient)")
        self._tokens = tokens
        self._async_tokens = async_tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Authorize, send, and resend once with a new token on a claims challenge."""
        if self._tokens is None:
            raise RuntimeError("this BearerAuth has no sync token source (pass tokens=)")
        _authorize(request, self._tokens.bearer_token())
        response = yield request
        claims = _claims_of(response)
        if claims is not None:
            _authorize(request, self._tokens.bearer_token(claims))
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """The async twin of :meth:`sync_auth_flow`; it only awaits the token source."""
        if self._async_tokens is None:
            raise RuntimeError("this BearerAuth has no async token source (pass async_tokens=)")
        _authorize(request, await self._async_tokens.bearer_token())
        response = yield request
        claims = _claims_of(response)
        if claims is not None:
            _authorize(request, await self._async_tokens.bearer_token(claims))
            yield request
