"""flows/aliases.py: alias groups from instance discovery, by hand and against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient.authority import parse_authority, parse_oidc_authority
from entraclient.emulator import Emulator
from entraclient.errors import ProtocolError, ServiceError
from entraclient.flows.aliases import AliasResolver, parse_alias_groups
from entraclient.flows.discovery import InstanceDiscovery
from entraclient.http.driver import SyncDriver
from entraclient.http.http_cache import HttpCache
from entraclient.http.messages import HttpResponse
from entraclient.http.policies import PolicyTransport
from entraclient.http.transport import HttpClientTransport
from tests.flows.scripted import FakeClock, drive, json_response

PUBLIC = [
    "login.microsoftonline.com",
    "login.windows.net",
    "login.microsoft.com",
    "sts.windows.net",
]
METADATA = {
    "metadata": [
        {"preferred_network": PUBLIC[0], "preferred_cache": PUBLIC[1], "aliases": PUBLIC},
        {"aliases": ["login.microsoftonline.us", "login.usgovcloudapi.net"]},
    ]
}


def _resolver(
    authority: str = "https://login.microsoftonline.com/contoso.com", **kw: Any
) -> AliasResolver:
    return AliasResolver(parse_authority(authority), InstanceDiscovery(**kw))


def test_the_metadata_request_is_the_documented_one() -> None:
    aliases, sent = drive(_resolver().aliases(), lambda _: json_response(METADATA))
    assert aliases == ("login.microsoft.com", "login.windows.net", "sts.windows.net")
    (request,) = sent
    assert request.url == "https://login.microsoftonline.com/common/discovery/instance"
    assert request.query == (
        ("api-version", "1.1"),
        ("authorization_endpoint", "https://login.microsoftonline.com/common/oauth2/authorize"),
    )
    assert request.header("accept") == "application/json"
    assert request.form is None


def test_a_well_known_host_asks_itself_and_an_unknown_one_asks_the_public_cloud() -> None:
    _, sent = drive(
        _resolver("https://login.microsoftonline.us/t").aliases(), lambda _: json_response(METADATA)
    )
    assert sent[0].url.startswith("https://login.microsoftonline.us/")
    aliases, sent = drive(
        _resolver("https://login.contoso-sts.example/t").aliases(),
        lambda _: json_response(METADATA),
    )
    assert sent[0].url.startswith("https://login.microsoftonline.com/")
    assert aliases == ()


def test_groups_are_remembered() -> None:
    resolver = _resolver()
    drive(resolver.aliases(), lambda _: json_response(METADATA))
    aliases, sent = drive(resolver.aliases("LOGIN.WINDOWS.NET"), lambda _: json_response({}))
    assert sent == []
    assert aliases == ("login.microsoft.com", "login.microsoftonline.com", "sts.windows.net")


@pytest.mark.parametrize(
    ("authority", "settings"),
    [
        ("https://login.microsoftonline.com/t", {"enabled": False}),
        ("https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_x", {}),
        ("https://contoso.ciamlogin.com", {}),
        ("https://fs.contoso.com/adfs", {}),
    ],
)
def test_no_aliases_and_no_request_where_the_developer_vouches_for_the_authority(
    authority: str, settings: dict[str, Any]
) -> None:
    aliases, sent = drive(_resolver(authority, **settings).aliases(), lambda _: json_response({}))
    assert (aliases, sent) == ((), [])


def test_oidc_authorities_have_no_aliases() -> None:
    resolver = AliasResolver(parse_oidc_authority("https://idp.example.com/r"), InstanceDiscovery())
    assert drive(resolver.aliases(), lambda _: json_response({})) == ((), [])


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (json_response({"error": "invalid_instance"}, 400), ServiceError),
        (HttpResponse.build(404, "<html>not found</html>"), ProtocolError),
        (json_response({"api-version": "1.1"}), ProtocolError),
        (json_response({"metadata": [{"aliases": "login.windows.net"}]}), ProtocolError),
        (json_response({"metadata": ["x"]}), ProtocolError),
    ],
)
def test_bad_answers_are_flow_errors_and_not_remembered(
    response: HttpResponse, error: type[Exception]
) -> None:
    resolver = _resolver()
    with pytest.raises(error):
        drive(resolver.aliases(), lambda _: response)
    aliases, sent = drive(resolver.aliases(), lambda _: json_response(METADATA))
    assert len(sent) == 1 and aliases


def test_parse_alias_groups_lower_cases() -> None:
    assert parse_alias_groups({"metadata": [{"aliases": ["A.example", "b.example"]}]}) == (
        frozenset({"a.example", "b.example"}),
    )


def test_against_the_emulator_with_the_http_cache(entra_emulator: Emulator) -> None:
    store: dict[str, Any] = {}

    def transport() -> PolicyTransport:
        return PolicyTransport(
            HttpClientTransport(entra_emulator.http_client()), [HttpCache(store, FakeClock())]
        )

    resolver = _resolver("https://login.microsoftonline.us/contoso.com")
    assert SyncDriver(transport()).run(resolver.aliases()) == ("login.usgovcloudapi.net",)
    assert SyncDriver(transport()).run(resolver.aliases("login.chinacloudapi.cn")) == (
        "login.partner.microsoftonline.cn",
    )
    # One metadata call lists every cloud's group: the second look-up needed no request.
    (first,) = entra_emulator.requests
    assert (first.host, first.query_value("api-version")) == ("login.microsoftonline.us", "1.1")
    other_app = _resolver("https://login.microsoftonline.us/contoso.com")
    assert SyncDriver(transport()).run(other_app.aliases()) == ("login.usgovcloudapi.net",)
    assert len(entra_emulator.requests) == 1  # the second application read the HTTP cache


def test_the_application_has_a_resolver(entra_emulator: Emulator) -> None:
    from entraclient import ConfidentialClientApplication

    app = ConfidentialClientApplication(
        "cid", client_credential="s", authority="https://login.windows.net/contoso.com",
        http_client=entra_emulator.http_client(),
    )  # fmt: skip
    aliases = app._driver.run(app._core.aliases.aliases())
    assert aliases == ("login.microsoft.com", "login.microsoftonline.com", "sts.windows.net")
