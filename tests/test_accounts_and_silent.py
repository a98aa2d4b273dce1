"""The account methods of application.py (get_accounts, remove_account, acquire_token_silent,
acquire_token_silent_with_error) against the emulator over real HTTPS."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import msal
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache, TokenCache
from entraclient.emulator import App, Emulator, Tenant, User

GRAPH_READ = "https://graph.microsoft.com/User.Read"
SIGN_IN_SCOPES = [GRAPH_READ, "openid", "profile", "offline_access"]


@dataclass
class Tenancy:
    emu: Emulator
    tenant: Tenant
    app: App
    user: User

    def application(self, app: App | None = None, cache: TokenCache | None = None,
                    **extra: Any) -> ConfidentialClientApplication:  # fmt: skip
        app = app or self.app
        return ConfidentialClientApplication(
            app.client_id, client_credential=app.secret, http_client=self.emu.http_client(),
            authority=f"https://login.microsoftonline.com/{self.tenant.domain}",
            token_cache=cache, **extra,
        )  # fmt: skip

    def sign_in(self, cca: ConfidentialClientApplication, app: App | None = None) -> None:
        """What the auth code flow will do: store a token response for the user."""
        response = self.emu.issue_user_tokens(app or self.app, self.user, SIGN_IN_SCOPES)
        cca.token_cache.add({
            "client_id": cca.client_id,
            "scope": str(response["scope"]).split(),
            "token_endpoint": f"https://login.microsoftonline.com/{self.tenant.id}/oauth2/v2.0/token",
            "grant_type": "authorization_code",
            "response": response,
        })  # fmt: skip


@pytest.fixture
def tenancy(entra_emulator: Emulator) -> Tenancy:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    user = entra_emulator.add_user(tenant, f"Alice@{tenant.domain}")
    return Tenancy(entra_emulator, tenant, app, user)


@pytest.mark.parametrize(
    "name",
    ["get_accounts", "remove_account", "acquire_token_silent", "acquire_token_silent_with_error"],
)
def test_signatures_are_msals(name: str) -> None:
    ours = inspect.signature(getattr(ConfidentialClientApplication, name))
    theirs = inspect.signature(getattr(msal.ConfidentialClientApplication, name))
    shape = [(p.name, p.kind, p.default) for p in ours.parameters.values()]
    assert shape == [(p.name, p.kind, p.default) for p in theirs.parameters.values()]


def test_signed_in_user_gets_tokens_silently(tenancy: Tenancy) -> None:
    cca = tenancy.application()
    assert cca.get_accounts() == []
    tenancy.sign_in(cca)
    (account,) = cca.get_accounts()
    assert account == {
        "home_account_id": tenancy.user.home_account_id,
        "environment": "login.microsoftonline.com",
        "username": tenancy.user.username,
        "account_source": "authorization_code",
        "authority_type": "MSSTS",
        "local_account_id": tenancy.user.object_id,
        "realm": tenancy.tenant.id,
    }
    tenancy.emu.clear_log()
    hit = cca.acquire_token_silent([GRAPH_READ], account)
    assert hit is not None and hit["token_source"] == "cache"
    assert tenancy.emu.token_requests() == []
    fresh = cca.acquire_token_silent([GRAPH_READ], account, force_refresh=True)
    assert fresh is not None and fresh["token_source"] == "identity_provider"
    assert fresh["id_token_claims"]["oid"] == tenancy.user.object_id
    (sent,) = tenancy.emu.token_requests()
    assert sent.form_value("grant_type") == "refresh_token"
    assert sent.headers["x-anchormailbox"] == "Oid:" + account["home_account_id"].replace(".", "@")
    (rt,) = cca.token_cache.search("RefreshToken")
    assert rt["secret"] == fresh["refresh_token"]  # rotated in place


def test_username_filter_ignores_case_and_remove_account_forgets(tenancy: Tenancy) -> None:
    cca = tenancy.application()
    tenancy.sign_in(cca)
    assert cca.get_accounts(username=tenancy.user.username.upper()) != []
    assert cca.get_accounts(username="nobody@example.com") == []
    (account,) = cca.get_accounts()
    cca.remove_account(account)
    assert cca.get_accounts() == []
    assert cca.acquire_token_silent([GRAPH_READ], account) is None
    assert [e for s in ("AccessToken", "RefreshToken", "IdToken", "Account")
            for e in cca.token_cache.entries(s)] == []  # fmt: skip


def test_refresh_failure_is_none_or_the_error(tenancy: Tenancy) -> None:
    cca = tenancy.application()
    tenancy.sign_in(cca)
    (account,) = cca.get_accounts()
    tenancy.emu.revoke_refresh_tokens(tenancy.user)
    assert cca.acquire_token_silent([GRAPH_READ], account, force_refresh=True) is None
    error = cca.acquire_token_silent_with_error([GRAPH_READ], account, force_refresh=True)
    assert error is not None
    assert (error["error"], error["error_codes"]) == ("invalid_grant", [50173])
    assert len(cca.token_cache.entries("RefreshToken")) == 1  # kept, as MSAL does
    assert cca.acquire_token_silent([GRAPH_READ], account)["token_source"] == "cache"  # type: ignore[index]


def test_a_family_app_uses_the_familys_refresh_token(tenancy: Tenancy) -> None:
    emu = tenancy.emu
    sibling = emu.add_app(tenancy.tenant)
    emu.add_family_member(tenancy.app)
    emu.add_family_member(sibling)
    shared = SerializableTokenCache()
    tenancy.sign_in(tenancy.application(cache=shared))
    other = tenancy.application(app=sibling, cache=shared)
    (account,) = other.get_accounts()
    result = other.acquire_token_silent(["https://graph.microsoft.com/Mail.Read"], account)
    assert result is not None and result["token_source"] == "identity_provider"
    meta = shared.app_metadata("login.microsoftonline.com", sibling.client_id)
    assert meta is not None and meta["family_id"] == "1"
    assert {r["client_id"] for r in shared.search("RefreshToken")} == {tenancy.app.client_id}


def test_misuse_is_refused_before_any_request(tenancy: Tenancy) -> None:
    cca = tenancy.application()
    tenancy.sign_in(cca)
    (account,) = cca.get_accounts()
    assert cca.acquire_token_silent([GRAPH_READ], None) is None
    assert cca.acquire_token_silent_with_error([GRAPH_READ], {}) is None
    with pytest.raises(ValueError, match="added for you"):
        cca.acquire_token_silent(["openid"], account)
    with pytest.raises(ValueError, match="list"):
        cca.acquire_token_silent(GRAPH_READ, account)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="auth_scheme"):
        cca.acquire_token_silent([GRAPH_READ], account, auth_scheme=object())
    with pytest.raises(TypeError, match="unexpected"):
        cca.acquire_token_silent([GRAPH_READ], account, data={"x": "y"})
    with pytest.raises(TypeError, match="get_accounts"):
        cca.acquire_token_silent([GRAPH_READ], "alice")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="environment"):
        cca.remove_account({"home_account_id": "x"})
    with pytest.warns(UserWarning, match="authority"):
        cca.acquire_token_silent(
            [GRAPH_READ], account, authority="https://login.microsoftonline.com/x"
        )
