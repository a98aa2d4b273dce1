"""Checking the arguments of the account methods (``acquire_token_silent*``,
``remove_account``) and turning them into the request a flow takes.

Misuse raises ``ValueError``/``TypeError`` here, before any flow runs, with a message that
says what to pass instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entraclient.cache.schema import ext_cache_key
from entraclient.config import check_optional_str
from entraclient.flows.claims import parse_claims_object
from entraclient.flows.silent import SilentRequest
from entraclient.scopes import decorate, validate_scopes
from entraclient.telemetry import new_correlation_id

__all__ = ["build_silent_request", "check_account"]


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


def build_silent_request(
    scopes: object,
    account: Mapping[str, Any],
    *,
    force_refresh: object,
    claims_challenge: object,
    forwarded_client_claims: object,
    auth_scheme: object,
    exclude_scopes: tuple[str, ...],
) -> SilentRequest:
    """The flow's request for one silent call, or ``ValueError``/``TypeError`` for misuse."""
    if not isinstance(scopes, list):
        raise ValueError("scopes must be a list of strings, such as ['User.Read']")
    valid = validate_scopes(scopes)
    decorate(valid, exclude_scopes)  # refuses the reserved OpenID scopes
    if auth_scheme is not None:
        raise ValueError("auth_scheme (proof-of-possession tokens) is not supported")
    challenge = check_optional_str(claims_challenge, "claims_challenge")
    if challenge is not None:
        parse_claims_object(challenge, name="claims_challenge")
    forwarded = check_optional_str(forwarded_client_claims, "forwarded_client_claims")
    if forwarded is not None:
        parse_claims_object(forwarded, name="forwarded_client_claims")
    return SilentRequest(
        scopes=tuple(valid),
        home_account_id=account["home_account_id"],
        correlation_id=new_correlation_id(),
        force_refresh=bool(force_refresh),
        claims_challenge=challenge,
        ext_cache_key=ext_cache_key({"client_claims": forwarded or ""}),
        forwarded_claims=forwarded,
    )
