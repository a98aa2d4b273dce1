"""The shapes ``client_credential`` may take, as types: a secret or one of these dicts.

They describe what :func:`entraclient.credentials.load_client_credential` accepts, so that
type checkers and ``help()`` show them; at run time they are plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypedDict

__all__ = [
    "AssertionCredential",
    "CertificateCredential",
    "ClientCredential",
    "PfxCredential",
]


class _CertificateKey(TypedDict):
    private_key: str | bytes


class CertificateCredential(_CertificateKey, total=False):
    """A PEM ``private_key``, named by its certificate's ``thumbprint`` (SHA-1 hex), or sent
    with its ``public_certificate`` chain for subject name / issuer authentication."""

    thumbprint: str
    public_certificate: str | bytes
    passphrase: str | bytes


class _PfxPath(TypedDict):
    private_key_pfx_path: str


class PfxCredential(_PfxPath, total=False):
    """A PKCS#12 (.pfx) file at ``private_key_pfx_path``; ``public_certificate=True`` sends
    its chain (subject name / issuer authentication)."""

    passphrase: str | bytes
    public_certificate: bool
    thumbprint: str


class AssertionCredential(TypedDict):
    """A client assertion signed elsewhere: a JWT, or a callable returning a fresh one (it
    may take one argument, a mapping with ``client_id`` and ``token_endpoint``)."""

    client_assertion: str | bytes | Callable[[], str] | Callable[[Mapping[str, str]], str]


ClientCredential = str | CertificateCredential | PfxCredential | AssertionCredential
"""A client secret, or one of the credential dicts."""
