"""The managed identities the emulator knows, and the tokens it issues to them.

Invariants:

* Every emulator has one system-assigned identity (in its sample tenant) from construction;
  user-assigned identities are added with ``Emulator.add_managed_identity``.
* A user-assigned identity is found by its client id, object (principal) id or Azure
  resource id, compared case-insensitively, as the Azure hosts do.
* Managed identity tokens are signed by the emulator's token-signing key, like its other
  tokens, and carry the identity's object id as ``sub``/``oid`` and its client id as ``appid``:
  so a token for ``api://AzureADTokenExchange`` can serve as a federated credential.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import uuid
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from entraclient.emulator.signing import TokenSigner

__all__ = [
    "KINDS",
    "MANAGED_IDENTITY_VARIABLES",
    "TOKEN_EXCHANGE_AUDIENCE",
    "ArcKey",
    "EmulatedIdentity",
    "HostOutage",
    "IdentityHostSettings",
    "IssuedToken",
    "ManagedIdentityEnvironment",
    "ManagedIdentityRegistry",
    "identity_issuer",
    "issue_identity_token",
]

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
DEFAULT_LIFETIME = 24 * 3600  # managed identity tokens live about a day


@dataclass(frozen=True, slots=True)
class EmulatedIdentity:
    """A managed identity: its tenant, client id, object (principal) id and resource id."""

    tenant_id: str
    client_id: str
    object_id: str
    resource_id: str
    system_assigned: bool = False

    def selector(self, kind: str) -> str:
        """This identity's ``client_id``, ``object_id`` or ``resource_id`` (``kind``)."""
        return {
            "client_id": self.client_id,
            "object_id": self.object_id,
            "resource_id": self.resource_id,
        }[kind]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed token and the times the backends report for it."""

    access_token: str = field(repr=False)
    expires_on: int
    expires_in: int
    not_before: int


def _resource_id(name: str) -> str:
    return (
        "/subscriptions/00000000-0000-4000-8000-000000000000/resourcegroups/emulator"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )


def new_identity(
    tenant_id: str, *, system_assigned: bool = False, **ids: str | None
) -> EmulatedIdentity:
    """An identity with the given ids, generating those not given."""
    client_id = (ids.get("client_id") or str(uuid.uuid4())).lower()
    name = "system-assigned" if system_assigned else f"identity-{client_id[:8]}"
    return EmulatedIdentity(
        tenant_id=tenant_id,
        client_id=client_id,
        object_id=(ids.get("object_id") or str(uuid.uuid4())).lower(),
        resource_id=ids.get("resource_id") or _resource_id(name),
        system_assigned=system_assigned,
    )


class ManagedIdentityRegistry:
    """The system-assigned identity and the user-assigned ones, found by any of their ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._system_assigned: EmulatedIdentity | None = None
        self._user_assigned: list[EmulatedIdentity] = []

    @property
    def system_assigned(self) -> EmulatedIdentity:
        """The host's own identity."""
        if self._system_assigned is None:
            raise RuntimeError("no system-assigned identity was set up")
        return self._system_assigned

    def set_system_assigned(self, identity: EmulatedIdentity) -> None:
        """Make ``identity`` the host's own identity."""
        self._system_assigned = identity

    def add(self, identity: EmulatedIdentity) -> EmulatedIdentity:
        """Register a user-assigned identity; its ids must be new."""
        with self._lock:
            for known in self._user_assigned:
                for kind in ("client_id", "object_id", "resource_id"):
                    if known.selector(kind).lower() == identity.selector(kind).lower():
                        raise ValueError(f"a managed identity with this {kind} exists")
            self._user_assigned.append(identity)
        return identity

    def find(self, kind: str, value: str) -> EmulatedIdentity | None:
        """The user-assigned identity whose ``kind`` id is ``value``, or ``None``."""
        wanted = value.lower()
        with self._lock:
            for identity in self._user_assigned:
                if identity.selector(kind).lower() == wanted:
                    return identity
        return None


@dataclass(slots=True)
class ArcKey:
    """The key file an Arc challenge points to, and its content."""

    path: Path
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class HostOutage:
    """A host answering ``status`` (429 or 5xx) to the next ``count`` token requests
    (of hosts of ``kind``, or of any kind), with ``Retry-After`` when given."""

    status: int
    count: int = 1
    retry_after: int | None = None
    kind: str | None = None


@dataclass
class IdentityHostSettings:
    """What the emulated hosts share: each kind's secret, the Service Fabric identity, the
    Arc key, and the token lifetime."""

    lifetime: int = DEFAULT_LIFETIME
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    service_fabric_identity: EmulatedIdentity | None = None
    arc_key: ArcKey | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    outages: list[HostOutage] = field(default_factory=list)

    def secret_of(self, kind: str) -> str:
        """The secret the hosts of ``kind`` hand their apps (generated once)."""
        with self.lock:
            return self.secrets.setdefault(kind, secrets.token_urlsafe(24))

    def fail_next(self, outage: HostOutage) -> None:
        """Answer the next ``outage.count`` token requests with ``outage.status``."""
        with self.lock:
            self.outages.append(outage)

    def take_outage(self, kind: str) -> HostOutage | None:
        """The pending outage for a request to a host of ``kind`` (spending one of it)."""
        with self.lock:
            for index, outage in enumerate(self.outages):
                if outage.kind in (None, kind):
                    if outage.count <= 1:
                        del self.outages[index]
                    else:
                        self.outages[index] = replace(outage, count=outage.count - 1)
                    return outage
        return None

    def new_arc_key(self, directory: Path) -> ArcKey:
        """Write a fresh Arc key file in ``directory`` (owner-only) and use it from now on."""
        secret = secrets.token_urlsafe(32)
        path = directory / f"{uuid.uuid4().hex}.key"
        path.touch(mode=0o600)
        path.write_text(secret, encoding="ascii")
        self.arc_key = ArcKey(path, secret)
        return self.arc_key


def identity_issuer(tenant_id: str) -> str:
    """The ``iss`` of managed identity tokens (and of the federated credential trusting them)."""
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0"


def issue_identity_token(
    signer: TokenSigner,
    identity: EmulatedIdentity,
    resource: str,
    now: float,
    *,
    lifetime: int = DEFAULT_LIFETIME,
    extra_claims: Mapping[str, object] | None = None,
) -> IssuedToken:
    """A token for ``identity`` with ``resource`` as its audience."""
    issued = int(now)
    claims: dict[str, object] = {
        "aud": resource,
        "iss": identity_issuer(identity.tenant_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "sub": identity.object_id,
        "oid": identity.object_id,
        "appid": identity.client_id,
        "azp": identity.client_id,
        "tid": identity.tenant_id,
        "idtyp": "app",
        "xms_mirid": identity.resource_id,
        "ver": "2.0",
        "uti": uuid.uuid4().hex,
        **(extra_claims or {}),
    }
    return IssuedToken(signer.sign(claims), issued + lifetime, lifetime, issued)


KINDS = ("vm", "app_service", "machine_learning", "service_fabric", "azure_arc")

# Every variable a managed identity client reads to pick its backend.
MANAGED_IDENTITY_VARIABLES = (
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
)


@dataclass(frozen=True, slots=True)
class ManagedIdentityEnvironment:
    """What an Azure host of ``kind`` would give an app: its environment variables (which
    point at the emulator) and, for Azure Arc, the key file its challenge names."""

    kind: str
    env: dict[str, str] = field(repr=False)
    challenge_file: Path | None = None
    key_directory: Path | None = None

    @contextlib.contextmanager
    def applied(self, environ: MutableMapping[str, str] | None = None) -> Iterator[None]:
        """Within the block, ``environ`` (``os.environ`` by default) is this host's; the
        variables as they were come back afterwards."""
        target = os.environ if environ is None else environ
        saved = {name: target.get(name) for name in MANAGED_IDENTITY_VARIABLES}
        self.apply(target)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    target.pop(name, None)
                else:
                    target[name] = value

    def apply(self, environ: MutableMapping[str, str]) -> None:
        """Set these variables in ``environ`` and remove the other managed identity ones."""
        for name in MANAGED_IDENTITY_VARIABLES:
            environ.pop(name, None)
        environ.update(self.env)
