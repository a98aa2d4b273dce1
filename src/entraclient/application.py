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
from entraclient.facade import ClientBase
from entraclient.facade_confidential import ConfidentialBase
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
            result = self._driver.run(recorder.watch(flow))
        except FlowError as failure:
            return self._error_result(failure, recorder.correlation_id)
        except TransportError as failure:
            self._log_transport_failure(failure)
            raise
        return self._correlated(result, recorder.correlation_id)

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

    def initiate_auth_code_flow(
        self,
        scopes: list[str],
        redirect_uri: str | None = None,
        state: str | None = None,
        prompt: str | None = None,
        login_hint: str | None = None,
        domain_hint: str | None = None,
        claims_challenge: str | None = None,
        max_age: int | None = None,
        response_mode: str | None = None,
    ) -> dict[str, Any]:
        """Start a sign-in: the *auth code flow* dict to keep in the user's session.

        Send the user to its ``auth_uri``; when they come back to ``redirect_uri``, pass the
        dict and the redirect's parameters to :meth:`acquire_token_by_auth_code_flow`. The
        flow carries a PKCE verifier, a ``state`` and a nonce (OIDC), all checked there.

        Args:
            scopes: the scopes to consent to, e.g. ``["User.Read"]`` (OpenID scopes added).
            redirect_uri: where the user comes back to; must be registered for the app.
            state: your own ``state`` value (a random one otherwise).
            prompt: ``"login"``, ``"consent"``, ``"select_account"``, ``"none"``...
            login_hint: the username to suggest; domain_hint: ``"organizations"``, a domain.
            claims_challenge: a claims challenge from a resource (JSON object string).
            max_age: how old (seconds) the user's sign-in may be; checked on the id token.
            response_mode: ``"form_post"`` (recommended) or ``"query"``.

        Raises:
            ValueError: bad arguments, or the authority's discovery failed.
        """
        result = self._run(
            self._op_initiate_auth_code_flow(
                scopes, redirect_uri, state, prompt, login_hint, domain_hint, claims_challenge,
                max_age, response_mode,
            )
        )  # fmt: skip
        self._raise_if_error(result, "initiate_auth_code_flow")
        return result

    def get_authorization_request_url(
        self,
        scopes: list[str],
        login_hint: str | None = None,
        state: str | None = None,
        redirect_uri: str | None = None,
        response_type: str = "code",
        prompt: str | None = None,
        nonce: str | None = None,
        domain_hint: str | None = None,
        claims_challenge: str | None = None,
        **kwargs: Any,
    ) -> str:
        """The sign-in URL, for callers who keep ``state`` and ``nonce`` themselves.

        Deprecated in MSAL Python, and here: :meth:`initiate_auth_code_flow` adds PKCE,
        ``state`` and a nonce and checks them for you.
        """
        result = self._run(
            self._op_get_authorization_request_url(
                scopes, login_hint, state, redirect_uri, response_type, prompt, nonce,
                domain_hint, claims_challenge, kwargs,
            )
        )  # fmt: skip
        self._raise_if_error(result, "get_authorization_request_url")
        return result  # type: ignore[return-value]

    def acquire_token_by_auth_code_flow(
        self,
        auth_code_flow: dict[str, Any],
        auth_response: dict[str, Any],
        scopes: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Finish a sign-in: check the redirect against its flow, redeem the code, cache.

        Args:
            auth_code_flow: the dict :meth:`initiate_auth_code_flow` returned.
            auth_response: the redirect's query (or form_post) parameters, as a dict.
            scopes: a subset of the flow's scopes to ask for (default: all of them).

        Returns:
            The token dict (with ``id_token_claims``); or an error dict: the identity
            provider's error, ``state_mismatch`` for a redirect that is not this flow's,
            ``invalid_id_token`` when the id token fails validation. Nothing is cached then.
        """
        return self._run(
            self._op_acquire_token_by_auth_code_flow(auth_code_flow, auth_response, scopes, kwargs)
        )

    def acquire_token_by_authorization_code(
        self,
        code: str,
        scopes: list[str],
        redirect_uri: str | None = None,
        nonce: str | None = None,
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Redeem an authorization code you obtained with :meth:`get_authorization_request_url`.

        ``nonce`` is compared with the id token's as given. Deprecated in MSAL Python, and
        here: prefer :meth:`acquire_token_by_auth_code_flow`.
        """
        return self._run(
            self._op_acquire_token_by_authorization_code(
                code, scopes, redirect_uri, nonce, claims_challenge, forwarded_client_claims,
                kwargs,
            )
        )  # fmt: skip

    def acquire_token_by_refresh_token(
        self, refresh_token: str, scopes: list[str], **kwargs: Any
    ) -> dict[str, Any]:
        """Redeem a refresh token obtained elsewhere (migration) and cache the result, so
        :meth:`get_accounts` and :meth:`acquire_token_silent` work with it afterwards."""
        return self._run(self._op_acquire_token_by_refresh_token(refresh_token, scopes, kwargs))


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

    def acquire_token_on_behalf_of(
        self,
        user_assertion: str,
        scopes: list[str],
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Acquire a token for a downstream API on behalf of the user who called this API.

        Unlike MSAL Python, the cache is read first: tokens are filed under the hash of
        ``user_assertion``, so the same user calling again with the same token gets a
        cache hit, and an expired token is renewed with the refresh token obtained with
        that assertion.

        Args:
            user_assertion: the bearer token this API received (a JWT).
            scopes: the downstream API's scopes, e.g. ``["api://downstream/Read"]``.
            claims_challenge: a claims challenge from the downstream API; bypasses the cache.
            forwarded_client_claims: a JSON object string merged into ``claims``.

        Returns:
            A dict with ``access_token`` on success, or ``error`` and ``error_description``
            (``interaction_required`` with ``claims`` when the user must sign in again).
        """
        hit = self._cached_obo_token(
            user_assertion, scopes, claims_challenge, forwarded_client_claims, kwargs
        )
        if hit is not None:
            return hit
        return self._run(
            self._op_acquire_token_on_behalf_of(
                user_assertion, scopes, claims_challenge, forwarded_client_claims, kwargs
            )
        )

    def acquire_token_by_user_federated_identity_credential(
        self,
        scopes: list[str],
        assertion: str,
        username: str | None = None,
        user_object_id: str | None = None,
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Exchange a federated identity credential (an agent's instance token) for a token
        of one user, named by ``username`` or ``user_object_id`` (grant ``user_fic``)."""
        return self._run(
            self._op_acquire_token_by_user_federated_identity_credential(
                scopes, assertion, username, user_object_id, claims_challenge,
                forwarded_client_claims, kwargs,
            )
        )  # fmt: skip
