"""One function per public operation: check the arguments, say what to run.

Each function takes the application's :class:`~entraclient.core.AppCore` and the public
method's arguments, raises ``ValueError``/``TypeError`` for misuse at once, and returns an
:class:`Operation` (the flow to run and what to do with its result), or the answer itself when
the quick cache look-up (the flow's own look-up, run before any flow is built) found a fresh
token, so that a cache hit allocates nothing. The sync and async façades run an operation
with their own driver in one shared method (``_execute``), so every public method is one
statement and the two APIs cannot drift apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeAlias, TypeVar

from entraclient.cache.records import user_assertion_hash
from entraclient.config import check_optional_str
from entraclient.core import AppCore
from entraclient.flows import (
    accounts,
    auth_code,
    authorization_request,
    client_credentials,
    on_behalf_of,
    refresh_token,
    removal,
    silent,
    user_fic,
)
from entraclient.http.driver import Flow
from entraclient.request_records import (
    auth_code_flow_request,
    authorization_url_request,
    check_account,
    check_no_extra,
    client_credentials_request,
    code_redemption_request,
    flow_redemption_request,
    on_behalf_of_request,
    refresh_token_redemption_request,
    silent_request,
    user_fic_request,
)
from entraclient.scopes import are_plain_scopes

__all__ = [
    "Operation",
    "Step",
    "acquire_token_by_auth_code_flow",
    "acquire_token_by_authorization_code",
    "acquire_token_by_refresh_token",
    "acquire_token_by_user_federated_identity_credential",
    "acquire_token_for_client",
    "acquire_token_on_behalf_of",
    "acquire_token_silent",
    "get_accounts",
    "get_authorization_request_url",
    "initiate_auth_code_flow",
    "remove_account",
    "remove_tokens_for_client",
]

T = TypeVar("T")
Result = dict[str, Any]


def _same(result: Any) -> Any:
    return result


class Operation(Generic[T]):
    """A flow to drive, and ``finish``, which turns the flow's result into the call's."""

    __slots__ = ("finish", "flow")

    def __init__(self, flow: Flow[Any], finish: Callable[[Any], T] = _same) -> None:
        self.flow = flow
        self.finish = finish


Step: TypeAlias = "Operation[T] | T"
"""What an operation function returns: the call's answer itself when it has it already
(a fresh token from the quick look-up), or the :class:`Operation` that computes it."""


def _settled(core: AppCore, flow: Flow[Any], finish: Callable[[Any], T] = _same) -> Operation[T]:
    """Run ``flow`` with its failures turned into error dicts (:meth:`AppCore.settle`)."""
    return Operation(flow=core.settle(flow), finish=finish)


def _at_once(action: Callable[[], T]) -> Flow[T]:
    """A flow that sends nothing: ``action``'s result."""
    return action()
    yield  # a generator, so that drivers run it like any flow


def _raise_if_error(operation: str) -> Callable[[Any], Any]:
    """Building a sign-in URL needs discovery; if it failed there is no URL to return, so
    raise (as MSAL Python does at construction) instead of returning a dict."""

    def finish(result: Any) -> Any:
        if isinstance(result, dict) and "error" in result:
            raise ValueError(
                f"{operation}: the authority's discovery failed: {result.get('error')}: "
                f"{result.get('error_description', '')}"
            )
        return result

    return finish


def _without_error(result: Result | None) -> Result | None:
    """``acquire_token_silent``'s answer: ``None`` for an error too."""
    return result if result is not None and "error" not in result else None


# -- accounts and silent acquisition -------------------------------------------------------


def get_accounts(core: AppCore, username: object) -> Operation[list[Result]]:
    wanted = check_optional_str(username, "username")
    return Operation(flow=accounts.find_accounts(core.context, core.aliases, wanted))


def remove_account(core: AppCore, account: Mapping[str, Any]) -> Operation[None]:
    checked = check_account(account, need_environment=True)
    return Operation(flow=_at_once(lambda: accounts.forget_account(core.context, checked)))


def acquire_token_silent(
    core: AppCore,
    scopes: object,
    account: Mapping[str, Any] | None,
    authority: object,
    force_refresh: bool,
    claims_challenge: object,
    forwarded_client_claims: object,
    auth_scheme: object,
    extra: dict[str, Any],
    *,
    keep_errors: bool,
) -> Step[Result | None]:
    """The silent flow; no flow when there is no account to look for. Without
    ``keep_errors`` an error becomes ``None`` (``acquire_token_silent``)."""
    check_no_extra(extra)
    if not account:
        return None
    if authority is not None:
        warnings.warn("acquire_token_silent ignores authority", UserWarning, stacklevel=3)
    request = silent_request(
        core.context,
        scopes,
        check_account(account),
        force_refresh=force_refresh,
        claims_challenge=claims_challenge,
        forwarded_client_claims=forwarded_client_claims,
        auth_scheme=auth_scheme,
    )
    flow = silent.acquire_token_silent(
        core.context, core.resolver, core.aliases, core.alias_resolver, request
    )
    return _settled(core, flow, _same if keep_errors else _without_error)


# -- auth code flow and refresh tokens ----------------------------------------------------


def initiate_auth_code_flow(
    core: AppCore,
    scopes: object,
    redirect_uri: object,
    state: object,
    prompt: object,
    login_hint: object,
    domain_hint: object,
    claims_challenge: object,
    max_age: object,
    response_mode: object,
) -> Operation[Result]:
    request = auth_code_flow_request(
        core.context, scopes, redirect_uri, state, prompt, login_hint, domain_hint,
        claims_challenge, max_age, response_mode,
    )  # fmt: skip
    flow = authorization_request.initiate_auth_code_flow(core.resolver, request)
    return _settled(core, flow, _raise_if_error("initiate_auth_code_flow"))


def get_authorization_request_url(
    core: AppCore,
    scopes: object,
    login_hint: object,
    state: object,
    redirect_uri: object,
    response_type: object,
    prompt: object,
    nonce: object,
    domain_hint: object,
    claims_challenge: object,
    extra: dict[str, Any],
) -> Operation[str]:
    request = authorization_url_request(
        core.context, scopes, login_hint, state, redirect_uri, response_type, prompt, nonce,
        domain_hint, claims_challenge, extra,
    )  # fmt: skip
    warnings.warn(
        "get_authorization_request_url: prefer initiate_auth_code_flow, which adds PKCE, "
        "state and nonce for you",
        DeprecationWarning,
        stacklevel=3,
    )
    flow = authorization_request.authorization_request_url(core.resolver, request)
    return _settled(core, flow, _raise_if_error("get_authorization_request_url"))


def acquire_token_by_auth_code_flow(
    core: AppCore,
    auth_code_flow: object,
    auth_response: object,
    scopes: object,
    extra: dict[str, Any],
) -> Operation[Result]:
    state, response, redemption = flow_redemption_request(
        core.context, auth_code_flow, auth_response, scopes, extra
    )
    return _settled(
        core,
        auth_code.acquire_token_by_auth_code_flow(
            core.context, core.resolver, state, response, redemption
        ),
    )


def acquire_token_by_authorization_code(
    core: AppCore,
    code: object,
    scopes: object,
    redirect_uri: object,
    nonce: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    extra: dict[str, Any],
) -> Operation[Result]:
    request = code_redemption_request(
        core.context, code, scopes, redirect_uri, nonce, claims_challenge,
        forwarded_client_claims, extra,
    )  # fmt: skip
    warnings.warn(
        "acquire_token_by_authorization_code: prefer acquire_token_by_auth_code_flow, "
        "which checks state, PKCE and nonce for you",
        DeprecationWarning,
        stacklevel=3,
    )
    return _settled(core, auth_code.redeem_authorization_code(core.context, core.resolver, request))


def acquire_token_by_refresh_token(
    core: AppCore, token: object, scopes: object, extra: dict[str, Any]
) -> Operation[Result]:
    request = refresh_token_redemption_request(core.context, token, scopes, extra)
    return _settled(
        core, refresh_token.acquire_token_by_refresh_token(core.context, core.resolver, request)
    )


# -- a confidential client's own grants ---------------------------------------------------


def acquire_token_for_client(
    core: AppCore,
    scopes: object,
    claims_challenge: object,
    fmi_path: object,
    forwarded_client_claims: object,
    extra: dict[str, Any],
) -> Step[Result]:
    """A fresh cached app token at once, or the client credentials flow."""
    if (
        claims_challenge is None
        and fmi_path is None
        and forwarded_client_claims is None
        and not extra
    ):
        hit = core.app_tokens.fresh_result(core.resolver.known, scopes)
        if hit is not None:
            return hit
    if extra.pop("force_refresh", False):
        raise ValueError(
            "acquire_token_for_client does not take force_refresh: the cache returns a "
            "token only while it is valid"
        )
    check_no_extra(extra)
    request = client_credentials_request(
        core.context, scopes, claims_challenge, fmi_path, forwarded_client_claims
    )
    if core.tenantless:
        warnings.warn(
            f"acquire_token_for_client with the '{core.authority.tenant}' authority: "
            "use a specific tenant; Entra refuses app tokens without one",
            DeprecationWarning,
            stacklevel=3,
        )
    flow = client_credentials.acquire_token_for_client(
        core.context, core.resolver, request, core.regional, core.app_tokens
    )
    return _settled(core, flow)


def remove_tokens_for_client(core: AppCore) -> Operation[int]:
    return Operation(flow=removal.remove_app_tokens(core.context, core.aliases))


def acquire_token_on_behalf_of(
    core: AppCore,
    user_assertion: object,
    scopes: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    extra: dict[str, Any],
) -> Step[Result]:
    """A fresh cached token of this assertion at once, or the on-behalf-of flow."""
    check_no_extra(extra)
    assertion = on_behalf_of.check_user_assertion(user_assertion)
    assertion_hash = user_assertion_hash(assertion)
    if claims_challenge is None and forwarded_client_claims is None and are_plain_scopes(scopes):
        known = core.resolver.known
        hit = on_behalf_of.fresh_obo_result(core.context, known, assertion_hash, tuple(scopes))  # type: ignore[arg-type]
        if hit is not None:
            return hit
    request = on_behalf_of_request(
        core.context, assertion, assertion_hash, scopes, claims_challenge, forwarded_client_claims
    )
    return _settled(
        core, on_behalf_of.acquire_token_on_behalf_of(core.context, core.resolver, request)
    )


def acquire_token_by_user_federated_identity_credential(
    core: AppCore,
    scopes: object,
    assertion: object,
    username: object,
    user_object_id: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    extra: dict[str, Any],
) -> Operation[Result]:
    request = user_fic_request(
        core.context, scopes, assertion, username, user_object_id, claims_challenge,
        forwarded_client_claims, extra,
    )  # fmt: skip
    return _settled(core, user_fic.acquire_token_by_user_fic(core.context, core.resolver, request))
