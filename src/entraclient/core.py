"""The core both façades hold: one application's checked configuration and shared state.

:class:`AppCore` is built once per application, from the constructor's arguments, and holds
what every operation needs: the flows' :class:`~entraclient.flows.context.AppContext`, the
endpoint and alias resolvers, the region choice, the HTTP policies, and :meth:`AppCore.settle`,
the one place where a flow's failure becomes an MSAL-style error dict. The sync and async
façades own nothing but a driver and a reference to their core; what each public method does
is decided by a function of :mod:`entraclient.operations`. Nothing here performs I/O.
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from typing import Any, TypeVar

from entraclient.authority import AuthorityKind
from entraclient.cache.foreign import cache_for_flows
from entraclient.config import (
    check_allow_broker,
    check_client_claims,
    check_client_id,
    check_exclude_scopes,
    check_http_cache,
    check_optional_bool,
    check_optional_str,
    check_proxies,
    check_region,
    check_str_list,
    check_timeout,
    check_token_cache,
    check_verify,
    choose_authority,
    choose_instance_discovery,
)
from entraclient.credentials import ClientAuthentication, load_client_credential
from entraclient.errors import FlowError, TransportError
from entraclient.flows.aliases import AliasResolver
from entraclient.flows.client_credentials import AppTokenLookup
from entraclient.flows.context import AppContext, Clock
from entraclient.flows.discovery import EndpointResolver, InstanceDiscovery
from entraclient.flows.regions import RegionalEndpoints
from entraclient.http.correlation import CorrelationRecorder
from entraclient.http.driver import Flow
from entraclient.http.http_cache import HttpCache
from entraclient.http.policies import Policy
from entraclient.http.throttling import ThrottleState, Throttling
from entraclient.region import choose_region
from entraclient.telemetry import Telemetry

__all__ = ["AppCore"]

logger = logging.getLogger("entraclient.application")
T = TypeVar("T")


class AppCore:
    """One application's configuration, checked, and the state its operations share.

    ``confidential`` says whether the application must hold a credential (and must not ask
    for a broker). The constructor raises ``ValueError``/``TypeError`` for misuse and performs
    no I/O; ``clock`` is the one clock the flows and HTTP policies read.
    """

    def __init__(
        self,
        *,
        confidential: bool,
        clock: Clock,
        client_id: object,
        client_credential: object,
        authority: object,
        validate_authority: object,
        token_cache: object,
        verify: object,
        proxies: object,
        timeout: object,
        client_claims: object,
        app_name: object,
        app_version: object,
        client_capabilities: object,
        azure_region: object,
        exclude_scopes: object,
        http_cache: object,
        instance_discovery: object,
        allow_broker: object,
        enable_pii_log: object,
        oidc_authority: object,
    ) -> None:
        self.clock = clock
        self.client_id = check_client_id(client_id)
        self.authority = choose_authority(authority, oidc_authority)
        self.client_claims = check_client_claims(client_claims)
        self.credential = self._load_credential(client_credential, confidential)
        self.instance_discovery = choose_instance_discovery(validate_authority, instance_discovery)
        self.token_cache: Any = check_token_cache(token_cache)
        self.verify = check_verify(verify)
        self.proxies = check_proxies(proxies)
        self.timeout = check_timeout(timeout)
        self.app_name = check_optional_str(app_name, "app_name")
        self.app_version = check_optional_str(app_version, "app_version")
        self.client_capabilities = check_str_list(client_capabilities, "client_capabilities")
        self.azure_region = check_region(azure_region)
        self.exclude_scopes = check_exclude_scopes(exclude_scopes)
        self.http_cache: MutableMapping[str, Any] | None = check_http_cache(http_cache)
        check_allow_broker(allow_broker, confidential=confidential)
        self.enable_pii_log = check_optional_bool(enable_pii_log, "enable_pii_log", default=False)
        self.resolver = EndpointResolver(self.authority, self.instance_discovery)
        self.aliases = AliasResolver(self.authority, self.instance_discovery)
        has_credential = self.credential is not None
        self.regional = RegionalEndpoints(
            choose_region(
                self.azure_region, os.environ, self.authority, has_credential=has_credential
            )
        )
        self.context = AppContext(
            client_id=self.client_id,
            authority=self.authority,
            credential=self.credential,
            cache=cache_for_flows(self.token_cache),
            telemetry=Telemetry(self.app_name, self.app_version),
            clock=clock,
            client_capabilities=self.client_capabilities,
            exclude_scopes=self.exclude_scopes,
            pii_logging=self.enable_pii_log,
        )
        self.app_tokens = AppTokenLookup(self.context)
        self.tenantless = self.authority.tenant.lower() in ("common", "organizations")
        self.throttle_state = ThrottleState(clock)

    def _load_credential(
        self, client_credential: object, confidential: bool
    ) -> ClientAuthentication | None:
        if confidential and client_credential is None:
            raise ValueError(
                "a ConfidentialClientApplication needs a client_credential: a client secret, "
                "a certificate dict or a {'client_assertion': ...} dict"
            )
        # Entra accepts an assertion resent for 9 minutes (MSAL relies on it); a generic OIDC
        # provider may refuse a replayed jti (RFC 7523 §3), so it gets a fresh one each time.
        return load_client_credential(
            client_credential,
            client_claims=self.client_claims,
            is_adfs=self.authority.is_adfs,
            reuse_assertions=self.authority.kind is not AuthorityKind.OIDC,
        )

    def policies(self) -> list[Policy]:
        """Throttling first, so a held request reaches nothing else; then the HTTP cache."""
        store: MutableMapping[str, Any] = self.http_cache if self.http_cache is not None else {}
        return [
            Throttling(self.throttle_state, pii_logging=self.enable_pii_log),
            HttpCache(store, self.clock),
        ]

    def alias_resolver(self, alias: str) -> EndpointResolver:
        """A resolver for the same tenant under another host name (an alias of the cloud)."""
        return EndpointResolver(self.authority.with_host(alias), InstanceDiscovery(enabled=False))

    def settle(self, flow: Flow[T]) -> Flow[T | dict[str, Any]]:
        """``flow``, whose failure becomes its error dict: here and nowhere else.

        Every error dict carries the ``correlation_id`` of the call's last request. A
        transport failure (no answer at all) is logged and propagates.
        """
        recorder = CorrelationRecorder()
        try:
            result = yield from recorder.watch(flow)
        except FlowError as failure:
            return self._error_result(failure, recorder.correlation_id)
        except TransportError as failure:
            if not failure.shared:  # a shared request's failure is logged once, by its sender
                logger.warning(
                    "no answer from the identity provider (%s) correlation_id=%s",
                    type(failure.__cause__).__name__,
                    failure.correlation_id,
                )
            raise
        correlation_id = recorder.correlation_id
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
