"""Interop with an OpenID Connect provider nobody here wrote: ``oidc-provider`` for Node.js.

The provider (the certified implementation, pinned in package.json, installed by ``make
test``) runs on 127.0.0.1 behind TLS with a certificate from a CA this test creates; the
application trusts that CA through ``verify=``. Skipped, with the reason, only where ``node``
is absent.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jwt.algorithms import RSAAlgorithm

from entraclient import ConfidentialClientApplication
from entraclient.credential_shapes import CertificateCredential
from entraclient.emulator.tls import CertificateAuthority
from tests.pki import Issued, issue

HERE = Path(__file__).resolve().parent
SERVER_SCRIPT = HERE / "oidc_provider_server.mjs"
START_TIMEOUT = 60.0
SCOPE = "api:read"


CERTIFIED = issue("entraclient interop daemon", key_name="oidc-provider-private-key-jwt")


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    ca_path: str
    client_id: str
    client_secret: str
    jwt_client_id: str = "entraclient-daemon-with-a-key"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is absent: the oidc-provider interop test needs Node.js")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "oidc-provider is not installed: run `make test`, or `npm ci --prefix tests/interop`"
        )
    return node


def _write_tls(directory: Path) -> tuple[Path, Path, Path]:
    authority = CertificateAuthority("entraclient interop test CA")
    bundle = authority.issue_server_pem(("127.0.0.1", "localhost"))
    marker = b"-----END CERTIFICATE-----\n"
    certificate, key = bundle.split(marker, 1)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(authority.pem)
    paths[1].write_bytes(certificate + marker)
    paths[2].write_bytes(key)
    paths[2].chmod(0o600)
    return paths


def _read_issuer(process: subprocess.Popen[bytes]) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
    line = process.stdout.readline() if ready else b""
    if not line:
        raise RuntimeError("oidc-provider did not start; see its stderr in the test's tmp dir")
    issuer: str = json.loads(line)["issuer"]
    return issuer


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProvider]:
    node = _node()
    directory = tmp_path_factory.mktemp("oidc-provider")
    ca, certificate, key = _write_tls(directory)
    secret = os.urandom(24).hex()
    settings = {
        "key": str(key),
        "cert": str(certificate),
        "scopes": [SCOPE, "api:write"],
        "clients": [
            {
                "client_id": "entraclient-daemon",
                "client_secret": secret,
                "grant_types": ["client_credentials"],
                "redirect_uris": [],
                "response_types": [],
                "token_endpoint_auth_method": "client_secret_post",
                "scope": SCOPE,
            },
            {
                "client_id": "entraclient-daemon-with-a-key",
                "grant_types": ["client_credentials"],
                "redirect_uris": [],
                "response_types": [],
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [_public_jwk(CERTIFIED)]},
                "scope": SCOPE,
            },
        ],
    }
    (directory / "settings.json").write_text(json.dumps(settings))
    with (directory / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [node, str(SERVER_SCRIPT), str(directory / "settings.json")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=HERE,
        )  # fmt: skip
        try:
            issuer = _read_issuer(process)
            yield RunningProvider(issuer, str(ca), "entraclient-daemon", secret)
        finally:
            assert process.stdin is not None
            process.stdin.close()  # the server exits when its stdin closes
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _public_jwk(issued: Issued) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(issued.key.public_key()))
    return {**jwk, "use": "sig"}


def _app(provider: RunningProvider, **overrides: Any) -> ConfidentialClientApplication:
    arguments: dict[str, Any] = {
        "client_credential": provider.client_secret,
        "oidc_authority": provider.issuer,
        "verify": provider.ca_path,
    }
    arguments.update(overrides)
    return ConfidentialClientApplication(provider.client_id, **arguments)


def test_client_secret_post(provider: RunningProvider) -> None:
    app = _app(provider)
    first = app.acquire_token_for_client([SCOPE])
    assert first.get("token_source") == "identity_provider", first
    assert first["token_type"] == "Bearer"
    assert isinstance(first["expires_in"], int) and first["expires_in"] > 0
    assert first["scope"] == SCOPE
    second = app.acquire_token_for_client([SCOPE])
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    (entry,) = app.token_cache.entries("AccessToken")
    assert entry["environment"] == "127.0.0.1"
    assert entry["realm"] == "oidc"  # first segment of {issuer}/token
    assert entry["target"] == SCOPE


def test_a_wrong_secret_is_the_providers_error(provider: RunningProvider) -> None:
    result = _app(provider, client_credential="wrong-secret").acquire_token_for_client([SCOPE])
    assert result["error"] == "invalid_client"
    assert "access_token" not in result


def test_a_scope_the_client_may_not_have_is_the_providers_error(provider: RunningProvider) -> None:
    result = _app(provider).acquire_token_for_client(["api:write"])
    assert result["error"] == "invalid_scope"


def test_the_issuer_must_match(provider: RunningProvider) -> None:
    # The same provider under another name: its configuration names an issuer that is not it.
    other = provider.issuer.replace("127.0.0.1", "localhost")
    result = _app(provider, oidc_authority=other).acquire_token_for_client([SCOPE])
    assert result["error"] == "invalid_response"
    assert "does not belong to that oidc_authority" in result["error_description"]


def test_private_key_jwt(provider: RunningProvider) -> None:
    credential: CertificateCredential = {
        "private_key": CERTIFIED.key_pem(),
        "public_certificate": CERTIFIED.cert_pem,
    }
    app = ConfidentialClientApplication(
        provider.jwt_client_id, client_credential=credential, oidc_authority=provider.issuer,
        verify=provider.ca_path,
    )  # fmt: skip
    first = app.acquire_token_for_client([SCOPE])
    assert first.get("token_source") == "identity_provider", first
    app.remove_tokens_for_client()
    # oidc-provider refuses a replayed jti: the second request needs a fresh assertion, which
    # entraclient signs for every request to a generic OIDC authority.
    second = app.acquire_token_for_client([SCOPE])
    assert second.get("token_source") == "identity_provider", second
    assert second["access_token"] != first["access_token"]


def test_private_key_jwt_with_a_key_the_provider_does_not_know(provider: RunningProvider) -> None:
    stranger = issue("somebody else", key_name="oidc-provider-unknown-key")
    credential: CertificateCredential = {
        "private_key": stranger.key_pem(),
        "public_certificate": stranger.cert_pem,
    }
    app = ConfidentialClientApplication(
        provider.jwt_client_id, client_credential=credential, oidc_authority=provider.issuer,
        verify=provider.ca_path,
    )  # fmt: skip
    result = app.acquire_token_for_client([SCOPE])
    assert result["error"] == "invalid_client"
