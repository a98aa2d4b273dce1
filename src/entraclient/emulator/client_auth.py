"""Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2).

Invariants:

* A request uses exactly one method: ``client_secret`` in the body, HTTP Basic, or a
  ``client_assertion``. More than one is ``invalid_request``; none is AADSTS7000218.
* Secrets are compared in constant time against every registered secret; a match on an
  expired secret is AADSTS7000222. Nothing presented by the client reaches an error message.
* New methods plug in through :data:`_VERIFIERS` (method name → verifier); assertions are
  verified by :mod:`.assertions`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from entraclient.emulator.assertions import AssertionRequest, verify_client_assertion
from entraclient.emulator.directory import App, Directory, Tenant
from entraclient.emulator.errors import EntraError, ErrorKind
from entraclient.emulator.federated import matching_trust, verify_federated_assertion

__all__ = ["AuthenticatedClient", "PresentedCredential", "authenticate_client"]

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True, slots=True)
class PresentedCredential:
    """A credential as found in a request: its method, the client id beside it, its value."""

    method: str
    client_id: str | None
    value: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class VerificationRequest:
    """What a verifier judges: the credential presented for ``app``, where and when."""

    directory: Directory
    app: App
    tenant: Tenant | None
    tenant_label: str
    host: str
    form: Mapping[str, str] = field(repr=False)
    presented: str = field(repr=False)
    now: float


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    """The app a token request authenticated as, and the method it used."""

    app: App
    method: str


def _basic_credential(authorization: str) -> PresentedCredential:
    try:
        decoded = base64.b64decode(authorization[len("basic ") :].strip(), validate=True)
        client_id, separator, secret = decoded.decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        separator = ""
    if not separator:
        raise EntraError(ErrorKind.MALFORMED_REQUEST, reason="malformed Basic authorization.")
    return PresentedCredential("client_secret_basic", unquote_plus(client_id), unquote_plus(secret))


def presented_credentials(
    form: Mapping[str, str], authorization: str | None
) -> list[PresentedCredential]:
    """Every client credential the request carries, in the body and in its headers."""
    found = []
    body_client_id = form.get("client_id")
    if "client_secret" in form:
        found.append(
            PresentedCredential("client_secret_post", body_client_id, form["client_secret"])
        )
    if "client_assertion" in form or "client_assertion_type" in form:
        assertion = form.get("client_assertion", "")
        found.append(PresentedCredential("private_key_jwt", body_client_id, assertion))
    if authorization and authorization.lower().startswith("basic "):
        found.append(_basic_credential(authorization))
    return found


def _client_id(form: Mapping[str, str], credential: PresentedCredential | None) -> str:
    body_client_id = form.get("client_id")
    header_client_id = credential.client_id if credential else None
    if body_client_id and header_client_id and body_client_id != header_client_id:
        reason = "client_id differs from the one in the Authorization header."
        raise EntraError(ErrorKind.MALFORMED_REQUEST, reason=reason)
    client_id = header_client_id or body_client_id
    if not client_id:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="client_id")
    return client_id


def _verify_secret(request: VerificationRequest) -> None:
    app = request.app
    candidate = request.presented.encode("utf-8")
    matches = [
        secret
        for secret in request.directory.secrets_of(app)
        if hmac.compare_digest(secret.value.encode("utf-8"), candidate)
    ]
    if not matches:
        raise EntraError(ErrorKind.INVALID_CLIENT_SECRET, client_id=app.client_id)
    if all(secret.is_expired(request.now) for secret in matches):
        raise EntraError(ErrorKind.EXPIRED_CLIENT_SECRET, client_id=app.client_id)


def _verify_assertion(request: VerificationRequest) -> None:
    trusts = request.directory.federated_trusts_of(request.app)
    trust = matching_trust(trusts, request.presented) if trusts else None
    if trust is not None and request.form.get("client_assertion_type") == JWT_BEARER_ASSERTION:
        verify_federated_assertion(trusts, trust, request.presented, request.now)
        return
    verify_client_assertion(
        AssertionRequest(
            directory=request.directory,
            app=request.app,
            tenant=request.tenant,
            tenant_label=request.tenant_label,
            host=request.host,
            assertion_type=request.form.get("client_assertion_type"),
            assertion=request.presented,
            now=request.now,
        )
    )


Verifier = Callable[[VerificationRequest], None]

_VERIFIERS: dict[str, Verifier] = {
    "client_secret_post": _verify_secret,
    "client_secret_basic": _verify_secret,
    "private_key_jwt": _verify_assertion,
}


def _find_app(directory: Directory, tenant: Tenant | None, client_id: str) -> App | None:
    if tenant is None:
        return directory.find_app_by_client_id(client_id)
    return directory.find_app(tenant, client_id)


def authenticate_client(
    directory: Directory,
    tenant: Tenant | None,
    tenant_label: str,
    form: Mapping[str, str],
    authorization: str | None,
    now: float,
    *,
    host: str = "",
) -> AuthenticatedClient:
    """The app this request authenticates as, or raise the Entra error that explains why not.

    ``tenant`` is ``None`` for the ``common``/``organizations``/``consumers`` aliases;
    ``tenant_label`` is the tenant as the request named it, for error messages; ``host`` is
    the host the request reached (client assertions must name its token endpoint).
    """
    credentials = presented_credentials(form, authorization)
    if len(credentials) > 1:
        reason = "more than one client authentication method was used."
        raise EntraError(ErrorKind.MALFORMED_REQUEST, reason=reason)
    credential = credentials[0] if credentials else None
    client_id = _client_id(form, credential)
    app = _find_app(directory, tenant, client_id)
    if app is None:
        raise EntraError(ErrorKind.UNKNOWN_CLIENT, client_id=client_id, tenant=tenant_label)
    if credential is None:
        raise EntraError(ErrorKind.MISSING_CLIENT_CREDENTIAL)
    verification = VerificationRequest(
        directory, app, tenant, tenant_label, host, form, credential.value, now
    )
    _VERIFIERS[credential.method](verification)
    return AuthenticatedClient(app, credential.method)
