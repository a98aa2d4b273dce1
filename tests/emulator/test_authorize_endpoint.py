"""The emulator's authorize endpoint and authorization code grant, over raw HTTP."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from entraclient.emulator import App, Emulator, Tenant, User

from .support import PUBLIC_HOST, CheckEntraError, PostToken

REDIRECT = "https://app.contoso.test/cb"


@pytest.fixture
def setup(emu: Emulator) -> tuple[Tenant, App, User]:
    tenant = emu.add_tenant()
    app = emu.add_app(tenant, redirect_uris=[REDIRECT])
    return tenant, app, emu.add_user(tenant)


def _authorize(http: requests.Session, tenant: str, **params: str) -> requests.Response:
    url = f"https://{PUBLIC_HOST}/{tenant}/oauth2/v2.0/authorize?{urlencode(params)}"
    return http.get(url, allow_redirects=False)


def _back(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return dict(parse_qsl(location.query))


def _code_form(app: App, code: str, **extra: str) -> dict[str, str]:
    form = {"client_id": app.client_id, "grant_type": "authorization_code", "code": code,
            "redirect_uri": REDIRECT, "client_secret": app.secret or "", "scope": "User.Read openid"}  # fmt: skip
    form.update(extra)
    return form


def test_errors_before_the_client_is_known_are_pages(
    emu: Emulator, http: requests.Session, setup: tuple[Tenant, App, User]
) -> None:
    tenant, app, _ = setup
    cases = [
        ("no-such-tenant.test", {"client_id": app.client_id, "redirect_uri": REDIRECT}, 90002),
        (tenant.id, {"client_id": "unknown", "redirect_uri": REDIRECT}, 700016),
        (tenant.id, {"client_id": app.client_id}, 50011),
        (tenant.id, {"client_id": app.client_id, "redirect_uri": REDIRECT + "?x=1"}, 50011),
        (tenant.id, {"redirect_uri": REDIRECT}, 900144),
    ]
    for segment, params, code in cases:
        page = _authorize(http, segment, response_type="code", scope="openid", **params)
        assert page.status_code == 400 and "location" not in page.headers
        assert page.headers["content-type"].startswith("text/html")
        assert f"AADSTS{code}" in page.text


def test_errors_after_are_redirected_with_state(
    http: requests.Session, setup: tuple[Tenant, App, User]
) -> None:
    tenant, app, user = setup
    base = {"client_id": app.client_id, "redirect_uri": REDIRECT, "state": "s1"}
    token = _back(_authorize(http, tenant.id, response_type="token", scope="openid", **base))
    assert (token["error"], token["state"]) == ("unsupported_response_type", "s1")
    no_scope = _back(_authorize(http, tenant.id, response_type="code", **base))
    assert (
        no_scope["error"] == "invalid_request" and "AADSTS900144" in no_scope["error_description"]
    )
    method = _back(_authorize(http, tenant.id, response_type="code", scope="openid",
                              code_challenge="c", code_challenge_method="S512", login_hint=user.username, **base))  # fmt: skip
    assert method["error"] == "invalid_request"
    nobody = _back(_authorize(http, tenant.id, response_type="code", scope="openid", **base))
    assert nobody["error"] == "login_required"


def test_plain_pkce_single_use_and_redemption_elsewhere(
    emu: Emulator, http: requests.Session, setup: tuple[Tenant, App, User],
    post_token: PostToken, entra_error: CheckEntraError,
) -> None:  # fmt: skip
    tenant, app, user = setup
    params = {"client_id": app.client_id, "redirect_uri": REDIRECT, "response_type": "code",
              "scope": "User.Read openid", "code_challenge": "verifier-plain-1234567890123456789012345678",
              "code_challenge_method": "plain", "login_hint": user.username, "nonce": "n1"}  # fmt: skip
    code = _back(_authorize(http, tenant.id, **params))["code"]
    post = post_token
    wrong = post(tenant.id, _code_form(app, code, code_verifier="other"))
    entra_error(wrong, error="invalid_grant", code=501481)
    again = post(tenant.id, _code_form(app, code, code_verifier=params["code_challenge"]))
    entra_error(again, error="invalid_grant", code=54005)  # a code is burnt by any redemption
    code = _back(_authorize(http, tenant.id, **params))["code"]
    ok = post(tenant.id, _code_form(app, code, code_verifier=params["code_challenge"]))
    assert ok.status_code == 200
    assert ok.json()["scope"] == "User.Read openid"
    other = emu.add_tenant()  # where the app is not registered
    code = _back(_authorize(http, "organizations", **params))["code"]
    entra_error(post(other.id, _code_form(app, code)), error="unauthorized_client", code=700016)


def test_add_redirect_uri_refuses_plain_http_hosts(
    emu: Emulator, setup: tuple[Tenant, App, User]
) -> None:
    with pytest.raises(ValueError, match="https"):
        emu.add_redirect_uri(setup[1], "http://app.contoso.test/cb")
    emu.add_redirect_uri(setup[1], "http://localhost:5000/cb")


def test_queued_sign_ins_are_used_in_order_and_can_be_cleared(
    emu: Emulator, http: requests.Session, setup: tuple[Tenant, App, User]
) -> None:
    tenant, app, user = setup
    params = {"client_id": app.client_id, "redirect_uri": REDIRECT, "response_type": "code",
              "scope": "openid", "client_info": "1"}  # fmt: skip
    emu.sign_in_as(user)
    assert "code" in _back(_authorize(http, tenant.id, **params))
    emu.sign_in_as(user)
    emu.clear_sign_ins()
    assert _back(_authorize(http, tenant.id, **params))["error"] == "login_required"
