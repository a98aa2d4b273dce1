"""credential_shapes.py: the typed shapes of ``client_credential`` match what is accepted."""

from __future__ import annotations

import typing

from entraclient.credential_shapes import (
    AssertionCredential,
    CertificateCredential,
    ClientCredential,
    PfxCredential,
)
from entraclient.facade import ApplicationFacade


def test_the_constructor_names_the_credential_shapes() -> None:
    hints = typing.get_type_hints(ApplicationFacade.__init__)
    assert set(typing.get_args(hints["client_credential"])) == {
        str, CertificateCredential, PfxCredential, AssertionCredential, type(None),
    }  # fmt: skip


def test_the_shapes_keys_are_the_accepted_keys() -> None:
    assert CertificateCredential.__required_keys__ == {"private_key"}
    assert PfxCredential.__required_keys__ == {"private_key_pfx_path"}
    assert AssertionCredential.__required_keys__ == {"client_assertion"}
    certificate: ClientCredential = {"private_key": "PEM", "thumbprint": "AB"}
    pfx: ClientCredential = {"private_key_pfx_path": "a.pfx", "public_certificate": True}
    assert set(certificate) | set(pfx) <= (
        CertificateCredential.__optional_keys__ | PfxCredential.__optional_keys__
        | {"private_key", "private_key_pfx_path"}
    )  # fmt: skip
