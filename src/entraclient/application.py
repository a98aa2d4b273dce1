"""The synchronous façade: :class:`ClientApplication` and :class:`ConfidentialClientApplication`.

Each public method is one statement: a function of :mod:`entraclient.operations` checks the
arguments and says what to run, and :meth:`ClientApplication._execute` runs it on the sync
driver. The constructor performs no I/O: discovery happens on the first call that needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, overload

from entraclient import operations
from entraclient.facade import ApplicationFacade
from entraclient.http.driver import SyncDriver
from entraclient.http.policies import PolicyTransport
from entraclient.http.transport import (
    HttpClientTransport,
    RequestsTransport,
    SyncTransport,
    build_requests_session,
)

__all__ = ["ClientApplication", "ConfidentialClientApplication"]

T = TypeVar("T")


class ClientApplication(ApplicationFacade):
    """What public and confidential clients share: configuration, cache and transport.

    The constructor takes MSAL Python's arguments, with the same names, order and defaults.
    """

    _driver: SyncDriver

    def _build_driver(self, http_client: Any) -> None:
        self.http_client = http_client
        transport = self._base_transport(http_client)
        self._driver = SyncDriver(PolicyTransport(transport, self._core.policies()))

    def _base_transport(self, http_client: Any) -> SyncTransport:
        """The one place the sync transport is chosen: over your ``http_client`` if given,
        else over a ``requests`` session of our own (then ``http_client``)."""
        core = self._core
        if http_client is not None:
            return HttpClientTransport(http_client, timeout=core.timeout)
        self.http_client = session = build_requests_session()
        return RequestsTransport(
            verify=core.verify, proxies=core.proxies, timeout=core.timeout, session=session
        )

    @overload
    def _execute(self, step: operations.Operation[T]) -> T: ...
    @overload
    def _execute(self, step: T) -> T: ...
    def _execute(self, step: Any) -> Any:
        """The call's answer: ``step`` itself, or its operation run on the sync driver."""
        if type(step) is not operations.Operation:
            return step
        return step.finish(self._driver.run(step.flow))

    def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        """The accounts signed in to this app's cloud, as ``acquire_token_silent`` takes them.

        Args:
            username: keep only the accounts with this username (case-insensitive).
        """
        return self._execute(operations.get_accounts(self._core, username))

    def remove_account(self, account: Mapping[str, Any]) -> None:
        """Sign ``account`` out of this app: forget its tokens and Account entries."""
        return self._execute(operations.remove_account(self._core, account))

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
        return self._execute(
            operations.acquire_token_silent(
                self._core, scopes, account, authority, force_refresh, claims_challenge,
                forwarded_client_claims, auth_scheme, kwargs, keep_errors=False,
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
        return self._execute(
            operations.acquire_token_silent(
                self._core, scopes, account, authority, force_refresh, claims_challenge,
                forwarded_client_claims, auth_scheme, kwargs, keep_errors=True,
            )
        )  # fmt: skip

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
        return self._execute(
            operations.initiate_auth_code_flow(
                self._core, scopes, redirect_uri, state, prompt, login_hint, domain_hint,
                claims_challenge, max_age, response_mode,
            )
        )  # fmt: skip

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
        return self._execute(
            operations.get_authorization_request_url(
                self._core, scopes, login_hint, state, redirect_uri, response_type, prompt, nonce,
                domain_hint, claims_challenge, kwargs,
            )
        )  # fmt: skip

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
        return self._execute(
            operations.acquire_token_by_auth_code_flow(
                self._core, auth_code_flow, auth_response, scopes, kwargs
            )
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
        return self._execute(
            operations.acquire_token_by_authorization_code(
                self._core, code, scopes, redirect_uri, nonce, claims_challenge,
                forwarded_client_claims, kwargs,
            )
        )  # fmt: skip

    def acquire_token_by_refresh_token(
        self, refresh_token: str, scopes: list[str], **kwargs: Any
    ) -> dict[str, Any]:
        """Redeem a refresh token obtained elsewhere (migration) and cache the result, so
        :meth:`get_accounts` and :meth:`acquire_token_silent` work with it afterwards."""
        return self._execute(
            operations.acquire_token_by_refresh_token(self._core, refresh_token, scopes, kwargs)
        )


class ConfidentialClientApplication(ClientApplication):
    """A client that holds a credential: a daemon, a web app or a web API.

    Same arguments as :class:`ClientApplication`; ``client_credential`` is required and
    ``allow_broker`` must stay ``None``.
    """

    _confidential = True

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
        return self._execute(
            operations.acquire_token_for_client(
                self._core, scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
            )
        )

    def remove_tokens_for_client(self) -> None:
        """Remove the app tokens this client acquired, under its authority's host and aliases.

        Other clients' tokens, user tokens and tokens cached per ``fmi_path`` or
        ``forwarded_client_claims`` stay (as in MSAL Python).
        """
        self._execute(operations.remove_tokens_for_client(self._core))

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
        return self._execute(
            operations.acquire_token_on_behalf_of(
                self._core, user_assertion, scopes, claims_challenge, forwarded_client_claims,
                kwargs,
            )
        )  # fmt: skip

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
        return self._execute(
            operations.acquire_token_by_user_federated_identity_credential(
                self._core, scopes, assertion, username, user_object_id, claims_challenge,
                forwarded_client_claims, kwargs,
            )
        )  # fmt: skip
