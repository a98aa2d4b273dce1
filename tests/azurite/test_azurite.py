"""Azurite, the real Azure Storage emulator, accepts the emulator's v1 Storage token.

Azurite (pinned in package.json, installed by ``make test``) runs the Blob service on an
ephemeral loopback port with ``--oauth basic``, which needs HTTPS: it gets a certificate from
a CA this test creates. With ``--oauth basic`` Azurite checks the token's lifetime, its
issuer (``https://sts.windows.net/...``, v1 only) and audience (``https://storage.azure.com``),
but not its signature. ``BlobServiceClient`` gets our credential, whose tokens come from the
Entra emulator. Skipped, with the reason, only where ``node`` is absent.
"""

from __future__ import annotations

import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.storage.blob import BlobServiceClient

from entraclient.emulator import Emulator
from entraclient.emulator.tls import CertificateAuthority
from entraclient.integrations.azure import ClientCredential

# The npm project lives outside the test tree (tools/azurite), so its node_modules never
# mix with our tests.
TOOLS = Path(__file__).resolve().parents[2] / "tools" / "azurite"
AZURITE_BLOB = TOOLS / "node_modules" / ".bin" / "azurite-blob"
START_TIMEOUT = 90.0
STORAGE_SCOPE = "https://storage.azure.com/.default"
_LISTENING = re.compile(rb"successfully listens on (https://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class RunningAzurite:
    url: str
    ca_path: str

    @property
    def account_url(self) -> str:
        return f"{self.url}/devstoreaccount1"


def _write_tls(directory: Path) -> tuple[Path, Path, Path]:
    authority = CertificateAuthority("entraclient azurite test CA")
    bundle = authority.issue_server_pem(("127.0.0.1", "localhost"))
    marker = b"-----END CERTIFICATE-----\n"
    certificate, key = bundle.split(marker, 1)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(authority.pem)
    paths[1].write_bytes(certificate + marker)
    paths[2].write_bytes(key)
    paths[2].chmod(0o600)
    return paths


def _wait_for_url(process: subprocess.Popen[bytes]) -> str:
    assert process.stdout is not None
    seen = b""
    while True:
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
        line = process.stdout.readline() if ready else b""
        if not line:
            raise RuntimeError(f"azurite did not start: {seen.decode(errors='replace')}")
        seen += line
        match = _LISTENING.search(line)
        if match:
            return match.group(1).decode()


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAzurite]:
    if shutil.which("node") is None:
        pytest.skip("node is absent: the Azurite test needs Node.js")
    if not AZURITE_BLOB.exists():
        pytest.fail("azurite is not installed: run `make test`, or `npm ci --prefix tools/azurite`")
    directory = tmp_path_factory.mktemp("azurite")
    ca, certificate, key = _write_tls(directory)
    command = [
        str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", "0",
        "--oauth", "basic", "--cert", str(certificate), "--key", str(key),
        "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        cwd=directory,
    )  # fmt: skip
    try:
        yield RunningAzurite(_wait_for_url(process), str(ca))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_blob_round_trip_with_our_credential(
    azurite: RunningAzurite, entra_emulator: Emulator
) -> None:
    tenant = entra_emulator.add_tenant()
    app = entra_emulator.add_app(tenant)
    credential = ClientCredential(
        app.client_id,
        app.secret,
        authority=f"https://login.microsoftonline.com/{tenant.id}",
        http_client=entra_emulator.http_client(),
    )
    token = jwt.decode(
        credential.get_token(STORAGE_SCOPE).token, options={"verify_signature": False}
    )
    assert (token["iss"], token["aud"], token["ver"]) == (
        f"https://sts.windows.net/{tenant.id}/",
        "https://storage.azure.com",
        "1.0",
    )
    service = BlobServiceClient(
        azurite.account_url, credential=credential, connection_verify=azurite.ca_path
    )
    with service:
        container = service.create_container("entraclient-roundtrip")
        container.upload_blob("greeting.txt", b"hello from entraclient")
        assert container.download_blob("greeting.txt").readall() == b"hello from entraclient"
        assert [b.name for b in container.list_blobs()] == ["greeting.txt"]
    entra_emulator.clear_log()
    assert credential.get_token(STORAGE_SCOPE).token  # still cached: no new token request
    assert entra_emulator.token_requests() == []


def test_azurite_refuses_a_v2_token(azurite: RunningAzurite, entra_emulator: Emulator) -> None:
    # What the issue reported: a v2 issuer is "Invalid token issuer" for Azurite.
    tenant = entra_emulator.add_tenant()
    now = int(time.time())
    claims = {
        "aud": "https://storage.azure.com",
        "iss": f"https://login.microsoftonline.com/{tenant.id}/v2.0",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    v2_token = jwt.encode(claims, "k" * 32, algorithm="HS256")

    class FixedToken:
        def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
            return AccessToken(v2_token, now + 600)

    service = BlobServiceClient(
        azurite.account_url, credential=FixedToken(), connection_verify=azurite.ca_path
    )
    with service, pytest.raises((ClientAuthenticationError, HttpResponseError)) as refused:
        service.create_container("never-created")
    assert "Invalid token issuer" in str(refused.value)
