"""Certificate credentials: a private key and its certificate, read once from PEM or PFX.

Accepted ``client_credential`` dicts (empty values count as absent, as MSAL treats them):

* ``{"private_key": PEM, "thumbprint": SHA-1 hex}`` [+ ``"passphrase"``];
* ``{"private_key": PEM, "public_certificate": PEM}`` [+ ``"thumbprint"``, ``"passphrase"``]:
  the thumbprints are computed from the certificate whose public key matches the private key,
  and the chain is sent in ``x5c`` (Subject Name/Issuer authentication), leaf first;
* ``{"private_key_pfx_path": path}`` [+ ``"passphrase"``, ``"public_certificate": True``]:
  key and leaf from a PKCS#12 file; with ``public_certificate`` the chain goes in ``x5c``.

Invariants: everything is parsed and checked here, at construction, and never again; every
problem is a ``ValueError`` that names what to change and never quotes a key, a passphrase or
the file content. Only RSA keys are accepted (Entra verifies only RSA signatures).
"""

from __future__ import annotations

import datetime
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography is imported only when a certificate is loaded
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import pkcs12

__all__ = ["CERTIFICATE_KEYS", "CertificateMaterial", "load_certificate_material"]

CERTIFICATE_KEYS = frozenset(
    {"private_key", "thumbprint", "public_certificate", "passphrase", "private_key_pfx_path"}
)
_PEM_KEYS = frozenset({"private_key", "thumbprint", "public_certificate", "passphrase"})
_PFX_KEYS = frozenset({"private_key_pfx_path", "public_certificate", "passphrase", "thumbprint"})
_HEX_SEPARATORS = re.compile(r"[\s:]")


@dataclass(frozen=True, slots=True)
class CertificateMaterial:
    """A loaded certificate credential: what signing a client assertion needs.

    ``chain`` is leaf first and empty when only a thumbprint was given; ``send_chain`` says
    whether the chain belongs in the ``x5c`` header.
    """

    private_key: RSAPrivateKey = field(repr=False)
    sha1_thumbprint: bytes
    sha256_thumbprint: bytes | None = None
    chain: tuple[x509.Certificate, ...] = ()
    send_chain: bool = False

    def __repr__(self) -> str:
        return f"CertificateMaterial(x5t={self.sha1_thumbprint.hex()}, chain={len(self.chain)})"


def load_certificate_material(
    value: Mapping[str, object], *, now: datetime.datetime | None = None
) -> CertificateMaterial:
    """Read and check a certificate ``client_credential`` dict; ``ValueError`` on any problem.

    ``now`` (default: the current time) is when the certificate's validity is checked; a
    certificate outside it only warns, since Entra is the judge of its registration.
    """
    fields = {k: v for k, v in value.items() if v is not None and v != ""}
    if "private_key" in fields and "private_key_pfx_path" in fields:
        raise ValueError("pass either 'private_key' or 'private_key_pfx_path', not both")
    if "private_key_pfx_path" in fields:
        _reject_unknown(fields, _PFX_KEYS, "a PFX credential")
        material = _from_pfx(fields)
    elif "private_key" in fields:
        _reject_unknown(fields, _PEM_KEYS, "a PEM credential")
        material = _from_pem(fields)
    else:
        raise ValueError(
            "a certificate credential needs 'private_key' (PEM) or 'private_key_pfx_path'"
        )
    if material.chain:
        moment = now or datetime.datetime.now(datetime.timezone.utc)
        _warn_outside_validity(material.chain[0], moment)
    return material


def _reject_unknown(fields: Mapping[str, object], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValueError(f"{what} does not take {unknown}; allowed keys: {sorted(allowed)}")


# -- PEM -----------------------------------------------------------------------------------


def _from_pem(fields: Mapping[str, object]) -> CertificateMaterial:
    certificate_pem = fields.get("public_certificate")
    thumbprint = fields.get("thumbprint")
    if certificate_pem is True:
        raise ValueError(
            "public_certificate=True is for PFX files; with 'private_key' pass the "
            "certificate itself as PEM text"
        )
    if certificate_pem is None and thumbprint is None:
        raise ValueError(
            "a 'private_key' credential needs 'thumbprint' (SHA-1 hex) or "
            "'public_certificate' (PEM) from which the thumbprints are computed"
        )
    key = _load_private_key(fields["private_key"], _passphrase(fields))
    if certificate_pem is None:
        return CertificateMaterial(private_key=key, sha1_thumbprint=_parse_thumbprint(thumbprint))
    chain = _leaf_first(key, _load_certificates(certificate_pem), "public_certificate")
    return _check_thumbprint(_material(key, chain, send_chain=True), thumbprint)


def _check_thumbprint(material: CertificateMaterial, thumbprint: object) -> CertificateMaterial:
    """``material``, if an optional given ``thumbprint`` is that of its certificate."""
    if thumbprint is not None and _parse_thumbprint(thumbprint) != material.sha1_thumbprint:
        raise ValueError(
            "'thumbprint' is not the SHA-1 thumbprint of the certificate "
            f"(which is {material.sha1_thumbprint.hex().upper()}); "
            "drop 'thumbprint' and it is computed for you"
        )
    return material


def _load_private_key(pem: object, passphrase: bytes | None) -> RSAPrivateKey:
    data = _text_bytes(pem, "private_key")
    if b"-----BEGIN" not in data:
        raise ValueError(
            "private_key must be the PEM text of the key (-----BEGIN PRIVATE KEY-----...), "
            "not a file name; read the file and pass its content"
        )
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(data, passphrase)
    except TypeError:
        if passphrase is None:
            raise ValueError("the private key is encrypted: pass its 'passphrase'") from None
        raise ValueError(
            "a 'passphrase' was given but the private key is not encrypted: remove it"
        ) from None
    except ValueError:
        if passphrase is not None and b"ENCRYPTED" in data:
            raise ValueError("the 'passphrase' does not decrypt the private key") from None
        raise ValueError("private_key is not a readable PEM private key") from None
    return _require_rsa(key, "private_key")


def _load_certificates(pem: object) -> list[x509.Certificate]:
    data = _text_bytes(pem, "public_certificate")
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ValueError(
            "public_certificate must be PEM text with -----BEGIN CERTIFICATE----- blocks"
            + (" (it looks like a private key)" if b"PRIVATE KEY" in data else "")
        )
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ValueError("public_certificate holds a malformed PEM certificate") from None


# -- PFX -----------------------------------------------------------------------------------


def _from_pfx(fields: Mapping[str, object]) -> CertificateMaterial:
    send_chain = fields.get("public_certificate", False)
    if not isinstance(send_chain, bool):
        raise ValueError(
            "with 'private_key_pfx_path', public_certificate must be True (send the PFX's "
            "certificate chain for Subject Name/Issuer authentication) or absent"
        )
    bundle = _read_pfx(fields["private_key_pfx_path"], _passphrase(fields))
    if bundle.key is None or bundle.cert is None:
        raise ValueError("the PFX file must hold both the private key and its certificate")
    key = _require_rsa(bundle.key, "the PFX file's key")
    others = [c.certificate for c in bundle.additional_certs]
    chain = _leaf_first(key, [bundle.cert.certificate, *others], "the PFX file")
    return _check_thumbprint(_material(key, chain, send_chain=send_chain), fields.get("thumbprint"))


def _read_pfx(path: object, passphrase: bytes | None) -> pkcs12.PKCS12KeyAndCertificates:
    if not isinstance(path, str | os.PathLike):
        raise ValueError("private_key_pfx_path must be the path of a .pfx/.p12 file")
    try:
        with open(path, "rb") as pfx_file:
            data = pfx_file.read()
    except FileNotFoundError:
        raise ValueError(f"private_key_pfx_path: no such file {os.fspath(path)!r}") from None
    except OSError as error:
        raise ValueError(
            f"private_key_pfx_path: cannot read {os.fspath(path)!r} ({error.strerror})"
        ) from None
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        return pkcs12.load_pkcs12(data, passphrase)
    except ValueError:
        hint = "wrong 'passphrase'" if passphrase else "missing 'passphrase'"
        raise ValueError(
            f"cannot read the PFX file {os.fspath(path)!r}: {hint}, or not a PKCS#12 file"
        ) from None


# -- shared --------------------------------------------------------------------------------


def _material(
    key: RSAPrivateKey, chain: Sequence[x509.Certificate], *, send_chain: bool
) -> CertificateMaterial:
    from cryptography.hazmat.primitives import hashes

    leaf = chain[0]
    return CertificateMaterial(
        private_key=key,
        sha1_thumbprint=leaf.fingerprint(hashes.SHA1()),  # noqa: S303 - x5t is SHA-1 by spec
        sha256_thumbprint=leaf.fingerprint(hashes.SHA256()),
        chain=tuple(chain),
        send_chain=send_chain,
    )


def _leaf_first(
    key: RSAPrivateKey, certificates: Sequence[x509.Certificate], source: str
) -> list[x509.Certificate]:
    """The certificate of ``key`` followed by its issuers found in ``certificates``, in order."""
    wanted = _public_key_der(key)
    leaf = next((c for c in certificates if _public_key_der(c) == wanted), None)
    if leaf is None:
        raise ValueError(f"no certificate in {source} matches the private key")
    chain = [leaf]
    remaining = [c for c in certificates if c is not leaf]
    while chain[-1].issuer != chain[-1].subject:
        issuer = next((c for c in remaining if c.subject == chain[-1].issuer), None)
        if issuer is None:
            break
        chain.append(issuer)
        remaining.remove(issuer)
    return chain


def _public_key_der(owner: RSAPrivateKey | x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return owner.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _require_rsa(key: object, source: str) -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    if not isinstance(key, RSAPrivateKey):
        raise ValueError(
            f"{source} is not an RSA key; Entra accepts only RSA certificate credentials"
        )
    return key


def _parse_thumbprint(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("thumbprint must be a hex string, such as 'A1B2C3...'")
    digits = _HEX_SEPARATORS.sub("", value)
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raise ValueError("thumbprint must be hexadecimal digits") from None
    if len(raw) != 20:
        raise ValueError(
            f"thumbprint must be the SHA-1 thumbprint (40 hex digits), got {len(digits)} digits"
        )
    return raw


def _passphrase(fields: Mapping[str, object]) -> bytes | None:
    passphrase = fields.get("passphrase")
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        return passphrase.encode("utf-8")
    if isinstance(passphrase, bytes):
        return passphrase
    raise ValueError("passphrase must be a string")


def _text_bytes(value: object, name: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise ValueError(f"{name} must be PEM text (str or bytes), got {type(value).__name__}")


def _warn_outside_validity(certificate: x509.Certificate, now: datetime.datetime) -> None:
    from cryptography.hazmat.primitives import hashes

    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    thumbprint = certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303
    if now > end:
        problem = f"expired on {end:%Y-%m-%d %H:%M}Z"
    elif now < start:
        problem = f"is not valid before {start:%Y-%m-%d %H:%M}Z"
    else:
        return
    warnings.warn(
        f"the client certificate {thumbprint} {problem}; Entra will refuse assertions "
        "signed with it",
        UserWarning,
        stacklevel=7,  # the application constructor's caller
    )
