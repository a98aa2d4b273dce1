"""An in-process identity provider both libraries talk to, so a benchmark measures the library
and not a network: discovery and token answers are canned, pre-encoded texts."""

from __future__ import annotations

import json
from typing import Any

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
HOST = "login.microsoftonline.com"
CLIENT_ID = "8d4b0e4a-7a63-4b0a-9c71-1a9b0a5c1e2f"
# A realistic app token is 1.2-1.5 kB; the canned one has the same size.
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + "x" * 1250 + ".sig"


class CannedResponse:
    """The subset of ``requests.Response`` both libraries read."""

    __slots__ = ("headers", "status_code", "text")

    def __init__(self, text: str) -> None:
        self.status_code = 200
        self.text = text
        self.headers: dict[str, str] = {"content-type": "application/json"}

    def raise_for_status(self) -> None:
        return None


def discovery_document(tenant: str) -> str:
    base = f"https://{HOST}/{tenant}"
    return json.dumps(
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"https://{HOST}/{tenant}/v2.0",
        }
    )


class CannedIdentityProvider:
    """An ``http_client`` (MSAL's documented shape) answering every request at once."""

    def __init__(self) -> None:
        self._token = CannedResponse(
            json.dumps(
                {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": ACCESS_TOKEN,
                }
            )
        )
        self._discovery: dict[str, CannedResponse] = {}
        self.posts = 0

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        tenant = url.split("/")[3]
        if tenant not in self._discovery:
            self._discovery[tenant] = CannedResponse(discovery_document(tenant))
        return self._discovery[tenant]

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None,
             **kwargs: Any) -> Any:  # fmt: skip
        self.posts += 1
        return self._token

    def close(self) -> None:
        return None
