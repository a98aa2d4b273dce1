"""Verification of client assertions (RFC 7523 §3) as Entra applies it to ``private_key_jwt``.

Order: the ``client_assertion_type`` (AADSTS90011), the compact JWS (50027), its algorithm
(5002730), the key that signed it (a registered certificate named by ``x5t#S256``/``x5t``, or
Subject Name/Issuer trust over ``x5c``: 700027, 700030, 1000502), then every function of
:data:`ASSERTION_CHECKS` in turn: certificate dates (700027), signature (700027), ``iss``/``sub``
(50048, 700021), ``aud`` (700023), lifetime (700024), ``jti`` (50027).

No stricter than Entra (so MSAL Python works unchanged): an assertion may be reused while it
lives (``jti`` replay is not refused), ``x5t`` may come with or without base64 padding,
``nbf`` and ``iat`` are optional, numeric dates may be floats, and ``aud`` may name the tenant
by GUID or domain, on any alias host, with the v1 or v2 token path.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from entraclient.emulator.certificates import RegisteredCertificate, SniTrust, subject_names
from entraclient.emulator.directory import App, Directory, Tenant
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.hosts import CLOUDS, split_host_port
from entraclient.jose import RSA_ALGORITHMS, b64url_decode, rsa_verify

__all__ = ["ASSERTION_CHECKS", "AssertionRequest", "ParsedAssertion", "verify_client_assertion"]

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLOCK_SKEW = 300
MAX_ASSERTION_LENGTH = 64 * 1024
_TOKEN_PATHS = (("oauth2", "token"), ("oauth2", "v2.0", "token"))


@dataclass(frozen=True, slots=True)
class AssertionRequest:
    """A client assertion presented for ``app`` to the token endpoint of ``host``."""

    directory: Directory
    app: App
    tenant: Tenant | None
    tenant_label: str
    host: str
    assertion_type: str | None
    assertion: str = field(repr=False)
    now: float


@dataclass(frozen=True, slots=True)
class ParsedAssertion:
    """A compact JWS split into its parts; nothing in it is trusted yet."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes = field(repr=False)
    signature: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The certificate key an assertion claims to be signed with, and its validity."""

    public_key: RSAPublicKey
    thumbprint: str
    not_before: float
    not_after: float


def verify_client_assertion(request: AssertionRequest) -> None:
    """Accept ``request``'s assertion, or raise the :class:`EntraError` Entra would answer."""
    if request.assertion_type != JWT_BEARER_ASSERTION:
        raise EntraError(ErrorKind.UNEXPECTED_ASSERTION_TYPE)
    if not request.assertion:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="client_assertion")
    parsed = parse_assertion(request.assertion)
    algorithm = parsed.header.get("alg")
    if algorithm not in RSA_ALGORITHMS:
        raise EntraError(ErrorKind.UNSUPPORTED_ASSERTION_ALGORITHM, algorithm=str(algorithm)[:16])
    key = signing_key(parsed, request)
    for check in ASSERTION_CHECKS:
        check(parsed, key, request)


# -- parsing -------------------------------------------------------------------------------


def parse_assertion(assertion: str) -> ParsedAssertion:
    """Split a compact JWS; anything malformed is AADSTS50027."""
    parts = assertion.split(".")
    if len(assertion) > MAX_ASSERTION_LENGTH or len(parts) != 3:
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, RecursionError):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    return ParsedAssertion(header, claims, signing_input, signature)


# -- the signing key -----------------------------------------------------------------------


def signing_key(parsed: ParsedAssertion, request: AssertionRequest) -> SigningKey:
    """The key named by the header: a registered certificate, else an SNI-trusted ``x5c``."""
    thumbprints = _header_thumbprints(parsed.header)
    for registered in request.directory.certificates_of(request.app):
        if any(registered.matches(t) for t in thumbprints):
            return _registered_key(registered)
    trusts = request.directory.sni_trusts_of(request.app)
    if trusts and "x5c" in parsed.header:
        return _sni_key(parsed.header, thumbprints, trusts, request.now)
    shown = thumbprints[0].hex().upper() if thumbprints else ""
    raise EntraError(
        ErrorKind.ASSERTION_KEY_NOT_FOUND, thumbprint=shown, client_id=request.app.client_id
    )


def _header_thumbprints(header: dict[str, Any]) -> list[bytes]:
    found = []
    for name, size in (("x5t#S256", 32), ("x5t", 20)):
        value = header.get(name)
        if value is None:
            continue
        try:
            digest = b64url_decode(value)
        except ValueError:
            raise EntraError(ErrorKind.MALFORMED_ASSERTION) from None
        if len(digest) != size:
            raise EntraError(ErrorKind.MALFORMED_ASSERTION)
        found.append(digest)
    return found


def _registered_key(registered: RegisteredCertificate) -> SigningKey:
    return SigningKey(
        public_key=registered.public_key,
        thumbprint=registered.sha1.hex().upper(),
        not_before=registered.not_before,
        not_after=registered.not_after,
    )


def _sni_key(
    header: dict[str, Any], thumbprints: list[bytes], trusts: Sequence[SniTrust], now: float
) -> SigningKey:
    chain = _x5c_certificates(header["x5c"])
    try:
        leaf = RegisteredCertificate.of(chain[0])
    except ValueError:
        raise EntraError(ErrorKind.UNSUPPORTED_ASSERTION_ALGORITHM, algorithm="RSA") from None
    if not thumbprints or not all(leaf.matches(t) for t in thumbprints):
        raise EntraError(
            ErrorKind.INVALID_CLIENT_ASSERTION,
            reason="The thumbprint in the header does not name the first x5c certificate.",
        )
    anchored = [t for t in trusts if _chain_leads_to(chain, t.authority)]
    if not anchored:
        raise EntraError(
            ErrorKind.SNI_NOT_AUTHORIZED,
            reason="The certificate chain does not lead to an issuer trusted for this app.",
        )
    if not any(t.allows(chain[0]) for t in anchored):
        names = ", ".join(subject_names(chain[0])[:10])
        raise EntraError(
            ErrorKind.SNI_NOT_AUTHORIZED,
            reason=f"SubjectNames/SubjectAlternativeNames (up to 10) in token certificate "
            f"are: {names}",
        )
    if not all(_within_validity(c, now) for c in chain):
        raise EntraError(ErrorKind.CERTIFICATE_OUTSIDE_VALIDITY)
    return SigningKey(leaf.public_key, leaf.sha1.hex().upper(), leaf.not_before, leaf.not_after)


def _x5c_certificates(x5c: object) -> list[x509.Certificate]:
    if not isinstance(x5c, list) or not x5c or not all(isinstance(e, str) for e in x5c):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    try:
        return [x509.load_der_x509_certificate(_standard_b64(entry)) for entry in x5c]
    except ValueError:
        raise EntraError(ErrorKind.MALFORMED_ASSERTION) from None


def _standard_b64(entry: str) -> bytes:
    # MSAL sends each x5c entry as a PEM body, with its line breaks: strip whitespace first.
    try:
        return base64.b64decode("".join(entry.split()), validate=True)
    except binascii.Error:
        raise ValueError("x5c entry is not base64") from None


def _chain_leads_to(chain: Sequence[x509.Certificate], authority: x509.Certificate) -> bool:
    """Whether each certificate is issued by the next, and the last is or is issued by
    ``authority``."""
    for child, parent in zip(chain, [*chain[1:], authority], strict=True):
        if child == authority:
            return True
        if not _issued_by(child, parent):
            return False
    return True


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _within_validity(certificate: x509.Certificate, now: float) -> bool:
    start = certificate.not_valid_before_utc.timestamp()
    return start <= now <= certificate.not_valid_after_utc.timestamp()


# -- checks after the key is known ---------------------------------------------------------

AssertionCheck = Callable[[ParsedAssertion, SigningKey, AssertionRequest], None]


def _check_certificate_dates(
    parsed: ParsedAssertion, key: SigningKey, request: AssertionRequest
) -> None:
    if request.now > key.not_after:
        state = "expired"
    elif request.now < key.not_before:
        state = "not yet valid"
    else:
        return
    raise EntraError(ErrorKind.ASSERTION_KEY_OUT_OF_DATE, state=state, thumbprint=key.thumbprint)


def _check_signature(parsed: ParsedAssertion, key: SigningKey, request: AssertionRequest) -> None:
    algorithm = str(parsed.header["alg"])
    if not rsa_verify(key.public_key, algorithm, parsed.signing_input, parsed.signature):
        raise EntraError(
            ErrorKind.INVALID_CLIENT_ASSERTION,
            reason="The provided signature value did not match the expected signature value.",
        )


def _check_issuer_and_subject(
    parsed: ParsedAssertion, key: SigningKey, request: AssertionRequest
) -> None:
    issuer, subject = parsed.claims.get("iss"), parsed.claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    if issuer != subject:
        raise EntraError(ErrorKind.ASSERTION_SUBJECT_MISMATCH, client_id=request.app.client_id)
    if subject.lower() != request.app.client_id.lower():
        raise EntraError(ErrorKind.ASSERTION_CLIENT_MISMATCH)


def _check_audience(parsed: ParsedAssertion, key: SigningKey, request: AssertionRequest) -> None:
    audience = parsed.claims.get("aud")
    if not isinstance(audience, str):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    if not audience_names_this_endpoint(audience, request):
        raise EntraError(ErrorKind.ASSERTION_AUDIENCE_MISMATCH)


def audience_names_this_endpoint(audience: str, request: AssertionRequest) -> bool:
    """Whether ``audience`` is a URL of the token endpoint ``request`` reached (or an alias)."""
    parts = urlsplit(audience)
    if parts.scheme.lower() != "https" or parts.query or parts.fragment:
        return False
    if not _same_service(parts.netloc.lower(), request.host):
        return False
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 3 or tuple(s.lower() for s in segments[1:]) not in _TOKEN_PATHS:
        return False
    return _same_tenant(segments[0], request)


def _same_service(audience_host: str, request_host: str) -> bool:
    if audience_host == request_host:
        return True
    host, port = split_host_port(audience_host)
    return port is None and host in _alias_group(split_host_port(request_host)[0])


def _alias_group(host: str) -> tuple[str, ...]:
    """The aliases of ``host``'s cloud; a regional host counts as its cloud's central one."""
    for cloud in CLOUDS:
        if any(host == a or host.endswith("." + a) for a in cloud.aliases):
            return cloud.aliases
    return ()


def _same_tenant(segment: str, request: AssertionRequest) -> bool:
    named = request.directory.find_tenant(segment)
    if request.tenant is not None:
        return named is not None and named.id == request.tenant.id
    return segment.lower() == request.tenant_label.lower() or (
        named is not None and named.id == request.app.tenant_id
    )


def _check_lifetime(parsed: ParsedAssertion, key: SigningKey, request: AssertionRequest) -> None:
    expires = _numeric_date(parsed.claims, "exp", required=True)
    not_before = _numeric_date(parsed.claims, "nbf", required=False)
    _numeric_date(parsed.claims, "iat", required=False)
    assert expires is not None
    now = request.now
    if expires <= now - CLOCK_SKEW or (not_before is not None and not_before > now + CLOCK_SKEW):
        raise EntraError(
            ErrorKind.ASSERTION_OUTSIDE_LIFETIME,
            now=_render_time(now),
            not_before=_render_time(not_before or 0),
            expires=_render_time(expires),
        )


def _numeric_date(claims: dict[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)
    return float(value)


def _render_time(seconds: float) -> str:
    whole = int(seconds)
    fraction = f"{seconds - whole:.7f}"[2:]
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{fraction}Z"


def _check_token_id(parsed: ParsedAssertion, key: SigningKey, request: AssertionRequest) -> None:
    token_id = parsed.claims.get("jti")
    if not isinstance(token_id, str) or not token_id:
        raise EntraError(ErrorKind.MALFORMED_ASSERTION)


ASSERTION_CHECKS: tuple[AssertionCheck, ...] = (
    _check_certificate_dates,
    _check_signature,
    _check_issuer_and_subject,
    _check_audience,
    _check_lifetime,
    _check_token_id,
)
"""The checks run once the signing key is known, in order; the first failure answers."""
