"""End to end: the sample web app and Orders API (examples/webapp), served on loopback,
driven by an HTTP client through the sign-in redirect, against the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from examples.webapp.__main__ import browser_for
from examples.webapp.deployment import Deployment, deploy

from entraclient.emulator import Emulator
from tests.user_flows import form_post

OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def sample(entra_emulator: Emulator) -> Iterator[Deployment]:
    deployment = deploy(entra_emulator)
    yield deployment
    deployment.stop()


@pytest.fixture
def browser(entra_emulator: Emulator) -> Iterator[requests.Session]:
    with browser_for(entra_emulator) as session:
        yield session


def _sign_in(browser: requests.Session, sample: Deployment) -> requests.Response:
    """Follow the sign-in one hop at a time, checking each."""
    start = browser.get(
        f"{sample.web_url}/login", params={"username": sample.user.username},
        allow_redirects=False,
    )  # fmt: skip
    assert start.status_code == 302
    authorize = urlsplit(start.headers["location"])
    assert authorize.netloc == "login.microsoftonline.com"
    assert authorize.path == f"/{sample.tenant.id}/oauth2/v2.0/authorize"
    query = parse_qs(authorize.query)
    assert query["response_mode"] == ["form_post"] and query["code_challenge_method"] == ["S256"]
    page = browser.get(start.headers["location"], allow_redirects=False)
    assert page.status_code == 200  # form_post: a self-submitting form back to the app
    action, fields = form_post(page.text)
    assert action == f"{sample.web_url}/auth/callback"
    assert fields["state"] == query["state"][0]
    back = browser.post(action, data=fields, allow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/"
    return browser.get(f"{sample.web_url}/")


def _orders(browser: requests.Session, sample: Deployment) -> dict[str, object]:
    page = browser.get(f"{sample.web_url}/orders", allow_redirects=False)
    assert page.status_code == 200, page.text
    body: dict[str, object] = json.loads(unescape(page.text.split("<pre>")[1].split("</pre>")[0]))
    return body


def test_sign_in_then_orders_on_behalf_of_the_user(
    sample: Deployment, browser: requests.Session, entra_emulator: Emulator
) -> None:
    home = _sign_in(browser, sample)
    assert f"Hello {sample.user.username}" in home.text
    entra_emulator.clear_log()
    first = _orders(browser, sample)
    assert first["user"] == sample.user.username
    downstream = first["downstream_token"]
    assert downstream == {
        "token_source": "identity_provider",
        "aud": sample.downstream_api.app_id_uri,  # a v1 API (Entra's default): its App ID URI
        "scp": "Inventory.Read",
        "azp": downstream["azp"],  # type: ignore[index]
    }
    second = _orders(browser, sample)
    assert second["downstream_token"]["token_source"] == "cache"  # type: ignore[index]
    # The web app's token came from its cache; the API's first OBO was the only token call.
    assert [r.form_value("grant_type") for r in entra_emulator.token_requests()] == [OBO_GRANT]


def test_a_forged_callback_is_refused(sample: Deployment, browser: requests.Session) -> None:
    start = browser.get(
        f"{sample.web_url}/login", params={"username": sample.user.username},
        allow_redirects=False,
    )  # fmt: skip
    _, fields = form_post(browser.get(start.headers["location"]).text)
    forged = browser.post(
        f"{sample.web_url}/auth/callback", data={**fields, "state": "attacker"},
        allow_redirects=False,
    )  # fmt: skip
    assert forged.status_code == 400
    assert "state_mismatch" in forged.text
    assert "Hello" not in browser.get(f"{sample.web_url}/").text


def test_orders_without_sign_in_redirect_to_login(
    sample: Deployment, browser: requests.Session
) -> None:
    page = browser.get(f"{sample.web_url}/orders", allow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login")


def test_mfa_challenge_sends_the_user_to_sign_in_again(
    sample: Deployment, browser: requests.Session, entra_emulator: Emulator
) -> None:
    _sign_in(browser, sample)
    entra_emulator.require_mfa(sample.downstream_api)
    challenged = browser.get(f"{sample.web_url}/orders", allow_redirects=False)
    assert (challenged.status_code, challenged.headers["location"]) == (303, "/login")
    _sign_in(browser, sample)  # the new sign-in carries the claims challenge
    assert _orders(browser, sample)["user"] == sample.user.username
