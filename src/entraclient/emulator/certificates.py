"""Certificate credentials the emulator knows: registered certificates and SNI trust.

Invariants:

* A :class:`RegisteredCertificate` is a parsed, frozen record; its thumbprints are raw SHA-1
  and SHA-256 digests of the DER certificate (``x5t`` / ``x5t#S256`` decode to these).
* Subject Name/Issuer (SNI) trust is a (CA certificate, subject name) pair per app: an
  assertion whose ``x5c`` chain leads to the CA and whose leaf carries the subject is
  accepted without the leaf being registered, as Entra does for first-party style apps.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509.oid import NameOID

__all__ = ["RegisteredCertificate", "SniTrust", "as_certificate", "subject_names"]

CertificateInput = x509.Certificate | str | bytes


def as_certificate(value: CertificateInput) -> x509.Certificate:
    """A certificate given as an object or as PEM text (the first block)."""
    if isinstance(value, x509.Certificate):
        return value
    data = value.encode("ascii") if isinstance(value, str) else value
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ValueError("not a PEM certificate") from None


def _utc_seconds(moment: datetime.datetime) -> float:
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class RegisteredCertificate:
    """A certificate registered on an app (a key credential), with its thumbprints."""

    certificate: x509.Certificate

    @classmethod
    def of(cls, value: CertificateInput) -> RegisteredCertificate:
        """Parse ``value``; only RSA certificates can be registered, as in Entra."""
        certificate = as_certificate(value)
        if not isinstance(certificate.public_key(), RSAPublicKey):
            raise ValueError("Entra accepts only RSA certificates as client credentials")
        return cls(certificate)

    @property
    def sha1(self) -> bytes:
        """The SHA-1 thumbprint (what ``x5t`` carries)."""
        return self.certificate.fingerprint(hashes.SHA1())  # noqa: S303 - x5t is SHA-1

    @property
    def sha256(self) -> bytes:
        """The SHA-256 thumbprint (what ``x5t#S256`` carries)."""
        return self.certificate.fingerprint(hashes.SHA256())

    @property
    def public_key(self) -> RSAPublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, RSAPublicKey)
        return key

    @property
    def not_before(self) -> float:
        return _utc_seconds(self.certificate.not_valid_before_utc)

    @property
    def not_after(self) -> float:
        return _utc_seconds(self.certificate.not_valid_after_utc)

    def matches(self, thumbprint: bytes) -> bool:
        """Whether ``thumbprint`` (SHA-1 or SHA-256 digest) names this certificate."""
        return thumbprint in (self.sha1, self.sha256)

    def __repr__(self) -> str:
        return f"RegisteredCertificate(x5t={self.sha1.hex()})"


@dataclass(frozen=True, slots=True)
class SniTrust:
    """An app's trust in certificates with ``subject`` issued under ``authority``."""

    authority: x509.Certificate
    subject: str

    def allows(self, leaf: x509.Certificate) -> bool:
        """Whether ``leaf`` carries the trusted subject name."""
        wanted = self.subject.strip().lower()
        return any(name.lower() == wanted for name in subject_names(leaf))


def subject_names(certificate: x509.Certificate) -> list[str]:
    """The names a subject can be authorised by: the full DN, its CN, its DNS SANs."""
    names = [certificate.subject.rfc4514_string()]
    names += [
        f"CN={attribute.value!s}"
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ]
    names += [
        str(attribute.value)
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ]
    try:
        alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names += alternative.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        pass
    return names
