"""emulator/assertions.py without a server: the clock-skew edges and the audience rules."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from entraclient.assertion import AssertionSigner
from entraclient.certificates import load_certificate_material
from entraclient.emulator.assertions import AssertionRequest, verify_client_assertion
from entraclient.emulator.certificates import RegisteredCertificate
from entraclient.emulator.directory import App, ClientSecret, Directory, Tenant
from entraclient.emulator.errors import EntraError
from tests.pki import issue

NOW = float(int(time.time()))
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class World:
    directory: Directory
    signer: AssertionSigner
    tenant: Tenant
    other: Tenant
    app: App


@pytest.fixture(scope="module")
def world() -> World:
    directory = Directory()
    tenant = directory.add_tenant(["fabrikam.onmicrosoft.com", "fabrikam.com"])
    other = directory.add_tenant(["other.onmicrosoft.com"])
    app = directory.add_app(tenant, [ClientSecret("s")], display_name="daemon")
    leaf = issue("checks.fabrikam.test")
    directory.add_certificate(app, RegisteredCertificate.of(leaf.cert))
    material = load_certificate_material(
        {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem}
    )
    return World(directory, AssertionSigner(material, is_adfs=False), tenant, other, app)


def verify(
    world: World, *, host: str = "login.microsoftonline.com", now: float = NOW, **claims: object
) -> None:
    client_id = world.app.client_id
    base: dict[str, object] = {
        "aud": f"https://login.microsoftonline.com/{world.tenant.id}/oauth2/v2.0/token",
        "iss": client_id, "sub": client_id, "exp": NOW + 600, "iat": NOW, "jti": "j",
    }  # fmt: skip
    base.update(claims)
    verify_client_assertion(
        AssertionRequest(
            directory=world.directory, app=world.app, tenant=world.tenant,
            tenant_label=world.tenant.id, host=host, assertion_type=JWT_BEARER,
            assertion=world.signer.sign(base), now=now,
        )
    )  # fmt: skip


def code_of(failure: pytest.ExceptionInfo[EntraError]) -> int:
    return failure.value.kind.spec.code


@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"exp": NOW - 299}, True),
        ({"exp": NOW - 300}, False),
        ({"nbf": NOW + 300}, True),
        ({"nbf": NOW + 300.5}, False),
        ({"exp": NOW + 10 * 365 * 86400}, True),
    ],
)
def test_clock_skew_edges(world: World,
                          claims: dict[str, float], accepted: bool) -> None:  # fmt: skip
    overrides: dict[str, Any] = dict(claims)
    if accepted:
        verify(world, **overrides)
    else:
        with pytest.raises(EntraError) as failure:
            verify(world, **overrides)
        assert code_of(failure) == 700024


@pytest.mark.parametrize(
    ("aud", "host", "accepted"),
    [
        ("https://login.microsoftonline.com/{tid}/oauth2/v2.0/token", "login.microsoftonline.com", True),
        ("https://LOGIN.microsoftonline.com/{tid}/oauth2/v2.0/token/", "login.microsoftonline.com", True),
        ("https://login.microsoftonline.com/fabrikam.com/oauth2/token", "login.microsoftonline.com", True),
        ("https://sts.windows.net/{tid}/oauth2/token", "login.microsoftonline.com", True),
        ("https://login.microsoftonline.com/{tid}/oauth2/v2.0/token", "westus2.login.microsoft.com", True),
        ("https://login.microsoftonline.us/{tid}/oauth2/v2.0/token", "login.microsoftonline.com", False),
        ("https://login.microsoftonline.com/{other}/oauth2/v2.0/token", "login.microsoftonline.com", False),
        ("https://login.microsoftonline.com/{tid}/oauth2/v2.0/token", "127.0.0.1:8443", False),
        ("https://127.0.0.1:8443/{tid}/oauth2/v2.0/token", "127.0.0.1:8443", True),
        ("https://127.0.0.1:9999/{tid}/oauth2/v2.0/token", "127.0.0.1:8443", False),
        ("https://login.microsoftonline.com:443/{tid}/oauth2/v2.0/token", "login.windows.net", False),
        ("https://login.microsoftonline.com/{tid}/oauth2/v2.0/token?x=1", "login.microsoftonline.com", False),
        ("https://login.microsoftonline.com/{tid}/v2.0/token", "login.microsoftonline.com", False),
    ],
)  # fmt: skip
def test_audience_rules(world: World,
                        aud: str, host: str, accepted: bool) -> None:  # fmt: skip
    audience = aud.format(tid=world.tenant.id, other=world.other.id)
    if accepted:
        verify(world, aud=audience, host=host)
    else:
        with pytest.raises(EntraError) as failure:
            verify(world, aud=audience, host=host)
        assert code_of(failure) == 700023


def test_float_and_integer_dates_both_work(world: World) -> None:
    verify(world, exp=int(NOW) + 600, iat=int(NOW), nbf=int(NOW))
    verify(world, exp=NOW + 600.123, iat=NOW + 0.5)


def test_booleans_are_not_dates(world: World) -> None:
    with pytest.raises(EntraError) as failure:
        verify(world, iat=True)
    assert code_of(failure) == 50027
