"""The emulator verifies client assertions strictly, and no more strictly than Entra."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import pytest

from entraclient.emulator import Emulator
from entraclient.jose import b64url_encode, b64url_json, rsa_sign
from tests.pki import DAY, NOW, Issued, issue

from .support import CheckEntraError, Daemon, PostToken

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_UNSET: Any = object()


@pytest.fixture(scope="module")
def leaf() -> Issued:
    return issue("registered.contoso.test")


@pytest.fixture(scope="module")
def pki() -> dict[str, Issued]:
    root = issue("Emulator Test Root", ca=True)
    issuing = issue("Emulator Test Issuing CA", issuer=root, ca=True)
    return {
        "root": root,
        "issuing": issuing,
        "leaf": issue("sni.contoso.test", issuer=issuing, dns_names=("sni.contoso.test",)),
        "stranger": issue("sni.contoso.test", key_name="stranger"),
        "other_subject": issue("other.contoso.test", issuer=issuing),
        "expired": issue(
            "sni.contoso.test", key_name="expired-sni", issuer=issuing,
            not_before=NOW - 30 * DAY, not_after=NOW - DAY,
        ),
    }  # fmt: skip


@pytest.fixture
def cert_daemon(emu: Emulator, daemon: Daemon, leaf: Issued) -> Daemon:
    emu.add_certificate(daemon.app, leaf.cert_pem)
    return daemon


def endpoint(daemon: Daemon, host: str = "login.microsoftonline.com", tenant: str = "") -> str:
    return f"https://{host}/{tenant or daemon.tenant.id}/oauth2/v2.0/token"


def thumb(digest: bytes, *, padded: bool = True) -> str:
    text = base64.urlsafe_b64encode(digest).decode()
    return text if padded else text.rstrip("=")


def forge(
    signer: Issued,
    daemon: Daemon,
    *,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    algorithm: str = "PS256",
) -> str:
    """An assertion for ``daemon`` signed by ``signer``; ``header``/``claims`` entries
    replace the defaults (``_UNSET`` removes one)."""
    now = time.time()
    base_header: dict[str, Any] = {"alg": algorithm, "typ": "JWT", "x5t#S256": thumb(signer.sha256)}
    base_claims: dict[str, Any] = {
        "aud": endpoint(daemon), "iss": daemon.app.client_id, "sub": daemon.app.client_id,
        "exp": now + 600, "iat": now, "jti": str(uuid.uuid4()),
    }  # fmt: skip
    for base, changes in ((base_header, header), (base_claims, claims)):
        for name, value in (changes or {}).items():
            if value is _UNSET:
                base.pop(name, None)
            else:
                base[name] = value
    signing_input = f"{b64url_json(base_header)}.{b64url_json(base_claims)}"
    scheme = algorithm if algorithm in ("RS256", "PS256") else "RS256"
    signature = rsa_sign(signer.key, scheme, signing_input.encode())
    return f"{signing_input}.{b64url_encode(signature)}"


def assertion_form(daemon: Daemon, assertion: str, **overrides: str | None) -> dict[str, str]:
    return daemon.form(
        client_secret=None,
        client_assertion=assertion,
        client_assertion_type=overrides.pop("client_assertion_type", JWT_BEARER),
        **overrides,
    )


def post(post_token: PostToken, daemon: Daemon, assertion: str, **kw: Any) -> Any:
    return post_token(daemon.tenant.id, assertion_form(daemon, assertion), **kw)


# -- accepted --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "algorithm"),
    [
        ({}, "PS256"),
        ({"x5t#S256": _UNSET, "x5t": "sha1"}, "RS256"),
        ({"x5t#S256": _UNSET, "x5t": "sha1-unpadded"}, "RS256"),
        ({"x5t#S256": "sha256-unpadded"}, "PS256"),
        ({"x5t#S256": _UNSET, "x5t": "sha1"}, "PS256"),
    ],
)
def test_registered_certificate_is_accepted(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, header: dict[str, Any],
    algorithm: str,
) -> None:  # fmt: skip
    thumbprints = {
        "sha1": thumb(bytes.fromhex(leaf.sha1_hex)),
        "sha1-unpadded": thumb(bytes.fromhex(leaf.sha1_hex), padded=False),
        "sha256-unpadded": thumb(leaf.sha256, padded=False),
    }
    header = {k: thumbprints.get(v, v) if isinstance(v, str) else v for k, v in header.items()}
    response = post(
        post_token, cert_daemon, forge(leaf, cert_daemon, header=header, algorithm=algorithm)
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "claims",
    [
        {"nbf": time.time() - 5},
        {"iat": _UNSET},
        {"exp": int(time.time()) + 600},
        {"aud": "v1"},
        {"aud": "domain"},
        {"aud": "alias"},
        {"client_ip": "10.1.2.3"},
    ],
)
def test_lenient_where_entra_is_lenient(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, claims: dict[str, Any]
) -> None:
    audiences = {
        "v1": f"https://login.microsoftonline.com/{cert_daemon.tenant.id}/oauth2/token",
        "domain": endpoint(cert_daemon, tenant=cert_daemon.tenant.domain),
        "alias": endpoint(cert_daemon, host="login.windows.net"),
    }
    claims = {k: audiences.get(v, v) if isinstance(v, str) else v for k, v in claims.items()}
    response = post(post_token, cert_daemon, forge(leaf, cert_daemon, claims=claims))
    assert response.status_code == 200, response.text


def test_the_same_assertion_may_be_sent_again(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken
) -> None:
    assertion = forge(leaf, cert_daemon)
    assert post(post_token, cert_daemon, assertion).status_code == 200
    assert post(post_token, cert_daemon, assertion).status_code == 200


def test_token_says_the_client_used_a_certificate(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken
) -> None:
    import jwt

    token = post(post_token, cert_daemon, forge(leaf, cert_daemon)).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["appidacr"] == "2"  # v1 API


# -- refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "claims", "error", "code", "status"),
    [
        ({"x5t#S256": thumb(b"\0" * 32)}, {}, "invalid_client", 700027, 401),
        ({"x5t#S256": _UNSET}, {}, "invalid_client", 700027, 401),
        ({"x5t#S256": "not*base64"}, {}, "invalid_request", 50027, 400),
        ({"x5t#S256": thumb(b"\0" * 20)}, {}, "invalid_request", 50027, 400),
        ({}, {"iss": "someone-else"}, "invalid_client", 50048, 401),
        ({}, {"iss": "someone-else", "sub": "someone-else"}, "invalid_client", 700021, 401),
        ({}, {"aud": "https://login.microsoftonline.com/common/oauth2/v2.0/token"},
         "invalid_client", 700023, 401),
        ({}, {"aud": "https://login.evil.test/{tenant}/oauth2/v2.0/token"},
         "invalid_client", 700023, 401),
        ({}, {"aud": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"},
         "invalid_client", 700023, 401),
        ({}, {"aud": "http://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"},
         "invalid_client", 700023, 401),
        ({}, {"aud": ["{endpoint}"]}, "invalid_request", 50027, 400),
        ({}, {"exp": time.time() - 3600}, "invalid_client", 700024, 401),
        ({}, {"nbf": time.time() + 3600}, "invalid_client", 700024, 401),
        ({}, {"exp": "soon"}, "invalid_request", 50027, 400),
        ({}, {"exp": _UNSET}, "invalid_request", 50027, 400),
        ({}, {"jti": _UNSET}, "invalid_request", 50027, 400),
        ({}, {"sub": _UNSET}, "invalid_request", 50027, 400),
    ],
)  # fmt: skip
def test_rejections(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, entra_error: CheckEntraError,
    header: dict[str, Any], claims: dict[str, Any], error: str, code: int, status: int,
) -> None:  # fmt: skip
    fills = {"tenant": cert_daemon.tenant.id, "endpoint": endpoint(cert_daemon)}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**fills)
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    claims = {k: fill(v) for k, v in claims.items()}
    assertion = forge(leaf, cert_daemon, header=header, claims=claims)
    response = post(post_token, cert_daemon, assertion)
    entra_error(response, error=error, code=code, status=status)
    assert assertion.split(".")[2] not in response.text


def test_bad_signature(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    impostor = issue("impostor", key_name="impostor")
    forged = forge(impostor, cert_daemon, header={"x5t#S256": thumb(leaf.sha256)})
    body = entra_error(
        post(post_token, cert_daemon, forged), error="invalid_client", code=700027, status=401
    )
    assert "did not match the expected signature value" in str(body["error_description"])
    tampered = forge(leaf, cert_daemon)
    head, _payload, signature = tampered.split(".")
    other_payload = forge(leaf, cert_daemon, claims={"client_ip": "1.2.3.4"}).split(".")[1]
    response = post(post_token, cert_daemon, f"{head}.{other_payload}.{signature}")
    entra_error(response, error="invalid_client", code=700027, status=401)


def test_pss_and_pkcs1_are_not_interchangeable(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    signed_rs256 = forge(leaf, cert_daemon, algorithm="RS256")
    _head, payload, signature = signed_rs256.split(".")
    relabelled = f"{b64url_json({'alg': 'PS256', 'typ': 'JWT', 'x5t#S256': thumb(leaf.sha256)})}"
    response = post(post_token, cert_daemon, f"{relabelled}.{payload}.{signature}")
    entra_error(response, error="invalid_client", code=700027, status=401)


@pytest.mark.parametrize("algorithm", ["none", "HS256", "ES256", "RS384"])
def test_algorithms_other_than_rs256_and_ps256_are_refused(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, entra_error: CheckEntraError,
    algorithm: str,
) -> None:  # fmt: skip
    response = post(post_token, cert_daemon, forge(leaf, cert_daemon, algorithm=algorithm))
    entra_error(response, error="invalid_request", code=5002730)


@pytest.mark.parametrize(
    "assertion",
    ["not-a-jwt", "a.b", "e30.e30.e30.e30", "W10.e30.c2ln", "e30.bm9wZQ.c2ln", "e30.e30.***"],
)
def test_malformed_assertions(
    cert_daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError, assertion: str
) -> None:
    entra_error(post(post_token, cert_daemon, assertion), error="invalid_request", code=50027)


def test_wrong_assertion_type(
    cert_daemon: Daemon, leaf: Issued, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    form = assertion_form(
        cert_daemon, forge(leaf, cert_daemon),
        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
    )  # fmt: skip
    entra_error(post_token(cert_daemon.tenant.id, form), error="invalid_request", code=90011)
    form = assertion_form(cert_daemon, forge(leaf, cert_daemon), client_assertion_type=None)
    entra_error(post_token(cert_daemon.tenant.id, form), error="invalid_request", code=90011)


def test_assertion_type_without_assertion(
    cert_daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError
) -> None:
    form = cert_daemon.form(client_secret=None, client_assertion_type=JWT_BEARER)
    body = entra_error(
        post_token(cert_daemon.tenant.id, form), error="invalid_request", code=900144
    )
    assert "'client_assertion'" in str(body["error_description"])


@pytest.mark.parametrize(
    ("not_before", "not_after", "state"),
    [(NOW - 30 * DAY, NOW - DAY, "expired"), (NOW + DAY, NOW + 30 * DAY, "not yet valid")],
)
def test_registered_certificate_outside_its_validity(
    emu: Emulator, daemon: Daemon, post_token: PostToken, entra_error: CheckEntraError,
    not_before: Any, not_after: Any, state: str,
) -> None:  # fmt: skip
    stale = issue(f"stale-{state}", not_before=not_before, not_after=not_after)
    emu.add_certificate(daemon.app, stale.cert)
    response = post(post_token, daemon, forge(stale, daemon))
    body = entra_error(response, error="invalid_client", code=700027, status=401)
    assert f"is {state} on application" in str(body["error_description"])
    assert stale.sha1_hex.upper() in str(body["error_description"])


def test_certificate_of_another_app_is_not_accepted(
    emu: Emulator, cert_daemon: Daemon, leaf: Issued, post_token: PostToken,
    entra_error: CheckEntraError,
) -> None:  # fmt: skip
    other = emu.add_app(cert_daemon.tenant, secrets=[])
    emu.grant_app_roles(other, cert_daemon.api, ["Things.Read"])
    forged = forge(leaf, cert_daemon, claims={"iss": other.client_id, "sub": other.client_id})
    form = assertion_form(cert_daemon, forged, client_id=other.client_id)
    body = entra_error(
        post_token(cert_daemon.tenant.id, form), error="invalid_client", code=700027, status=401
    )
    assert "The key was not found" in str(body["error_description"])
    assert other.client_id in str(body["error_description"])


def test_non_rsa_certificates_cannot_be_registered(emu: Emulator, daemon: Daemon) -> None:
    from tests.pki import ec_issued

    with pytest.raises(ValueError, match="only RSA"):
        emu.add_certificate(daemon.app, ec_issued("ec")[1])
    with pytest.raises(ValueError, match="not a PEM certificate"):
        emu.add_certificate(daemon.app, "nonsense")


# -- Subject Name/Issuer ------------------------------------------------------------------------


def x5c(*certs: Issued, newlines: bool = False) -> list[str]:
    from cryptography.hazmat.primitives.serialization import Encoding

    entries = [base64.b64encode(c.cert.public_bytes(Encoding.DER)).decode() for c in certs]
    if newlines:
        entries = ["\n".join(e[i : i + 64] for i in range(0, len(e), 64)) for e in entries]
    return entries


@pytest.fixture
def sni_daemon(emu: Emulator, daemon: Daemon, pki: dict[str, Issued]) -> Daemon:
    emu.trust_sni(daemon.app, pki["root"].cert_pem, "sni.contoso.test")
    return daemon


@pytest.mark.parametrize(
    ("chain", "newlines"),
    [
        (("leaf", "issuing"), False),
        (("leaf", "issuing", "root"), False),
        (("leaf", "issuing"), True),
    ],
)
def test_sni_chain_to_a_trusted_root_is_accepted(
    sni_daemon: Daemon, pki: dict[str, Issued], post_token: PostToken,
    chain: tuple[str, ...], newlines: bool,
) -> None:  # fmt: skip
    header = {"x5c": x5c(*(pki[n] for n in chain), newlines=newlines)}
    response = post(post_token, sni_daemon, forge(pki["leaf"], sni_daemon, header=header))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("subject", ["CN=sni.contoso.test", "SNI.contoso.test"])
def test_sni_subject_spellings(
    emu: Emulator, daemon: Daemon, pki: dict[str, Issued], post_token: PostToken, subject: str
) -> None:
    emu.trust_sni(daemon.app, pki["issuing"].cert, subject)
    header = {"x5c": x5c(pki["leaf"])}
    assert post(post_token, daemon, forge(pki["leaf"], daemon, header=header)).status_code == 200


@pytest.mark.parametrize(
    ("signer", "chain", "header", "code", "reason"),
    [
        ("stranger", ("stranger",), {}, 700030, "does not lead to an issuer trusted"),
        ("leaf", ("leaf",), {}, 700030, "does not lead to an issuer trusted"),
        ("leaf", ("leaf", "root"), {}, 700030, "does not lead to an issuer trusted"),
        ("other_subject", ("other_subject", "issuing"), {}, 700030, "other.contoso.test"),
        ("expired", ("expired", "issuing"), {}, 1000502, "validity window"),
        ("leaf", ("leaf", "issuing"), {"x5t#S256": "other"}, 700027, "does not name the first"),
        ("leaf", ("leaf", "issuing"), {"x5t#S256": _UNSET}, 700027, "does not name the first"),
    ],
)  # fmt: skip
def test_sni_rejections(
    sni_daemon: Daemon, pki: dict[str, Issued], post_token: PostToken,
    entra_error: CheckEntraError, signer: str, chain: tuple[str, ...],
    header: dict[str, Any], code: int, reason: str,
) -> None:  # fmt: skip
    fields: dict[str, Any] = {"x5c": x5c(*(pki[n] for n in chain))}
    for name, value in header.items():
        fields[name] = thumb(pki["root"].sha256) if value == "other" else value
    response = post(post_token, sni_daemon, forge(pki[signer], sni_daemon, header=fields))
    body = entra_error(response, error="invalid_client", code=code, status=401)
    assert reason in str(body["error_description"])


def test_sni_is_not_used_for_apps_without_sni_trust(
    daemon: Daemon, pki: dict[str, Issued], post_token: PostToken, entra_error: CheckEntraError
) -> None:
    header = {"x5c": x5c(pki["leaf"], pki["issuing"])}
    response = post(post_token, daemon, forge(pki["leaf"], daemon, header=header))
    entra_error(response, error="invalid_client", code=700027, status=401)


def test_malformed_x5c(
    sni_daemon: Daemon, pki: dict[str, Issued], post_token: PostToken, entra_error: CheckEntraError
) -> None:
    for bad in ("not-a-list", [], ["!!!"], [base64.b64encode(b"not der").decode()]):
        forged = forge(pki["leaf"], sni_daemon, header={"x5c": bad})
        entra_error(post(post_token, sni_daemon, forged), error="invalid_request", code=50027)
