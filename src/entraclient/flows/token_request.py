"""The token endpoint envelope (RFC 6749 §3.2, §5.1, §5.2): one request, one parsed answer.

Every grant builds its request with :func:`build_token_request` and reads the answer with
:func:`parse_token_response`, so client authentication, headers and response validation are
written once. A token response is checked before anything is cached: a 200 without an
``access_token``, a non-numeric or negative ``expires_in``, an unexpected ``token_type`` or an
``id_token`` that is not a JWT with a JSON object of claims is a :class:`ProtocolError`, never
a cache entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from entraclient.cache.identity import decode_client_info, decode_jwt_claims
from entraclient.errors import ProtocolError
from entraclient.flows.context import AppContext
from entraclient.flows.responses import successful_json
from entraclient.http.messages import HttpRequest, HttpResponse, Pairs, pairs

__all__ = ["TokenResponse", "build_token_request", "cache_target", "parse_token_response"]

DEFAULT_EXPIRES_IN = 600
MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600


def build_token_request(
    app: AppContext,
    token_endpoint: str,
    *,
    grant_type: str,
    grant_fields: Pairs,
    correlation_id: str,
    assertion_context: dict[str, str] | None = None,
    extra_headers: Pairs = (),
) -> HttpRequest:
    """A POST to ``token_endpoint`` carrying the client's identity and the grant's fields."""
    auth: Pairs = ()
    if app.credential is not None:
        context = {"client_id": app.client_id, "token_endpoint": token_endpoint}
        context.update(assertion_context or {})
        auth = app.credential.form_fields(token_endpoint, app.clock(), context)
    # MSAL Python's order (PROTOCOL.md §5.1): the assertion itself comes before client_info.
    assertion = tuple(field for field in auth if field[0] == "client_assertion")
    form = pairs(
        [
            ("client_id", app.client_id),
            ("grant_type", grant_type),
            *assertion,
            ("client_info", "1"),
            *(field for field in auth if field[0] != "client_assertion"),
            *grant_fields,
        ]
    )
    headers = app.telemetry.token_headers(correlation_id) + extra_headers
    return HttpRequest("POST", token_endpoint, headers=headers, form=form)


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A validated successful token response. ``body`` is the JSON as the server sent it."""

    body: dict[str, Any]
    access_token: str
    token_type: str
    expires_in: int
    ext_expires_in: int
    refresh_in: int | None
    scope: str | None
    refresh_token: str | None
    id_token: str | None
    client_info: str | None
    foci: str | None
    id_token_claims: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"TokenResponse(token_type={self.token_type!r}, expires_in={self.expires_in}, ****)"


def parse_token_response(
    response: HttpResponse, *, expected_token_type: str = "Bearer"
) -> TokenResponse:
    """Validate a token endpoint answer; error bodies raise ``ServiceError``."""
    body = successful_json(response)
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ProtocolError("the token response has no access_token", status_code=200)
    token_type = body.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != expected_token_type.lower():
        raise ProtocolError(
            f"the token response has token_type {str(token_type)[:20]!r}, "
            f"expected {expected_token_type!r}",
            status_code=200,
        )
    expires_in = _lifetime(body, "expires_in", default=DEFAULT_EXPIRES_IN)
    id_token = _optional_str(body, "id_token")
    client_info = _optional_str(body, "client_info")
    return TokenResponse(
        body=body,
        access_token=access_token,
        token_type=token_type,
        expires_in=expires_in,
        ext_expires_in=_lifetime(body, "ext_expires_in", default=expires_in),
        refresh_in=_lifetime(body, "refresh_in", default=None),
        scope=_optional_str(body, "scope"),
        refresh_token=_optional_str(body, "refresh_token"),
        id_token=id_token,
        client_info=_checked_client_info(client_info),
        foci=_optional_str(body, "foci"),
        id_token_claims=_id_token_claims(id_token),
    )


def _id_token_claims(id_token: str | None) -> dict[str, Any]:
    if id_token is None:
        return {}
    try:
        return decode_jwt_claims(id_token)
    except ValueError as bad:
        raise ProtocolError(f"the token response's {bad}", status_code=200) from None


def _checked_client_info(client_info: str | None) -> str | None:
    if client_info is not None:
        try:
            decode_client_info(client_info)
        except ValueError as bad:
            raise ProtocolError(f"the token response's {bad}", status_code=200) from None
    return client_info


def _lifetime(body: dict[str, Any], name: str, *, default: int | None) -> Any:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProtocolError(f"the token response's {name} is not a number", status_code=200)
    try:
        seconds = int(value)
    except ValueError:
        raise ProtocolError(
            f"the token response's {name} is not a number", status_code=200
        ) from None
    if seconds <= 0 or seconds > MAX_LIFETIME_SECONDS:
        raise ProtocolError(f"the token response's {name} is out of range", status_code=200)
    return seconds


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"the token response's {name} is not a string", status_code=200)
    return value or None


_OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})


def _resource_of(scope: str) -> str | None:
    """The resource a URL-form scope names (``api://a/read`` -> ``api://a``), else ``None``."""
    if scope.lower() in _OIDC_SCOPES or "://" not in scope:
        return None
    scheme, _, rest = scope.partition("://")
    host, slash, _ = rest.partition("/")
    return f"{scheme}://{host}".lower() if slash else scope.lower()


def cache_target(token: TokenResponse, requested: Sequence[str]) -> list[str]:
    """The scopes ``token`` is filed under, refusing an answer for another resource.

    The answer's ``scope`` (as MSAL files it) when it names the resource that was asked
    for; the requested scopes when it names none. An answer whose resources are all
    different from the requested ones would file a token for A where B is looked up.
    """
    if not token.scope:
        return list(requested)
    granted = token.scope.split()
    wanted = {r for r in map(_resource_of, requested) if r is not None}
    answered = {r for r in map(_resource_of, granted) if r is not None}
    if wanted and answered and wanted.isdisjoint(answered):
        raise ProtocolError(
            "the token response is for another resource than the one requested",
            status_code=200,
        )
    return granted
