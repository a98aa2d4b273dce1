"""flows/oidc_issuer.py and its use in discovery: an oidc_authority's issuer must belong to it."""

from __future__ import annotations

import pytest

from entraclient.authority import parse_authority, parse_oidc_authority
from entraclient.errors import ProtocolError
from entraclient.flows.discovery import InstanceDiscovery, discover_endpoints
from entraclient.flows.oidc_issuer import issuer_is_valid
from tests.flows.scripted import drive, json_response

AUTHORITY = "https://idp.example.com/realms/one"


@pytest.mark.parametrize(
    "issuer",
    [
        "https://idp.example.com/realms/one",
        "https://idp.example.com/realms/one/",
        "https://idp.example.com/another/path",
        "https://IDP.example.com/x",
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
        "https://westus2.login.microsoft.com/t/v2.0",
        "https://tenant.idp.example.com/x",
        "https://contoso.b2clogin.com/t/v2.0/",
        "https://contoso.ciamlogin.com/t/v2.0",
    ],
)
def test_accepted_issuers(issuer: str) -> None:
    assert issuer_is_valid(issuer, AUTHORITY)


@pytest.mark.parametrize(
    "issuer",
    [
        None,
        "",
        "https://evil.example.com/realms/one",
        "http://idp.example.com/realms/one/x",
        "https://idp.example.com:8443/realms/one/x",
        "https://a.b.idp.example.com/x",
        "https://login.microsoftonline.com.evil.example/t",
        "https://fakeb2clogin.com/t",
        "not a url",
    ],
)
def test_refused_issuers(issuer: str | None) -> None:
    assert not issuer_is_valid(issuer, AUTHORITY)


def _document(issuer: str | None) -> dict[str, object]:
    document: dict[str, object] = {
        "authorization_endpoint": "https://idp.example.com/realms/one/auth",
        "token_endpoint": "https://idp.example.com/realms/one/token",
    }
    if issuer is not None:
        document["issuer"] = issuer
    return document


def test_discovery_of_an_oidc_authority_checks_the_issuer() -> None:
    flow = discover_endpoints(parse_oidc_authority(AUTHORITY), InstanceDiscovery())
    endpoints, sent = drive(flow, lambda _: json_response(_document(AUTHORITY)))
    assert endpoints.realm == "realms"
    assert [r.url for r in sent] == [f"{AUTHORITY}/.well-known/openid-configuration"]


@pytest.mark.parametrize("issuer", [None, "https://evil.example.com/realms/one"])
def test_a_foreign_or_missing_issuer_stops_discovery(issuer: str | None) -> None:
    flow = discover_endpoints(parse_oidc_authority(AUTHORITY), InstanceDiscovery())
    with pytest.raises(ProtocolError, match="does not belong to that oidc_authority"):
        drive(flow, lambda _: json_response(_document(issuer)))


def test_entra_authorities_are_not_issuer_checked() -> None:
    flow = discover_endpoints(
        parse_authority("https://idp.example.com/t"), InstanceDiscovery(False)
    )
    endpoints, _ = drive(flow, lambda _: json_response(_document("https://elsewhere.example/t")))
    assert endpoints.issuer == "https://elsewhere.example/t"
