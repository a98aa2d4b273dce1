"""Checking the arguments of the user flows (on-behalf-of, auth code, refresh token,
user federated identity credential) and turning them into the requests their flows take.

Misuse raises ``ValueError``/``TypeError`` here, before any flow runs, with a message that
says what to pass instead. Anything that comes from outside the app (the redirect's
parameters, the identity provider's answers) is judged by the flows and reported as an
error dict instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from entraclient.cache.records import user_assertion_hash
from entraclient.cache.schema import ext_cache_key
from entraclient.config import check_optional_str
from entraclient.flows.auth_code import CodeRedemption
from entraclient.flows.authorization_request import AuthCodeFlowRequest, AuthorizationUrlRequest
from entraclient.flows.claims import merge_claims, merge_forwarded_claims, parse_claims_object
from entraclient.flows.on_behalf_of import OnBehalfOfRequest, check_user_assertion
from entraclient.flows.pkce import nonce_hash
from entraclient.flows.refresh_token import RefreshTokenRedemption
from entraclient.flows.user_fic import UserFicRequest
from entraclient.scopes import decorate, validate_scopes
from entraclient.telemetry import new_correlation_id

__all__ = ["UserRequestBuilder"]

_AUTH_RESPONSE_MEMBERS = ("state", "code", "error", "error_description", "error_uri",
                          "client_info")  # fmt: skip


def _no_extra(extra: Mapping[str, Any]) -> None:
    if extra:
        raise TypeError(f"unexpected arguments: {sorted(extra)}")


def _challenge(value: object, name: str = "claims_challenge") -> str | None:
    text = check_optional_str(value, name)
    if text is not None:
        parse_claims_object(text, name=name)
    return text


@dataclass(frozen=True, slots=True)
class UserRequestBuilder:
    """Builds the requests of one application (its capabilities and excluded scopes)."""

    client_id: str
    client_capabilities: tuple[str, ...] = ()
    exclude_scopes: tuple[str, ...] = ()

    def decorated(self, scopes: object) -> tuple[str, ...]:
        return tuple(decorate(validate_scopes(scopes), self.exclude_scopes))

    def claims(self, challenge: str | None, forwarded: str | None = None) -> str | None:
        return merge_forwarded_claims(merge_claims(self.client_capabilities, challenge), forwarded)

    def on_behalf_of(
        self,
        user_assertion: object,
        scopes: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: Mapping[str, Any],
    ) -> OnBehalfOfRequest:
        _no_extra(extra)
        assertion = check_user_assertion(user_assertion)
        valid = tuple(validate_scopes(scopes))
        challenge = _challenge(claims_challenge)
        forwarded = _challenge(forwarded_client_claims, "forwarded_client_claims")
        return OnBehalfOfRequest(
            user_assertion=assertion,
            assertion_hash=user_assertion_hash(assertion),
            scopes=valid,
            decorated_scopes=tuple(decorate(valid, self.exclude_scopes)),
            correlation_id=new_correlation_id(),
            claims=self.claims(challenge, forwarded),
            claims_challenge=challenge,
            ext_cache_key=ext_cache_key({"client_claims": forwarded or ""}),
        )

    def auth_code_flow(
        self,
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
        challenge = _challenge(claims_challenge)
        return AuthCodeFlowRequest(
            client_id=self.client_id,
            scopes=self.decorated(scopes),
            redirect_uri=check_optional_str(redirect_uri, "redirect_uri"),
            state=check_optional_str(state, "state"),
            prompt=check_optional_str(prompt, "prompt"),
            login_hint=check_optional_str(login_hint, "login_hint"),
            domain_hint=check_optional_str(domain_hint, "domain_hint"),
            claims=self.claims(challenge),
            claims_challenge=challenge,
            max_age=_max_age(max_age),
            response_mode=_response_mode(response_mode),
        )

    def authorization_url(
        self,
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
        _no_extra(extra)
        kind = check_optional_str(response_type, "response_type") or "code"
        if "token" in kind.split():
            raise ValueError("response_type must not ask for tokens in the URL: use 'code'")
        return AuthorizationUrlRequest(
            client_id=self.client_id,
            scopes=self.decorated(scopes),
            response_type=kind,
            redirect_uri=check_optional_str(redirect_uri, "redirect_uri"),
            state=check_optional_str(state, "state"),
            login_hint=check_optional_str(login_hint, "login_hint"),
            prompt=check_optional_str(prompt, "prompt"),
            nonce=check_optional_str(nonce, "nonce"),
            domain_hint=check_optional_str(domain_hint, "domain_hint"),
            claims=self.claims(_challenge(claims_challenge)),
        )

    def flow_redemption(
        self, auth_code_flow: object, auth_response: object, scopes: object,
        extra: Mapping[str, Any],
    ) -> tuple[str, dict[str, Any], CodeRedemption]:  # fmt: skip
        """The flow's state, a copy of the redirect's parameters, and the redemption."""
        _no_extra(extra)
        flow = _mapping(
            auth_code_flow, "auth_code_flow", "the dict initiate_auth_code_flow returned"
        )
        response = _mapping(auth_response, "auth_response", "the redirect's query or form fields")
        state = flow.get("state")
        if not isinstance(state, str) or not state:
            raise ValueError(
                "auth_code_flow has no state: pass the dict initiate_auth_code_flow returned"
            )
        flow_scopes = _flow_scopes(flow)
        wanted = flow_scopes if scopes is None else self.decorated(scopes)
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
            claims=self.claims(_challenge(flow.get("claims_challenge"))),
        )
        snapshot = {k: response[k] for k in _AUTH_RESPONSE_MEMBERS if k in response}
        return state, snapshot, redemption

    def code_redemption(
        self,
        code: object,
        scopes: object,
        redirect_uri: object,
        nonce: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: Mapping[str, Any],
    ) -> CodeRedemption:
        _no_extra(extra)
        if not isinstance(code, str) or not code:
            raise ValueError("code must be the authorization code from the redirect (a str)")
        if not isinstance(scopes, list):
            raise ValueError("scopes must be a list of strings, such as ['User.Read']")
        forwarded = _challenge(forwarded_client_claims, "forwarded_client_claims")
        return CodeRedemption(
            code=code,
            decorated_scopes=self.decorated(scopes),
            correlation_id=new_correlation_id(),
            redirect_uri=check_optional_str(redirect_uri, "redirect_uri"),
            expected_nonce=check_optional_str(nonce, "nonce"),
            claims=self.claims(_challenge(claims_challenge), forwarded),
            ext_cache_key=ext_cache_key({"client_claims": forwarded or ""}),
        )

    def refresh_token_redemption(
        self, refresh_token: object, scopes: object, extra: Mapping[str, Any]
    ) -> RefreshTokenRedemption:
        _no_extra(extra)
        if not isinstance(refresh_token, str) or not refresh_token.strip():
            raise ValueError("refresh_token must be the refresh token to migrate (a non-empty str)")
        return RefreshTokenRedemption(
            refresh_token=refresh_token.strip(),
            decorated_scopes=self.decorated(scopes),
            correlation_id=new_correlation_id(),
        )

    def user_fic(
        self,
        scopes: object,
        assertion: object,
        username: object,
        user_object_id: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: Mapping[str, Any],
    ) -> UserFicRequest:
        _no_extra(extra)
        if not isinstance(assertion, str) or not assertion:
            raise ValueError("assertion is required: the federated credential token (a str)")
        name = check_optional_str(username, "username")
        object_id = check_optional_str(user_object_id, "user_object_id")
        if not name and not object_id:
            raise ValueError("name the user: pass username or user_object_id")
        if name and object_id:
            raise ValueError("pass username or user_object_id, not both")
        forwarded = _challenge(forwarded_client_claims, "forwarded_client_claims")
        return UserFicRequest(
            assertion=assertion,
            decorated_scopes=self.decorated(scopes),
            correlation_id=new_correlation_id(),
            username=name or None,
            user_object_id=object_id or None,
            claims=self.claims(_challenge(claims_challenge), forwarded),
            ext_cache_key=ext_cache_key({"client_claims": forwarded or ""}),
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
