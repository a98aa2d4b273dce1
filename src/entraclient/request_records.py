"""Checking the arguments of each operation and turning them into the request record its
flow takes: app tokens, on-behalf-of, auth code, refresh token, user federated identity
credential, silent acquisition.

Each concern is written once here: ``claims`` merging (:func:`request_claims`), the claims
arguments' checks (:func:`checked_claims`), the per-``forwarded_client_claims`` cache key.

Misuse raises ``ValueError``/``TypeError`` here, before any flow runs, with a message that
says what to pass instead. Anything that comes from outside the app (the redirect's
parameters, the identity provider's answers) is judged by the flows and reported as an
error dict instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from entraclient.cache.schema import ext_cache_key
from entraclient.config import check_optional_str
from entraclient.flows.auth_code import CodeRedemption
from entraclient.flows.authorization_request import AuthCodeFlowRequest, AuthorizationUrlRequest
from entraclient.flows.claims import merge_claims, merge_forwarded_claims, parse_claims_object
from entraclient.flows.client_credentials import ClientCredentialsRequest
from entraclient.flows.context import AppContext
from entraclient.flows.on_behalf_of import OnBehalfOfRequest
from entraclient.flows.pkce import nonce_hash
from entraclient.flows.refresh_token import RefreshTokenRedemption
from entraclient.flows.silent import SilentRequest
from entraclient.flows.user_fic import UserFicRequest
from entraclient.scopes import RESERVED_SCOPES, decorate, validate_scopes
from entraclient.telemetry import new_correlation_id

__all__ = [
    "auth_code_flow_request",
    "authorization_url_request",
    "check_account",
    "check_no_extra",
    "checked_claims",
    "client_credentials_request",
    "code_redemption_request",
    "flow_redemption_request",
    "on_behalf_of_request",
    "refresh_token_redemption_request",
    "request_claims",
    "silent_request",
    "user_fic_request",
]

_AUTH_RESPONSE_MEMBERS = ("state", "code", "error", "error_description", "error_uri",
                          "client_info")  # fmt: skip


def check_no_extra(extra: Mapping[str, Any]) -> None:
    """Refuse keyword arguments an operation does not know."""
    if extra:
        raise TypeError(f"unexpected arguments: {sorted(extra)}")


def checked_claims(value: object, name: str = "claims_challenge") -> str | None:
    """``value`` if it is ``None`` or a JSON object string (a claims request)."""
    text = check_optional_str(value, name)
    if text is not None:
        parse_claims_object(text, name=name)
    return text


def checked_forwarded_claims(value: object) -> str | None:
    """``forwarded_client_claims``: ``None`` or a JSON object string (``ValueError`` for
    anything else, as MSAL Python)."""
    if value is not None and not isinstance(value, str):
        raise ValueError(
            f"forwarded_client_claims must be a JSON object string, not {type(value).__name__}"
        )
    return checked_claims(value, "forwarded_client_claims")


def request_claims(
    app: AppContext, challenge: str | None, forwarded: str | None = None
) -> str | None:
    """The ``claims`` a token request sends: the app's capabilities, the claims challenge
    and the forwarded client claims, merged."""
    return merge_forwarded_claims(merge_claims(app.client_capabilities, challenge), forwarded)


def _decorated(app: AppContext, scopes: object) -> tuple[str, ...]:
    return tuple(decorate(validate_scopes(scopes), app.exclude_scopes))


def _forwarded_key(forwarded: str | None) -> str | None:
    return ext_cache_key({"client_claims": forwarded or ""})


def on_behalf_of_request(
    app: AppContext,
    user_assertion: str,
    assertion_hash: str,
    scopes: object,
    claims_challenge: object,
    forwarded_client_claims: object,
) -> OnBehalfOfRequest:
    """The request of one on-behalf-of call, for an assertion already checked and hashed."""
    valid = tuple(validate_scopes(scopes))
    challenge = checked_claims(claims_challenge)
    forwarded = checked_forwarded_claims(forwarded_client_claims)
    return OnBehalfOfRequest(
        user_assertion=user_assertion,
        assertion_hash=assertion_hash,
        scopes=valid,
        decorated_scopes=tuple(decorate(valid, app.exclude_scopes)),
        correlation_id=new_correlation_id(),
        claims=request_claims(app, challenge, forwarded),
        claims_challenge=challenge,
        ext_cache_key=_forwarded_key(forwarded),
    )


def client_credentials_request(
    app: AppContext,
    scopes: object,
    claims_challenge: object,
    fmi_path: object,
    forwarded_client_claims: object,
) -> ClientCredentialsRequest:
    """The request of one ``acquire_token_for_client`` call."""
    valid = validate_scopes(scopes)
    reserved = RESERVED_SCOPES.intersection(valid)
    if reserved:
        raise ValueError(f"app tokens cannot ask for {sorted(reserved)}; pass only .default")
    challenge = checked_claims(claims_challenge)
    if fmi_path is not None and not isinstance(fmi_path, str):
        raise ValueError(f"fmi_path must be a string, not {type(fmi_path).__name__}")
    forwarded = checked_forwarded_claims(forwarded_client_claims)
    key_fields = {"fmi_path": fmi_path or "", "client_claims": forwarded or ""}
    return ClientCredentialsRequest(
        scopes=tuple(valid),
        correlation_id=new_correlation_id(),
        claims_challenge=challenge,
        fmi_path=fmi_path,
        ext_cache_key=ext_cache_key(key_fields),
        claims=request_claims(app, challenge, forwarded),
    )


def check_account(account: object, *, need_environment: bool = False) -> Mapping[str, Any]:
    """``account`` if it is one of the dicts ``get_accounts()`` returns."""
    if not isinstance(account, Mapping):
        raise TypeError(
            f"account must be one of the dicts get_accounts() returns, not {type(account).__name__}"
        )
    if not isinstance(account.get("home_account_id"), str) or not account["home_account_id"]:
        raise ValueError("account has no home_account_id: pass a dict from get_accounts()")
    if need_environment and not isinstance(account.get("environment"), str):
        raise ValueError("account has no environment: pass a dict from get_accounts()")
    return account


def silent_request(
    app: AppContext,
    scopes: object,
    account: Mapping[str, Any],
    *,
    force_refresh: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    auth_scheme: object,
) -> SilentRequest:
    """The request of one silent call."""
    if not isinstance(scopes, list):
        raise ValueError("scopes must be a list of strings, such as ['User.Read']")
    valid = validate_scopes(scopes)
    decorate(valid, app.exclude_scopes)  # refuses the reserved OpenID scopes
    if auth_scheme is not None:
        raise ValueError("auth_scheme (proof-of-possession tokens) is not supported")
    challenge = checked_claims(claims_challenge)
    forwarded = checked_forwarded_claims(forwarded_client_claims)
    return SilentRequest(
        scopes=tuple(valid),
        home_account_id=account["home_account_id"],
        correlation_id=new_correlation_id(),
        force_refresh=bool(force_refresh),
        claims_challenge=challenge,
        ext_cache_key=_forwarded_key(forwarded),
        claims=request_claims(app, challenge, forwarded),
    )


def auth_code_flow_request(
    app: AppContext,
    scopes: object,
    redirect_uri: object,
    state: object,
    prompt: object,
    login_hint: object,
    domain_hint: object,
    claims_challenge: object,
    max_age: object,
    response_mode: object,
) -> AuthCodeFlowRequest:
    challenge = checked_claims(claims_challenge)
    return AuthCodeFlowRequest(
        client_id=app.client_id,
        scopes=_decorated(app, scopes),
        redirect_uri=check_optional_str(redirect_uri, "redirect_uri"),
        state=check_optional_str(state, "state"),
        prompt=check_optional_str(prompt, "prompt"),
        login_hint=check_optional_str(login_hint, "login_hint"),
        domain_hint=check_optional_str(domain_hint, "domain_hint"),
        claims=request_claims(app, challenge),
        claims_challenge=challenge,
        max_age=_max_age(max_age),
        response_mode=_response_mode(response_mode),
    )


def authorization_url_request(
    app: AppContext,
    scopes: object,
    login_hint: object,
    state: object,
    redirect_uri: object,
    response_type: object,
    prompt: object,
    nonce: object,
    domain_hint: object,
    claims_challenge: object,
    extra: Mapping[str, Any],
) -> AuthorizationUrlRequest:
    check_no_extra(extra)
    kind = check_optional_str(response_type, "response_type") or "code"
    if "token" in kind.split():
        raise ValueError("response_type must not ask for tokens in the URL: use 'code'")
    return AuthorizationUrlRequest(
        client_id=app.client_id,
        scopes=_decorated(app, scopes),
        response_type=kind,
        redirect_uri=check_optional_str(redirect_uri, "redirect_uri"),
        state=check_optional_str(state, "state"),
        login_hint=check_optional_str(login_hint, "login_hint"),
        prompt=check_optional_str(prompt, "prompt"),
        nonce=check_optional_str(nonce, "nonce"),
        domain_hint=check_optional_str(domain_hint, "domain_hint"),
        claims=request_claims(app, checked_claims(claims_challenge)),
    )


def flow_redemption_request(
    app: AppContext, auth_code_flow: object, auth_response: object, scopes: object,
    extra: Mapping[str, Any],
) -> tuple[str, dict[str, Any], CodeRedemption]:  # fmt: skip
    """The flow's state, a copy of the redirect's parameters, and the redemption."""
    check_no_extra(extra)
    flow = _mapping(auth_code_flow, "auth_code_flow", "the dict initiate_auth_code_flow returned")
    response = _mapping(auth_response, "auth_response", "the redirect's query or form fields")
    state = flow.get("state")
    if not isinstance(state, str) or not state:
        raise ValueError(
            "auth_code_flow has no state: pass the dict initiate_auth_code_flow returned"
        )
    flow_scopes = _flow_scopes(flow)
    wanted = flow_scopes if scopes is None else _decorated(app, scopes)
    if not set(wanted) <= set(flow_scopes):
        raise ValueError(f"scopes must be None or a subset of the flow's {list(flow_scopes)}")
    nonce = flow.get("nonce")
    redemption = CodeRedemption(
        code="",
        decorated_scopes=tuple(wanted),
        correlation_id=new_correlation_id(),
        redirect_uri=check_optional_str(flow.get("redirect_uri"), "the flow's redirect_uri"),
        code_verifier=check_optional_str(flow.get("code_verifier"), "the flow's code_verifier"),
        expected_nonce=nonce_hash(nonce) if isinstance(nonce, str) and nonce else None,
        max_age=_max_age(flow.get("max_age")),
        claims=request_claims(app, checked_claims(flow.get("claims_challenge"))),
    )
    snapshot = {k: response[k] for k in _AUTH_RESPONSE_MEMBERS if k in response}
    return state, snapshot, redemption


def code_redemption_request(
    app: AppContext,
    code: object,
    scopes: object,
    redirect_uri: object,
    nonce: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    extra: Mapping[str, Any],
) -> CodeRedemption:
    check_no_extra(extra)
    if not isinstance(code, str) or not code:
        raise ValueError("code must be the authorization code from the redirect (a str)")
    if not isinstance(scopes, list):
        raise ValueError("scopes must be a list of strings, such as ['User.Read']")
    forwarded = checked_forwarded_claims(forwarded_client_claims)
    return CodeRedemption(
        code=code,
        decorated_scopes=_decorated(app, scopes),
        correlation_id=new_correlation_id(),
        redirect_uri=check_optional_str(redirect_uri, "redirect_uri"),
        expected_nonce=check_optional_str(nonce, "nonce"),
        claims=request_claims(app, checked_claims(claims_challenge), forwarded),
        ext_cache_key=_forwarded_key(forwarded),
    )


def refresh_token_redemption_request(
    app: AppContext, refresh_token: object, scopes: object, extra: Mapping[str, Any]
) -> RefreshTokenRedemption:
    check_no_extra(extra)
    if not isinstance(refresh_token, str) or not refresh_token.strip():
        raise ValueError("refresh_token must be the refresh token to migrate (a non-empty str)")
    return RefreshTokenRedemption(
        refresh_token=refresh_token.strip(),
        decorated_scopes=_decorated(app, scopes),
        correlation_id=new_correlation_id(),
    )


def user_fic_request(
    app: AppContext,
    scopes: object,
    assertion: object,
    username: object,
    user_object_id: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    extra: Mapping[str, Any],
) -> UserFicRequest:
    check_no_extra(extra)
    if not isinstance(assertion, str) or not assertion:
        raise ValueError("assertion is required: the federated credential token (a str)")
    name = check_optional_str(username, "username")
    object_id = check_optional_str(user_object_id, "user_object_id")
    if not name and not object_id:
        raise ValueError("name the user: pass username or user_object_id")
    if name and object_id:
        raise ValueError("pass username or user_object_id, not both")
    forwarded = checked_forwarded_claims(forwarded_client_claims)
    return UserFicRequest(
        assertion=assertion,
        decorated_scopes=_decorated(app, scopes),
        correlation_id=new_correlation_id(),
        username=name or None,
        user_object_id=object_id or None,
        claims=request_claims(app, checked_claims(claims_challenge), forwarded),
        ext_cache_key=_forwarded_key(forwarded),
    )


def _mapping(value: object, name: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be {what} (a dict), not {type(value).__name__}")
    return value


def _flow_scopes(flow: Mapping[str, Any]) -> tuple[str, ...]:
    scopes = flow.get("scope")
    if not isinstance(scopes, Sequence) or isinstance(scopes, str):
        raise ValueError("auth_code_flow has no scope list: pass the dict initiate_auth_code_flow "
                         "returned")  # fmt: skip
    return tuple(validate_scopes(list(scopes)))


def _max_age(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("max_age must be a number of seconds (an int, 0 or more) or None")
    return value


def _response_mode(value: object) -> str | None:
    mode = check_optional_str(value, "response_mode")
    if mode not in (None, "query", "form_post", "fragment"):
        raise ValueError("response_mode must be 'form_post' (recommended), 'query' or None")
    return mode
