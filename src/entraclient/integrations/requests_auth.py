"""Bearer auth for ``requests``, with one retry on a claims challenge.

Invariant: a request is sent at most twice — once with the current token and, when the 401
answer carries ``error="insufficient_claims"`` and ``claims``, once more with a token
acquired for that challenge (the resent copy carries no retry hook, so a second 401 goes back
to the caller, with the first in ``response.history``).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.auth import AuthBase

from entraclient.integrations.challenges import claims_challenge_of
from entraclient.integrations.sources import BearerTokenSource

__all__ = ["BearerTokenAuth"]


class BearerTokenAuth(AuthBase):
    """``Authorization: Bearer`` from ``tokens`` on every request of a session or call.

    ``requests.get(url, auth=BearerTokenAuth(AppTokens(app, ["api://x/.default"])))``
    """

    def __init__(self, tokens: BearerTokenSource) -> None:
        self._tokens = tokens

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._tokens.bearer_token()}"
        request.register_hook("response", self._retry_claims_challenge)  # type: ignore[no-untyped-call]
        return request

    def _retry_claims_challenge(
        self, response: requests.Response, **send_options: Any
    ) -> requests.Response:
        if response.status_code != 401:
            return response
        header = response.headers.get("WWW-Authenticate", "")
        challenge = claims_challenge_of([header])
        if challenge is None:
            return response
        retry = response.request.copy()
        retry.hooks["response"] = [
            hook for hook in retry.hooks["response"] if hook != self._retry_claims_challenge
        ]
        retry.headers["Authorization"] = f"Bearer {self._tokens.bearer_token(challenge.claims)}"
        response.content  # noqa: B018 - drain the 401 so its connection returns to the pool
        response.close()
        answer: requests.Response = response.connection.send(retry, **send_options)
        answer.history.append(response)
        answer.request = retry
        return answer
