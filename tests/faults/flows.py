"""The flows of the fault suite: a registry of stages, one entry per place a fault can strike.

A :class:`FlowStage` says how to build an application for it, what to do before the fault
(warm-up, seeding the cache), which endpoint the fault hits, what that endpoint answers when
healthy, and how to call the flow. A new flow is one more entry in :data:`STAGES`; the suite
runs every fault of the catalogue against it.

Every application here uses the production :class:`RequestsTransport` (its retry policy, its
``timeout`` and body handling), over a session whose adapter routes the real Entra host
names to the emulator — the one thing that differs from production.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from entraclient.cache.schema import AccessTokenRecord
from entraclient.cache.serializable import SerializableTokenCache
from entraclient.emulator import Api, App, Emulator, Tenant, User
from entraclient.emulator.faults import INSTANCE_DISCOVERY, OPENID_CONFIGURATION, TOKEN_ENDPOINT
from entraclient.emulator.user_tokens import USER_TOKEN_LIFETIME
from entraclient.http.transport import RequestsTransport, SyncTransport, connection_retry_policy
from entraclient.scopes import wire_scope
from tests.clocked import ClockedApp
from tests.faults.catalogue import Healthy
from tests.flows.scripted import FakeClock

PUBLIC_HOST = "login.microsoftonline.com"
HEALTHY_LIFETIME = 3599
"""``Tolerated(HEALTHY_LIFETIME)`` in the catalogue means: the lifetime of a healthy token
of the stage (:attr:`FlowStage.token_lifetime`), faked or from the emulator itself."""
REDIRECT_URI = "https://faults.contoso.test/callback"
USER_SCOPE = "User.Read"
CUSTOM_INSTANCE = "login.faults.test"
SUITE_TIMEOUT = (5.0, 1.5)  # (connect, read): short enough for the timeout faults


@dataclass
class SuiteWorld:
    """The emulator registrations the suite uses, and every secret it has seen."""

    emu: Emulator
    tenant: Tenant
    app: App
    api: Api
    secrets: set[str] = field(default_factory=set)
    user: User | None = None
    assertion: str = ""

    @property
    def scope(self) -> str:
        return self.api.default_scope

    def fake_token(self) -> str:
        token = f"fault-suite-at-{uuid.uuid4().hex}"
        self.secrets.add(token)
        return token

    def remember(self, result: dict[str, Any]) -> None:
        for name in ("access_token", "refresh_token", "id_token"):
            if isinstance(result.get(name), str):
                self.secrets.add(result[name])


class SuiteApp(ClockedApp):
    """A ConfidentialClientApplication over the suite's transport, reading the test clock."""

    pending_sign_in: tuple[dict[str, Any], dict[str, str]] | None = None

    def __init__(self, *args: Any, transport: SyncTransport, **kwargs: Any) -> None:
        self.suite_transport = transport
        super().__init__(*args, **kwargs)

    def _base_transport(self, http_client: Any) -> SyncTransport:
        return self.suite_transport


def suite_transport(emu: Emulator) -> RequestsTransport:
    """The default transport, its session routed to the emulator, with a short timeout."""
    adapter = emu.routing_adapter()
    adapter.max_retries = connection_retry_policy()
    session = emu.http_client()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return RequestsTransport(session=session, timeout=SUITE_TIMEOUT)


def new_app(world: SuiteWorld, authority: str, clock: FakeClock) -> SuiteApp:
    return SuiteApp(
        world.app.client_id,
        client_credential=world.app.secret,
        authority=authority,
        clock=clock,
        transport=suite_transport(world.emu),
        token_cache=SerializableTokenCache(),
        http_cache={},
        enable_pii_log=True,  # the worst case for the log scan: everything that may be logged
    )


AppFactory = Callable[[SuiteWorld, str, FakeClock], SuiteApp]


StageKind = Literal["token", "openid_configuration", "instance_discovery"]


@dataclass(frozen=True)
class FlowStage:
    """One flow, with a fault striking one of its requests."""

    name: str
    kind: StageKind
    fault_path: str
    authority: Callable[[SuiteWorld], str]
    healthy: Callable[[SuiteWorld, float], Healthy]
    call: Callable[[SuiteApp, SuiteWorld], dict[str, Any]]
    prepare: Callable[[SuiteApp, SuiteWorld, FakeClock], None] = lambda app, world, clock: None
    falls_back_to_cached_token: bool = False
    token_lifetime: int = HEALTHY_LIFETIME


def _public_authority(world: SuiteWorld) -> str:
    return f"https://{PUBLIC_HOST}/{world.tenant.domain}"


def _custom_authority(world: SuiteWorld) -> str:
    return f"https://{CUSTOM_INSTANCE}/{world.tenant.domain}"


def _for_client(app: SuiteApp, world: SuiteWorld) -> dict[str, Any]:
    return app.acquire_token_for_client([world.scope])


def _healthy_token(world: SuiteWorld, now: float) -> Healthy:
    body = {
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": world.fake_token(),
    }
    return Healthy(body, "access_token", f"/{world.tenant.id}/oauth2/v2.0/token", now)


def _healthy_openid_configuration(world: SuiteWorld, now: float) -> Healthy:
    path = f"/{world.tenant.id}/v2.0/.well-known/openid-configuration"
    with world.emu.http_client() as session:
        body = session.get(f"https://{PUBLIC_HOST}{path}").json()
    return Healthy(body, "token_endpoint", path, now)


def _healthy_instance_discovery(world: SuiteWorld, now: float) -> Healthy:
    query = {
        "authorization_endpoint": f"{_custom_authority(world)}/oauth2/v2.0/authorize",
        "api-version": "1.0",
    }
    with world.emu.http_client() as session:
        body = session.get(f"https://{PUBLIC_HOST}{INSTANCE_DISCOVERY}", params=query).json()
    return Healthy(body, "tenant_discovery_endpoint", INSTANCE_DISCOVERY, now)


def _discover(app: SuiteApp, world: SuiteWorld, clock: FakeClock) -> None:
    """Run discovery through the public API: a call for a scope no API has answers 400."""
    result = app.acquire_token_for_client(["api://no-such-api-for-the-fault-suite/.default"])
    assert result["error"] == "invalid_resource", result


def _discover_then_seed_aging_token(app: SuiteApp, world: SuiteWorld, clock: FakeClock) -> None:
    _discover(app, world, clock)
    now = int(clock())
    token = world.fake_token()
    app.token_cache.add_access_token(
        AccessTokenRecord(
            secret=token,
            home_account_id=None,
            environment=PUBLIC_HOST,
            client_id=world.app.client_id,
            realm=world.tenant.id,
            target=wire_scope([world.scope]),
            token_type="Bearer",
            cached_at=now - 3000,
            expires_on=now + 600,
            extended_expires_on=now + 600,
            refresh_on=now - 60,
        )
    )


def _with_user(world: SuiteWorld) -> User:
    """A user, the app's API and redirect URI, and a user token for that API (once)."""
    if world.user is None:
        world.user = world.emu.add_user(world.tenant)
        api = world.emu.expose_api(world.app)
        world.emu.add_redirect_uri(world.app, REDIRECT_URI)
        body = world.emu.issue_user_tokens(world.app, world.user, [f"{api.app_id_uri}/user"])
        world.assertion = str(body["access_token"])
        world.secrets.add(world.assertion)
    return world.user


def _healthy_user_token(world: SuiteWorld, now: float) -> Healthy:
    user = _with_user(world)
    info = json.dumps({"uid": user.object_id, "utid": world.tenant.id}).encode()
    body = {
        "token_type": "Bearer",
        "scope": f"{USER_SCOPE} openid profile",
        "expires_in": USER_TOKEN_LIFETIME,
        "ext_expires_in": USER_TOKEN_LIFETIME,
        "access_token": world.fake_token(),
        "client_info": base64.urlsafe_b64encode(info).rstrip(b"=").decode(),
    }
    return Healthy(body, "access_token", f"/{world.tenant.id}/oauth2/v2.0/token", now)


def _on_behalf_of(app: SuiteApp, world: SuiteWorld) -> dict[str, Any]:
    return app.acquire_token_on_behalf_of(world.assertion, [USER_SCOPE])


def _discover_then_sign_in(app: SuiteApp, world: SuiteWorld, clock: FakeClock) -> None:
    _discover(app, world, clock)
    _with_user(world)
    app.pending_sign_in = None


def _redeem_code(app: SuiteApp, world: SuiteWorld) -> dict[str, Any]:
    """Redeem the pending sign-in's code; a new sign-in once a code was redeemed (so a
    repeated call sends nothing new while the first attempt failed before the endpoint)."""
    if app.pending_sign_in is None:
        flow = app.initiate_auth_code_flow([USER_SCOPE], redirect_uri=REDIRECT_URI)
        world.emu.sign_in_as(_with_user(world))
        with world.emu.http_client() as browser:
            location = browser.get(flow["auth_uri"], allow_redirects=False).headers["location"]
        app.pending_sign_in = (flow, dict(parse_qsl(urlsplit(location).query)))
    flow, response = app.pending_sign_in
    result = app.acquire_token_by_auth_code_flow(flow, response)
    if "access_token" in result:
        app.pending_sign_in = None
    return result


def _discover_then_cache_user_tokens(app: SuiteApp, world: SuiteWorld, clock: FakeClock) -> None:
    """A signed-in user in the app's cache, as the auth code flow leaves one."""
    _discover(app, world, clock)
    user = _with_user(world)
    response = world.emu.issue_user_tokens(
        world.app, user, [USER_SCOPE, "openid", "profile", "offline_access"]
    )
    world.remember(response)
    app.token_cache.add(
        {
            "client_id": app.client_id,
            "scope": str(response["scope"]).split(),
            "token_endpoint": f"https://{PUBLIC_HOST}/{world.tenant.id}/oauth2/v2.0/token",
            "grant_type": "authorization_code",
            "response": response,
        }
    )
    # A refresh that fails under the app's host looks for refresh tokens under its aliases:
    # fetch the alias metadata now (into http_cache), as a running app would have done.
    app.remove_tokens_for_client()


def _silent_refresh(app: SuiteApp, world: SuiteWorld) -> dict[str, Any]:
    (account,) = app.get_accounts()
    result = app.acquire_token_silent_with_error([USER_SCOPE], account, force_refresh=True)
    assert result is not None, "an account with a refresh token never answers None"
    return result


STAGES: tuple[FlowStage, ...] = (
    FlowStage(
        name="for_client: openid configuration",
        kind="openid_configuration",
        fault_path=OPENID_CONFIGURATION,
        authority=_public_authority,
        healthy=_healthy_openid_configuration,
        call=_for_client,
    ),
    FlowStage(
        name="for_client: instance discovery",
        kind="instance_discovery",
        fault_path=INSTANCE_DISCOVERY,
        authority=_custom_authority,
        healthy=_healthy_instance_discovery,
        call=_for_client,
    ),
    FlowStage(
        name="for_client: token request",
        kind="token",
        fault_path=TOKEN_ENDPOINT,
        authority=_public_authority,
        healthy=_healthy_token,
        call=_for_client,
        prepare=_discover,
    ),
    FlowStage(
        name="for_client: refresh of an aging token",
        kind="token",
        fault_path=TOKEN_ENDPOINT,
        authority=_public_authority,
        healthy=_healthy_token,
        call=_for_client,
        prepare=_discover_then_seed_aging_token,
        falls_back_to_cached_token=True,
    ),
    FlowStage(
        name="on_behalf_of: token request",
        kind="token",
        fault_path=TOKEN_ENDPOINT,
        authority=_public_authority,
        healthy=_healthy_user_token,
        call=_on_behalf_of,
        prepare=_discover,
        token_lifetime=USER_TOKEN_LIFETIME,
    ),
    FlowStage(
        name="auth code: redemption",
        kind="token",
        fault_path=TOKEN_ENDPOINT,
        authority=_public_authority,
        healthy=_healthy_user_token,
        call=_redeem_code,
        prepare=_discover_then_sign_in,
        token_lifetime=USER_TOKEN_LIFETIME,
    ),
    FlowStage(
        name="silent: refresh of a user token",
        kind="token",
        fault_path=TOKEN_ENDPOINT,
        authority=_public_authority,
        healthy=_healthy_user_token,
        call=_silent_refresh,
        prepare=_discover_then_cache_user_tokens,
        token_lifetime=USER_TOKEN_LIFETIME,
    ),
)
