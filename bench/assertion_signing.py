"""Client-assertion cost on the token-request (cache miss) path, against MSAL Python.

Run: ``.venv/bin/python -m bench.assertion_signing [--quick]``. Both libraries sign with the
same 2048-bit RSA key in the same process; the figures are per assertion, and the ratio is
MSAL's time over ours (above 1: we are faster).

* ``sign``: a new assertion (what happens every 9 minutes, or on every request without
  reuse). MSAL hands PyJWT the PEM text of an unencrypted key, which parses it on every
  signature; entraclient parsed the key once, when the credential was loaded.
* ``sign-key``: the same, with MSAL given an already loaded key (its path for a PFX file or
  an encrypted PEM key): what is left is the RSA signature itself.
* ``reuse``: the remembered assertion is handed out again (both reuse one for 540 s).
"""

from __future__ import annotations

import argparse
import datetime
import time
import uuid
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from msal.oauth2cli.assertion import JwtAssertionCreator

from entraclient.assertion import SignedAssertion, assertion_claims
from entraclient.certificates import load_certificate_material

ENDPOINT = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"
CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"


def _credential_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


def _per_call(operation: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            operation()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    repeat = 50 if parser.parse_args().quick else 400
    key_pem, cert_pem = _credential_pems()
    material = load_certificate_material({"private_key": key_pem, "public_certificate": cert_pem})
    ours = SignedAssertion(material)
    signer = ours._signer
    sha256 = material.sha256_thumbprint
    assert sha256 is not None
    theirs = JwtAssertionCreator(key_pem, "PS256", sha256_thumbprint=sha256.hex())
    theirs_reused = theirs.create_regenerative_assertion(audience=ENDPOINT, issuer=CLIENT_ID)
    theirs_loaded = JwtAssertionCreator(
        material.private_key, "PS256", sha256_thumbprint=sha256.hex()
    )

    def ours_sign() -> object:
        claims = assertion_claims(
            audience=ENDPOINT, client_id=CLIENT_ID, now=time.time(), token_id=str(uuid.uuid4())
        )
        return signer.sign(claims)

    rows = [
        ("sign", ours_sign, lambda: theirs.create_normal_assertion(ENDPOINT, CLIENT_ID)),
        ("sign-key", ours_sign, lambda: theirs_loaded.create_normal_assertion(ENDPOINT, CLIENT_ID)),
        ("reuse", lambda: ours.assertion_for(ENDPOINT, CLIENT_ID, time.time()), theirs_reused),
    ]
    print(f"{'operation':<10}{'entraclient':>14}{'MSAL Python':>14}{'ratio':>8}")
    for label, mine, msal in rows:
        mine_s, msal_s = _per_call(mine, repeat), _per_call(msal, repeat)
        print(f"{label:<10}{mine_s * 1e6:>12.1f}us{msal_s * 1e6:>12.1f}us{msal_s / mine_s:>7.1f}x")


if __name__ == "__main__":
    main()
