"""Two-way interoperability with MSAL Python 1.39 through serialized caches, against the
emulator: a cache MSAL wrote after client-credentials, auth-code, refresh-token and OBO
acquisitions loads here and answers silently, and the other way round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msal
import pytest

from entraclient import ConfidentialClientApplication, SerializableTokenCache
from entraclient.emulator import Api, App, Emulator, Tenant, User

GRAPH_READ = "https://graph.microsoft.com/User.Read"
SIGN_IN = [GRAPH_READ, "openid", "profile", "offline_access"]
DOWNSTREAM = "api://downstream/read"
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class World:
    emu: Emulator
    tenant: Tenant
    app: App
    api: Api
    users: list[User]

    @property
    def authority(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant.domain}"

    def ours(self, cache: SerializableTokenCache) -> ConfidentialClientApplication:
        return ConfidentialClientApplication(
            self.app.client_id, client_credential=self.app.secret, authority=self.authority,
            http_client=self.emu.http_client(), token_cache=cache,
        )  # fmt: skip

    def msals(self, cache: msal.SerializableTokenCache) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            self.app.client_id, client_credential=self.app.secret, authority=self.authority,
            http_client=self.emu.http_client(), token_cache=cache,
        )  # fmt: skip

    def event(self, user: User, grant_type: str, scopes: list[str]) -> dict[str, Any]:
        """A token response of the emulator for ``user``, as an MSAL cache event."""
        response = self.emu.issue_user_tokens(self.app, user, scopes)
        return {
            "client_id": self.app.client_id,
            "scope": str(response["scope"]).split(),
            "token_endpoint": f"https://login.microsoftonline.com/{self.tenant.id}/oauth2/v2.0/token",
            "environment": "login.microsoftonline.com",
            "grant_type": grant_type,
            "response": response,
            "data": {},
        }


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    emu = entra_emulator
    tenant = emu.add_tenant()
    app = emu.add_app(tenant)
    api = emu.add_api(tenant, roles=["Data.Read"])
    emu.grant_app_roles(app, api, ["Data.Read"])
    emu.add_api(tenant, app_id_uri="api://downstream")
    users = [emu.add_user(tenant, f"{name}@{tenant.domain}") for name in ("ann", "ben", "cat")]
    return World(emu, tenant, app, api, users)


def by_home(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(accounts, key=lambda a: a["home_account_id"])


def test_a_cache_msal_wrote_answers_here(world: World) -> None:
    msal_cache = msal.SerializableTokenCache()
    theirs = world.msals(msal_cache)
    app_token = theirs.acquire_token_for_client([world.api.default_scope])
    assert app_token["token_source"] == "identity_provider"
    ann, ben, cat = world.users
    seed = world.emu.issue_user_tokens(world.app, ann, SIGN_IN)
    assert "access_token" in theirs.acquire_token_by_refresh_token(
        seed["refresh_token"], [GRAPH_READ]
    )
    msal_cache.add(world.event(ben, "authorization_code", SIGN_IN))
    msal_cache.add(world.event(cat, OBO_GRANT, [DOWNSTREAM, "openid", "profile", "offline_access"]))
    expected_accounts = by_home(theirs.get_accounts())
    silent_by_msal = {
        a["home_account_id"]: theirs.acquire_token_silent([GRAPH_READ if a["username"] != cat.username
                                                           else DOWNSTREAM], a)
        for a in expected_accounts
    }  # fmt: skip

    cache = SerializableTokenCache()
    cache.deserialize(msal_cache.serialize())
    ours = world.ours(cache)
    world.emu.clear_log()
    hit = ours.acquire_token_for_client([world.api.default_scope])
    assert (hit["token_source"], hit["access_token"]) == ("cache", app_token["access_token"])
    accounts = by_home(ours.get_accounts())
    assert accounts == expected_accounts
    for account in accounts:
        scope = DOWNSTREAM if account["username"] == cat.username else GRAPH_READ
        found = ours.acquire_token_silent([scope], account)
        assert found is not None and found["token_source"] == "cache"
        assert found["access_token"] == silent_by_msal[account["home_account_id"]]["access_token"]
    assert world.emu.token_requests() == []
    (ann_account,) = ours.get_accounts(username=ann.username)
    refreshed = ours.acquire_token_silent([GRAPH_READ], ann_account, force_refresh=True)
    assert refreshed is not None and refreshed["token_source"] == "identity_provider"


def test_a_cache_written_here_answers_in_msal(world: World) -> None:
    cache = SerializableTokenCache()
    ours = world.ours(cache)
    app_token = ours.acquire_token_for_client([world.api.default_scope])
    ann, ben, cat = world.users
    cache.add(world.event(ann, "authorization_code", SIGN_IN))
    cache.add(world.event(ben, "authorization_code", SIGN_IN))
    cache.add(world.event(cat, OBO_GRANT, [DOWNSTREAM, "openid", "profile", "offline_access"]))
    (ben_account,) = ours.get_accounts(username=ben.username)
    rotated = ours.acquire_token_silent([GRAPH_READ], ben_account, force_refresh=True)
    assert rotated is not None and rotated["token_source"] == "identity_provider"
    expected_accounts = by_home(ours.get_accounts())

    msal_cache = msal.SerializableTokenCache()
    msal_cache.deserialize(cache.serialize())
    theirs = world.msals(msal_cache)
    world.emu.clear_log()
    hit = theirs.acquire_token_for_client([world.api.default_scope])
    assert (hit["token_source"], hit["access_token"]) == ("cache", app_token["access_token"])
    assert by_home(theirs.get_accounts()) == expected_accounts
    for account in expected_accounts:
        scope = DOWNSTREAM if account["username"] == cat.username else GRAPH_READ
        found = theirs.acquire_token_silent([scope], account)
        assert found is not None and found["token_source"] == "cache", account["username"]
        assert found["access_token"] == ours.acquire_token_silent([scope], account)["access_token"]  # type: ignore[index]
    assert world.emu.token_requests() == []
    (ben_msal,) = theirs.get_accounts(username=ben.username)
    again = theirs.acquire_token_silent([GRAPH_READ], ben_msal, force_refresh=True)
    assert again is not None and again["token_source"] == "identity_provider"
    (sent,) = world.emu.token_requests()
    assert (
        sent.form_value("refresh_token") == rotated["refresh_token"]
    )  # our rotation, used by MSAL
