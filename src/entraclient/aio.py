"""The asyncio façade: every method of the sync API as a coroutine, over the same operations.

``AsyncConfidentialClientApplication`` takes the same constructor arguments as
:class:`~entraclient.ConfidentialClientApplication`; ``http_client``, if given, must be an
``httpx.AsyncClient`` (needs the ``async`` extra: ``pip install 'entraclient[async]'``).
The operations and flows are the sync façade's own (:mod:`entraclient.operations`); only the
driver differs: :class:`~entraclient.http.async_driver.AsyncDriver` awaits an httpx transport,
so the event loop is never blocked by I/O, and concurrent callers missing the same token share
one request to the identity provider.

Use it as an async context manager to close the connections it opened::

    async with AsyncConfidentialClientApplication(client_id, client_credential=secret,
                                                  authority=authority) as app:
        result = await app.acquire_token_for_client(["api://x/.default"])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from entraclient import operations
from entraclient.facade import ApplicationFacade

if TYPE_CHECKING:
    from entraclient.http.async_driver import AsyncDriver
    from entraclient.http.async_transport import AsyncTransport

__all__ = ["AsyncClientApplication", "AsyncConfidentialClientApplication"]

T = TypeVar("T")


class AsyncClientApplication(ApplicationFacade):
    """The asyncio twin of :class:`~entraclient.ClientApplication`: each method is a
    coroutine taking the same arguments and returning the same results."""

    _driver: AsyncDriver
    _owns_http_client: bool

    def _build_driver(self, http_client: Any) -> None:
        # httpx is imported here, when an application is built, not with entraclient.aio.
        from entraclient.http.async_driver import AsyncDriver
        from entraclient.http.policies import AsyncPolicyTransport

        transport = self._base_transport(http_client)
        self._transport = AsyncPolicyTransport(transport, self._core.policies())
        self._driver = AsyncDriver(
            self._transport, offload_steps=_bind_async_store(self._core.token_cache)
        )

    def _base_transport(self, http_client: Any) -> AsyncTransport:
        """The one place the async transport is chosen: over your ``httpx.AsyncClient`` if
        given, else over one of our own (then ``http_client``, closed by :meth:`aclose`)."""
        from entraclient.http.async_transport import HttpxTransport, build_httpx_client

        core = self._core
        self._owns_http_client = http_client is None
        if http_client is None:
            http_client = build_httpx_client(verify=core.verify, proxies=core.proxies)
        self.http_client = http_client
        return HttpxTransport(client=http_client, timeout=core.timeout)

    @overload
    async def _execute(self, step: operations.Operation[T]) -> T: ...
    @overload
    async def _execute(self, step: T) -> T: ...
    async def _execute(self, step: Any) -> Any:
        """The call's answer: ``step`` itself, or its operation run on the async driver."""
        if type(step) is not operations.Operation:
            return step
        return step.finish(await self._driver.run(step.flow))

    async def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        """The accounts signed in to this app's cloud, as ``acquire_token_silent`` takes them.

        As the sync :meth:`entraclient.ClientApplication.get_accounts`, awaited.
        """
        return await self._execute(operations.get_accounts(self._core, username))

    async def remove_account(self, account: Mapping[str, Any]) -> None:
        """Sign ``account`` out of this app: forget its tokens and Account entries.

        As the sync :meth:`entraclient.ClientApplication.remove_account`, awaited.
        """
        return await self._execute(operations.remove_account(self._core, account))

    async def acquire_token_silent(
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
        """Like :meth:`acquire_token_silent_with_error`, but ``None`` on any failure too.

        As the sync :meth:`entraclient.ClientApplication.acquire_token_silent`, awaited.
        """
        return await self._execute(
            operations.acquire_token_silent(
                self._core, scopes, account, authority, force_refresh, claims_challenge,
                forwarded_client_claims, auth_scheme, kwargs, keep_errors=False,
            )
        )  # fmt: skip

    async def acquire_token_silent_with_error(
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

        As the sync :meth:`entraclient.ClientApplication.acquire_token_silent_with_error`, awaited.
        """
        return await self._execute(
            operations.acquire_token_silent(
                self._core, scopes, account, authority, force_refresh, claims_challenge,
                forwarded_client_claims, auth_scheme, kwargs, keep_errors=True,
            )
        )  # fmt: skip

    async def initiate_auth_code_flow(
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

        As the sync :meth:`entraclient.ClientApplication.initiate_auth_code_flow`, awaited.
        """
        return await self._execute(
            operations.initiate_auth_code_flow(
                self._core, scopes, redirect_uri, state, prompt, login_hint, domain_hint,
                claims_challenge, max_age, response_mode,
            )
        )  # fmt: skip

    async def get_authorization_request_url(
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

        As the sync :meth:`entraclient.ClientApplication.get_authorization_request_url`, awaited.
        """
        return await self._execute(
            operations.get_authorization_request_url(
                self._core, scopes, login_hint, state, redirect_uri, response_type, prompt, nonce,
                domain_hint, claims_challenge, kwargs,
            )
        )  # fmt: skip

    async def acquire_token_by_auth_code_flow(
        self,
        auth_code_flow: dict[str, Any],
        auth_response: dict[str, Any],
        scopes: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Finish a sign-in: check the redirect against its flow, redeem the code, cache.

        As the sync :meth:`entraclient.ClientApplication.acquire_token_by_auth_code_flow`, awaited.
        """
        return await self._execute(
            operations.acquire_token_by_auth_code_flow(
                self._core, auth_code_flow, auth_response, scopes, kwargs
            )
        )

    async def acquire_token_by_authorization_code(
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

        As the sync method
        :meth:`entraclient.ClientApplication.acquire_token_by_authorization_code`, awaited.
        """
        return await self._execute(
            operations.acquire_token_by_authorization_code(
                self._core, code, scopes, redirect_uri, nonce, claims_challenge,
                forwarded_client_claims, kwargs,
            )
        )  # fmt: skip

    async def acquire_token_by_refresh_token(
        self, refresh_token: str, scopes: list[str], **kwargs: Any
    ) -> dict[str, Any]:
        """Redeem a refresh token obtained elsewhere (migration) and cache the result, so
        :meth:`get_accounts` and :meth:`acquire_token_silent` work with it afterwards.

        As the sync :meth:`entraclient.ClientApplication.acquire_token_by_refresh_token`, awaited.
        """
        return await self._execute(
            operations.acquire_token_by_refresh_token(self._core, refresh_token, scopes, kwargs)
        )

    async def aclose(self) -> None:
        """Close the connections this application opened (not a client you passed in)."""
        await self._transport.aclose()
        if self._owns_http_client:
            await self.http_client.aclose()

    async def __aenter__(self) -> AsyncClientApplication:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncConfidentialClientApplication(AsyncClientApplication):
    """The asyncio twin of :class:`~entraclient.ConfidentialClientApplication`: the same
    constructor arguments, each method a coroutine with the same arguments and results."""

    _confidential = True

    async def __aenter__(self) -> AsyncConfidentialClientApplication:
        return self

    async def acquire_token_for_client(
        self,
        scopes: list[str],
        claims_challenge: str | None = None,
        fmi_path: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Acquire a token for this application itself, from the cache when it can.

        As the sync :meth:`entraclient.ConfidentialClientApplication.acquire_token_for_client`,
        awaited.
        """
        return await self._execute(
            operations.acquire_token_for_client(
                self._core, scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
            )
        )

    async def remove_tokens_for_client(self) -> None:
        """Remove the app tokens this client acquired, under its authority's host and aliases.

        As the sync :meth:`entraclient.ConfidentialClientApplication.remove_tokens_for_client`,
        awaited.
        """
        await self._execute(operations.remove_tokens_for_client(self._core))

    async def acquire_token_on_behalf_of(
        self,
        user_assertion: str,
        scopes: list[str],
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Acquire a token for a downstream API on behalf of the user who called this API.

        As the sync method
        :meth:`entraclient.ConfidentialClientApplication.acquire_token_on_behalf_of`, awaited.
        """
        return await self._execute(
            operations.acquire_token_on_behalf_of(
                self._core, user_assertion, scopes, claims_challenge, forwarded_client_claims,
                kwargs,
            )
        )  # fmt: skip

    async def acquire_token_by_user_federated_identity_credential(
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
        of one user, named by ``username`` or ``user_object_id`` (grant ``user_fic``).

        As the sync method of the same name of
        :class:`~entraclient.ConfidentialClientApplication`, awaited.
        """
        return await self._execute(
            operations.acquire_token_by_user_federated_identity_credential(
                self._core, scopes, assertion, username, user_object_id, claims_challenge,
                forwarded_client_claims, kwargs,
            )
        )  # fmt: skip


def _bind_async_store(cache: object) -> Callable[[], None] | None:
    """The hook binding the cache's async second-level store to the running loop, if any."""
    store = getattr(cache, "second_level_store", None)
    hook: Callable[[], None] | None = getattr(store, "bind_running_loop", None)
    return hook
