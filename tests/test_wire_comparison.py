"""MSAL Python 1.39 and entraclient, same emulator, same credentials: the same token requests.

Each case builds both clients with the same arguments, lets each acquire one app token from
the emulator, and compares what the emulator received: every form field, and for a signed
client assertion its decoded header and claims.

Differences, each on purpose (only these are tolerated, in :func:`compare`):

* Field *order* is not compared: a form is a set of fields (MSAL puts ``client_assertion``
  before ``client_info``; entraclient sends ``client_assertion_type`` right before it).
* ``jti``, ``iat`` and ``exp`` are fresh per assertion: both send a UUID4 ``jti``, float
  ``iat``, and ``exp = iat + 600``.
* ``x5c`` entries: MSAL copies the PEM body *with its line breaks*; entraclient sends plain
  standard base64 as RFC 7515 §4.1.6 says. The DER certificates are compared.
* ``x5c`` chain: with ``public_certificate`` (and no ``thumbprint``) or a PFX with
  ``public_certificate=True``, MSAL sends the leaf only and drops the rest of the chain;
  entraclient sends the chain, leaf first, as the seed documents for Subject Name/Issuer
  authentication. With a single certificate both send the same.
* ``private_key`` + ``thumbprint`` + ``public_certificate``: MSAL signs RS256 with the given
  SHA-1 ``x5t`` and sends every PEM block in file order; entraclient checks the thumbprint
  against the certificate, then signs PS256 with ``x5t#S256`` (a SHA-256 thumbprint is known,
  PROTOCOL.md §4.2 rule) and sends the chain leaf first. Both are accepted by Entra.
* Headers (``x-client-sku``, ``x-client-ver``, telemetry) name each library: not compared.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import msal
import pytest

from entraclient import ConfidentialClientApplication
from entraclient.emulator import Emulator, LoggedRequest
from tests.emulator.support import Daemon
from tests.pki import Issued, issue, write_pfx

PASSPHRASE = "wire passphrase"
FRESH_CLAIMS = {"jti", "iat", "exp"}


@dataclass(frozen=True)
class Sent:
    """One token request as the emulator logged it, with its assertion decoded."""

    form: dict[str, str]
    header: dict[str, Any] | None
    claims: dict[str, Any] | None


@pytest.fixture(scope="module")
def pki() -> dict[str, Issued]:
    root = issue("Wire Root CA", ca=True)
    leaf = issue("wire.contoso.test", issuer=root)
    return {"root": root, "leaf": leaf, "single": issue("wire-single.contoso.test")}


@pytest.fixture
def daemon(entra_emulator: Emulator, pki: dict[str, Issued]) -> Daemon:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    api = entra_emulator.add_api(tenant, roles=["Things.Read"])
    entra_emulator.grant_app_roles(app, api, ["Things.Read"])
    entra_emulator.add_certificate(app, pki["single"].cert)
    entra_emulator.trust_sni(app, pki["root"].cert, "wire.contoso.test")
    return Daemon(tenant, app, api)


def capture(emu: Emulator) -> Sent:
    (request,) = emu.token_requests()
    assert request.status == 200, request
    emu.clear_log()
    return _decoded(request)


def _decoded(request: LoggedRequest) -> Sent:
    form = dict(request.form)
    assertion = form.get("client_assertion")
    if assertion is None:
        return Sent(form, None, None)
    header = jwt.get_unverified_header(assertion)
    claims = jwt.decode(assertion, options={"verify_signature": False})
    if "x5c" in header:
        header["x5c"] = [base64.b64decode("".join(e.split())) for e in header["x5c"]]
    return Sent(form, header, claims)


def run_both(
    emu: Emulator, daemon: Daemon, credential: Any, *, call: dict[str, Any] | None = None,
    **app_arguments: Any,
) -> tuple[Sent, Sent]:  # fmt: skip
    arguments = {
        "client_credential": credential,
        "authority": f"https://login.microsoftonline.com/{daemon.tenant.domain}",
        "http_client": emu.http_client(),
        **app_arguments,
    }
    scope = [daemon.api.default_scope]
    theirs = msal.ConfidentialClientApplication(daemon.app.client_id, **arguments)
    emu.clear_log()
    assert "access_token" in theirs.acquire_token_for_client(scope, **(call or {}))
    from_msal = capture(emu)
    arguments["http_client"] = emu.http_client()
    ours = ConfidentialClientApplication(daemon.app.client_id, **arguments)
    assert "access_token" in ours.acquire_token_for_client(scope, **(call or {}))
    return from_msal, capture(emu)


def compare(from_msal: Sent, ours: Sent, *, chain_may_differ: bool = False) -> None:
    """Assert both requests agree, up to the documented differences."""
    assert _without(from_msal.form, "client_assertion") == _without(ours.form, "client_assertion")
    if from_msal.form.get("client_assertion") == ours.form.get("client_assertion"):
        return  # no assertion, or the caller's own (sent verbatim by both)
    assert from_msal.claims is not None and ours.claims is not None
    assert _without(from_msal.claims, *FRESH_CLAIMS) == _without(ours.claims, *FRESH_CLAIMS)
    assert list(from_msal.claims) == list(ours.claims)
    for claims in (from_msal.claims, ours.claims):
        assert uuid.UUID(claims["jti"]).version == 4
        assert isinstance(claims["iat"], float)
        assert claims["exp"] == pytest.approx(claims["iat"] + 600)
    assert ours.header is not None and from_msal.header is not None
    if chain_may_differ:
        assert from_msal.header["x5c"] == ours.header["x5c"][:1]
        assert _without(from_msal.header, "x5c") == _without(ours.header, "x5c")
    else:
        assert from_msal.header == ours.header


def _without(mapping: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in names}


# -- the cases -------------------------------------------------------------------------------


def test_client_secret(entra_emulator: Emulator, daemon: Daemon) -> None:
    compare(*run_both(entra_emulator, daemon, daemon.app.secret))


def test_private_key_and_thumbprint(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued]
) -> None:
    single = pki["single"]
    credential = {"private_key": single.key_pem(), "thumbprint": single.sha1_hex.upper()}
    from_msal, ours = run_both(entra_emulator, daemon, credential)
    compare(from_msal, ours)
    assert ours.header == {"alg": "RS256", "typ": "JWT", "x5t": ours.header and ours.header["x5t"]}


def test_encrypted_private_key_with_certificate_and_client_claims(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued]
) -> None:
    single = pki["single"]
    credential = {
        "private_key": single.key_pem(PASSPHRASE), "passphrase": PASSPHRASE,
        "public_certificate": single.cert_pem,
    }  # fmt: skip
    from_msal, ours = run_both(
        entra_emulator, daemon, credential, client_claims={"client_ip": "10.0.0.7"}
    )
    compare(from_msal, ours)
    assert ours.header is not None and ours.header["alg"] == "PS256"
    assert ours.claims is not None and ours.claims["client_ip"] == "10.0.0.7"


def test_subject_name_issuer_chain(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued]
) -> None:
    leaf, root = pki["leaf"], pki["root"]
    credential = {
        "private_key": leaf.key_pem(),
        "public_certificate": leaf.cert_pem + root.cert_pem,
    }
    from_msal, ours = run_both(entra_emulator, daemon, credential)
    compare(from_msal, ours, chain_may_differ=True)
    assert ours.header is not None and len(ours.header["x5c"]) == 2


def test_thumbprint_with_certificate(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued]
) -> None:
    single = pki["single"]
    credential = {
        "private_key": single.key_pem(), "thumbprint": single.sha1_hex,
        "public_certificate": single.cert_pem,
    }  # fmt: skip
    from_msal, ours = run_both(entra_emulator, daemon, credential)
    assert from_msal.header is not None and ours.header is not None
    assert (from_msal.header["alg"], ours.header["alg"]) == ("RS256", "PS256")
    assert from_msal.header["x5c"] == ours.header["x5c"]
    assert from_msal.claims is not None and ours.claims is not None
    assert _without(from_msal.claims, *FRESH_CLAIMS) == _without(ours.claims, *FRESH_CLAIMS)
    assert _without(from_msal.form, "client_assertion") == _without(ours.form, "client_assertion")


@pytest.mark.parametrize("send_chain", [False, True])
def test_pfx(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued], tmp_path: Path,
    send_chain: bool,
) -> None:  # fmt: skip
    leaf = pki["leaf"] if send_chain else pki["single"]
    path = write_pfx(
        tmp_path / "wire.pfx", leaf, passphrase=PASSPHRASE,
        extra=(pki["root"].cert,) if send_chain else (),
    )  # fmt: skip
    credential: dict[str, Any] = {"private_key_pfx_path": str(path), "passphrase": PASSPHRASE}
    if send_chain:
        credential["public_certificate"] = True
    from_msal, ours = run_both(entra_emulator, daemon, credential)
    compare(from_msal, ours, chain_may_differ=send_chain)


def test_pre_signed_assertion_and_callable(
    entra_emulator: Emulator, daemon: Daemon, pki: dict[str, Issued]
) -> None:
    single = pki["single"]
    endpoint = f"https://login.microsoftonline.com/{daemon.tenant.id}/oauth2/v2.0/token"

    now = time.time()

    def make(_: object = None) -> str:
        claims = {"aud": endpoint, "iss": daemon.app.client_id, "sub": daemon.app.client_id,
                  "exp": now + 300, "jti": "fixed"}  # fmt: skip
        header = {"x5t": base64.urlsafe_b64encode(bytes.fromhex(single.sha1_hex)).decode()}
        token: str = jwt.encode(claims, single.key, algorithm="RS256", headers=header)
        return token

    static = make()
    with pytest.warns(DeprecationWarning, match="static"):
        compare(*run_both(entra_emulator, daemon, {"client_assertion": static}))
    contexts: list[Any] = []
    compare(*run_both(entra_emulator, daemon,
                      {"client_assertion": lambda ctx: _noted(contexts, ctx, make)},
                      call={"fmi_path": "Agents/W"}))  # fmt: skip
    assert contexts[0] == contexts[1]
    assert contexts[0]["fmi_path"] == "Agents/W"


def test_claims_capabilities_and_forwarded_claims(entra_emulator: Emulator, daemon: Daemon) -> None:
    challenge = '{"id_token": {"acrs": {"essential": true, "value": "c1"}}}'
    compare(*run_both(entra_emulator, daemon, daemon.app.secret, client_capabilities=["CP1"],
                      call={"claims_challenge": challenge}))  # fmt: skip
    forwarded = '{"access_token": {"xms_az_x": {"values": ["v"]}}}'
    compare(*run_both(entra_emulator, daemon, daemon.app.secret, client_capabilities=["CP1"],
                      call={"forwarded_client_claims": forwarded, "fmi_path": "A/B"}))  # fmt: skip
    compare(*run_both(entra_emulator, daemon, daemon.app.secret,
                      call={"forwarded_client_claims": forwarded}))  # fmt: skip


def _noted(contexts: list[Any], context: Any, make: Callable[[], str]) -> str:
    contexts.append(context)
    return make()
