"""The synchronous façade: :class:`ClientApplication` and :class:`ConfidentialClientApplication`.

Each public method checks its arguments and builds its flow through the shared builders of
:mod:`entraclient.facade`, then runs the flow on the sync driver. Every flow failure becomes an
MSAL-style error dict in one place, :meth:`ClientApplication._run`. The constructor performs
no I/O: discovery happens on the first call that needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from entraclient.errors import FlowError, TransportError
from entraclient.facade import ClientBase, ConfidentialBase
from entraclient.http.correlation import CorrelationRecorder
from entraclient.http.driver import Flow, SyncDriver
from entraclient.http.policies import PolicyTransport
from entraclient.http.transport import HttpClientTransport, RequestsTransport, SyncTransport

__all__ = ["ClientApplication", "ConfidentialClientApplication"]

T = TypeVar("T")


class ClientApplication(ClientBase):
    """What public and confidential clients share: configuration, cache and transport.

    The constructor takes MSAL Python's arguments, with the same names, order and defaults.
    """

    _driver: SyncDriver

    def _build_driver(self, http_client: Any) -> SyncDriver:
        return SyncDriver(PolicyTransport(self._base_transport(http_client), self._policies()))

    def _base_transport(self, http_client: Any) -> SyncTransport:
        if http_client is not None:
            return HttpClientTransport(http_client)
        return RequestsTransport(verify=self._verify, proxies=self._proxies, timeout=self._timeout)

    def _run(self, flow: Flow[T]) -> T | dict[str, Any]:
        """Drive ``flow``; a flow failure becomes its error dict here and nowhere else."""
        recorder = CorrelationRecorder()
        try:
            return self._driver.run(recorder.watch(flow))
        except FlowError as failure:
            return self._error_result(failure, recorder.correlation_id)
        except TransportError as failure:
            self._log_transport_failure(failure)
            raise

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        """The accounts signed in to this app's cloud, as ``acquire_token_silent`` takes them.

        Args:
            username: keep only the accounts with this username (case-insensitive).
        """
        return self._driver.run(self._op_get_accounts(username))

    def remove_account(self, account: Mapping[str, Any]) -> None:
        """Sign ``account`` out of this app: forget its tokens and Account entries."""
        self._remove_account(account)

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
        return self._without_error(
            self.acquire_token_silent_with_error(
                scopes, account, authority, force_refresh, claims_challenge,
                forwarded_client_claims, auth_scheme, **kwargs,
            )
        )  # fmt: skip

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
        flow = self._op_acquire_token_silent_with_error(
            scopes, account, authority, force_refresh, claims_challenge,
            forwarded_client_claims, auth_scheme, kwargs,
        )  # fmt: skip
        return None if flow is None else self._run(flow)


class ConfidentialClientApplication(ConfidentialBase, ClientApplication):
    """A client that holds a credential: a daemon, a web app or a web API.

    Same arguments as :class:`ClientApplication`; ``client_credential`` is required and
    ``allow_broker`` must stay ``None``.
    """

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
        hit = self._cached_app_token(
            scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
        )
        if hit is not None:
            return hit
        result = self._run(
            self._op_acquire_token_for_client(
                scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
            )
        )
        self._learn_app_token_probes()
        return result

    def remove_tokens_for_client(self) -> None:
        """Remove the app tokens this client acquired, under its authority's host and aliases.

        Other clients' tokens, user tokens and tokens cached per ``fmi_path`` or
        ``forwarded_client_claims`` stay (as in MSAL Python).
        """
        self._driver.run(self._op_remove_tokens_for_client())
