"""authority.py: every kind of authority, the cloud constants, and malformed input at construction."""

from __future__ import annotations

from typing import Any

import pytest

from entraclient import ConfidentialClientApplication
from entraclient.authority import (
    AZURE_CHINA,
    AZURE_GOV_DE,
    AZURE_GOV_FR,
    AZURE_GOV_SG,
    AZURE_PUBLIC,
    AZURE_US_GOVERNMENT,
    DEPRECATED_AZURE_CHINA,
    WORLD_WIDE,
    AuthorityBuilder,
    AuthorityKind,
    parse_authority,
)

GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_seed_imports_and_builder_usage() -> None:
    my_authority = AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com")
    assert my_authority == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    assert isinstance(my_authority, AuthorityBuilder) and isinstance(my_authority, str)
    app = ConfidentialClientApplication("cid", client_credential="s", authority=my_authority)
    assert app.authority.tenant == "contoso.onmicrosoft.com"
    assert app.authority.kind is AuthorityKind.ENTRA


def test_cloud_constants() -> None:
    assert (AZURE_PUBLIC, WORLD_WIDE) == ("login.microsoftonline.com",) * 2
    assert AZURE_US_GOVERNMENT == "login.microsoftonline.us"
    assert AZURE_CHINA == DEPRECATED_AZURE_CHINA == "login.chinacloudapi.cn"
    assert (AZURE_GOV_FR, AZURE_GOV_DE, AZURE_GOV_SG) == (
        "login.sovcloud-identity.fr",
        "login.sovcloud-identity.de",
        "login.sovcloud-identity.sg",
    )


@pytest.mark.parametrize(
    ("instance", "tenant", "expected"),
    [
        (AZURE_US_GOVERNMENT, GUID, f"https://login.microsoftonline.us/{GUID}"),
        (
            AZURE_CHINA,
            "/contoso.partner.onmschina.cn/",
            "https://login.chinacloudapi.cn/contoso.partner.onmschina.cn",
        ),
        (
            "https://login.sovcloud-identity.fr/",
            "organizations",
            "https://login.sovcloud-identity.fr/organizations",
        ),
    ],
)
def test_builder_joins_instance_and_tenant(instance: str, tenant: str, expected: str) -> None:
    assert AuthorityBuilder(instance, tenant) == expected


@pytest.mark.parametrize(("instance", "tenant"), [("", "t"), ("  ", "t"), (AZURE_PUBLIC, "/")])
def test_builder_refuses_empty_parts(instance: str, tenant: str) -> None:
    with pytest.raises(ValueError, match="AuthorityBuilder needs"):
        AuthorityBuilder(instance, tenant)


@pytest.mark.parametrize(
    ("url", "kind", "tenant", "well_known"),
    [
        (f"https://login.microsoftonline.com/{GUID}", AuthorityKind.ENTRA, GUID, True),
        ("https://login.microsoftonline.com/contoso.com", AuthorityKind.ENTRA, "contoso.com", True),
        ("https://login.microsoftonline.com/common", AuthorityKind.ENTRA, "common", True),
        (
            "https://login.microsoftonline.com/organizations",
            AuthorityKind.ENTRA,
            "organizations",
            True,
        ),
        ("https://login.microsoftonline.com/consumers", AuthorityKind.ENTRA, "consumers", True),
        (f"https://login.microsoftonline.us/{GUID}", AuthorityKind.ENTRA, GUID, True),
        (f"https://login.chinacloudapi.cn/{GUID}", AuthorityKind.ENTRA, GUID, True),
        (f"https://login.partner.microsoftonline.cn/{GUID}", AuthorityKind.ENTRA, GUID, True),
        (f"https://login.sovcloud-identity.de/{GUID}", AuthorityKind.ENTRA, GUID, True),
        (f"https://login.contoso-sts.example/{GUID}", AuthorityKind.ENTRA, GUID, False),
        (
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi",
            AuthorityKind.B2C,
            "contoso.onmicrosoft.com",
            False,
        ),
        (
            "https://contoso.b2clogin.cn/contoso.partner.onmschina.cn/b2c_1a_signin",
            AuthorityKind.B2C,
            "contoso.partner.onmschina.cn",
            False,
        ),
        (
            "https://login.contoso.com/contoso.onmicrosoft.com/B2C_1_custom_domain",
            AuthorityKind.B2C,
            "contoso.onmicrosoft.com",
            False,
        ),
        ("https://contoso.ciamlogin.com", AuthorityKind.CIAM, "contoso.onmicrosoft.com", False),
        ("https://contoso.ciamlogin.com/", AuthorityKind.CIAM, "contoso.onmicrosoft.com", False),
        (f"https://contoso.ciamlogin.com/{GUID}", AuthorityKind.CIAM, GUID, False),
        ("https://fs.contoso.com/adfs", AuthorityKind.ADFS, "adfs", False),
        ("https://fs.contoso.com/ADFS/", AuthorityKind.ADFS, "adfs", False),
        ("https://dsts.core.example/dstsv2/tenant1", AuthorityKind.OIDC, "dstsv2", False),
    ],
)
def test_every_kind_is_recognised(
    url: str, kind: AuthorityKind, tenant: str, well_known: bool
) -> None:
    authority = parse_authority(url)
    assert (authority.kind, authority.tenant, authority.is_well_known) == (kind, tenant, well_known)


def test_b2c_with_a_trailing_slash_on_a_custom_domain_is_not_b2c() -> None:
    # PROTOCOL.md §1.1: only a path of exactly /{tenant}/{b2c_policy} makes a custom host B2C.
    authority = parse_authority("https://login.contoso.com/contoso.onmicrosoft.com/B2C_1_x/")
    assert authority.kind is AuthorityKind.ENTRA


def test_adfs_on_a_ciam_host_is_ciam() -> None:
    assert parse_authority("https://contoso.ciamlogin.com/adfs").kind is AuthorityKind.CIAM


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"authority": "http://login.microsoftonline.com/contoso.com"}, "must use https"),
        ({"authority": "ftp://login.microsoftonline.com/contoso.com"}, "must use https"),
        ({"authority": "login.microsoftonline.com/contoso.com"}, "must use https"),
        ({"authority": "https://login.microsoftonline.com"}, "has no tenant"),
        ({"authority": "https://login.microsoftonline.com//"}, "has no tenant"),
        ({"authority": "https://fs.contoso.com"}, "has no tenant"),
        ({"authority": "https://contoso.b2clogin.com/contoso.onmicrosoft.com"}, "has no policy"),
        ({"authority": "https:///contoso.com"}, "not a URL"),
        ({"authority": "https://login microsoftonline.com/contoso.com"}, "not a URL"),
        ({"authority": "https://login..microsoftonline.com/contoso.com"}, "not a URL"),
        ({"authority": "https://login.microsoftonline.com/contoso.com#frag"}, "not a URL"),
        ({"authority": "https://login.microsoftonline.com:0/contoso.com"}, "not a URL"),
        ({"oidc_authority": "http://idp.example.com/realm"}, "oidc_authority must use https"),
        ({"oidc_authority": ""}, "oidc_authority must be a non-empty"),
        (
            {
                "authority": "https://login.microsoftonline.com/t",
                "oidc_authority": "https://idp.example.com/r",
            },
            "either authority or oidc_authority",
        ),
    ],
)
def test_malformed_authorities_fail_at_construction(
    arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ConfidentialClientApplication("cid", client_credential="s", **arguments)


def test_the_default_authority_is_common() -> None:
    app = ConfidentialClientApplication("cid", client_credential="s")
    assert app.authority.url == "https://login.microsoftonline.com/common"


def test_oidc_authority_keeps_its_path_and_needs_no_tenant() -> None:
    app = ConfidentialClientApplication(
        "cid", client_credential="s", oidc_authority="https://IdP.example.com/realms/one/"
    )
    assert app.authority.kind is AuthorityKind.OIDC
    assert app.authority.discovery_url == (
        "https://idp.example.com/realms/one/.well-known/openid-configuration"
    )
    bare = parse_authority("https://idp.example.com/x")
    assert bare.kind is AuthorityKind.ENTRA
