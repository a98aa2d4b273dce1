"""emulator/grants/refresh_token.py, users.py and user_tokens.py over real HTTPS."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests

from entraclient.emulator import App, Emulator, Tenant, User
from entraclient.emulator.refresh_tokens import REFRESH_TOKEN_INACTIVITY
from tests.flows.scripted import FakeClock

from .support import CheckEntraError, PostToken

USER_SCOPES = ["https://graph.microsoft.com/User.Read", "openid", "profile", "offline_access"]


@dataclass(frozen=True)
class SignedIn:
    tenant: Tenant
    app: App
    user: User
    first: dict[str, Any]

    def refresh_form(
        self, refresh_token: str | None = None, **overrides: str | None
    ) -> dict[str, str]:
        form: dict[str, str | None] = {
            "client_id": self.app.client_id,
            "grant_type": "refresh_token",
            "client_secret": self.app.secret,
            "refresh_token": refresh_token or str(self.first["refresh_token"]),
            "scope": " ".join(USER_SCOPES),
            "client_info": "1",
        }
        form.update(overrides)
        return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def signed_in(emu: Emulator) -> SignedIn:
    tenant = emu.add_tenant()
    app = emu.add_app(tenant)
    user = emu.add_user(tenant, f"alice@{tenant.domain}", display_name="Alice")
    return SignedIn(tenant, app, user, emu.issue_user_tokens(app, user, USER_SCOPES))


def b64json(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    return loaded


def test_issued_tokens_have_the_token_endpoint_shape(emu: Emulator, signed_in: SignedIn) -> None:
    first = signed_in.first
    assert set(first) == {"token_type", "scope", "expires_in", "ext_expires_in", "access_token",
                          "refresh_token", "id_token", "client_info"}  # fmt: skip
    assert first["scope"] == "https://graph.microsoft.com/User.Read openid profile"
    user = signed_in.user
    assert b64json(str(first["client_info"])) == {"uid": user.object_id, "utid": user.tenant_id}
    key = jwt.PyJWKSet.from_dict(emu.jwks()).keys[0]
    claims = jwt.decode(str(first["id_token"]), key=key, algorithms=["RS256"],
                        audience=signed_in.app.client_id)  # fmt: skip
    assert (claims["oid"], claims["preferred_username"], claims["name"]) == (
        user.object_id, user.username, "Alice")  # fmt: skip
    at = jwt.decode(str(first["access_token"]), key=key, algorithms=["RS256"],
                    audience="00000003-0000-0000-c000-000000000000")  # fmt: skip
    assert (at["scp"], at["idtyp"], at["tid"]) == ("User.Read", "user", user.tenant_id)


def test_refresh_rotates_and_the_old_token_stays_valid(
    post_token: PostToken, signed_in: SignedIn
) -> None:
    response = post_token(signed_in.tenant.id, signed_in.refresh_form())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] != signed_in.first["refresh_token"]
    assert {"id_token", "client_info", "access_token"} <= set(body)
    again = post_token("common", signed_in.refresh_form(body["refresh_token"]))
    assert again.status_code == 200
    old = post_token(signed_in.tenant.domain, signed_in.refresh_form())
    assert old.status_code == 200


def test_without_offline_access_or_openid_there_is_no_rt_or_id_token(
    post_token: PostToken, signed_in: SignedIn
) -> None:
    form = signed_in.refresh_form(scope="https://graph.microsoft.com/User.Read")
    body = post_token(signed_in.tenant.id, form).json()
    assert "refresh_token" not in body and "id_token" not in body
    body = post_token(signed_in.tenant.id, signed_in.refresh_form(scope=None)).json()
    assert "refresh_token" in body  # no scope: the originally granted ones


def test_revoked_refresh_tokens_are_refused(
    emu: Emulator, post_token: PostToken, signed_in: SignedIn, entra_error: CheckEntraError
) -> None:
    emu.revoke_refresh_tokens(signed_in.user)
    response = post_token(signed_in.tenant.id, signed_in.refresh_form())
    entra_error(response, error="invalid_grant", code=50173)
    fresh = emu.issue_user_tokens(signed_in.app, signed_in.user, USER_SCOPES)
    ok = post_token(signed_in.tenant.id, signed_in.refresh_form(str(fresh["refresh_token"])))
    assert ok.status_code == 200


def test_unknown_refresh_token_is_malformed(
    post_token: PostToken, signed_in: SignedIn, entra_error: CheckEntraError
) -> None:
    response = post_token(signed_in.tenant.id, signed_in.refresh_form("1.AEnot-a-token"))
    entra_error(response, error="invalid_grant", code=9002313)
    form = signed_in.refresh_form()
    del form["refresh_token"]
    entra_error(post_token(signed_in.tenant.id, form), error="invalid_request", code=900144)


def test_only_the_client_or_its_family_may_redeem(
    emu: Emulator, post_token: PostToken, signed_in: SignedIn, entra_error: CheckEntraError
) -> None:
    other = emu.add_app(signed_in.tenant)
    form = signed_in.refresh_form(client_id=other.client_id, client_secret=other.secret)
    body = entra_error(post_token(signed_in.tenant.id, form), error="invalid_grant", code=70000)
    assert body["suberror"] == "client_mismatch"
    assert body["error_additional_info"] == ["client_mismatch"]
    emu.add_family_member(signed_in.app)
    emu.add_family_member(other)
    family_rt = emu.issue_user_tokens(signed_in.app, signed_in.user, USER_SCOPES)
    assert family_rt["foci"] == "1"
    form = signed_in.refresh_form(str(family_rt["refresh_token"]), client_id=other.client_id,
                                  client_secret=other.secret)  # fmt: skip
    answer = post_token(signed_in.tenant.id, form)
    assert answer.status_code == 200
    assert answer.json()["foci"] == "1"


@pytest.mark.parametrize(
    ("scope", "error", "code"),
    [("https://graph.microsoft.com/User.Read api://other/x", "invalid_scope", 28000),
     ("api://nowhere/read openid", "invalid_resource", 500011)],
)  # fmt: skip
def test_scope_errors(post_token: PostToken, signed_in: SignedIn, entra_error: CheckEntraError,
                      scope: str, error: str, code: int) -> None:  # fmt: skip
    entra_error(post_token(signed_in.tenant.id, signed_in.refresh_form(scope=scope)),
                error=error, code=code)  # fmt: skip


def test_user_registry_rejects_duplicates(emu: Emulator) -> None:
    tenant = emu.add_tenant()
    emu.add_user(tenant, f"bob@{tenant.domain}")
    with pytest.raises(ValueError, match="already registered"):
        emu.add_user(tenant, f"BOB@{tenant.domain}")
    generated = emu.add_user(tenant)
    assert generated.username.endswith("@" + tenant.domain)
    assert generated.home_account_id == f"{generated.object_id}.{tenant.id}"


def test_refresh_tokens_expire_after_90_days_of_inactivity() -> None:
    clock = FakeClock()
    with Emulator(clock=clock) as emu:
        tenant = emu.add_tenant()
        app = emu.add_app(tenant)
        user = emu.add_user(tenant)
        first = emu.issue_user_tokens(app, user, USER_SCOPES)
        session = emu.http_client()
        form = {"client_id": app.client_id, "client_secret": str(app.secret),
                "grant_type": "refresh_token", "refresh_token": str(first["refresh_token"]),
                "scope": " ".join(USER_SCOPES)}  # fmt: skip
        url = f"https://login.microsoftonline.com/{tenant.id}/oauth2/v2.0/token"
        clock.advance(REFRESH_TOKEN_INACTIVITY - 10)
        assert session.post(url, data=form).status_code == 200  # use slides the window
        clock.advance(REFRESH_TOKEN_INACTIVITY - 10)
        assert session.post(url, data=form).status_code == 200
        clock.advance(REFRESH_TOKEN_INACTIVITY + 1)
        expired: requests.Response = session.post(url, data=form)
        assert expired.json()["error_codes"] == [700082]
        session.close()
