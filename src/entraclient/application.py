"""The synchronous façade: :class:`ClientApplication` and :class:`ConfidentialClientApplication`.

Each public method checks its arguments and builds its flow through the shared builders of
:mod:`entraclient.facade`, then runs the flow on the sync driver. Every flow failure becomes an
MSAL-style error dict in one place, :meth:`ClientApplication._run`. The constructor performs
no I/O: discovery happens on the first call that needs it.
"""

from __future__ import annotations

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

    def _run(self, flow: Flow[dict[str, Any]]) -> dict[str, Any]:
        """Drive ``flow``; a flow failure becomes its error dict here and nowhere else."""
        recorder = CorrelationRecorder()
        try:
            return self._driver.run(recorder.watch(flow))
        except FlowError as failure:
            return self._error_result(failure, recorder.correlation_id)
        except TransportError as failure:
            self._log_transport_failure(failure)
            raise


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
        return self._run(
            self._op_acquire_token_for_client(
                scopes, claims_challenge, fmi_path, forwarded_client_claims, kwargs
            )
        )

    def remove_tokens_for_client(self) -> None:
        """Remove the app tokens this client acquired, under its authority's host and aliases.

        Other clients' tokens, user tokens and tokens cached per ``fmi_path`` or
        ``forwarded_client_claims`` stay (as in MSAL Python).
        """
        self._driver.run(self._op_remove_tokens_for_client())
