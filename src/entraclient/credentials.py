"""Client credentials: what a confidential client proves itself with (RFC 6749 §2.3, RFC 7523).

Each accepted ``client_credential`` shape is loaded once, when the application is built, into
a :class:`ClientAuthentication` that renders the form fields of one token request. Invariant:
no credential object ever shows its secret in a ``repr``, a log line or an exception.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from entraclient.assertion import ASSERTION_REUSE, JWT_BEARER_ASSERTION_TYPE, SignedAssertion
from entraclient.certificates import CERTIFICATE_KEYS, load_certificate_material
from entraclient.http.messages import Pairs
from entraclient.secret_text import SecretText

__all__ = [
    "JWT_BEARER_ASSERTION_TYPE",
    "AssertionContext",
    "ClientAuthentication",
    "ClientSecret",
    "RawAssertion",
    "load_client_credential",
]

AssertionContext = Mapping[str, str]
"""What an assertion callable may receive: ``client_id``, ``token_endpoint`` [, ``fmi_path``]."""


class ClientAuthentication(Protocol):
    """Renders the client-authentication fields of one token request."""

    uses_certificate: bool

    def form_fields(self, token_endpoint: str, now: float, context: AssertionContext) -> Pairs:
        """The fields proving the client's identity to ``token_endpoint`` at time ``now``."""
        ...


class ClientSecret:
    """A client secret, sent as the ``client_secret`` form field (``client_secret_post``)."""

    __slots__ = ("_secret",)
    uses_certificate = False

    def __init__(self, secret: str) -> None:
        self._secret = SecretText(secret)

    def form_fields(self, token_endpoint: str, now: float, context: AssertionContext) -> Pairs:
        return (("client_secret", self._secret),)

    def __repr__(self) -> str:
        return "ClientSecret(****)"


class RawAssertion:
    """A caller-built client assertion: a string, or a callable returning a fresh one."""

    __slots__ = ("_factory", "_wants_context")
    uses_certificate = False

    def __init__(self, assertion: str | bytes | Callable[..., Any]) -> None:
        if callable(assertion):
            self._factory: Callable[..., Any] = assertion
            self._wants_context = _takes_positional_argument(assertion)
        else:
            text = assertion.decode("ascii") if isinstance(assertion, bytes) else assertion
            if not text.strip():
                raise ValueError("client_assertion is empty")
            warnings.warn(
                "a static client_assertion cannot be renewed once it expires; pass a callable "
                "that returns a fresh assertion instead",
                DeprecationWarning,
                stacklevel=6,  # the application constructor's caller
            )
            self._factory = lambda: text
            self._wants_context = False

    def form_fields(self, token_endpoint: str, now: float, context: AssertionContext) -> Pairs:
        produced = self._factory(dict(context)) if self._wants_context else self._factory()
        if isinstance(produced, bytes):
            produced = produced.decode("ascii")
        if not isinstance(produced, str) or not produced:
            raise ValueError("the client_assertion callable must return a non-empty string")
        return (
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", SecretText(produced)),
        )

    def __repr__(self) -> str:
        return "RawAssertion(****)"


def load_client_credential(
    value: object,
    *,
    client_claims: Mapping[str, Any] | None = None,
    is_adfs: bool = False,
    reuse_assertions: bool = True,
) -> ClientAuthentication | None:
    """Load a ``client_credential`` argument, raising ``ValueError``/``TypeError`` on misuse.

    ``client_claims`` go into signed assertions; ``is_adfs`` selects the header ADFS accepts
    (RS256 with a SHA-1 ``x5t``); ``reuse_assertions=False`` signs a fresh assertion for every
    request. They matter only for certificate credentials.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            raise ValueError("client_credential is an empty string: pass the client secret")
        return ClientSecret(value)
    if not isinstance(value, Mapping):
        raise TypeError(
            "client_credential must be a client secret (str) or a dict describing a "
            f"certificate or an assertion, got {type(value).__name__}"
        )
    keys = set(value)
    if "client_assertion" in keys:
        if keys != {"client_assertion"}:
            raise ValueError("a client_assertion credential must hold only 'client_assertion'")
        assertion = value["client_assertion"]
        if not (isinstance(assertion, str | bytes) or callable(assertion)):
            raise TypeError("client_assertion must be a string or a callable returning one")
        return RawAssertion(assertion)
    unknown = keys - CERTIFICATE_KEYS
    if unknown or not keys & {"private_key", "private_key_pfx_path"}:
        raise ValueError(
            "client_credential dict has an unknown shape "
            f"(keys: {sorted(map(str, keys))}); use {{'private_key': PEM, 'thumbprint': hex}}, "
            "{'private_key': PEM, 'public_certificate': PEM}, "
            "{'private_key_pfx_path': path}, or {'client_assertion': jwt}"
        )
    material = load_certificate_material(value)
    return SignedAssertion(
        material,
        client_claims=client_claims,
        is_adfs=is_adfs,
        reuse_seconds=ASSERTION_REUSE if reuse_assertions else 0,
    )


def _takes_positional_argument(function: Callable[..., Any]) -> bool:
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in parameters
    )
