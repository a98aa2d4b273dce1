"""Every client_credential format, end to end over HTTPS against the emulator."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest

from entraclient import ConfidentialClientApplication
from entraclient.credential_shapes import CertificateCredential
from entraclient.emulator import Emulator, LoggedRequest
from tests.emulator.support import Daemon
from tests.pki import Issued, issue, write_pfx

PASSPHRASE = "pfx and pem passphrase"


@pytest.fixture
def daemon(entra_emulator: Emulator) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant, secrets=[])
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    return Daemon(tenant, app, api)


@pytest.fixture(scope="module")
def leaf() -> Issued:
    return issue("formats.contoso.test")


@pytest.fixture(scope="module")
def pki() -> dict[str, Issued]:
    root = issue("Formats Root CA", ca=True)
    issuing = issue("Formats Issuing CA", issuer=root, ca=True)
    return {"root": root, "issuing": issuing,
            "leaf": issue("sni-formats.contoso.test", issuer=issuing)}  # fmt: skip


def acquire(emu: Emulator, daemon: Daemon, credential: Any, **kwargs: Any) -> dict[str, Any]:
    app = ConfidentialClientApplication(
        daemon.app.client_id,
        client_credential=credential,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        http_client=emu.http_client(),
        **kwargs,
    )
    result: dict[str, Any] = app.acquire_token_for_client([daemon.api.default_scope])
    return result


def sent_assertion(emu: Emulator) -> tuple[dict[str, Any], dict[str, Any], LoggedRequest]:
    (request,) = emu.token_requests()
    assertion = request.form_value("client_assertion")
    assert assertion is not None
    assert request.form_value("client_assertion_type") == (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    assert request.form_value("client_secret") is None
    header = jwt.get_unverified_header(assertion)
    claims = jwt.decode(assertion, options={"verify_signature": False})
    return header, claims, request


def test_private_key_and_thumbprint(entra_emulator: Emulator, daemon: Daemon, leaf: Issued) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert_pem)
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "thumbprint": leaf.sha1_hex.upper(),
    }
    result = acquire(entra_emulator, daemon, credential)
    assert result["token_source"] == "identity_provider", result
    header, claims, _ = sent_assertion(entra_emulator)
    assert header["alg"] == "RS256" and "x5t" in header and "x5c" not in header
    assert (
        claims["aud"] == f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/v2.0/token"
    )


@pytest.mark.parametrize("traditional", [False, True])
def test_encrypted_private_key(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued, traditional: bool
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    credential = {
        "private_key": leaf.key_pem(PASSPHRASE, traditional=traditional),
        "thumbprint": leaf.sha1_hex,
        "passphrase": PASSPHRASE,
    }
    assert "access_token" in acquire(entra_emulator, daemon, credential)


def test_private_key_and_certificate(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert_pem)
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem,
    }
    assert "access_token" in acquire(entra_emulator, daemon, credential)
    header, _, _ = sent_assertion(entra_emulator)
    assert header["alg"] == "PS256" and "x5t#S256" in header
    assert len(header["x5c"]) == 1


def test_subject_name_issuer_with_a_pem_chain(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued]
) -> None:
    entra_emulator.trust_sni(daemon.app, pki["root"].cert_pem, "sni-formats.contoso.test")
    bundle = pki["root"].cert_pem + pki["leaf"].cert_pem + pki["issuing"].cert_pem
    credential: CertificateCredential = {
        "private_key": pki["leaf"].key_pem(),
        "public_certificate": bundle,
    }
    assert "access_token" in acquire(entra_emulator, daemon, credential)
    header, _, _ = sent_assertion(entra_emulator)
    ders = [base64.b64decode(entry) for entry in header["x5c"]]
    from cryptography import x509

    names = [x509.load_der_x509_certificate(d).subject.rfc4514_string() for d in ders]
    assert names == [
        "CN=sni-formats.contoso.test", "CN=Formats Issuing CA", "CN=Formats Root CA",
    ]  # fmt: skip


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_pfx(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued, tmp_path: Path, passphrase: str | None
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    path = write_pfx(tmp_path / "daemon.pfx", leaf, passphrase=passphrase)
    credential: dict[str, Any] = {"private_key_pfx_path": str(path)}
    if passphrase:
        credential["passphrase"] = passphrase
    assert "access_token" in acquire(entra_emulator, daemon, credential)
    header, _, _ = sent_assertion(entra_emulator)
    assert header["alg"] == "PS256" and "x5c" not in header


def test_pfx_subject_name_issuer(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued], tmp_path: Path
) -> None:
    entra_emulator.trust_sni(daemon.app, pki["root"].cert, "CN=sni-formats.contoso.test")
    path = write_pfx(
        tmp_path / "sni.pfx", pki["leaf"], passphrase=PASSPHRASE, extra=(pki["issuing"].cert,)
    )
    credential = {
        "private_key_pfx_path": str(path), "passphrase": PASSPHRASE, "public_certificate": True,
    }  # fmt: skip
    assert "access_token" in acquire(entra_emulator, daemon, credential)
    header, _, _ = sent_assertion(entra_emulator)
    assert len(header["x5c"]) == 2


def test_client_claims_reach_the_assertion(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem,
    }
    acquire(entra_emulator, daemon, credential, client_claims={"client_ip": "10.9.8.7"})
    _, claims, _ = sent_assertion(entra_emulator)
    assert claims["client_ip"] == "10.9.8.7"


def test_client_claims_can_break_the_assertion_as_entra_would_say(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem,
    }
    result = acquire(
        entra_emulator, daemon, credential,
        client_claims={"aud": "https://login.microsoftonline.com/common/oauth2/v2.0/token"},
    )  # fmt: skip
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700023]


def test_unregistered_certificate_is_an_error_dict(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem,
    }
    app = ConfidentialClientApplication(
        daemon.app.client_id, client_credential=credential,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.id}",
        http_client=entra_emulator.http_client(),
    )  # fmt: skip
    result = app.acquire_token_for_client([daemon.api.default_scope])
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]
    assert app.token_cache.entries("AccessToken") == []


def test_the_assertion_is_reused_across_token_requests(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem,
    }
    app = ConfidentialClientApplication(
        daemon.app.client_id, client_credential=credential,
        authority=f"https://login.microsoftonline.com/{daemon.tenant.id}",
        http_client=entra_emulator.http_client(),
    )  # fmt: skip
    app.acquire_token_for_client([daemon.api.default_scope])
    app.acquire_token_for_client([daemon.api.default_scope], claims_challenge="{}")
    first, second = entra_emulator.token_requests()
    assert first.form_value("client_assertion") == second.form_value("client_assertion")
    assert second.status == 200


def test_pre_signed_assertion(entra_emulator: Emulator, daemon: Daemon, leaf: Issued) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    assertion = _external_assertion(leaf, daemon, "static")
    with pytest.warns(DeprecationWarning, match="static client_assertion cannot be renewed"):
        result = acquire(entra_emulator, daemon, {"client_assertion": assertion})
    assert "access_token" in result
    (request,) = entra_emulator.token_requests()
    assert request.form_value("client_assertion") == assertion


def test_assertion_callable_is_called_for_each_request_with_its_context(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    contexts: list[Mapping[str, str]] = []

    def fresh_assertion(context: Mapping[str, str]) -> str:
        contexts.append(context)
        return _external_assertion(leaf, daemon, f"call-{len(contexts)}")

    app = ConfidentialClientApplication(
        daemon.app.client_id, client_credential={"client_assertion": fresh_assertion},
        authority=f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        http_client=entra_emulator.http_client(),
    )  # fmt: skip
    scope = [daemon.api.default_scope]
    assert "access_token" in app.acquire_token_for_client(scope)
    assert app.acquire_token_for_client(scope)["token_source"] == "cache"
    assert "access_token" in app.acquire_token_for_client(scope, fmi_path="Agents/A1")
    endpoint = f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/v2.0/token"
    assert contexts == [
        {"client_id": daemon.app.client_id, "token_endpoint": endpoint},
        {"client_id": daemon.app.client_id, "token_endpoint": endpoint, "fmi_path": "Agents/A1"},
    ]
    jtis = [
        jwt.decode(r.form_value("client_assertion") or "", options={"verify_signature": False})[
            "jti"
        ]
        for r in entra_emulator.token_requests()
    ]
    assert jtis == ["call-1", "call-2"]


def test_zero_argument_assertion_callable(
    entra_emulator: Emulator, daemon: Daemon, leaf: Issued
) -> None:
    entra_emulator.add_certificate(daemon.app, leaf.cert)
    credential = {"client_assertion": lambda: _external_assertion(leaf, daemon, "zero-arg")}
    assert "access_token" in acquire(entra_emulator, daemon, credential)


def test_secret_credential_sends_no_assertion(entra_emulator: Emulator, daemon: Daemon) -> None:
    secret = entra_emulator.add_secret(daemon.app)
    assert "access_token" in acquire(entra_emulator, daemon, secret.value, client_claims={"a": 1})
    (request,) = entra_emulator.token_requests()
    assert request.form_value("client_secret") == secret.value
    assert request.form_value("client_assertion") is None


@pytest.mark.parametrize(
    ("credential", "error"),
    [
        ({"private_key": "x", "thumbprint": "00" * 20, "extra": 1}, "unknown shape"),
        ({"client_assertion": "x", "private_key": "y"}, "only 'client_assertion'"),
        ({"private_key_pfx_path": "/nonexistent/daemon.pfx"}, "no such file"),
    ],
)
def test_construction_errors(credential: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        ConfidentialClientApplication(
            "client",
            client_credential=credential,  # type: ignore[arg-type]  # wrong on purpose
        )


def _external_assertion(leaf: Issued, daemon: Daemon, token_id: str) -> str:
    """An assertion built outside entraclient (with PyJWT), as a federated credential is."""
    now = __import__("time").time()
    claims = {
        "aud": f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/v2.0/token",
        "iss": daemon.app.client_id, "sub": daemon.app.client_id,
        "exp": now + 300, "nbf": now, "jti": token_id,
    }  # fmt: skip
    header = {"x5t": base64.urlsafe_b64encode(bytes.fromhex(leaf.sha1_hex)).decode()}
    token: str = jwt.encode(claims, leaf.key, algorithm="RS256", headers=header)
    json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))  # well-formed
    return token


def test_an_adfs_authority_gets_rs256_with_sha1(leaf: Issued) -> None:
    credential: CertificateCredential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem,
    }
    for authority, algorithm in [
        ("https://fs.contoso.test/adfs", "RS256"),
        ("https://login.microsoftonline.com/contoso.onmicrosoft.com", "PS256"),
    ]:
        app = ConfidentialClientApplication("c", client_credential=credential, authority=authority)
        header = app._core.credential.header  # type: ignore[union-attr]
        assert header["alg"] == algorithm
        assert ("x5t" in header) == (algorithm == "RS256")
