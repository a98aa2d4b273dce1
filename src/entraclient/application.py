"""The synchronous façade: :class:`ClientApplication` and :class:`ConfidentialClientApplication`.

A façade checks its arguments, builds a flow and hands it to the sync driver; it decides
nothing about the protocol. Every flow failure becomes an MSAL-style error dict in one place,
:meth:`ClientApplication._run`. The constructor performs no I/O: discovery happens on the
first call that needs it.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping, MutableMapping
from typing import Any, TypeVar

from entraclient.cache.schema import ext_cache_key
from entraclient.cache.token_cache import AccessTokenProbes, TokenCache
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
from entraclient.errors import FlowError
from entraclient.flows.accounts import find_accounts, forget_account
from entraclient.flows.aliases import AliasHosts, NoAliases
from entraclient.flows.claims import parse_claims_object
from entraclient.flows.client_credentials import (
    ClientCredentialsRequest,
    acquire_token_for_client,
    app_token_probes,
    cached_app_token,
)
from entraclient.flows.context import AppContext
from entraclient.flows.discovery import EndpointResolver, InstanceDiscovery
from entraclient.flows.silent import acquire_token_silent
from entraclient.http.driver import Flow, run_sync
from entraclient.http.transport import HttpClientTransport, RequestsTransport, SyncTransport
from entraclient.scopes import RESERVED_SCOPES, are_plain_scopes, validate_scopes
from entraclient.silent_requests import build_silent_request, check_account
from entraclient.telemetry import Telemetry, new_correlation_id

__all__ = ["ClientApplication", "ConfidentialClientApplication"]

logger = logging.getLogger("entraclient.application")
T = TypeVar("T")


class ClientApplication:
    """What public and confidential clients share: configuration, cache and transport.

    The constructor takes MSAL Python's arguments, with the same names, order and defaults.
    """

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
        self._transport = self._build_transport(http_client)
        self._resolver = EndpointResolver(self.authority, self._instance_discovery)
        self._app_token_probes: AccessTokenProbes | None = None
        self._aliases: AliasHosts = NoAliases()
        self._context = AppContext(
            client_id=self.client_id,
            authority=self.authority,
            credential=self._credential,
            cache=self.token_cache,
            telemetry=Telemetry(self.app_name, self.app_version),
            clock=time.time,
            client_capabilities=self.client_capabilities,
            exclude_scopes=self.exclude_scopes,
        )

    def _load_credential(self, client_credential: Any) -> ClientAuthentication | None:
        return load_client_credential(client_credential)

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

    def _build_transport(self, http_client: Any) -> SyncTransport:
        if http_client is not None:
            return HttpClientTransport(http_client)
        return RequestsTransport(verify=self._verify, proxies=self._proxies, timeout=self._timeout)

    def _run(self, flow: Flow[T]) -> T | dict[str, Any]:
        """Drive ``flow``; a flow failure becomes its error dict here and nowhere else."""
        try:
            return run_sync(flow, self._transport)
        except FlowError as failure:
            result = failure.result()
            logger.info("token request failed: %s", result.get("error"))
            return result

    # -- accounts and silent acquisition ---------------------------------------------------

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        """The accounts signed in to this app's cloud, as ``acquire_token_silent`` takes them.

        Args:
            username: keep only the accounts with this username (case-insensitive).
        """
        check_optional_str(username, "username")
        return run_sync(find_accounts(self._context, self._aliases, username), self._transport)

    def remove_account(self, account: Mapping[str, Any]) -> None:
        """Sign ``account`` out of this app: forget its tokens and Account entries."""
        forget_account(self._context, check_account(account, need_environment=True))

    def acquire_token_silent(
        self,
        scopes: list[str],
        account: Mapping[str, Any] | None,
        authority: str | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        auth_scheme: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Like :meth:`acquire_token_silent_with_error`, but ``None`` on any failure too."""
        result = self.acquire_token_silent_with_error(
            scopes,
            account,
            authority,
            force_refresh,
            claims_challenge,
            forwarded_client_claims,
            auth_scheme,
            **kwargs,
        )
        return result if result is not None and "error" not in result else None

    def acquire_token_silent_with_error(
        self,
        scopes: list[str],
        account: Mapping[str, Any] | None,
        authority: str | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        auth_scheme: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """Acquire a token for ``account`` from the cache, refreshing it when needed.

        Args:
            scopes: the scopes wanted, e.g. ``["User.Read"]`` (not openid/profile/offline_access).
            account: one of the dicts :meth:`get_accounts` returns; ``None`` returns ``None``.
            authority: ignored (with a warning), as in MSAL Python.
            force_refresh: skip the access token cache and use a refresh token.
            claims_challenge: a claims challenge from a resource; it bypasses the cache.
            forwarded_client_claims: a JSON object string merged into ``claims``.
            auth_scheme: must be ``None`` (proof-of-possession tokens are not supported).

        Returns:
            The token dict; an ``error`` dict if refreshing failed; ``None`` if nothing usable
            was cached.
        """
        if kwargs:
            raise TypeError(f"unexpected arguments: {sorted(kwargs)}")
        if not account:
            return None
        if authority is not None:
            warnings.warn("acquire_token_silent ignores authority", UserWarning, stacklevel=2)
        request = build_silent_request(
            scopes,
            check_account(account),
            force_refresh=force_refresh,
            claims_challenge=claims_challenge,
            forwarded_client_claims=forwarded_client_claims,
            auth_scheme=auth_scheme,
            exclude_scopes=self.exclude_scopes,
        )
        flow = acquire_token_silent(
            self._context, self._resolver, self._aliases, self._alias_resolver, request
        )
        return self._run(flow)

    def _alias_resolver(self, alias: str) -> EndpointResolver:
        return EndpointResolver(self.authority.with_host(alias), InstanceDiscovery(enabled=False))


class ConfidentialClientApplication(ClientApplication):
    """A client that holds a credential: a daemon, a web app or a web API.

    Same arguments as :class:`ClientApplication`; ``client_credential`` is required and
    ``allow_broker`` must stay ``None``.
    """

    def _load_credential(self, client_credential: Any) -> ClientAuthentication | None:
        if client_credential is None:
            raise ValueError(
                "a ConfidentialClientApplication needs a client_credential: a client secret, "
                "a certificate dict or a {'client_assertion': ...} dict"
            )
        return load_client_credential(client_credential)

    def _check_allow_broker(self, allow_broker: object) -> None:
        if allow_broker is not None:
            raise ValueError("allow_broker must remain None for a ConfidentialClientApplication")

    def acquire_token_for_client(
        self,
        scopes: list[str],
        claims_challenge: str | None = None,
        fmi_path: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Acquire a token for this application itself, from the cache when it can.

        Args:
            scopes: the resource's ``.default`` scope, e.g. ``["api://<app>/.default"]``.
            claims_challenge: a claims challenge from a resource; it bypasses the cache.
            fmi_path: a federated managed identity path; tokens are cached per path.
            forwarded_client_claims: a JSON object string merged into ``claims``.

        Returns:
            A dict with ``access_token`` on success, or ``error`` and ``error_description``.
        """
        plain = claims_challenge is None and fmi_path is None and forwarded_client_claims is None
        probes = self._app_token_probes
        if probes is not None and plain and not kwargs and are_plain_scopes(scopes):
            hit = cached_app_token(self._context, probes, scopes)
            if hit is not None:
                return hit
        if kwargs.pop("force_refresh", False):
            raise ValueError(
                "acquire_token_for_client does not take force_refresh: the cache returns a "
                "token only while it is valid"
            )
        if kwargs:
            raise TypeError(f"unexpected arguments: {sorted(kwargs)}")
        request = self._client_credentials_request(
            scopes, claims_challenge, fmi_path, forwarded_client_claims
        )
        if self.authority.tenant.lower() in ("common", "organizations"):
            warnings.warn(
                f"acquire_token_for_client with the '{self.authority.tenant}' authority: "
                "use a specific tenant; Entra refuses app tokens without one",
                DeprecationWarning,
                stacklevel=2,
            )
            plain = False
        result = self._run(acquire_token_for_client(self._context, self._resolver, request))
        if plain and probes is None and self._resolver.known is not None:
            self._app_token_probes = app_token_probes(self._context, self._resolver.known)
        return result

    def _client_credentials_request(
        self,
        scopes: object,
        claims_challenge: object,
        fmi_path: object,
        forwarded_client_claims: object,
    ) -> ClientCredentialsRequest:
        valid = validate_scopes(scopes)
        reserved = RESERVED_SCOPES.intersection(valid)
        if reserved:
            raise ValueError(f"app tokens cannot ask for {sorted(reserved)}; pass only .default")
        challenge = check_optional_str(claims_challenge, "claims_challenge")
        if challenge is not None:
            parse_claims_object(challenge, name="claims_challenge")
        path = check_optional_str(fmi_path, "fmi_path")
        forwarded = check_optional_str(forwarded_client_claims, "forwarded_client_claims")
        if forwarded is not None:
            parse_claims_object(forwarded, name="forwarded_client_claims")
        key_fields = {"fmi_path": path or "", "client_claims": forwarded or ""}
        return ClientCredentialsRequest(
            scopes=tuple(valid),
            correlation_id=new_correlation_id(),
            claims_challenge=challenge,
            fmi_path=path,
            ext_cache_key=ext_cache_key(key_fields),
            extra_claims=forwarded,
        )

    def remove_tokens_for_client(self) -> None:
        """Remove the app tokens this client acquired for its authority's environment."""
        self.token_cache.remove_access_tokens(
            client_id=self.client_id, environments=[self.authority.environment]
        )
