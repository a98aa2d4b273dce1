"""The asyncio façade: every method of the sync API as a coroutine, over the same flows.

``AsyncConfidentialClientApplication`` takes the same constructor arguments as
:class:`~entraclient.ConfidentialClientApplication`; ``http_client``, if given, must be an
``httpx.AsyncClient`` (needs the ``async`` extra: ``pip install 'entraclient[async]'``).
The flows are the sync façade's own (:mod:`entraclient.facade` builds them); only the driver
differs: :class:`~entraclient.http.async_driver.AsyncDriver` awaits an httpx transport, so the
event loop is never blocked by I/O, and concurrent callers missing the same token share one
request to the identity provider.

Use it as an async context manager to close the connections it opened::

    async with AsyncConfidentialClientApplication(client_id, client_credential=secret,
                                                  authority=authority) as app:
        result = await app.acquire_token_for_client(["api://x/.default"])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from entraclient.errors import FlowError, TransportError
from entraclient.facade import ClientBase
from entraclient.facade_confidential import ConfidentialBase
from entraclient.http.async_driver import AsyncDriver
from entraclient.http.async_transport import HttpxTransport
from entraclient.http.correlation import CorrelationRecorder
from entraclient.http.driver import Flow
from entraclient.http.policies import AsyncPolicyTransport

__all__ = ["AsyncClientApplication", "AsyncConfidentialClientApplication"]

T = TypeVar("T")


class AsyncClientApplication(ClientBase):
    """The asyncio twin of :class:`~entraclient.ClientApplication`."""

    _driver: AsyncDriver

    def _build_driver(self, http_client: Any) -> AsyncDriver:
        base = HttpxTransport(
            client=http_client, verify=self._verify, proxies=self._proxies, timeout=self._timeout
        )
        self._transport = AsyncPolicyTransport(base, self._policies())
        return AsyncDriver(self._transport, offload_steps=_bind_async_store(self.token_cache))

    async def _run(self, flow: Flow[T]) -> T | dict[str, Any]:
        """Drive ``flow``; a flow failure becomes its error dict here and nowhere else."""
        recorder = CorrelationRecorder()
        try:
            result = await self._driver.run(recorder.watch(flow))
        except FlowError as failure:
            return self._error_result(failure, recorder.correlation_id)
        except TransportError as failure:
            self._log_transport_failure(failure)
            raise
        return self._correlated(result, recorder.correlation_id)

    async def get_accounts(self, username: str | None = None) -> list[dict[str, Any]]:
        """As :meth:`entraclient.ClientApplication.get_accounts`."""
        return await self._driver.run(self._op_get_accounts(username))

    async def remove_account(self, account: Mapping[str, Any]) -> None:
        """As :meth:`entraclient.ClientApplication.remove_account`."""
        self._remove_account(account)

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
        """As :meth:`entraclient.ClientApplication.acquire_token_silent`."""
        return self._without_error(
            await self.acquire_token_silent_with_error(
                scopes, account, authority, force_refresh, claims_challenge,
                forwarded_client_claims, auth_scheme, **kwargs,
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
        """As :meth:`entraclient.ClientApplication.acquire_token_silent_with_error`."""
        flow = self._op_acquire_token_silent_with_error(
            scopes, account, authority, force_refresh, claims_challenge,
            forwarded_client_claims, auth_scheme, kwargs,
        )  # fmt: skip
        return None if flow is None else await self._run(flow)

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
        """As :meth:`entraclient.ClientApplication.initiate_auth_code_flow`."""
        result = await self._run(
            self._op_initiate_auth_code_flow(
                scopes, redirect_uri, state, prompt, login_hint, domain_hint, claims_challenge,
                max_age, response_mode,
            )
        )  # fmt: skip
        self._raise_if_error(result, "initiate_auth_code_flow")
        return result

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
        """As :meth:`entraclient.ClientApplication.get_authorization_request_url`."""
        result = await self._run(
            self._op_get_authorization_request_url(
                scopes, login_hint, state, redirect_uri, response_type, prompt, nonce,
                domain_hint, claims_challenge, kwargs,
            )
        )  # fmt: skip
        self._raise_if_error(result, "get_authorization_request_url")
        return result  # type: ignore[return-value]

    async def acquire_token_by_auth_code_flow(
        self,
        auth_code_flow: dict[str, Any],
        auth_response: dict[str, Any],
        scopes: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """As :meth:`entraclient.ClientApplication.acquire_token_by_auth_code_flow`."""
        return await self._run(
            self._op_acquire_token_by_auth_code_flow(auth_code_flow, auth_response, scopes, kwargs)
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
        """As :meth:`entraclient.ClientApplication.acquire_token_by_authorization_code`."""
        return await self._run(
            self._op_acquire_token_by_authorization_code(
                code, scopes, redirect_uri, nonce, claims_challenge, forwarded_client_claims,
                kwargs,
            )
        )  # fmt: skip

    async def acquire_token_by_refresh_token(
        self, refresh_token: str, scopes: list[str], **kwargs: Any
    ) -> dict[str, Any]:
        """As :meth:`entraclient.ClientApplication.acquire_token_by_refresh_token`."""
        return await self._run(
            self._op_acquire_token_by_refresh_token(refresh_token, scopes, kwargs)
        )

    async def aclose(self) -> None:
        """Close the connections this application opened (not a client you passed in)."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClientApplication:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncConfidentialClientApplication(ConfidentialBase, AsyncClientApplication):
    """The asyncio twin of :class:`~entraclient.ConfidentialClientApplication`."""

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

        As :meth:`entraclient.ConfidentialClientApplication.acquire_token_for_client`.
        """
        hit = self._cached_app_token(
            scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
        )
        if hit is not None:
            return hit
        result = await self._run(
            self._op_acquire_token_for_client(
                scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
            )
        )
        self._learn_app_token_probes()
        return result

    async def remove_tokens_for_client(self) -> None:
        """Remove the app tokens this client acquired, under its authority's host and aliases."""
        await self._driver.run(self._op_remove_tokens_for_client())

    async def acquire_token_on_behalf_of(
        self,
        user_assertion: str,
        scopes: list[str],
        claims_challenge: str | None = None,
        forwarded_client_claims: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """As :meth:`entraclient.ConfidentialClientApplication.acquire_token_on_behalf_of`."""
        hit = self._cached_obo_token(
            user_assertion, scopes, claims_challenge, forwarded_client_claims, kwargs
        )
        if hit is not None:
            return hit
        return await self._run(
            self._op_acquire_token_on_behalf_of(
                user_assertion, scopes, claims_challenge, forwarded_client_claims, kwargs
            )
        )

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
        """As :meth:`entraclient.ConfidentialClientApplication.acquire_token_by_user_federated_identity_credential`."""  # noqa: E501
        return await self._run(
            self._op_acquire_token_by_user_federated_identity_credential(
                scopes, assertion, username, user_object_id, claims_challenge,
                forwarded_client_claims, kwargs,
            )
        )  # fmt: skip


def _bind_async_store(cache: object) -> Callable[[], None] | None:
    """The hook binding the cache's async second-level store to the running loop, if any."""
    store = getattr(cache, "second_level_store", None)
    hook: Callable[[], None] | None = getattr(store, "bind_running_loop", None)
    return hook
