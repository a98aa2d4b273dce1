"""The confidential client's operations, shared by the sync and async façades.

Client credentials (app tokens), on-behalf-of, the user federated identity credential grant
and ``remove_tokens_for_client``: each an ``_op_*`` builder that checks its arguments and
returns the flow, plus the hot paths that answer a plain cache hit without building one.
"""

from __future__ import annotations

import warnings
from typing import Any

from entraclient.cache.records import user_assertion_hash
from entraclient.cache.schema import ext_cache_key
from entraclient.cache.token_cache import AccessTokenProbes
from entraclient.config import check_optional_str
from entraclient.credentials import ClientAuthentication
from entraclient.facade import ClientBase
from entraclient.flows.claims import parse_claims_object
from entraclient.flows.client_credentials import (
    ClientCredentialsRequest,
    acquire_token_for_client,
    app_token_probes,
    cached_app_token,
)
from entraclient.flows.on_behalf_of import (
    acquire_token_on_behalf_of,
    cached_obo_result,
    check_user_assertion,
)
from entraclient.flows.removal import remove_app_tokens
from entraclient.flows.user_fic import acquire_token_by_user_fic
from entraclient.http.driver import Flow
from entraclient.scopes import RESERVED_SCOPES, are_plain_scopes, validate_scopes
from entraclient.telemetry import new_correlation_id

__all__ = ["ConfidentialBase"]


class ConfidentialBase(ClientBase):
    """Configuration and operations of a client holding a credential, sync or async.

    ``client_credential`` is required and ``allow_broker`` must stay ``None``.
    """

    def _load_credential(self, client_credential: Any) -> ClientAuthentication | None:
        if client_credential is None:
            raise ValueError(
                "a ConfidentialClientApplication needs a client_credential: a client secret, "
                "a certificate dict or a {'client_assertion': ...} dict"
            )
        return super()._load_credential(client_credential)

    def _check_allow_broker(self, allow_broker: object) -> None:
        if allow_broker is not None:
            raise ValueError("allow_broker must remain None for a ConfidentialClientApplication")

    _app_token_probes: AccessTokenProbes | None = None

    def _cached_app_token(
        self,
        scopes: object,
        claims_challenge: object,
        fmi_path: object,
        forwarded_client_claims: object,
        extra: dict[str, Any],
    ) -> dict[str, Any] | None:
        """The hot path of a plain cache hit, without building a flow; ``None`` otherwise."""
        probes = self._app_token_probes
        plain = claims_challenge is None and fmi_path is None and forwarded_client_claims is None
        if probes is None or not plain or extra or not are_plain_scopes(scopes):
            return None
        return cached_app_token(self._context, probes, scopes)  # type: ignore[arg-type]

    def _learn_app_token_probes(self) -> None:
        """After a first call, remember how to probe this app's tokens (needs discovery)."""
        known = self._resolver.known
        if self._app_token_probes is None and known is not None:
            self._app_token_probes = app_token_probes(self._context, known)

    def _op_acquire_token_for_client(
        self,
        scopes: object,
        claims_challenge: object,
        fmi_path: object,
        forwarded_client_claims: object,
        extra: dict[str, Any],
    ) -> Flow[dict[str, Any]]:
        if extra.pop("force_refresh", False):
            raise ValueError(
                "acquire_token_for_client does not take force_refresh: the cache returns a "
                "token only while it is valid"
            )
        if extra:
            raise TypeError(f"unexpected arguments: {sorted(extra)}")
        request = self._client_credentials_request(
            scopes, claims_challenge, fmi_path, forwarded_client_claims
        )
        if self.authority.tenant.lower() in ("common", "organizations"):
            warnings.warn(
                f"acquire_token_for_client with the '{self.authority.tenant}' authority: "
                "use a specific tenant; Entra refuses app tokens without one",
                DeprecationWarning,
                stacklevel=3,
            )
        return acquire_token_for_client(self._context, self._resolver, request, self._regional)

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

    def _op_remove_tokens_for_client(self) -> Flow[int]:
        return remove_app_tokens(self._context, self._aliases)

    def _cached_obo_token(
        self,
        user_assertion: object,
        scopes: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: dict[str, Any],
    ) -> dict[str, Any] | None:
        """The hot path of a plain on-behalf-of cache hit, without building a flow."""
        known = self._resolver.known
        plain = claims_challenge is None and forwarded_client_claims is None and not extra
        if known is None or not plain or not are_plain_scopes(scopes):
            return None
        assertion_hash = user_assertion_hash(check_user_assertion(user_assertion))
        return cached_obo_result(self._context, known.realm, assertion_hash, tuple(scopes))  # type: ignore[arg-type]

    def _op_acquire_token_on_behalf_of(
        self,
        user_assertion: object,
        scopes: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: dict[str, Any],
    ) -> Flow[dict[str, Any]]:
        request = self._user_requests.on_behalf_of(
            user_assertion, scopes, claims_challenge, forwarded_client_claims, extra
        )
        return acquire_token_on_behalf_of(self._context, self._resolver, request)

    def _op_acquire_token_by_user_federated_identity_credential(
        self,
        scopes: object,
        assertion: object,
        username: object,
        user_object_id: object,
        claims_challenge: object,
        forwarded_client_claims: object,
        extra: dict[str, Any],
    ) -> Flow[dict[str, Any]]:
        request = self._user_requests.user_fic(
            scopes, assertion, username, user_object_id, claims_challenge,
            forwarded_client_claims, extra,
        )  # fmt: skip
        return acquire_token_by_user_fic(self._context, self._resolver, request)
