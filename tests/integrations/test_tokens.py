"""What the integrations share: results read, tenants checked, CAE apps kept apart."""

from __future__ import annotations

import subprocess
import sys

import pytest

from entraclient.cache import TokenCache
from entraclient.integrations.tokens import (
    AppPool,
    IssuedToken,
    TenantPolicy,
    TokenRequestError,
    app_options_for,
    issued_token_of,
    renewal_time,
)


def test_a_success_result_becomes_an_issued_token() -> None:
    issued = issued_token_of(
        {"access_token": "t0k", "expires_in": 3599, "refresh_on": 1800, "token_type": "Bearer"},
        now=1000.0,
    )
    assert issued == IssuedToken("t0k", 4599, 1800, "Bearer")
    assert "t0k" not in repr(issued)


def test_an_error_result_raises_with_the_provider_fields_only() -> None:
    with pytest.raises(TokenRequestError) as refused:
        issued_token_of(
            {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
                "correlation_id": "c0ffee",
            },
            now=0,
        )
    assert refused.value.error == "invalid_client"
    assert refused.value.correlation_id == "c0ffee"
    assert str(refused.value).endswith("(correlation id c0ffee)")
    with pytest.raises(TokenRequestError, match="invalid_response"):
        issued_token_of({"token_type": "Bearer"}, now=0)


def test_renewal_time_is_refresh_on_or_five_minutes_before_expiry() -> None:
    assert renewal_time(IssuedToken("t", 4000)) == 3700
    assert renewal_time(IssuedToken("t", 4000, refresh_on=2000)) == 2000


def test_tenant_policy() -> None:
    policy = TenantPolicy.of("https://login.microsoftonline.com/Contoso.onmicrosoft.com")
    assert policy.resolve(None) == policy.resolve("contoso.onmicrosoft.com")
    with pytest.raises(TokenRequestError, match="additionally_allowed_tenants"):
        policy.resolve("fabrikam.onmicrosoft.com")
    allowed = TenantPolicy.of("https://login.microsoftonline.com/contoso", ["Fabrikam"])
    assert allowed.resolve("fabrikam") == "fabrikam"
    assert TenantPolicy.of("https://login.microsoftonline.com/x", ["*"]).resolve("y") == "y"


def test_app_pool_builds_once_per_tenant_and_flavour_with_one_cache_per_flavour() -> None:
    built: list[tuple[str, bool, TokenCache]] = []

    def build(tenant: str, cae: bool, cache: TokenCache) -> tuple[str, bool]:
        built.append((tenant, cae, cache))
        return tenant, cae

    pool = AppPool(build)
    assert pool.app("T1", False) == ("T1", False)
    assert pool.app("t1", False) == ("T1", False)
    pool.app("t1", True)
    pool.app("t2", True)
    assert len(built) == 3
    plain, cae, other_tenant_cae = (entry[2] for entry in built)
    assert plain is not cae and cae is other_tenant_cae


def test_app_options_add_or_drop_cp1_and_swap_the_tenant() -> None:
    cache = TokenCache()
    options = {"client_capabilities": ["CP1", "other"], "timeout": 5}
    cae = app_options_for("https://login.microsoftonline.com/a", "b", True, cache, options)
    assert cae["authority"] == "https://login.microsoftonline.com/b"
    assert cae["client_capabilities"] == ["other", "CP1"] and cae["token_cache"] is cache
    plain = app_options_for("https://login.microsoftonline.com/a", "a", False, cache, options)
    assert plain["client_capabilities"] == ["other"] and plain["timeout"] == 5


def test_importing_the_integrations_package_loads_no_consumer_library() -> None:
    code = (
        "import sys, entraclient, entraclient.integrations, entraclient.integrations.challenges;"
        "print(sorted(m for m in ('azure.core', 'httpx', 'requests') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "azure.core" not in loaded and "httpx" not in loaded
