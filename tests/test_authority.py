"""authority.py: kinds, tenants, discovery URLs and the errors for malformed input."""

from __future__ import annotations

import pytest

from entraclient.authority import (
    AZURE_PUBLIC,
    AZURE_US_GOVERNMENT,
    AuthorityBuilder,
    AuthorityKind,
    parse_authority,
    parse_oidc_authority,
)


@pytest.mark.parametrize(
    ("url", "kind", "tenant", "discovery"),
    [
        (
            "https://login.microsoftonline.com/contoso.onmicrosoft.com",
            AuthorityKind.ENTRA,
            "contoso.onmicrosoft.com",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        ),
        (
            "https://LOGIN.microsoftonline.com/common/",
            AuthorityKind.ENTRA,
            "common",
            "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
        ),
        (
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signupsignin",
            AuthorityKind.B2C,
            "contoso.onmicrosoft.com",
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signupsignin/v2.0/.well-known/openid-configuration",
        ),
        (
            "https://id.contoso.com/contoso.onmicrosoft.com/b2c_1_susi",
            AuthorityKind.B2C,
            "contoso.onmicrosoft.com",
            "https://id.contoso.com/contoso.onmicrosoft.com/b2c_1_susi/v2.0/.well-known/openid-configuration",
        ),
        (
            "https://contoso.ciamlogin.com",
            AuthorityKind.CIAM,
            "contoso.onmicrosoft.com",
            "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        ),
        (
            "https://fs.contoso.com:8443/adfs?x=1",
            AuthorityKind.ADFS,
            "adfs",
            "https://fs.contoso.com:8443/adfs/.well-known/openid-configuration?x=1",
        ),
    ],
)
def test_kinds(url: str, kind: AuthorityKind, tenant: str, discovery: str) -> None:
    authority = parse_authority(url)
    assert authority.kind is kind
    assert authority.tenant == tenant
    assert authority.discovery_url == discovery


def test_environment_is_the_host_without_port() -> None:
    assert parse_authority("https://fs.contoso.com:8443/adfs").environment == "fs.contoso.com"
    assert parse_authority("https://login.microsoftonline.com/x").is_well_known


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://login.microsoftonline.com/contoso", "https"),
        ("https://login.microsoftonline.com", "no tenant"),
        ("https://login.microsoftonline.com/", "no tenant"),
        ("not a url", "https"),
        ("", "non-empty"),
        ("https://user:pw@login.microsoftonline.com/x", "https://host/tenant"),
        ("https://login.microsoftonline.com:99999/x", "port"),
    ],
)
def test_malformed_authorities_are_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_authority(url)


def test_oidc_authority() -> None:
    authority = parse_oidc_authority("https://idp.example.com/realm1/")
    assert authority.kind is AuthorityKind.OIDC
    assert (
        authority.discovery_url == "https://idp.example.com/realm1/.well-known/openid-configuration"
    )


def test_builder() -> None:
    assert (
        AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com")
        == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    )
    assert AuthorityBuilder(AZURE_US_GOVERNMENT, "/t/") == "https://login.microsoftonline.us/t"
    with pytest.raises(ValueError, match="tenant"):
        AuthorityBuilder(AZURE_PUBLIC, "")
