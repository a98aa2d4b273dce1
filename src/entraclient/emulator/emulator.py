"""The :class:`Emulator`: a local, HTTPS, Entra-compatible token service.

Invariants:

* Construction does no I/O: the directory (with the sample setup) and the token-signing key
  exist at once; the CA file, the socket and the server thread appear in
  :meth:`Emulator.start` and are all released by :meth:`Emulator.close`.
* Every time the emulator reads (token lifetimes, secret expiry, log times, error timestamps)
  comes from the injected ``clock``.
"""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests

from entraclient.emulator.certificates import (
    CertificateInput,
    RegisteredCertificate,
    SniTrust,
    as_certificate,
)
from entraclient.emulator.context import EmulatorContext
from entraclient.emulator.directory import (
    Api,
    App,
    ClientSecret,
    Directory,
    Tenant,
    first_party_apis,
    new_secret_value,
)
from entraclient.emulator.faults import Fault, FaultPlan, Injection
from entraclient.emulator.federated import FederatedTrust
from entraclient.emulator.hosts import LOOPBACK_HOSTS, HostSet
from entraclient.emulator.isolation import StateSnapshot, state_holders
from entraclient.emulator.managed_identities import (
    TOKEN_EXCHANGE_AUDIENCE,
    EmulatedIdentity,
    HostOutage,
    ManagedIdentityEnvironment,
    identity_issuer,
    new_identity,
)
from entraclient.emulator.managed_identity import BACKENDS as MI_BACKENDS
from entraclient.emulator.managed_identity import served_certificate_thumbprint
from entraclient.emulator.request_log import LoggedRequest, RequestLog
from entraclient.emulator.resources import ProtectedResource
from entraclient.emulator.routing import (
    ConnectionRefusals,
    HostRouter,
    RoutingAdapter,
    routed_session,
)
from entraclient.emulator.signing import TokenSigner
from entraclient.emulator.user_tokens import UserGrant, issue_user_tokens, parse_user_scopes
from entraclient.emulator.users import User

if TYPE_CHECKING:
    import httpx

    from entraclient.emulator.server import BackgroundServer
    from entraclient.emulator.tls import ServerTls

__all__ = ["Emulator", "SampleSetup"]

SAMPLE_DOMAIN = "contoso.onmicrosoft.com"
SAMPLE_API_URI = "api://contoso-sample-api"


def _resource_host(api: Api) -> str:
    parts = urlsplit(api.app_id_uri)
    if parts.scheme == "https" and parts.hostname:
        return parts.hostname
    label = re.sub(r"[^a-z0-9-]+", "-", (parts.netloc or api.app_id).lower()).strip("-")
    return f"{label or api.app_id}.resource.test"


@dataclass(frozen=True, slots=True)
class SampleSetup:
    """The ready-made setup every emulator starts with: a tenant, a daemon app, an API."""

    tenant: Tenant
    app: App
    api: Api

    @property
    def scope(self) -> str:
        """The scope the daemon asks for: ``api://contoso-sample-api/.default``."""
        return self.api.default_scope

    @property
    def authority(self) -> str:
        """The sample tenant's authority on the public cloud host."""
        return f"https://login.microsoftonline.com/{self.tenant.domain}"


class Emulator:
    """A local Entra token service over HTTPS on a loopback port.

    Use it as a context manager (``with Emulator() as emu:``) or call :meth:`start` and
    :meth:`close`. ``clock`` returns epoch seconds; tests pass their own to move time.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the emulator only listens on loopback, not {host!r}")
        self._bind = ("127.0.0.1" if host == "localhost" else host, port)
        self._lock = threading.Lock()
        self._directory = Directory()
        for api in first_party_apis():
            self._directory.add_api(api)
        self._log = RequestLog()
        self._routed_hosts = HostSet()
        self._instances = HostSet()
        self._faults = FaultPlan()
        self._refusals = ConnectionRefusals()
        self._context = EmulatorContext(
            self._directory, TokenSigner(), self._log, self._instances, clock, faults=self._faults
        )
        self._tls: ServerTls | None = None
        self._server: BackgroundServer | None = None
        self._dead_socket: socket.socket | None = None
        self._port: int | None = None
        self._arc_tokens: Path | None = None
        self.sample = self._add_sample()
        self._pristine = self._snapshot()  # keep last: what reset() returns to

    def __repr__(self) -> str:
        state = f"base_url={self.base_url!r}" if self._port else "not started"
        return f"Emulator({state})"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Create the TLS CA, bind the port and serve; returns ``self``."""
        # Imported here so that `import entraclient.emulator` works without the extra.
        try:
            from entraclient.emulator.app import build_app
            from entraclient.emulator.server import BackgroundServer, bind_loopback
        except ImportError as missing:
            message = "the emulator needs the 'emulator' extra: pip install 'entraclient[emulator]'"
            raise ImportError(message) from missing
        from entraclient.emulator.tls import ServerTls

        with self._lock:
            if self._tls is not None:
                raise RuntimeError("the emulator is already running")
            self._tls = tls = ServerTls()
        try:
            self._dead_socket = bind_loopback(self._bind[0], 0)  # bound, never listening
            self._refusals.dead_address = self._dead_socket.getsockname()[:2]
            sock = bind_loopback(*self._bind)
            self._port = sock.getsockname()[1]
            self._server = BackgroundServer(build_app(self._context), sock, tls.context)
            self._server.start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop serving and delete the CA and keys. Safe to call twice."""
        with self._lock:
            server, tls = self._server, self._tls
            self._server = self._tls = None
            dead, self._dead_socket = self._dead_socket, None
        if server is not None:
            server.stop()
        if tls is not None:
            tls.close()
        if dead is not None:
            dead.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- where it is -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the emulator listens on."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def host(self) -> str:
        """The loopback address the emulator listens on."""
        return self._bind[0]

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:{port}`` (IPv6 addresses in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def ca_path(self) -> Path:
        """The PEM file of the CA that signed the emulator's TLS certificates."""
        if self._tls is None:
            raise RuntimeError("the emulator is not started")
        return self._tls.ca_path

    def jwks(self) -> dict[str, list[dict[str, object]]]:
        """The JWKS document with the public key that signs the emulator's tokens."""
        return self._context.signer.jwks()

    # -- directory -------------------------------------------------------------------------

    def add_tenant(
        self,
        domain: str | None = None,
        *,
        tenant_id: str | None = None,
        domains: Sequence[str] = (),
    ) -> Tenant:
        """Register a tenant; without a domain it gets ``{random}.onmicrosoft.com``."""
        names = [*([domain] if domain else []), *domains]
        if not names:
            names = [f"tenant-{uuid.uuid4().hex[:12]}.onmicrosoft.com"]
        return self._directory.add_tenant(names, tenant_id)

    def add_app(
        self,
        tenant: Tenant,
        *,
        secrets: Iterable[str | ClientSecret] | None = None,
        display_name: str = "daemon app",
        client_id: str | None = None,
        redirect_uris: Iterable[str] = (),
    ) -> App:
        """Register a confidential client app in ``tenant``; ``App.secret`` is its first secret.

        Without ``secrets`` it gets one generated secret; pass ``[]`` for an app without any.
        ``redirect_uris`` are where its sign-ins may come back to (matched exactly).
        """
        given = [new_secret_value()] if secrets is None else list(secrets)
        stored = [s if isinstance(s, ClientSecret) else ClientSecret(s) for s in given]
        app = self._directory.add_app(
            tenant, stored, display_name=display_name, client_id=client_id
        )
        for uri in redirect_uris:
            self.add_redirect_uri(app, uri)
        return app

    def add_redirect_uri(self, app: App, uri: str) -> None:
        """Let ``app``'s sign-ins come back to ``uri`` (compared exactly, as Entra does)."""
        if not uri.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ValueError("a redirect URI must be https (or http on localhost/127.0.0.1)")
        self._context.sign_ins.add_redirect_uri(app.client_id, uri)

    def expose_api(
        self, app: App, *, app_id_uri: str | None = None, access_token_version: int = 1
    ) -> Api:
        """Make ``app`` a web API other apps get user tokens for (``api://{client id}`` by
        default): the audience a middle-tier API's on-behalf-of assertions must have."""
        tenant = self._directory.find_tenant(app.tenant_id)
        return self.add_api(
            tenant,
            app_id_uri=app_id_uri,
            app_id=app.client_id,
            access_token_version=access_token_version,
        )

    def add_secret(
        self, app: App, value: str | None = None, *, expires_at: float | None = None
    ) -> ClientSecret:
        """Give ``app`` another secret (generated unless ``value``), optionally expiring."""
        secret = ClientSecret(value or new_secret_value(), expires_at)
        self._directory.add_secret(app, secret)
        return secret

    def add_certificate(self, app: App, certificate: CertificateInput) -> RegisteredCertificate:
        """Register a certificate (PEM text or ``x509.Certificate``) as a credential of ``app``.

        Assertions whose ``x5t#S256`` or ``x5t`` names it are verified with its key, and
        refused outside its validity period.
        """
        registered = RegisteredCertificate.of(certificate)
        self._directory.add_certificate(app, registered)
        return registered

    def trust_sni(self, app: App, authority: CertificateInput, subject: str) -> None:
        """Let ``app`` authenticate with any certificate named ``subject`` issued under
        ``authority`` (Subject Name/Issuer authentication: the chain comes in ``x5c``).

        ``subject`` matches the certificate's distinguished name (``CN=...,O=...``), its
        ``CN=`` or bare common name, or one of its DNS subject alternative names.
        """
        if not subject.strip():
            raise ValueError("subject must name the certificate subject, such as 'CN=daemon'")
        self._directory.add_sni_trust(app, SniTrust(as_certificate(authority), subject))

    def set_refresh_in(self, app: App, seconds: int | None) -> None:
        """Make the tokens issued to ``app`` carry ``refresh_in`` (``None`` to stop)."""
        if seconds is not None and (isinstance(seconds, bool) or seconds <= 0):
            raise ValueError("refresh_in must be a positive number of seconds, or None")
        self._directory.set_refresh_in(app, seconds)

    def add_api(
        self,
        tenant: Tenant | None,
        *,
        app_id_uri: str | None = None,
        roles: Iterable[str] = (),
        app_id: str | None = None,
        access_token_version: int = 1,
    ) -> Api:
        """Register a web API in ``tenant`` (``None``: in every tenant) with app roles.

        ``access_token_version`` is the registration's ``accessTokenAcceptedVersion``: 1 (the
        default, as in Entra) issues v1 tokens to it, 2 issues v2 tokens.
        """
        if access_token_version not in (1, 2):
            raise ValueError("access_token_version must be 1 or 2")
        api_app_id = (app_id or str(uuid.uuid4())).lower()
        api = Api(
            app_id=api_app_id,
            app_id_uri=app_id_uri or f"api://{api_app_id}",
            tenant_id=tenant.id if tenant else None,
            roles=tuple(roles),
            access_token_version=access_token_version,
        )
        return self._directory.add_api(api)

    def grant_app_roles(self, app: App, api: Api, roles: Iterable[str]) -> None:
        """Grant ``app`` application roles of ``api`` (as admin consent does)."""
        self._directory.grant_app_roles(app, api, roles)

    # -- users -----------------------------------------------------------------------------

    def add_user(
        self,
        tenant: Tenant,
        username: str | None = None,
        *,
        display_name: str | None = None,
        object_id: str | None = None,
    ) -> User:
        """Register a user of ``tenant`` (``{random}@{tenant domain}`` without a username)."""
        name = username or f"user-{uuid.uuid4().hex[:8]}@{tenant.domain}"
        return self._context.users.add(
            tenant.id, name, display_name=display_name or name.split("@")[0], object_id=object_id
        )

    def add_family_member(self, app: App, family_id: str = "1") -> None:
        """Put ``app`` in a family of client ids (FOCI): members share refresh tokens."""
        self._context.families.join(app.client_id, family_id)

    def issue_user_tokens(
        self,
        app: App,
        user: User,
        scopes: Iterable[str],
        *,
        host: str = "login.microsoftonline.com",
        client_info: bool = True,
    ) -> dict[str, object]:
        """A token response for ``user`` signed in to ``app``, as the token endpoint sends it.

        Stands in for an interactive sign-in in tests: with ``openid``, ``profile`` and
        ``offline_access`` among ``scopes`` it carries an id token and a refresh token the
        emulator accepts at its token endpoint.
        """
        tenant = self._directory.find_tenant(user.tenant_id)
        if tenant is None:
            raise ValueError(f"the tenant of {user.username} is not registered")
        grant = UserGrant(app, user, tenant, host, self._context.clock())
        return issue_user_tokens(
            self._context, grant, parse_user_scopes(list(scopes)), client_info=client_info
        )

    def sign_in_as(self, user: User, *, mfa: bool = False) -> None:
        """Make the next authorize request sign ``user`` in (no browser needed); ``mfa``:
        as if the user also passed multi-factor authentication."""
        self._context.sign_ins.sign_in_as(user, mfa=mfa)

    def clear_sign_ins(self) -> None:
        """Forget the sign-ins queued by :meth:`sign_in_as` and not yet used."""
        self._context.sign_ins.clear_pending()

    def require_mfa(self, api: Api) -> str:
        """Demand MFA for on-behalf-of tokens of ``api`` (a Conditional Access policy): they
        are refused with ``interaction_required`` and a claims challenge naming the policy,
        until the user signs in again with that challenge. Returns the policy id."""
        return self._context.sign_ins.require_mfa(api.app_id)

    def issue_federated_credential(self, app: App, *, lifetime: int = 3600) -> str:
        """A federated identity credential for ``app`` (as an agent's instance token), for
        ``acquire_token_by_user_federated_identity_credential``."""
        now = int(self._context.clock())
        claims = {
            "aud": "api://AzureADTokenExchange",
            "iss": f"https://login.microsoftonline.com/{app.tenant_id}/v2.0",
            "sub": app.client_id,
            "azp": app.client_id,
            "idtyp": "app",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "tid": app.tenant_id,
        }
        return self._context.signer.sign(claims)

    def revoke_refresh_tokens(self, user: User) -> None:
        """Revoke the refresh tokens issued to ``user`` so far (their next use is AADSTS50173)."""
        self._context.refresh_tokens.revoke_user(user)

    # -- protected resources and continuous access evaluation ------------------------------

    def add_resource(
        self,
        api: Api,
        *,
        host: str | None = None,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
    ) -> ProtectedResource:
        """Serve a web API protected by ``api``'s tokens at ``https://{host}`` (routed here).

        It validates bearer tokens as a real API does (signature, ``aud``, ``iss``, lifetime,
        one of ``roles`` for app tokens or ``scopes`` for user tokens; none given: any) and
        answers 401/403 with Entra's ``WWW-Authenticate``. ``host`` defaults to the App ID
        URI's host (``api://name`` → ``name.resource.test``).
        """
        name = (host or _resource_host(api)).lower()
        resource = ProtectedResource(name, api, tuple(roles), tuple(scopes))
        self._context.resources.add(resource)
        self._routed_hosts.add(name)
        return resource

    def set_app_token_lifetime(self, app: App, seconds: int | None) -> None:
        """Make ``app``'s app-only tokens live ``seconds`` (``None``: Entra's 3599 again), to
        test what consumers do with tokens near their expiry."""
        if seconds is not None and (isinstance(seconds, bool) or seconds <= 0):
            raise ValueError("the lifetime must be a positive number of seconds, or None")
        self._directory.set_app_token_lifetime(app, seconds)

    def change_policy(self, api: Api) -> int:
        """A Conditional Access policy covering ``api`` changed (a CAE critical event for
        every caller): its resources challenge every CAE-capable token issued before now.
        Returns the time (epoch seconds) the challenge asks for."""
        return self._context.sessions.change_policy(api.app_id, self._context.clock())

    def revoke_sessions(self, principal: App | User) -> int:
        """Revoke the sessions of a user or of an app's service principal (a CAE critical
        event): resources then answer its CAE-capable tokens issued before now with a claims
        challenge. Returns the revocation time (epoch seconds) the challenge asks for."""
        object_id = (
            principal.service_principal_id if isinstance(principal, App) else principal.object_id
        )
        return self._context.sessions.revoke(object_id, self._context.clock())

    # -- hosts -----------------------------------------------------------------------------

    def add_instance(self, host: str) -> None:
        """Make instance discovery accept ``host`` (and route it to the emulator)."""
        self._instances.add(host)
        self._routed_hosts.add(host)

    def route_host(self, name: str) -> None:
        """Route ``name`` (or ``*.domain``) to the emulator in :meth:`http_client` sessions."""
        self._routed_hosts.add(name)

    def router(self) -> HostRouter:
        """The routing decision table of this emulator's transports."""
        return HostRouter((self.host, self.port), self._routed_hosts)

    def routing_adapter(self, ca_path: str | Path | None = None) -> RoutingAdapter:
        """A ``requests`` adapter routing Entra hosts here; mount it on your own session.

        ``ca_path`` overrides the CA to verify against (only useful to test failures).
        """
        return RoutingAdapter(
            self.router(), ca_path or self.ca_path, faults=self._faults, refusals=self._refusals
        )

    def http_client(self) -> requests.Session:
        """A ``requests.Session`` that reaches this emulator under the real Entra host names."""
        return routed_session(self.routing_adapter())

    def add_adfs(self, host: str, tenant: Tenant) -> str:
        """Serve ``tenant`` as an ADFS farm at ``host``; return its authority URL.

        The farm's apps are ``tenant``'s apps; ``host`` is routed to the emulator.
        """
        self._context.adfs_farms.add(host, tenant)
        self._routed_hosts.add(host)
        return f"https://{host.lower()}/adfs"

    # -- regions ---------------------------------------------------------------------------

    def set_region(self, region: str | None) -> None:
        """The region the metadata service reports; ``None``: it answers 404 (not in Azure)."""
        self._context.regions.set_location(region)

    def deny_regional(self, app: App) -> None:
        """Refuse ``app`` on regional hosts (AADSTS100007), as Entra does for most apps."""
        self._context.regions.deny(app)

    @property
    def imds_endpoint(self) -> str:
        """The base URL of the emulated metadata service, for ``ENTRACLIENT_IMDS_ENDPOINT``."""
        return self.base_url

    # -- managed identity -----------------------------------------------------------------

    @property
    def system_assigned_identity(self) -> EmulatedIdentity:
        """The emulated host's own (system-assigned) managed identity, in the sample tenant."""
        registry = self._context.managed_identities
        with self._lock:
            try:
                return registry.system_assigned
            except RuntimeError:
                identity = new_identity(self.sample.tenant.id, system_assigned=True)
                registry.set_system_assigned(identity)
                return identity

    def add_managed_identity(
        self,
        tenant: Tenant | None = None,
        *,
        client_id: str | None = None,
        object_id: str | None = None,
        resource_id: str | None = None,
    ) -> EmulatedIdentity:
        """Register a user-assigned managed identity (ids generated unless given)."""
        tenant_id = (tenant or self.sample.tenant).id
        identity = new_identity(
            tenant_id, client_id=client_id, object_id=object_id, resource_id=resource_id
        )
        return self._context.managed_identities.add(identity)

    def managed_identity(
        self,
        kind: str,
        *,
        identity: EmulatedIdentity | None = None,
        key_directory: str | Path | None = None,
        token_lifetime: int | None = None,
    ) -> ManagedIdentityEnvironment:
        """The environment of an Azure host of ``kind`` whose managed identity endpoint is
        this emulator: ``vm``, ``app_service``, ``machine_learning``, ``service_fabric`` or
        ``azure_arc``.

        ``identity`` is the identity Service Fabric's cluster assigns (the system-assigned one
        by default). For Azure Arc the key file its challenge names is written in
        ``key_directory`` (a temporary directory by default): pass the same directory to the
        client as its Arc agent directory. ``token_lifetime`` (seconds) applies to every
        managed identity token from now on.
        """
        if kind not in MI_BACKENDS:
            raise ValueError(f"kind must be one of {', '.join(MI_BACKENDS)}, not {kind!r}")
        self.system_assigned_identity  # noqa: B018 - created on first use
        hosts = self._context.identity_hosts
        if token_lifetime is not None:
            if isinstance(token_lifetime, bool) or token_lifetime <= 0:
                raise ValueError("token_lifetime must be a positive number of seconds")
            hosts.lifetime = token_lifetime
        endpoint = self.base_url + MI_BACKENDS[kind].path
        if kind == "vm":
            return ManagedIdentityEnvironment(
                kind, {"AZURE_POD_IDENTITY_AUTHORITY_HOST": self.base_url}
            )
        if kind == "azure_arc":
            directory = Path(key_directory) if key_directory else self._arc_directory()
            key = hosts.new_arc_key(directory)
            env = {"IDENTITY_ENDPOINT": endpoint, "IMDS_ENDPOINT": self.base_url}
            return ManagedIdentityEnvironment(kind, env, key.path, directory)
        secret = hosts.secret_of(kind)
        if kind == "machine_learning":
            return ManagedIdentityEnvironment(
                kind, {"MSI_ENDPOINT": endpoint, "MSI_SECRET": secret}
            )
        env = {"IDENTITY_ENDPOINT": endpoint, "IDENTITY_HEADER": secret}
        if kind == "service_fabric":
            hosts.service_fabric_identity = identity
            env["IDENTITY_SERVER_THUMBPRINT"] = served_certificate_thumbprint(self.host, self.port)
        return ManagedIdentityEnvironment(kind, env)

    def trust_managed_identity(self, app: App, identity: EmulatedIdentity) -> None:
        """Add a federated identity credential to ``app`` trusting ``identity``'s tokens for
        ``api://AzureADTokenExchange``: the app then authenticates with such a token as its
        ``client_assertion``, holding no secret."""
        signer = self._context.signer
        trust = FederatedTrust(
            issuer=identity_issuer(identity.tenant_id),
            subject=identity.object_id,
            audience=TOKEN_EXCHANGE_AUDIENCE,
            key_id=signer.key_id,
            verify=signer.verify,
        )
        self._directory.add_federated_trust(app, trust)

    def fail_next_managed_identity_requests(
        self,
        count: int = 1,
        *,
        status: int = 429,
        retry_after: int | None = None,
        kind: str | None = None,
    ) -> None:
        """Answer the next ``count`` managed identity token requests (to hosts of ``kind``,
        or of any kind) with HTTP ``status`` (429 or 5xx) in each host's error shape, with a
        ``Retry-After`` header when ``retry_after`` is given."""
        if status != 429 and not 500 <= status <= 599:
            raise ValueError("status must be 429 or a 5xx status")
        if isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive number of requests")
        if kind is not None and kind not in MI_BACKENDS:
            raise ValueError(f"kind must be one of {', '.join(MI_BACKENDS)}, not {kind!r}")
        outage = HostOutage(status, count, retry_after, kind)
        self._context.identity_hosts.fail_next(outage)

    def _arc_directory(self) -> Path:
        with self._lock:
            if self._arc_tokens is None:
                self._arc_tokens = Path(tempfile.mkdtemp(prefix="entraclient-arc-"))
                weakref.finalize(self, shutil.rmtree, self._arc_tokens, True)
            return self._arc_tokens

    # -- faults ----------------------------------------------------------------------------

    def fail_next_token_requests(self, count: int = 1, *, status: int = 503) -> None:
        """Answer the next ``count`` token requests with HTTP ``status`` and Entra's
        ``temporarily_unavailable`` body (AADSTS90033), before any other check."""
        self._context.outages.fail_next(count, status=status)

    def async_http_client(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` that reaches this emulator under the real host names."""
        from entraclient.emulator.async_routing import routed_async_client

        return routed_async_client(self.router(), self.ca_path)

    def inject(
        self,
        fault: Fault,
        *,
        path: str | None = None,
        method: str | None = None,
        host: str | None = None,
        times: int | None = 1,
    ) -> Injection:
        """Misbehave with ``fault`` for the next ``times`` matching requests (``None``: always).

        ``path`` and ``host`` are ``fnmatch`` patterns (``faults.TOKEN_ENDPOINT`` matches
        every token endpoint); ``None`` matches anything. See :mod:`.faults` for the faults.
        """
        return self._faults.inject(fault, path=path, method=method, host=host, times=times)

    def clear_faults(self) -> None:
        """Disarm every injected fault and pending outage."""
        self._faults.clear()
        self._context.outages.clear()

    # -- request log -----------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request received since the last :meth:`clear_log`, oldest first."""
        return self._log.records

    def token_requests(self) -> list[LoggedRequest]:
        """The POSTs to token endpoints in :attr:`requests`."""
        return [r for r in self._log.records if r.is_token_request]

    def clear_log(self) -> None:
        """Forget the requests received so far."""
        self._log.clear()

    # -- isolation (issue 15) --------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything registered, issued or armed since construction.

        Tenants, apps, secrets, certificates, APIs, users, refresh tokens, sign-ins, routed
        hosts, faults and the request log go back to how a new emulator has them: only the
        sample setup (same ids and secret) remains. The address, CA and signing key stay.
        """
        self.clear_log()
        self.clear_faults()
        self.clear_sign_ins()
        self._pristine.restore()

    def _snapshot(self) -> StateSnapshot:
        holders = state_holders(self._context, keep=("signer", "log"))
        return StateSnapshot([*holders, self._routed_hosts])

    # -- sample ----------------------------------------------------------------------------

    def _add_sample(self) -> SampleSetup:
        tenant = self.add_tenant(SAMPLE_DOMAIN)
        app = self.add_app(tenant, display_name="sample daemon")
        api = self.add_api(tenant, app_id_uri=SAMPLE_API_URI, roles=["Data.Read"])
        self.grant_app_roles(app, api, ["Data.Read"])
        return SampleSetup(tenant, app, api)
