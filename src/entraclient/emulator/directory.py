"""The emulator's directory: tenants, registered apps with their secrets, APIs and role grants.

Invariants:

* Records handed out (:class:`Tenant`, :class:`App`, :class:`Api`, :class:`ClientSecret`) are
  frozen handles; the mutable state (secrets per app, grants) lives in :class:`Directory`,
  behind one lock, so a test can keep using a handle after adding a secret or a grant.
* Tenant ids, domains and app ID URIs are matched case-insensitively.
* An API with ``tenant_id`` ``None`` is global (like Microsoft Graph): known in every tenant.
* Well-known first-party APIs (:func:`first_party_apis`) keep their real app ids and App ID
  URIs and accept v1 tokens, as their registrations in Entra do.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from entraclient.emulator.certificates import RegisteredCertificate, SniTrust
from entraclient.emulator.federated import FederatedTrust

__all__ = [
    "GRAPH_APP_ID",
    "STORAGE_APP_ID",
    "Api",
    "App",
    "ClientSecret",
    "Directory",
    "Tenant",
    "first_party_apis",
]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_ROLES = ("Application.Read.All", "Directory.Read.All", "Mail.Send", "User.Read.All")
STORAGE_APP_ID = "e406a681-f3d4-42a8-90b6-c2b029497af1"
KEY_VAULT_APP_ID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"
ARM_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"


@dataclass(frozen=True, slots=True)
class Tenant:
    """A directory tenant: its GUID and its verified domain names (the first is the default)."""

    id: str
    domains: tuple[str, ...]

    @property
    def domain(self) -> str:
        """The tenant's default domain, e.g. ``contoso.onmicrosoft.com``."""
        return self.domains[0]


@dataclass(frozen=True, slots=True)
class ClientSecret:
    """A client secret of an app; ``expires_at`` is epoch seconds, or ``None`` for never."""

    value: str = field(repr=False)
    expires_at: float | None = None
    key_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def is_expired(self, now: float) -> bool:
        """Whether the secret can no longer be used at ``now``."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class App:
    """A registered client app. ``secret`` is the value of the first secret it was given."""

    client_id: str
    tenant_id: str
    service_principal_id: str
    display_name: str
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Api:
    """A resource (web API) apps can get tokens for, addressed by app ID URI or ``app_id``."""

    app_id: str
    app_id_uri: str
    tenant_id: str | None
    roles: tuple[str, ...] = ()
    access_token_version: int = 1
    """``accessTokenAcceptedVersion`` of its registration: 1 (Entra's default) or 2."""

    @property
    def default_scope(self) -> str:
        """The ``{app ID URI}/.default`` scope a daemon asks for."""
        return f"{self.app_id_uri}/.default"


def new_secret_value() -> str:
    """A random secret in the shape Entra generates (40 URL-safe characters)."""
    return secrets.token_urlsafe(30)


class Directory:
    """Thread-safe registry of tenants, apps, secrets, APIs and application-role grants."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tenants: dict[str, Tenant] = {}  # by id and by each domain, lower-case
        self._apps: dict[tuple[str, str], App] = {}  # by (tenant id, client id)
        self._secrets: dict[str, tuple[ClientSecret, ...]] = {}  # by client id
        self._apis: list[Api] = []
        self._grants: dict[tuple[str, str], frozenset[str]] = {}  # (client id, api app id)
        self._certificates: dict[str, tuple[RegisteredCertificate, ...]] = {}  # by client id
        self._sni_trusts: dict[str, tuple[SniTrust, ...]] = {}  # by client id
        self._federated: dict[str, tuple[FederatedTrust, ...]] = {}  # by client id
        self._refresh_in: dict[str, int] = {}  # by client id
        self._app_token_lifetimes: dict[str, int] = {}  # by client id

    def add_tenant(self, domains: Sequence[str], tenant_id: str | None = None) -> Tenant:
        """Register a tenant with its verified domains (at least one)."""
        if not domains:
            raise ValueError("a tenant needs at least one verified domain")
        tenant = Tenant(tenant_id or str(uuid.uuid4()), tuple(d.lower() for d in domains))
        keys = [tenant.id.lower(), *tenant.domains]
        with self._lock:
            taken = [k for k in keys if k in self._tenants]
            if taken:
                raise ValueError(f"tenant id or domain already registered: {taken[0]}")
            self._tenants.update(dict.fromkeys(keys, tenant))
        return tenant

    def find_tenant(self, id_or_domain: str) -> Tenant | None:
        """The tenant with this GUID or verified domain, if any."""
        with self._lock:
            return self._tenants.get(id_or_domain.lower())

    def add_app(
        self,
        tenant: Tenant,
        client_secrets: Iterable[ClientSecret],
        *,
        display_name: str,
        client_id: str | None = None,
    ) -> App:
        """Register an app in ``tenant`` with the given secrets."""
        stored = tuple(client_secrets)
        app = App(
            client_id=(client_id or str(uuid.uuid4())).lower(),
            tenant_id=tenant.id,
            service_principal_id=str(uuid.uuid4()),
            display_name=display_name,
            secret=stored[0].value if stored else None,
        )
        with self._lock:
            if app.client_id in self._secrets:
                raise ValueError(f"client id already registered: {app.client_id}")
            self._apps[(tenant.id, app.client_id)] = app
            self._secrets[app.client_id] = stored
        return app

    def find_app(self, tenant: Tenant, client_id: str) -> App | None:
        """The app registered in ``tenant`` under ``client_id``, if any."""
        with self._lock:
            return self._apps.get((tenant.id, client_id.lower()))

    def find_app_by_client_id(self, client_id: str) -> App | None:
        """The app registered under ``client_id`` in any tenant, if any."""
        wanted = client_id.lower()
        with self._lock:
            return next((a for (_, cid), a in self._apps.items() if cid == wanted), None)

    def add_secret(self, app: App, secret: ClientSecret) -> None:
        """Give ``app`` one more secret."""
        with self._lock:
            self._secrets[app.client_id] = (*self._secrets[app.client_id], secret)

    def secrets_of(self, app: App) -> tuple[ClientSecret, ...]:
        """All secrets registered for ``app``, expired ones included."""
        with self._lock:
            return self._secrets.get(app.client_id, ())

    def add_certificate(self, app: App, certificate: RegisteredCertificate) -> None:
        """Register a certificate credential on ``app``."""
        with self._lock:
            known = self._certificates.get(app.client_id, ())
            self._certificates[app.client_id] = (*known, certificate)

    def certificates_of(self, app: App) -> tuple[RegisteredCertificate, ...]:
        """The certificates registered on ``app``."""
        with self._lock:
            return self._certificates.get(app.client_id, ())

    def add_sni_trust(self, app: App, trust: SniTrust) -> None:
        """Let ``app`` authenticate with certificates matching ``trust`` (SNI)."""
        with self._lock:
            known = self._sni_trusts.get(app.client_id, ())
            self._sni_trusts[app.client_id] = (*known, trust)

    def sni_trusts_of(self, app: App) -> tuple[SniTrust, ...]:
        """The Subject Name/Issuer trusts of ``app``."""
        with self._lock:
            return self._sni_trusts.get(app.client_id, ())

    def add_federated_trust(self, app: App, trust: FederatedTrust) -> None:
        """Accept assertions matching ``trust`` as ``app``'s credential."""
        with self._lock:
            self._federated[app.client_id] = (*self._federated.get(app.client_id, ()), trust)

    def federated_trusts_of(self, app: App) -> tuple[FederatedTrust, ...]:
        """The federated identity credentials of ``app``."""
        with self._lock:
            return self._federated.get(app.client_id, ())

    def set_refresh_in(self, app: App, seconds: int | None) -> None:
        """Make ``app``'s tokens carry ``refresh_in`` (``None``: not at all, as by default)."""
        with self._lock:
            if seconds is None:
                self._refresh_in.pop(app.client_id, None)
            else:
                self._refresh_in[app.client_id] = seconds

    def refresh_in_of(self, app: App) -> int | None:
        """The ``refresh_in`` of ``app``'s tokens, if set."""
        with self._lock:
            return self._refresh_in.get(app.client_id)

    def set_app_token_lifetime(self, app: App, seconds: int | None) -> None:
        """Make ``app``'s app-only tokens live ``seconds`` (``None``: the default)."""
        with self._lock:
            if seconds is None:
                self._app_token_lifetimes.pop(app.client_id, None)
            else:
                self._app_token_lifetimes[app.client_id] = seconds

    def app_token_lifetime_of(self, app: App) -> int | None:
        """The lifetime set for ``app``'s app-only tokens, if any."""
        with self._lock:
            return self._app_token_lifetimes.get(app.client_id)

    def add_api(self, api: Api) -> Api:
        """Register a resource API."""
        with self._lock:
            if any(self._same_api(known, api) for known in self._apis):
                raise ValueError(f"API already registered: {api.app_id_uri}")
            self._apis.append(api)
        return api

    def find_api(self, tenant: Tenant, resource: str) -> Api | None:
        """The API visible in ``tenant`` whose app ID URI or app id is ``resource``."""
        wanted = resource.lower().rstrip("/")
        with self._lock:
            for api in self._apis:
                visible = api.tenant_id in (None, tenant.id)
                if visible and wanted in (api.app_id_uri.lower().rstrip("/"), api.app_id):
                    return api
        return None

    def grant_app_roles(self, app: App, api: Api, roles: Iterable[str]) -> None:
        """Grant (admin-consent) application roles of ``api`` to ``app``."""
        wanted = frozenset(roles)
        unknown = sorted(wanted - set(api.roles))
        if unknown:
            raise ValueError(f"{api.app_id_uri} defines no role {unknown[0]!r}")
        key = (app.client_id, api.app_id)
        with self._lock:
            self._grants[key] = self._grants.get(key, frozenset()) | wanted

    def granted_roles(self, app: App, api: Api) -> tuple[str, ...]:
        """The roles of ``api`` granted to ``app``, sorted."""
        with self._lock:
            return tuple(sorted(self._grants.get((app.client_id, api.app_id), ())))

    @staticmethod
    def _same_api(a: Api, b: Api) -> bool:
        same_uri = a.app_id_uri.lower() == b.app_id_uri.lower()
        overlap = None in (a.tenant_id, b.tenant_id) or a.tenant_id == b.tenant_id
        return a.app_id == b.app_id or (same_uri and overlap)


def graph_api() -> Api:
    """Microsoft Graph, known in every tenant, with a few common application roles."""
    return Api(GRAPH_APP_ID, "https://graph.microsoft.com", None, GRAPH_ROLES)


def first_party_apis() -> tuple[Api, ...]:
    """Microsoft Graph, Azure Storage, Key Vault and Resource Manager, known in every tenant
    under their real app ids and App ID URIs, accepting v1 tokens."""
    return (
        graph_api(),
        Api(STORAGE_APP_ID, "https://storage.azure.com", None),
        Api(KEY_VAULT_APP_ID, "https://vault.azure.net", None),
        Api(ARM_APP_ID, "https://management.azure.com", None),
    )
