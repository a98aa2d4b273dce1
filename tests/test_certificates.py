"""certificates.py: every accepted credential shape, and a clear ValueError for each mistake."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from entraclient.certificates import load_certificate_material
from entraclient.credentials import load_client_credential
from tests.pki import DAY, NOW, Issued, ec_issued, issue, write_pfx

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def leaf() -> Issued:
    return issue("daemon.contoso.test")


@pytest.fixture(scope="module")
def chain() -> tuple[Issued, Issued, Issued]:
    root = issue("Contoso Root CA", ca=True)
    intermediate = issue("Contoso Issuing CA", issuer=root, ca=True)
    leaf = issue("sni-daemon.contoso.test", issuer=intermediate)
    return root, intermediate, leaf


def test_private_key_and_thumbprint(leaf: Issued) -> None:
    material = load_certificate_material(
        {"private_key": leaf.key_pem(), "thumbprint": leaf.sha1_hex.upper()}
    )
    assert material.sha1_thumbprint.hex() == leaf.sha1_hex
    assert material.sha256_thumbprint is None
    assert material.chain == ()
    assert not material.send_chain


@pytest.mark.parametrize("spelling", ["{}", "{}".upper(), "{}:colons", "spaced"])
def test_thumbprint_spellings(leaf: Issued, spelling: str) -> None:
    hexed = leaf.sha1_hex
    text = {
        "{}": hexed,
        "{}".upper(): hexed.upper(),
        "{}:colons": ":".join(hexed[i : i + 2] for i in range(0, 40, 2)),
        "spaced": " ".join(hexed[i : i + 2] for i in range(0, 40, 2)),
    }[spelling]
    material = load_certificate_material({"private_key": leaf.key_pem(), "thumbprint": text})
    assert material.sha1_thumbprint.hex() == hexed


@pytest.mark.parametrize("traditional", [False, True])
def test_encrypted_private_key(leaf: Issued, traditional: bool) -> None:
    pem = leaf.key_pem(PASSPHRASE, traditional=traditional)
    material = load_certificate_material(
        {"private_key": pem, "thumbprint": leaf.sha1_hex, "passphrase": PASSPHRASE}
    )
    assert material.private_key.private_numbers() == leaf.key.private_numbers()


def test_private_key_with_certificate_computes_thumbprints(leaf: Issued) -> None:
    material = load_certificate_material(
        {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem}
    )
    assert material.sha1_thumbprint.hex() == leaf.sha1_hex
    assert material.sha256_thumbprint == leaf.sha256
    assert material.chain == (leaf.cert,)
    assert material.send_chain


def test_bytes_are_accepted_like_text(leaf: Issued) -> None:
    material = load_certificate_material(
        {"private_key": leaf.key_pem().encode(), "public_certificate": leaf.cert_pem.encode()}
    )
    assert material.sha256_thumbprint == leaf.sha256


def test_chain_is_put_leaf_first_whatever_the_file_order(
    chain: tuple[Issued, Issued, Issued],
) -> None:
    root, intermediate, leaf = chain
    unrelated = issue("unrelated.contoso.test")
    bundle = root.cert_pem + unrelated.cert_pem + intermediate.cert_pem + leaf.cert_pem
    material = load_certificate_material(
        {"private_key": leaf.key_pem(), "public_certificate": bundle}
    )
    assert material.chain == (leaf.cert, intermediate.cert, root.cert)
    assert material.sha1_thumbprint.hex() == leaf.sha1_hex


def test_matching_thumbprint_with_certificate_is_fine(leaf: Issued) -> None:
    material = load_certificate_material(
        {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem,
         "thumbprint": leaf.sha1_hex}
    )  # fmt: skip
    assert material.sha256_thumbprint == leaf.sha256


def test_empty_values_count_as_absent(leaf: Issued) -> None:
    material = load_certificate_material(
        {"private_key": leaf.key_pem(), "thumbprint": leaf.sha1_hex, "passphrase": "",
         "public_certificate": None}
    )  # fmt: skip
    assert material.chain == ()


def test_pfx(tmp_path: Path, leaf: Issued) -> None:
    path = write_pfx(tmp_path / "daemon.pfx", leaf)
    material = load_certificate_material({"private_key_pfx_path": str(path)})
    assert material.sha256_thumbprint == leaf.sha256
    assert material.chain == (leaf.cert,)
    assert not material.send_chain


def test_encrypted_pfx_with_chain(tmp_path: Path, chain: tuple[Issued, Issued, Issued]) -> None:
    root, intermediate, leaf = chain
    path = write_pfx(
        tmp_path / "sni.pfx", leaf, passphrase=PASSPHRASE, extra=(root.cert, intermediate.cert)
    )
    material = load_certificate_material(
        {"private_key_pfx_path": path, "passphrase": PASSPHRASE, "public_certificate": True}
    )
    assert material.send_chain
    assert material.chain == (leaf.cert, intermediate.cert, root.cert)


def test_the_client_credential_loader_builds_a_signed_assertion(leaf: Issued) -> None:
    credential = load_client_credential(
        {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem}
    )
    assert credential is not None and credential.uses_certificate
    assert "PRIVATE" not in repr(credential)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"passphrase": "wrong"}, "'passphrase' does not decrypt"),
        ({"passphrase": None}, "encrypted: pass its 'passphrase'"),
    ],
)
def test_encrypted_key_problems(leaf: Issued, change: dict[str, object], message: str) -> None:
    value = {"private_key": leaf.key_pem(PASSPHRASE), "thumbprint": leaf.sha1_hex}
    value.update(change)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message) as failure:
        load_certificate_material(value)
    _assert_no_secret(failure.value, leaf)


def test_passphrase_for_a_plain_key(leaf: Issued) -> None:
    with pytest.raises(ValueError, match="not encrypted: remove it"):
        load_certificate_material(
            {"private_key": leaf.key_pem(), "thumbprint": leaf.sha1_hex, "passphrase": "x"}
        )


def test_key_that_does_not_match_the_certificate(leaf: Issued) -> None:
    other = issue("other.contoso.test")
    with pytest.raises(ValueError, match="matches the private key") as failure:
        load_certificate_material(
            {"private_key": other.key_pem(), "public_certificate": leaf.cert_pem}
        )
    _assert_no_secret(failure.value, other)


def test_thumbprint_that_does_not_match_the_certificate(leaf: Issued) -> None:
    with pytest.raises(ValueError, match="not the SHA-1 thumbprint of the certificate"):
        load_certificate_material(
            {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem,
             "thumbprint": "00" * 20}
        )  # fmt: skip


@pytest.mark.parametrize(
    ("thumbprint", "message"),
    [("xyz", "hexadecimal"), ("ab" * 32, "SHA-1 thumbprint \\(40 hex digits\\)"), (42, "hex")],
)
def test_bad_thumbprints(leaf: Issued, thumbprint: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_certificate_material({"private_key": leaf.key_pem(), "thumbprint": thumbprint})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"private_key": "/etc/ssl/daemon.key", "thumbprint": "00" * 20}, "not a file name"),
        ({"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
          "thumbprint": "00" * 20}, "not a readable PEM private key"),
        ({"private_key": 12, "thumbprint": "00" * 20}, "must be PEM text"),
        ({"private_key": "PEM"}, "needs 'thumbprint' \\(SHA-1 hex\\) or 'public_certificate'"),
        ({"private_key": "PEM", "private_key_pfx_path": "x.pfx"}, "not both"),
        ({"private_key": "PEM", "thumbprint": "00", "colour": "red"}, "does not take \\['colour'\\]"),
        ({"thumbprint": "00" * 20}, "needs 'private_key'"),
    ],
)  # fmt: skip
def test_shape_and_content_problems(value: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_certificate_material(value)


def test_public_certificate_problems(leaf: Issued) -> None:
    with pytest.raises(ValueError, match="looks like a private key"):
        load_certificate_material(
            {"private_key": leaf.key_pem(), "public_certificate": leaf.key_pem()}
        )
    with pytest.raises(ValueError, match="malformed PEM certificate"):
        load_certificate_material(
            {"private_key": leaf.key_pem(),
             "public_certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}
        )  # fmt: skip
    with pytest.raises(ValueError, match="public_certificate=True is for PFX"):
        load_certificate_material({"private_key": leaf.key_pem(), "public_certificate": True})


def test_non_rsa_keys_are_refused() -> None:
    key_pem, cert_pem = ec_issued("ec.contoso.test")
    with pytest.raises(ValueError, match="not an RSA key"):
        load_certificate_material({"private_key": key_pem, "public_certificate": cert_pem})


def test_pfx_problems(tmp_path: Path, leaf: Issued) -> None:
    with pytest.raises(ValueError, match="no such file"):
        load_certificate_material({"private_key_pfx_path": str(tmp_path / "missing.pfx")})
    garbage = tmp_path / "garbage.pfx"
    garbage.write_bytes(b"not a pfx")
    with pytest.raises(ValueError, match="not a PKCS#12 file"):
        load_certificate_material({"private_key_pfx_path": str(garbage)})
    locked = write_pfx(tmp_path / "locked.pfx", leaf, passphrase=PASSPHRASE)
    with pytest.raises(ValueError, match="wrong 'passphrase'") as failure:
        load_certificate_material({"private_key_pfx_path": str(locked), "passphrase": "nope"})
    assert "nope" not in str(failure.value)
    with pytest.raises(ValueError, match="missing 'passphrase'"):
        load_certificate_material({"private_key_pfx_path": str(locked)})
    keyless = write_pfx(tmp_path / "keyless.pfx", leaf, with_key=False)
    with pytest.raises(ValueError, match="both the private key and its certificate"):
        load_certificate_material({"private_key_pfx_path": str(keyless)})
    plain = write_pfx(tmp_path / "plain.pfx", leaf)
    with pytest.raises(ValueError, match="public_certificate must be True"):
        load_certificate_material({"private_key_pfx_path": plain, "public_certificate": "PEM"})
    with pytest.raises(ValueError, match="not the SHA-1 thumbprint"):
        load_certificate_material({"private_key_pfx_path": plain, "thumbprint": "11" * 20})
    with pytest.raises(ValueError, match=r"path of a \.pfx"):
        load_certificate_material({"private_key_pfx_path": 42})


@pytest.mark.parametrize(
    ("not_before", "not_after", "message"),
    [(NOW - 30 * DAY, NOW - DAY, "expired on"), (NOW + DAY, NOW + 30 * DAY, "not valid before")],
)
def test_certificate_outside_its_validity_warns(
    not_before: object, not_after: object, message: str
) -> None:
    stale = issue("stale.contoso.test", not_before=not_before, not_after=not_after)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match=message):
        material = load_certificate_material(
            {"private_key": stale.key_pem(), "public_certificate": stale.cert_pem}
        )
    assert material.sha256_thumbprint == stale.sha256


def test_valid_certificate_does_not_warn(leaf: Issued) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_certificate_material(
            {"private_key": leaf.key_pem(), "public_certificate": leaf.cert_pem}
        )


def _assert_no_secret(error: Exception, issued: Issued) -> None:
    text = str(error) + repr(error)
    assert PASSPHRASE not in text
    assert "PRIVATE KEY" not in text
    body = issued.key_pem().splitlines()[1]
    assert body not in text
    assert error.__cause__ is None
