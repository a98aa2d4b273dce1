"""The standalone emulator's config file: stable tenants, apps, secrets, certificates, APIs
and users across restarts.

TOML (``.toml``) or JSON (any other name). Example::

    [emulator]
    port = 8443                       # optional; default: any free port
    ca_file = "emulator-ca.pem"       # optional; the CA certificate is copied here
    hosts = ["adfs.fabrikam.test"]    # optional; more host names it serves

    [[tenants]]
    domain = "fabrikam.onmicrosoft.com"
    id = "6f1c0f2e-1d3b-4f7a-9a55-0c1e4c2e9f10"

    [[apis]]
    tenant = "fabrikam.onmicrosoft.com"
    app_id_uri = "api://orders"
    roles = ["Orders.Read"]

    [[apps]]
    tenant = "fabrikam.onmicrosoft.com"
    client_id = "0b5b5d8e-5f0a-4a8e-9d57-2d3b1f0c7a11"
    secrets = ["a-development-secret"]
    certificates = ["daemon-cert.pem"]          # paths relative to this file
    roles = { "api://orders" = ["Orders.Read"] }

    [[users]]
    tenant = "fabrikam.onmicrosoft.com"
    username = "ann@fabrikam.onmicrosoft.com"

Invariants: the whole file is read and checked before anything is registered, and every
problem is a :class:`ConfigError` naming the file, the entry and what to change. Secret
values never appear in its messages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from entraclient.emulator.directory import Api, App, Tenant
from entraclient.emulator.emulator import Emulator
from entraclient.emulator.users import User

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "ApiEntry",
    "AppEntry",
    "ConfigError",
    "EmulatorConfig",
    "Registered",
    "TenantEntry",
    "UserEntry",
    "apply_config",
    "load_config",
]

_SECTIONS = {"emulator", "tenants", "apis", "apps", "users"}


class ConfigError(ValueError):
    """The config file cannot be used; the message says where and what to change."""


@dataclass(frozen=True, slots=True)
class TenantEntry:
    """A tenant: its default domain, optional GUID and further domains."""

    domain: str
    id: str | None = None
    domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiEntry:
    """A web API of a tenant, with its app roles and delegated scopes."""

    tenant: str
    app_id_uri: str
    app_id: str | None = None
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AppEntry:
    """A confidential client app, its credentials and the API roles granted to it."""

    tenant: str
    client_id: str
    name: str = "app"
    secrets: tuple[str, ...] = field(default=(), repr=False)
    certificates: tuple[Path, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserEntry:
    """A user of a tenant."""

    tenant: str
    username: str
    display_name: str | None = None
    object_id: str | None = None


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """A whole config file, checked."""

    source: Path
    port: int | None = None
    ca_file: Path | None = None
    hosts: tuple[str, ...] = ()
    tenants: tuple[TenantEntry, ...] = ()
    apis: tuple[ApiEntry, ...] = ()
    apps: tuple[AppEntry, ...] = ()
    users: tuple[UserEntry, ...] = ()


@dataclass(slots=True)
class Registered:
    """What :func:`apply_config` registered, keyed as in the file."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)


class _Entry:
    """One table of the file, read with messages that say where a problem is."""

    def __init__(self, where: str, table: object, known: set[str]) -> None:
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: expected a table of settings")
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown setting {unknown[0]!r} (known: {sorted(known)})")
        self.where = where
        self.table: Mapping[str, Any] = table

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.table.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{self.where}: {name!r} must be a non-empty string")
        return value.strip()

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.table.get(name, [])
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise ConfigError(f"{self.where}: {name!r} must be a list of strings")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{self.where}: {name!r} must be a list of non-empty strings")
        return tuple(v.strip() for v in value)


def load_config(path: str | Path) -> EmulatorConfig:
    """Read and check the config file at ``path`` (TOML if it ends in ``.toml``, else JSON)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {source}: {exc.strerror}") from exc
    try:
        document = tomllib.loads(text) if source.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{source}: not valid {_format_name(source)}: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: expected a table/object at the top")
    unknown = sorted(set(document) - _SECTIONS)
    if unknown:
        raise ConfigError(f"{source}: unknown section {unknown[0]!r} (known: {sorted(_SECTIONS)})")
    return _checked(source, document)


def _format_name(source: Path) -> str:
    return "TOML" if source.suffix == ".toml" else "JSON"


def _list(source: Path, document: Mapping[str, Any], name: str) -> list[_Entry]:
    known = {
        "tenants": {"domain", "id", "domains"},
        "apis": {"tenant", "app_id_uri", "app_id", "roles", "scopes"},
        "apps": {
            "tenant", "client_id", "name", "secrets", "certificates", "redirect_uris", "roles",
        },
        "users": {"tenant", "username", "display_name", "object_id"},
    }[name]  # fmt: skip
    tables = document.get(name, [])
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: {name!r} must be a list of tables ([[{name}]] in TOML)")
    return [_Entry(f"{source}: {name}[{i}]", t, known) for i, t in enumerate(tables)]


def _checked(source: Path, document: Mapping[str, Any]) -> EmulatorConfig:
    settings = _Entry(
        f"{source}: [emulator]", document.get("emulator", {}), {"port", "ca_file", "hosts"}
    )
    port = settings.table.get("port")
    if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
        raise ConfigError(f"{settings.where}: 'port' must be a TCP port number (1-65535)")
    ca_file = settings.text("ca_file")
    tenants = tuple(_tenant(e) for e in _list(source, document, "tenants"))
    names = {n.lower() for t in tenants for n in (t.domain, *t.domains, *([t.id] if t.id else []))}
    names.add("contoso.onmicrosoft.com")  # the sample tenant every emulator has
    apis = tuple(_api(e, names) for e in _list(source, document, "apis"))
    apps = tuple(_app(e, names, source.parent) for e in _list(source, document, "apps"))
    users = tuple(_user(e, names) for e in _list(source, document, "users"))
    ca_path = source.parent / ca_file if ca_file else None
    hosts = settings.texts("hosts")
    return EmulatorConfig(source, port, ca_path, hosts, tenants, apis, apps, users)


def _tenant_name(entry: _Entry, tenants: set[str]) -> str:
    name = entry.text("tenant", required=True) or ""
    if name.lower() not in tenants:
        raise ConfigError(f"{entry.where}: tenant {name!r} is not in [[tenants]]")
    return name


def _tenant(entry: _Entry) -> TenantEntry:
    return TenantEntry(
        entry.text("domain", required=True) or "", entry.text("id"), entry.texts("domains")
    )


def _api(entry: _Entry, tenants: set[str]) -> ApiEntry:
    return ApiEntry(
        _tenant_name(entry, tenants),
        entry.text("app_id_uri", required=True) or "",
        entry.text("app_id"),
        entry.texts("roles"),
        entry.texts("scopes"),
    )


def _app(entry: _Entry, tenants: set[str], base: Path) -> AppEntry:
    roles = entry.table.get("roles", {})
    if not isinstance(roles, Mapping):
        raise ConfigError(f"{entry.where}: 'roles' must map an API's app ID URI to role names")
    granted = {
        uri: _Entry(f"{entry.where}.roles", {"r": names}, {"r"}).texts("r")
        for uri, names in roles.items()
    }
    certificates = tuple(base / p for p in entry.texts("certificates"))
    for path in certificates:
        if not path.is_file():
            raise ConfigError(f"{entry.where}: certificate file {path} does not exist")
    return AppEntry(
        _tenant_name(entry, tenants),
        entry.text("client_id", required=True) or "",
        entry.text("name") or "app",
        entry.texts("secrets"),
        certificates,
        entry.texts("redirect_uris"),
        granted,
    )


def _user(entry: _Entry, tenants: set[str]) -> UserEntry:
    return UserEntry(
        _tenant_name(entry, tenants),
        entry.text("username", required=True) or "",
        entry.text("display_name"),
        entry.text("object_id"),
    )


def apply_config(emulator: Emulator, config: EmulatorConfig) -> Registered:
    """Register everything ``config`` lists in ``emulator``; returns the handles made."""
    done = Registered()
    try:
        _register(emulator, config, done)
    except ValueError as exc:  # duplicates, malformed ids or URIs, unreadable certificates
        raise ConfigError(f"{config.source}: {exc}") from exc
    return done


def _register(emulator: Emulator, config: EmulatorConfig, done: Registered) -> None:
    for host in config.hosts:
        emulator.route_host(host)
        done.hosts.append(host)
    sample = emulator.sample.tenant
    tenants = {n.lower(): sample for n in (sample.id, *sample.domains)}
    for t in config.tenants:
        tenant = emulator.add_tenant(t.domain, tenant_id=t.id, domains=t.domains)
        done.tenants[t.domain] = tenant
        tenants.update(dict.fromkeys((tenant.id.lower(), *tenant.domains), tenant))
    apis = {emulator.sample.api.app_id_uri: emulator.sample.api}
    for a in config.apis:
        api = emulator.add_api(
            tenants[a.tenant.lower()], app_id_uri=a.app_id_uri, roles=a.roles, app_id=a.app_id
        )
        apis[a.app_id_uri] = done.apis[a.app_id_uri] = api
    for entry in config.apps:
        app = emulator.add_app(
            tenants[entry.tenant.lower()],
            secrets=list(entry.secrets),
            display_name=entry.name,
            client_id=entry.client_id,
            redirect_uris=entry.redirect_uris,
        )
        for path in entry.certificates:
            emulator.add_certificate(app, path.read_bytes())
        for uri, roles in entry.roles.items():
            if uri not in apis:
                raise ValueError(f"app {entry.client_id} is granted roles of unknown API {uri}")
            emulator.grant_app_roles(app, apis[uri], roles)
        done.apps[entry.client_id] = app
    for u in config.users:
        user = emulator.add_user(
            tenants[u.tenant.lower()],
            u.username,
            display_name=u.display_name,
            object_id=u.object_id,
        )
        done.users[u.username] = user
