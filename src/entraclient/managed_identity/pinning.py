"""A transport for Service Fabric's token endpoint, which is trusted by certificate thumbprint.

Service Fabric serves its managed identity endpoint over HTTPS with a certificate that no
public CA vouches for; ``IDENTITY_SERVER_THUMBPRINT`` names it (SHA-1 of the DER certificate).
This transport checks that thumbprint right after the TLS handshake, before any byte of the
request (and so of its secret header) is sent, and trusts nothing else: no CA, no proxy.
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool

from entraclient.http.transport import RequestsTransport
from entraclient.managed_identity.identities import ManagedIdentityError

__all__ = ["normalize_thumbprint", "pinned_transport"]

_HEX = frozenset("0123456789abcdef")


def normalize_thumbprint(thumbprint: str) -> str:
    """``thumbprint`` as 40 lower-case hex digits (spaces and colons dropped), or refuse it."""
    digits = "".join(c for c in thumbprint if c not in " \t\r\n:").lower()
    if len(digits) != 40 or not set(digits) <= _HEX:
        raise ManagedIdentityError("IDENTITY_SERVER_THUMBPRINT must be a SHA-1 thumbprint")
    return digits


class _PinnedConnection(HTTPSConnection):
    expected_sha1 = ""

    def connect(self) -> None:
        super().connect()
        der = self.sock.getpeercert(binary_form=True) if hasattr(self.sock, "getpeercert") else None
        actual = hashlib.sha1(der or b"").hexdigest()  # noqa: S324 - the thumbprint is SHA-1
        if not der or not hmac.compare_digest(actual, self.expected_sha1):
            self.close()
            raise ssl.SSLCertVerificationError(
                "the Service Fabric endpoint's certificate does not match "
                "IDENTITY_SERVER_THUMBPRINT"
            )
        self.is_verified = True


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, thumbprint: str) -> None:
        connection = type("PinnedConnection", (_PinnedConnection,), {"expected_sha1": thumbprint})
        self._pool_class = type("PinnedPool", (HTTPSConnectionPool,), {"ConnectionCls": connection})
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        classes = dict(self.poolmanager.pool_classes_by_scheme)
        classes["https"] = self._pool_class
        self.poolmanager.pool_classes_by_scheme = classes

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # The thumbprint is the only trust anchor: no CA bundle applies.
        super().cert_verify(conn, url, False, cert)  # type: ignore[no-untyped-call]


def pinned_transport(thumbprint: str, *, timeout: float | None = 30.0) -> RequestsTransport:
    """A transport that talks only to servers whose certificate has ``thumbprint``."""
    session = requests.Session()
    session.trust_env = False  # no proxy may stand between the check and the server
    session.mount("https://", _PinnedAdapter(normalize_thumbprint(thumbprint)))
    session.mount("http://", HTTPAdapter(max_retries=0))
    return RequestsTransport(session=session, verify=False, timeout=timeout)
