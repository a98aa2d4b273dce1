"""flows/silent.py and flows/refresh.py driven by hand: cache hits, refresh, FOCI order,
fallbacks, errors and alias hosts, without any network."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from entraclient.authority import parse_authority
from entraclient.cache.token_cache import RefreshTokenQuery, TokenCache
from entraclient.credentials import ClientSecret
from entraclient.errors import TransportError
from entraclient.flows.aliases import NoAliases
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver, InstanceDiscovery
from entraclient.flows.silent import SilentRequest, acquire_token_silent
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest, HttpResponse
from entraclient.telemetry import Telemetry
from tests.cache.factories import client_info, unsigned_jwt, user_write
from tests.flows.scripted import FakeClock, drive, json_response

TENANT = "11111111-2222-3333-4444-555555555555"
AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com"
ENV = "login.microsoftonline.com"
HOME = "uid-1.utid-1"
CLIENT = "client-1"


class Identity:
    """Answers discovery on any host and refresh requests by refresh token secret."""

    def __init__(self, answers: dict[str, Any] | None = None, *, foci: str | None = None) -> None:
        self.answers = answers or {}
        self.foci = foci
        self.redeemed: list[str] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = urlsplit(request.url).hostname
        if request.method == "GET":
            base = f"https://{host}/{TENANT}"
            return json_response({"token_endpoint": f"{base}/oauth2/v2.0/token",
                                  "authorization_endpoint": f"{base}/oauth2/v2.0/authorize"})  # fmt: skip
        secret = request.form_value("refresh_token") or ""
        self.redeemed.append(secret)
        answer = self.answers.get(secret, "ok")
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, dict):
            return json_response(answer, 400)
        return json_response(self.success(secret, request.form_value("scope") or ""))

    def success(self, secret: str, scope: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "token_type": "Bearer", "expires_in": 3600, "access_token": f"new-at-from-{secret}",
            "scope": " ".join(s for s in scope.split() if s != "offline_access"),
            "refresh_token": f"rotated-{secret}",
            "id_token": unsigned_jwt({"sub": "s", "oid": "uid-1", "preferred_username": "a@b"}),
            "client_info": client_info("uid-1", "utid-1"),
        }  # fmt: skip
        if self.foci:
            body["foci"] = self.foci
        return body


def invalid_grant(**extra: Any) -> dict[str, Any]:
    return {"error": "invalid_grant", "error_description": "AADSTS50173: revoked", **extra}


def _app(clock: FakeClock, cache: TokenCache, **extra: Any) -> AppContext:
    return AppContext(
        client_id=CLIENT, authority=parse_authority(AUTHORITY), credential=ClientSecret("s"),
        cache=cache, telemetry=Telemetry(), clock=clock, **extra,
    )  # fmt: skip


def _resolver_for(host: str) -> EndpointResolver:
    return EndpointResolver(parse_authority(f"https://{host}/{TENANT}"), InstanceDiscovery(False))


def silent(app: AppContext, *scopes: str, aliases: Any = None, **fields: Any) -> Flow[Any]:
    request = SilentRequest(scopes=scopes or ("User.Read",), home_account_id=HOME,
                            correlation_id="corr", **fields)  # fmt: skip
    resolver = EndpointResolver(parse_authority(AUTHORITY), InstanceDiscovery())
    return acquire_token_silent(app, resolver, aliases or NoAliases(), _resolver_for, request)


def signed_in(cache: TokenCache, clock: FakeClock, *, at_lifetime: int = 3600, rt: str = "rt-1",
              client: str = CLIENT, family: str | None = None, env: str = ENV,
              modified: int | None = None) -> None:  # fmt: skip
    now = int(clock.now)
    write = user_write(HOME, client=client, realm=TENANT, env=env, rt=rt, family=family,
                       at_expires_in=now - 1_800_000_000 + at_lifetime,
                       modified=modified if modified is not None else now)  # fmt: skip
    cache.save(write, clock.now)


def rt_secrets(cache: TokenCache, env: str = ENV) -> dict[str, str]:
    return {
        r["client_id"]: r["secret"] for r in cache.find_refresh_tokens(RefreshTokenQuery(HOME, env))
    }


def test_a_valid_access_token_is_a_cache_hit() -> None:
    clock, cache, idp = FakeClock(), TokenCache(), Identity()
    signed_in(cache, clock)
    result, sent = drive(silent(_app(clock, cache)), idp)
    assert result["token_source"] == "cache"
    assert [r.method for r in sent] == ["GET"]


def test_nothing_cached_is_none() -> None:
    clock = FakeClock()
    result, sent = drive(silent(_app(clock, TokenCache())), Identity())
    assert result is None
    assert [r.method for r in sent] == ["GET"]


def test_missing_access_token_is_refreshed_and_stored_like_msal() -> None:
    clock, cache, idp = FakeClock(), TokenCache(), Identity()
    signed_in(cache, clock)
    cache.remove_at(cache.entries("AccessToken")[0])
    accounts_before = cache.entries("Account")
    cache.remove_account(accounts_before[0])
    clock.advance(100)
    result, sent = drive(silent(_app(clock, cache), "Mail.Read"), idp)
    assert result["token_source"] == "identity_provider"
    assert result["id_token_claims"]["oid"] == "uid-1"
    post = sent[-1]
    assert dict(post.form or ()) == {
        "client_id": CLIENT, "grant_type": "refresh_token", "client_info": "1",
        "client_secret": "s", "refresh_token": "rt-1",
        "scope": "Mail.Read offline_access openid profile",
    }  # fmt: skip
    assert post.header("X-AnchorMailbox") == "Oid:uid-1@utid-1"
    (at,) = cache.search("AccessToken", target=["Mail.Read"], query={"home_account_id": HOME})
    assert (at["secret"], at["target"], at["realm"]) == (
        "new-at-from-rt-1",
        "Mail.Read openid profile",
        TENANT,
    )
    (rt,) = cache.entries("RefreshToken")
    assert (rt["secret"], rt["target"], rt["last_modification_time"]) == (
        "rotated-rt-1", "User.Read", str(int(clock.now)))  # fmt: skip
    assert cache.entries("Account") == []  # a silent refresh never re-creates an account


@pytest.mark.parametrize(
    "flag",
    [{"force_refresh": True}, {"claims_challenge": '{"x": 1}', "claims": '{"x": 1}'}],
)
def test_force_refresh_and_claims_challenge_skip_the_access_token(flag: dict[str, Any]) -> None:
    clock, cache, idp = FakeClock(), TokenCache(), Identity()
    signed_in(cache, clock)
    result, sent = drive(silent(_app(clock, cache), **flag), idp)
    assert result["token_source"] == "identity_provider"
    assert sent[-1].form_value("claims") == flag.get("claims_challenge")


def test_token_within_five_minutes_of_expiry_is_refreshed() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, at_lifetime=299)
    result, _ = drive(silent(_app(clock, cache)), Identity())
    assert result["access_token"] == "new-at-from-rt-1"


def _aging(cache: TokenCache, clock: FakeClock) -> None:
    signed_in(cache, clock)
    (at,) = cache.entries("AccessToken")
    cache.modify("AccessToken", at, {"refresh_on": str(int(clock.now) - 1)})


def test_aging_token_is_refreshed() -> None:
    clock, cache = FakeClock(), TokenCache()
    _aging(cache, clock)
    result, _ = drive(silent(_app(clock, cache)), Identity())
    assert result["token_source"] == "identity_provider"


@pytest.mark.parametrize("failure", [invalid_grant(), TransportError("reset")])
def test_aging_token_is_the_fallback_when_refresh_fails(failure: Any) -> None:
    clock, cache = FakeClock(), TokenCache()
    _aging(cache, clock)
    result, _ = drive(silent(_app(clock, cache)), Identity({"rt-1": failure}))
    assert result["token_source"] == "cache"
    assert result["access_token"] == "s"


def test_network_failure_without_fallback_raises() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, at_lifetime=10)
    with pytest.raises(TransportError):
        drive(silent(_app(clock, cache)), Identity({"rt-1": TransportError("reset")}))


def test_refresh_error_is_returned_with_classification_and_the_token_is_kept() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, at_lifetime=10)
    idp = Identity({"rt-1": invalid_grant(suberror="basic_action")})
    result, _ = drive(silent(_app(clock, cache)), idp)
    assert (result["error"], result["classification"]) == ("invalid_grant", "basic_action")
    assert rt_secrets(cache) == {CLIENT: "rt-1"}
    idp = Identity({"rt-1": invalid_grant(suberror="bad_token")})
    result, _ = drive(silent(_app(clock, cache)), idp)
    assert result["classification"] == ""


def test_first_use_tries_family_tokens_first_and_joins_the_family() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, client="other-app", family="1", rt="family-rt")
    idp = Identity(foci="1")
    result, _ = drive(silent(_app(clock, cache)), idp)
    assert result["token_source"] == "identity_provider"
    assert idp.redeemed == ["family-rt"]
    assert cache.app_metadata(ENV, CLIENT)["family_id"] == "1"  # type: ignore[index]
    assert rt_secrets(cache) == {"other-app": "rotated-family-rt"}


def test_family_probing_stops_at_client_mismatch_then_uses_own_token() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, client="older", family="1", rt="older-rt", modified=1)
    signed_in(cache, clock, client="newer", family="1", rt="newer-rt")
    signed_in(cache, clock, rt="own-rt", at_lifetime=10, modified=5)
    (meta,) = cache.search("AppMetadata", query={"client_id": CLIENT})
    cache.modify("AppMetadata", meta)  # client-1 has never got a token here: no AppMetadata
    mismatch = invalid_grant(error_additional_info=["client_mismatch"])
    idp = Identity({"newer-rt": mismatch})
    result, _ = drive(silent(_app(clock, cache)), idp)
    assert idp.redeemed == ["newer-rt", "own-rt"]
    assert result["access_token"] == "new-at-from-own-rt"


def test_family_member_falls_back_to_own_token_then_reports_the_last_error() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, client="sibling", family="1", rt="sibling-rt")
    signed_in(cache, clock, rt="own-rt", family="1", at_lifetime=10)
    idp = Identity({"sibling-rt": invalid_grant(), "own-rt": invalid_grant(error_codes=[7])})
    result, _ = drive(silent(_app(clock, cache)), idp)
    assert sorted(idp.redeemed) == ["own-rt", "own-rt", "sibling-rt"]  # own RT is also a family RT
    assert result["error_codes"] == [7]


def test_newest_refresh_token_goes_first() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, rt="old", modified=1)
    cache.save(user_write(HOME, client=CLIENT, realm=TENANT, rt="new", target="Other",
                          modified=int(clock.now), at_expires_in=-10**6), clock.now)  # fmt: skip
    cache.remove_access_tokens(client_id=CLIENT, environments=[ENV], home_account_id=HOME)
    idp = Identity()
    drive(silent(_app(clock, cache)), idp)
    assert idp.redeemed == ["new"]


class Aliases:
    def __init__(self, *hosts: str) -> None:
        self.hosts = hosts

    def aliases(self, environment: str) -> Flow[tuple[str, ...]]:
        return self.hosts
        yield


def test_tokens_under_an_alias_host_are_used_when_the_configured_host_has_none() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, env="login.windows.net", at_lifetime=10)
    idp = Identity()
    result, sent = drive(
        silent(_app(clock, cache), aliases=Aliases("login.windows.net", "x.test")), idp
    )
    assert result["token_source"] == "identity_provider"
    assert urlsplit(sent[-1].url).hostname == "login.windows.net"
    assert rt_secrets(cache, "login.windows.net") == {CLIENT: "rotated-rt-1"}
    assert [urlsplit(r.url).hostname for r in sent].count("x.test") == 0  # no RTs there


def test_forwarded_client_claims_are_sent_and_key_the_cached_token() -> None:
    clock, cache = FakeClock(), TokenCache()
    signed_in(cache, clock, at_lifetime=10)
    forwarded = '{"access_token": {"xms_ftd": {"value": "x"}}}'
    keyed = {"ext_cache_key": "k1", "claims": forwarded}
    idp = Identity()
    first, sent = drive(silent(_app(clock, cache), **keyed), idp)
    assert first["token_source"] == "identity_provider"
    assert sent[-1].form_value("claims") == forwarded
    (stored,) = [e for e in cache.entries("AccessToken") if e.get("ext_cache_key")]
    assert stored["ext_cache_key"] == "k1"
    again, _ = drive(silent(_app(clock, cache), **keyed), idp)
    assert again["token_source"] == "cache"
    plain, _ = drive(silent(_app(clock, cache)), idp)
    assert plain["token_source"] == "identity_provider"  # the keyed token is not for others
