"""The two contenders behind one small interface, so every scenario treats them alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msal

import entraclient
from bench.doubles import CLIENT_ID, HOST, TENANT_ID, CannedIdentityProvider


@dataclass(frozen=True)
class Library:
    name: str
    cache_class: Any
    app_class: Any

    def new_cache(self, state: str | None = None) -> Any:
        cache = self.cache_class()
        if state is not None:
            cache.deserialize(state)
        return cache

    def new_app(self, cache: Any, http: CannedIdentityProvider, tenant: str = TENANT_ID) -> Any:
        return self.app_class(
            CLIENT_ID,
            client_credential="bench-secret",
            authority=f"https://{HOST}/{tenant}",
            http_client=http,
            token_cache=cache,
        )

    def entries(self, cache: Any) -> int:
        return len(self.snapshot(cache).get("AccessToken", {}))

    def snapshot(self, cache: Any) -> dict[str, Any]:
        if self.name == "msal":
            return cache._cache  # type: ignore[no-any-return]
        return cache.snapshot()  # type: ignore[no-any-return]


OURS = Library("entraclient", entraclient.SerializableTokenCache,
               entraclient.ConfidentialClientApplication)  # fmt: skip
MSAL = Library("msal", msal.SerializableTokenCache, msal.ConfidentialClientApplication)
