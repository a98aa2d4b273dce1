"""What the sync and async façades share: the configuration, and every operation as a flow.

Each public method of :class:`~entraclient.ClientApplication` and of its asyncio twin
:class:`~entraclient.aio.AsyncClientApplication` is one line: an ``_op_*`` builder here checks
the arguments (raising ``ValueError``/``TypeError`` at once) and returns the flow, which the
façade runs with its own driver. The two APIs therefore cannot drift apart, and no protocol
logic is written twice.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Mapping, MutableMapping
from typing import Any, TypeVar

from entraclient.authority import AuthorityKind
from entraclient.cache.token_cache import TokenCache
from entraclient.config import (
    check_client_claims,
    check_client_id,
    check_http_cache,
    check_optional_bool,
    check_optional_str,
    check_proxies,
    check_region,
    check_str_list,
    check_timeout,
    check_verify,
    choose_authority,
    choose_instance_discovery,
)
from entraclient.credentials import ClientAuthentication, load_client_credential
from entraclient.errors import FlowError, TransportError
from entraclient.flows.accounts import find_accounts, forget_account
from entraclient.flows.aliases import AliasResolver
from entraclient.flows.auth_code import acquire_token_by_auth_code_flow, redeem_authorization_code
from entraclient.flows.authorization_request import (
    authorization_request_url,
    initiate_auth_code_flow,
)
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver, InstanceDiscovery
from entraclient.flows.refresh_token import acquire_token_by_refresh_token
from entraclient.flows.regions import RegionalEndpoints
from entraclient.flows.silent import acquire_token_silent
from entraclient.http.driver import Flow
from entraclient.http.http_cache import HttpCache
from entraclient.http.policies import Policy
from entraclient.http.throttling import ThrottleState, Throttling
from entraclient.region import ATTEMPT_REGION_DISCOVERY, DISABLE_MSAL_FORCE_REGION, choose_region
from entraclient.silent_requests import build_silent_request, check_account
from entraclient.telemetry import Telemetry
from entraclient.user_requests import UserRequestBuilder

__all__ = ["ClientBase"]

logger = logging.getLogger("entraclient.application")
T = TypeVar("T")


class ClientBase:
    """Configuration and operations common to every client, sync or async.

    The constructor takes MSAL Python's arguments, with the same names, order and defaults,
    and performs no I/O.
    """

    ATTEMPT_REGION_DISCOVERY = ATTEMPT_REGION_DISCOVERY
    DISABLE_MSAL_FORCE_REGION = DISABLE_MSAL_FORCE_REGION

    def __init__(
        self,
        client_id: str,
        client_credential: Any = None,
        authority: str | None = None,
        validate_authority: bool = True,
        token_cache: TokenCache | None = None,
        http_client: Any = None,
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        client_claims: Mapping[str, Any] | None = None,
        app_name: str | None = None,
        app_version: str | None = None,
        client_capabilities: list[str] | None = None,
        azure_region: str | bool | None = None,
        exclude_scopes: list[str] | None = None,
        http_cache: MutableMapping[str, Any] | None = None,
        instance_discovery: bool | str | None = None,
        allow_broker: bool | None = None,
        enable_pii_log: bool | None = None,
        oidc_authority: str | None = None,
    ) -> None:
        self.client_id = check_client_id(client_id)
        self.authority = choose_authority(authority, oidc_authority)
        self.client_claims = check_client_claims(client_claims)
        self._credential = self._load_credential(client_credential)
        self._instance_discovery = choose_instance_discovery(validate_authority, instance_discovery)
        if token_cache is not None and not isinstance(token_cache, TokenCache):
            raise TypeError(
                "token_cache must be an entraclient TokenCache or SerializableTokenCache"
            )
        self.token_cache = token_cache if token_cache is not None else TokenCache()
        self._verify = check_verify(verify)
        self._proxies = check_proxies(proxies)
        self._timeout = check_timeout(timeout)
        self.app_name = check_optional_str(app_name, "app_name")
        self.app_version = check_optional_str(app_version, "app_version")
        self.client_capabilities = check_str_list(client_capabilities, "client_capabilities")
        self.azure_region = check_region(azure_region)
        self.exclude_scopes = self._check_exclude_scopes(exclude_scopes)
        self.http_cache = check_http_cache(http_cache)
        self._check_allow_broker(allow_broker)
        self.enable_pii_log = check_optional_bool(enable_pii_log, "enable_pii_log", default=False)
        self._driver = self._build_driver(http_client)
        self._resolver = EndpointResolver(self.authority, self._instance_discovery)
        self._aliases = AliasResolver(self.authority, self._instance_discovery)
        self._regional = RegionalEndpoints(
            choose_region(
                self.azure_region,
                os.environ,
                self.authority,
                has_credential=self._credential is not None,
            )
        )
        self._context = AppContext(
            client_id=self.client_id,
            authority=self.authority,
            credential=self._credential,
            cache=self.token_cache,
            telemetry=Telemetry(self.app_name, self.app_version),
            clock=self._now,
            client_capabilities=self.client_capabilities,
            exclude_scopes=self.exclude_scopes,
            pii_logging=self.enable_pii_log,
        )

    def _build_driver(self, http_client: Any) -> Any:
        """The driver that runs this façade's flows (sync or async)."""
        raise NotImplementedError

    def _now(self) -> float:
        """The clock every flow and wrapper of this application reads (epoch seconds)."""
        return time.time()

    def _load_credential(self, client_credential: Any) -> ClientAuthentication | None:
        # Entra accepts an assertion resent for 9 minutes (MSAL relies on it); a generic OIDC
        # provider may refuse a replayed jti (RFC 7523 §3), so it gets a fresh one each time.
        return load_client_credential(
            client_credential,
            client_claims=self.client_claims,
            is_adfs=self.authority.is_adfs,
            reuse_assertions=self.authority.kind is not AuthorityKind.OIDC,
        )

    def _check_allow_broker(self, allow_broker: object) -> None:
        check_optional_bool(allow_broker, "allow_broker", default=False)

    @staticmethod
    def _check_exclude_scopes(exclude_scopes: object) -> tuple[str, ...]:
        if exclude_scopes is not None and not isinstance(exclude_scopes, list):
            raise ValueError("exclude_scopes must be a list, such as ['offline_access']")
        excluded = check_str_list(exclude_scopes, "exclude_scopes")
        if "openid" in excluded:
            raise ValueError("exclude_scopes cannot exclude 'openid': sign-in needs it")
        return excluded

    def _policies(self) -> list[Policy]:
        """Throttling first, so a held request reaches nothing else; then the HTTP cache."""
        self._throttle_state = ThrottleState(self._now)
        store = self.http_cache if self.http_cache is not None else {}
        return [
            Throttling(self._throttle_state, pii_logging=self.enable_pii_log),
            HttpCache(store, self._now),
        ]

    @staticmethod
    def _correlated(result: T, correlation_id: str | None) -> T:
        """``result``; an error dict a flow returned (rather than raised) gets the call's
        ``correlation_id`` too, as every error dict does."""
        if correlation_id and isinstance(result, dict) and "error" in result:
            result.setdefault("correlation_id", correlation_id)
        return result

    def _error_result(self, failure: FlowError, correlation_id: str | None) -> dict[str, Any]:
        """The error dict a failed flow returns to the caller, logged without secrets."""
        result = failure.result()
        if correlation_id:
            result.setdefault("correlation_id", correlation_id)
        logger.info(
            "token request failed: error=%s correlation_id=%s",
            result.get("error"),
            result.get("correlation_id"),
        )
        if self.enable_pii_log:
            logger.debug("error_description: %s", result.get("error_description"))
        return result

    # -- accounts and silent acquisition ---------------------------------------------------

    def _op_get_accounts(self, username: object) -> Flow[list[dict[str, Any]]]:
        wanted = check_optional_str(username, "username")
        return find_accounts(self._context, self._aliases, wanted)

    def _remove_account(self, account: Mapping[str, Any]) -> None:
        forget_account(self._context, check_account(account, need_environment=True))

    def _op_acquire_token_silent_with_error(
        self,
        scopes: object,
        account: Mapping[str, Any] | None,
        authority: object,
        force_refresh: bool,
        claims_challenge: object,
        forwarded_client_claims: object,
        auth_scheme: object,
        extra: dict[str, Any],
    ) -> Flow[dict[str, Any] | None] | None:
        """The silent flow, or ``None`` when there is no account to look for."""
        if extra:
            raise TypeError(f"unexpected arguments: {sorted(extra)}")
        if not account:
            return None
        if authority is not None:
            warnings.warn("acquire_token_silent ignores authority", UserWarning, stacklevel=3)
        request = build_silent_request(
            scopes,
            check_account(account),
            force_refresh=force_refresh,
            claims_challenge=claims_challenge,
            forwarded_client_claims=forwarded_client_claims,
            auth_scheme=auth_scheme,
            exclude_scopes=self.exclude_scopes,
        )
        return acquire_token_silent(
            self._context, self._resolver, self._aliases, self._alias_resolver, request
        )

    def _alias_resolver(self, alias: str) -> EndpointResolver:
        return EndpointResolver(self.authority.with_host(alias), InstanceDiscovery(enabled=False))

    # -- auth code flow and refresh tokens ------------------------------------------------

    @property
    def _user_requests(self) -> UserRequestBuilder:
        return UserRequestBuilder(self.client_id, self.client_capabilities, self.exclude_scopes)

    def _op_initiate_auth_code_flow(
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
    ) -> Flow[dict[str, Any]]:
        request = self._user_requests.auth_code_flow(
            scopes, redirect_uri, state, prompt, login_hint, domain_hint, claims_challenge,
            max_age, response_mode,
        )  # fmt: skip
        return initiate_auth_code_flow(self._resolver, request)

    def _op_get_authorization_request_url(
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
        extra: dict[str, Any],
    ) -> Flow[str]:
        request = self._user_requests.authorization_url(
            scopes, login_hint, state, redirect_uri, response_type, prompt, nonce, domain_hint,
            claims_challenge, extra,
        )  # fmt: skip
        warnings.warn(
            "get_authorization_request_url: prefer initiate_auth_code_flow, which adds PKCE, "
            "state and nonce for you",
            DeprecationWarning,
            stacklevel=3,
        )
        return authorization_request_url(self._resolver, request)

    def _op_acquire_token_by_auth_code_flow(
        self, auth_code_flow: object, auth_response: object, scopes: object, extra: dict[str, Any]
    ) -> Flow[dict[str, Any]]:
        state, response, redemption = self._user_requests.flow_redemption(
            auth_code_flow, auth_response, scopes, extra
        )
        return acquire_token_by_auth_code_flow(
            self._context, self._resolver, state, response, redemption
        )

    def _op_acquire_token_by_authorization_code(
        self,
        code: object,
        scopes: object,
        redirect_uri: object,
        nonce: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: dict[str, Any],
    ) -> Flow[dict[str, Any]]:
        request = self._user_requests.code_redemption(
            code, scopes, redirect_uri, nonce, claims_challenge, forwarded_client_claims, extra
        )
        warnings.warn(
            "acquire_token_by_authorization_code: prefer acquire_token_by_auth_code_flow, "
            "which checks state, PKCE and nonce for you",
            DeprecationWarning,
            stacklevel=3,
        )
        return redeem_authorization_code(self._context, self._resolver, request)

    def _op_acquire_token_by_refresh_token(
        self, refresh_token: object, scopes: object, extra: dict[str, Any]
    ) -> Flow[dict[str, Any]]:
        request = self._user_requests.refresh_token_redemption(refresh_token, scopes, extra)
        return acquire_token_by_refresh_token(self._context, self._resolver, request)

    @staticmethod
    def _raise_if_error(result: Any, operation: str) -> None:
        """Building a sign-in URL needs discovery; if it failed there is no URL to return,
        so raise (as MSAL Python does at construction) instead of returning a dict."""
        if isinstance(result, dict) and "error" in result:
            raise ValueError(
                f"{operation}: the authority's discovery failed: {result.get('error')}: "
                f"{result.get('error_description', '')}"
            )

    @staticmethod
    def _without_error(result: dict[str, Any] | None) -> dict[str, Any] | None:
        """``acquire_token_silent``'s answer: ``None`` for an error too."""
        return result if result is not None and "error" not in result else None

    @staticmethod
    def _log_transport_failure(failure: TransportError) -> None:
        if failure.shared:  # logged once, by the caller that sent the shared request
            return
        logger.warning(
            "no answer from the identity provider (%s) correlation_id=%s",
            type(failure.__cause__).__name__,
            failure.correlation_id,
        )
