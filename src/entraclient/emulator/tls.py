"""The emulator's TLS: an ephemeral CA, and server certificates issued per SNI name.

Invariants:

* Every key is generated at start and lives only in memory and in a private temporary
  directory (mode 0700) that :meth:`ServerTls.close` removes. Only the CA *certificate* is
  meant to leave it, through :attr:`ServerTls.ca_path`.
* Connections without SNI (clients reaching an IP address) get the default certificate,
  valid for ``localhost``, ``127.0.0.1`` and ``::1``. Any other SNI name gets its own leaf
  certificate, issued on first use and cached.
* TLS validity uses the real clock, not the emulator's injectable one: the peer checks
  certificates against its own wall clock.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import ssl
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["MAX_LEAF_CONTEXTS", "CertificateAuthority", "ServerTls"]

MAX_LEAF_CONTEXTS = 256
"""Server names whose certificate is kept issued; the least recently used goes first."""

_DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
_DNS_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")
_LIFETIME = datetime.timedelta(days=30)
_BACKDATE = datetime.timedelta(hours=1)

GeneralName = x509.DNSName | x509.IPAddress


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _subject_alt_name(host: str) -> GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class CertificateAuthority:
    """A throw-away certificate authority that issues TLS server certificates."""

    def __init__(self, common_name: str = "entraclient emulator CA") -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        public_key = self._key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self._key, hashes.SHA256())
        )

    def __repr__(self) -> str:
        return f"CertificateAuthority({self.certificate.subject.rfc4514_string()})"

    @property
    def pem(self) -> bytes:
        """The CA certificate, PEM-encoded: what clients must trust."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue_server_pem(self, names: tuple[str, ...]) -> bytes:
        """A new key and a server certificate for ``names``, as one PEM (certificate first)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + _LIFETIME)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_server_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(
                x509.SubjectAlternativeName([_subject_alt_name(n) for n in names]), False
            )
            .add_extension(ca_key_id, critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM) + _pem(key)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(False, False, False, False, False, True, True, False, False)


def _server_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(True, False, False, False, False, False, False, False, False)


class ServerTls:
    """The server side of the emulator's TLS: the CA file and an SNI-aware ``SSLContext``."""

    def __init__(self) -> None:
        self._authority = CertificateAuthority()
        self._directory = Path(tempfile.mkdtemp(prefix="entraclient-emulator-"))
        self._lock = threading.Lock()
        self._contexts: OrderedDict[str, ssl.SSLContext] = OrderedDict()
        self._issued = 0
        self.ca_path = self._directory / "ca.pem"
        self.ca_path.write_bytes(self._authority.pem)
        self.context = self._new_context("default", _DEFAULT_NAMES)
        self.context.sni_callback = self._select_certificate

    def __repr__(self) -> str:
        return f"ServerTls(ca_path={str(self.ca_path)!r})"

    def close(self) -> None:
        """Remove the temporary directory holding the CA and the server keys."""
        shutil.rmtree(self._directory, ignore_errors=True)

    def context_for(self, server_name: str) -> ssl.SSLContext:
        """The context whose certificate is valid for ``server_name`` (issued if needed)."""
        name = server_name.lower().rstrip(".")
        if name in _DEFAULT_NAMES or not _DNS_NAME.fullmatch(name):
            return self.context
        with self._lock:
            context = self._contexts.get(name)
            if context is None:
                self._issued += 1
                context = self._new_context(f"leaf-{self._issued}", (name,))
                self._contexts[name] = context
                while len(self._contexts) > MAX_LEAF_CONTEXTS:
                    self._contexts.popitem(last=False)  # bounded: the least recently used goes
            self._contexts.move_to_end(name)
            return context

    def _select_certificate(
        self, connection: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: object
    ) -> None:
        if server_name:
            connection.context = self.context_for(server_name)

    def _new_context(self, file_stem: str, names: tuple[str, ...]) -> ssl.SSLContext:
        path = self._directory / f"{file_stem}.pem"
        path.write_bytes(self._authority.issue_server_pem(names))
        path.chmod(0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(path)
        if file_stem != "default":
            path.unlink()  # loaded: a leaf's key need not outlive its context on disk
        return context
