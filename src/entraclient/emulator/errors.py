"""The Entra errors the emulator answers with, as one table, and their JSON rendering.

Invariants:

* :class:`ErrorKind` is the only place that ties an OAuth ``error`` to an HTTP status, an
  AADSTS code and a message. Handlers raise :class:`EntraError` with a kind and the values
  its message needs; nothing else builds error bodies.
* Messages never contain a secret, token or assertion: only identifiers (client id, tenant,
  scope, parameter names) are interpolated.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import Enum

__all__ = ["EntraError", "ErrorKind", "ErrorSpec", "render_error", "render_timestamp"]


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """The wire shape of one Entra error: OAuth ``error``, HTTP status, AADSTS code, message."""

    error: str
    status: int
    code: int
    message: str


class ErrorKind(Enum):
    """Every error the emulator emits. Messages are ``str.format`` templates."""

    INVALID_TENANT = ErrorSpec(
        "invalid_tenant",
        400,
        90002,
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )
    TENANT_REQUIRED = ErrorSpec(
        "invalid_request",
        400,
        50059,
        "No tenant-identifying information found in either the request or implied by any "
        "provided credentials.",
    )
    INVALID_INSTANCE = ErrorSpec("invalid_instance", 400, 50049, "Unknown or invalid instance.")
    POST_REQUIRED = ErrorSpec(
        "invalid_request",
        400,
        900561,
        "The endpoint only accepts POST, OPTIONS requests. Received a {method} request.",
    )
    MISSING_PARAMETER = ErrorSpec(
        "invalid_request",
        400,
        900144,
        "The request body must contain the following parameter: '{name}'.",
    )
    MALFORMED_REQUEST = ErrorSpec(
        "invalid_request", 400, 90023, "The authentication service request isn't valid: {reason}"
    )
    UNSUPPORTED_GRANT_TYPE = ErrorSpec(
        "unsupported_grant_type",
        400,
        70003,
        "The app requested an unsupported grant type '{grant_type}'.",
    )
    MALFORMED_GRANT = ErrorSpec(
        "invalid_grant", 400, 9002313, "Invalid request. Request is malformed or invalid."
    )
    REFRESH_TOKEN_REVOKED = ErrorSpec(
        "invalid_grant",
        400,
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
        "The user might have changed or reset their password. The grant was issued on "
        "'{issued}'.",
    )
    REFRESH_TOKEN_EXPIRED = ErrorSpec(
        "invalid_grant",
        400,
        700082,
        "The refresh token has expired due to inactivity. The token was issued on {issued} and "
        "was inactive for {inactive}.",
    )
    CLIENT_MISMATCH = ErrorSpec(
        "invalid_grant",
        400,
        70000,
        "The provided grant is invalid or malformed: it was issued to another client "
        "('{issued_to}'), which is not in a family of client ids with '{client_id}'.",
    )
    UNKNOWN_CLIENT = ErrorSpec(
        "unauthorized_client",
        400,
        700016,
        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You may have sent your authentication "
        "request to the wrong tenant.",
    )
    MISSING_CLIENT_CREDENTIAL = ErrorSpec(
        "invalid_client",
        401,
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'.",
    )
    INVALID_CLIENT_SECRET = ErrorSpec(
        "invalid_client",
        401,
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app "
        "'{client_id}'.",
    )
    EXPIRED_CLIENT_SECRET = ErrorSpec(
        "invalid_client",
        401,
        7000222,
        "The provided client secret keys for app '{client_id}' are expired. Visit the Azure "
        "portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider "
        "using certificate credentials for added security: https://aka.ms/certCreds.",
    )
    INVALID_CLIENT_ASSERTION = ErrorSpec(
        "invalid_client",
        401,
        700027,
        "Client assertion failed signature validation. [Reason - {reason}]",
    )
    UNEXPECTED_ASSERTION_TYPE = ErrorSpec(
        "invalid_request", 400, 90011, "Unexpected client assertion type."
    )
    MALFORMED_ASSERTION = ErrorSpec(
        "invalid_request", 400, 50027, "JWT token is invalid or malformed."
    )
    UNSUPPORTED_ASSERTION_ALGORITHM = ErrorSpec(
        "invalid_request",
        400,
        5002730,
        "Invalid JWT token. Unsupported key for the signing algorithm '{algorithm}'.",
    )
    ASSERTION_KEY_NOT_FOUND = ErrorSpec(
        "invalid_client",
        401,
        700027,
        "Client assertion contains an invalid signature. [Reason - The key was not found., "
        "Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, "
        "Graph Explorer or directly use MS Graph to see configured keys for app Id "
        "'{client_id}'.]",
    )
    ASSERTION_KEY_OUT_OF_DATE = ErrorSpec(
        "invalid_client",
        401,
        700027,
        "The certificate with identifier used to sign the client assertion is {state} on "
        "application. [Reason - The key used is {state}., Thumbprint of key used by client: "
        "'{thumbprint}']",
    )
    ASSERTION_OUTSIDE_LIFETIME = ErrorSpec(
        "invalid_client",
        401,
        700024,
        "Client assertion is not within its valid time range. Current time: {now}, assertion "
        "valid from {not_before}, expiry time of assertion {expires}. Review the documentation "
        "at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
    )
    ASSERTION_SUBJECT_MISMATCH = ErrorSpec(
        "invalid_client",
        401,
        50048,
        "Subject mismatches Issuer claim in the client assertion for application "
        "'{client_id}'. Contact the developer of the application.",
    )
    ASSERTION_CLIENT_MISMATCH = ErrorSpec(
        "invalid_client",
        401,
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review "
        "the documentation at https://learn.microsoft.com/entra/identity-platform/"
        "certificate-credentials .",
    )
    ASSERTION_AUDIENCE_MISMATCH = ErrorSpec(
        "invalid_client",
        401,
        700023,
        "Client assertion audience claim does not match Realm issuer. Review the "
        "documentation at https://learn.microsoft.com/entra/identity-platform/"
        "certificate-credentials .",
    )
    SNI_NOT_AUTHORIZED = ErrorSpec(
        "invalid_client",
        401,
        700030,
        "Invalid certificate - subject name in certificate isn't authorized. {reason}",
    )
    CERTIFICATE_OUTSIDE_VALIDITY = ErrorSpec(
        "invalid_client",
        401,
        1000502,
        "The provided certificate is not within its specified validity window.",
    )
    TEMPORARILY_UNAVAILABLE = ErrorSpec(
        "temporarily_unavailable", 503, 90033, "A transient error has occurred. Please try again."
    )
    SCOPE_NOT_DEFAULT = ErrorSpec(
        "invalid_scope",
        400,
        1002012,
        "The provided value for scope {scope} is not valid. Client credential flows must have a "
        "scope value with /.default suffixed to the resource identifier (application ID URI).",
    )
    MALFORMED_SCOPE = ErrorSpec(
        "invalid_scope",
        400,
        70011,
        "The provided request must include a 'scope' input parameter. The provided value for "
        "the input parameter 'scope' is not valid. The scope {scope} is not valid.",
    )
    SEVERAL_RESOURCES = ErrorSpec(
        "invalid_scope",
        400,
        28000,
        "Provided value for the input parameter scope is not valid because it contains more "
        "than one resource. Scope {scope} is not valid.",
    )
    REGIONAL_NOT_ALLOWED = ErrorSpec(
        "invalid_request",
        400,
        100007,
        "Entra regional endpoints serve only client credentials requests of applications "
        "allowed to use them. Send this request to the central endpoint.",
    )
    UNKNOWN_RESOURCE = ErrorSpec(
        "invalid_resource",
        400,
        500011,
        "The resource principal named {resource} was not found in the tenant named {tenant}. "
        "This can happen if the application has not been installed by the administrator of the "
        "tenant or consented to by any user in the tenant. You might have sent your "
        "authentication request to the wrong tenant.",
    )
    # -- sign-in (authorize endpoint) and user grants ------------------------------------
    REDIRECT_URI_NOT_REGISTERED = ErrorSpec(
        "invalid_request",
        400,
        50011,
        "The redirect URI '{redirect_uri}' specified in the request does not match the "
        "redirect URIs configured for the application '{client_id}'. Make sure the redirect "
        "URI sent in the request matches one added to your application in the Azure portal.",
    )
    UNSUPPORTED_RESPONSE_TYPE = ErrorSpec(
        "unsupported_response_type",
        400,
        700054,
        "response_type '{response_type}' is not enabled for the application.",
    )
    LOGIN_REQUIRED = ErrorSpec(
        "login_required",
        400,
        50058,
        "A silent sign-in request was sent but no user is signed in.",
    )
    CODE_REDEEMED = ErrorSpec(
        "invalid_grant",
        400,
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code "
        "or use an existing refresh token.",
    )
    CODE_EXPIRED = ErrorSpec(
        "invalid_grant",
        400,
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. "
        "Send a new interactive authorization request for this user and resource.",
    )
    CODE_FOR_OTHER_TENANT = ErrorSpec(
        "invalid_grant",
        400,
        700005,
        "Provided Authorization Code is intended to use against other tenant, thus rejected.",
    )
    CODE_FOR_OTHER_CLIENT = ErrorSpec(
        "invalid_grant",
        400,
        70000,
        "The provided authorization code was issued to another client ('{issued_to}').",
    )
    REDIRECT_URI_MISMATCH = ErrorSpec(
        "invalid_grant",
        400,
        500112,
        "The reply address '{redirect_uri}' does not match the reply address provided when "
        "requesting the authorization code.",
    )
    PKCE_MISMATCH = ErrorSpec(
        "invalid_grant",
        400,
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization "
        "request.",
    )
    INVALID_USER_ASSERTION = ErrorSpec(
        "invalid_grant",
        400,
        50013,
        "Assertion failed signature validation. [Reason - {reason}]",
    )
    USER_ASSERTION_EXPIRED = ErrorSpec(
        "invalid_grant",
        400,
        500133,
        "Assertion is not within its valid time range. Ensure that the access token is not "
        "expired before using it for user assertion, or request a new token. Current time: "
        "{now}, expiry time of assertion {expires}.",
    )
    ID_TOKEN_AS_ASSERTION = ErrorSpec(
        "invalid_grant",
        400,
        240002,
        "Input id_token cannot be used as 'urn:ietf:params:oauth:grant-type:jwt-bearer' grant.",
    )
    MFA_REQUIRED = ErrorSpec(
        "interaction_required",
        400,
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a "
        "new location, you must use multi-factor authentication to access '{resource}'.",
    )
    FEDERATED_ISSUER_UNKNOWN = ErrorSpec(
        "invalid_client",
        401,
        700211,
        "No matching federated identity record found for presented assertion issuer "
        "'{issuer}'. Please check your federated identity credential Subject, Audience and "
        "Issuer against the presented assertion.",
    )
    FEDERATED_AUDIENCE_MISMATCH = ErrorSpec(
        "invalid_client",
        401,
        700212,
        "No matching federated identity record found for presented assertion audience "
        "'{audience}'.",
    )
    FEDERATED_SUBJECT_UNKNOWN = ErrorSpec(
        "invalid_client",
        401,
        700213,
        "No matching federated identity record found for presented assertion subject '{subject}'.",
    )
    USER_NOT_FOUND = ErrorSpec(
        "invalid_grant",
        400,
        50034,
        "The user account {user} does not exist in the {tenant} directory. To sign into this "
        "application, the account must be added to the directory.",
    )

    @property
    def spec(self) -> ErrorSpec:
        """The wire shape of this error."""
        value: ErrorSpec = self.value
        return value


class EntraError(Exception):
    """Raised by request handlers; the endpoint renders it as an Entra error response."""

    def __init__(self, kind: ErrorKind, **details: str) -> None:
        self.kind = kind
        self.details = details
        self.extra: dict[str, object] = {}  # further body members, e.g. ``suberror``
        super().__init__(f"AADSTS{kind.spec.code}: {self.message}")

    @property
    def message(self) -> str:
        """The AADSTS message text with its details filled in."""
        return self.kind.spec.message.format(**self.details)


def render_timestamp(now: float) -> str:
    """Entra's error timestamp format: ``YYYY-MM-DD HH:MM:SSZ`` in UTC."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(now))


def render_error(
    error: EntraError, *, host: str, correlation_id: str, now: float
) -> dict[str, object]:
    """The JSON body Entra sends for ``error``."""
    spec = error.kind.spec
    trace_id = str(uuid.uuid4())
    timestamp = render_timestamp(now)
    description = (
        f"AADSTS{spec.code}: {error.message}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    )
    return {
        "error": spec.error,
        "error_description": description,
        "error_codes": [spec.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://{host}/error?code={spec.code}",
        **error.extra,
    }
