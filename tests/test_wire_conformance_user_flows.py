"""Wire conformance of the user flows: entraclient's token requests and authorize URLs have
MSAL Python 1.39's fields, in MSAL's order, with the same values (except random ones: the
code, the PKCE verifier and challenge, state and nonce), and the same headers as the
client-credentials conformance test allows (tests/test_wire_conformance.py)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msal
import pytest

import entraclient
from entraclient.emulator import Emulator, LoggedRequest
from tests.test_wire_conformance import HEADER_DIFFERENCES
from tests.user_flows import DOWNSTREAM_SCOPE, REDIRECT_URI, World, form_post, new_world, visit

RANDOM_FIELDS = frozenset({"code", "code_verifier", "code_challenge", "state", "nonce"})


@pytest.fixture
def world(entra_emulator: Emulator) -> World:
    return new_world(entra_emulator)


def _app(library: Any, world: World, **options: Any) -> Any:
    app = world.middle
    return library.ConfidentialClientApplication(
        app.client_id, client_credential=app.secret, authority=world.authority,
        http_client=world.emu.http_client(), **options,
    )  # fmt: skip


def _token_request(world: World, call: Callable[[Any], object], library: Any) -> LoggedRequest:
    app = _app(library, world, client_capabilities=["CP1"])
    world.emu.clear_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        call(app)
    (sent,) = world.emu.token_requests()
    return sent


def _comparable(request: LoggedRequest) -> tuple[list[tuple[str, str]], dict[str, str]]:
    form = [(k, "<random>" if k in RANDOM_FIELDS else v) for k, v in request.form]
    headers = {k: v for k, v in request.headers.items() if k not in HEADER_DIFFERENCES}
    return form, headers


def _same(world: World, call: Callable[[Any], object]) -> LoggedRequest:
    theirs = _token_request(world, call, msal)
    ours = _token_request(world, call, entraclient)
    assert _comparable(ours) == _comparable(theirs)
    assert [k for k, _ in ours.form] == [k for k, _ in theirs.form]
    return ours


def test_on_behalf_of(world: World) -> None:
    assertion = world.user_assertion()
    sent = _same(
        world,
        lambda app: app.acquire_token_on_behalf_of(
            assertion, [DOWNSTREAM_SCOPE], claims_challenge='{"id_token": {"acrs": {}}}'
        ),
    )
    assert sent.form_value("assertion") == assertion


def _sign_in_and_redeem(world: World) -> Callable[[Any], object]:
    def call(app: Any) -> object:
        flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=REDIRECT_URI,
                                           response_mode="form_post")  # fmt: skip
        world.emu.sign_in_as(world.alice)
        page = visit(world.emu, flow["auth_uri"])
        fields = dict(parse_qsl(urlsplit(page.headers.get("location", "")).query))
        if not fields:
            fields = form_post(page.text)[1]
        world.emu.clear_log()
        return app.acquire_token_by_auth_code_flow(flow, fields)

    return call


def test_auth_code_redemption(world: World) -> None:
    world.emu.add_redirect_uri(world.middle, REDIRECT_URI)
    sent = _same(world, _sign_in_and_redeem(world))
    assert sent.headers["x-anchormailbox"] == f"Oid:{world.alice.object_id}@{world.tenant.id}"


def test_refresh_token_migration(world: World) -> None:
    body = world.emu.issue_user_tokens(
        world.middle, world.alice, ["User.Read", "openid", "profile", "offline_access"]
    )
    legacy = str(body["refresh_token"])  # redeemable more than once: the emulator rotates
    _same(world, lambda app: app.acquire_token_by_refresh_token(legacy, ["User.Read"]))


def test_user_fic(world: World) -> None:
    credential = world.emu.issue_federated_credential(world.middle)
    for who in ({"username": world.alice.username}, {"user_object_id": world.alice.object_id}):

        def exchange(app: Any, who: dict[str, str] = who) -> Any:
            return app.acquire_token_by_user_federated_identity_credential(
                ["User.Read"], credential, **who
            )

        _same(world, exchange)


def test_authorization_code_without_pkce(world: World) -> None:
    world.emu.add_redirect_uri(world.middle, REDIRECT_URI)

    def call(app: Any) -> object:
        url = app.get_authorization_request_url(["User.Read"], redirect_uri=REDIRECT_URI)
        world.emu.sign_in_as(world.alice)
        code = dict(parse_qsl(urlsplit(visit(world.emu, url).headers["location"]).query))["code"]
        world.emu.clear_log()
        return app.acquire_token_by_authorization_code(code, ["User.Read"], REDIRECT_URI)

    _same(world, call)


def _query(url: str) -> list[tuple[str, str]]:
    return [(k, "<random>" if k in RANDOM_FIELDS else v) for k, v in parse_qsl(urlsplit(url).query)]


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {
            "redirect_uri": REDIRECT_URI,
            "response_mode": "form_post",
            "login_hint": "a@b.test",
            "prompt": "select_account",
            "domain_hint": "contoso.test",
            "max_age": 300,
            "claims_challenge": '{"id_token": {"acrs": {"essential": true}}}',
        },
    ],
)
def test_authorize_url_of_initiate_auth_code_flow(world: World, arguments: dict[str, Any]) -> None:
    urls = []
    for library in (msal, entraclient):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MSAL warns without form_post
            flow = _app(library, world, client_capabilities=["CP1"]).initiate_auth_code_flow(
                ["User.Read"], **arguments
            )
        urls.append(flow["auth_uri"])
        assert {k for k in flow if k != "auth_uri"} >= {"state", "nonce", "code_verifier"}
    theirs, ours = urls
    assert urlsplit(ours)[:3] == urlsplit(theirs)[:3]
    assert _query(ours) == _query(theirs)


def test_authorize_url_of_get_authorization_request_url(world: World) -> None:
    urls = []
    for library in (msal, entraclient):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            urls.append(
                _app(library, world).get_authorization_request_url(
                    ["User.Read"], login_hint="a@b.test", state="s", redirect_uri=REDIRECT_URI,
                    prompt="consent", nonce="n", domain_hint="organizations",
                )
            )  # fmt: skip
    assert urls[1] == urls[0]
