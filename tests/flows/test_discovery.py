"""flows/discovery.py: an Entra-family authority's token endpoint stays on its hosts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from entraclient.authority import parse_authority, parse_oidc_authority
from entraclient.errors import ProtocolError
from entraclient.flows.discovery import InstanceDiscovery, discover_endpoints
from entraclient.http.messages import HttpRequest, HttpResponse
from tests.flows.scripted import drive, json_response


def _config(
    token_endpoint: str, issuer: str = "https://login.microsoftonline.com/t/v2.0"
) -> Callable[[HttpRequest], HttpResponse]:
    def answer(_: HttpRequest) -> HttpResponse:
        return json_response(
            {
                "token_endpoint": token_endpoint,
                "authorization_endpoint": "https://login.microsoftonline.com/t/oauth2/v2.0/authorize",
                "issuer": issuer,
            }
        )

    return answer


@pytest.mark.parametrize(
    "token_endpoint",
    [
        "https://login.microsoftonline.com/t/oauth2/v2.0/token",
        "https://login.windows.net/t/oauth2/v2.0/token",  # an alias of the same cloud
        "https://westus.login.microsoft.com/t/oauth2/v2.0/token",  # a regional host
    ],
)
def test_token_endpoints_on_the_authoritys_hosts_are_kept(token_endpoint: str) -> None:
    authority = parse_authority("https://login.microsoftonline.com/t")
    endpoints, _ = drive(
        discover_endpoints(authority, InstanceDiscovery()), _config(token_endpoint)
    )
    assert endpoints.token_endpoint == token_endpoint


@pytest.mark.parametrize(
    "token_endpoint",
    [
        "https://attacker.example/t/oauth2/v2.0/token",
        "https://login.microsoftonline.com.attacker.example/t/oauth2/v2.0/token",
    ],
)
def test_a_token_endpoint_on_another_host_is_refused(token_endpoint: str) -> None:
    authority = parse_authority("https://login.microsoftonline.com/t")
    with pytest.raises(ProtocolError, match="the credential is not sent there"):
        drive(discover_endpoints(authority, InstanceDiscovery()), _config(token_endpoint))


def test_a_generic_oidc_issuer_may_keep_its_token_endpoint_elsewhere() -> None:
    authority = parse_oidc_authority("https://idp.example/realms/one")
    answer = _config("https://tokens.idp.example/token", issuer="https://idp.example/realms/one")
    endpoints, _ = drive(discover_endpoints(authority, InstanceDiscovery()), answer)
    assert endpoints.token_endpoint == "https://tokens.idp.example/token"
