"""Authority URLs: their kinds, their tenants, and where their OpenID configuration lives.

Invariants:

* An :class:`Authority` is parsed once, at construction, and never does I/O; discovery of
  its endpoints is a flow (:mod:`entraclient.flows.discovery`).
* Every authority is ``https``; the host is lower-cased; the tenant is never empty.
* ``environment`` (the cache's name for the host) is the configured host, never an alias.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

__all__ = [
    "AZURE_CHINA",
    "AZURE_GOV_DE",
    "AZURE_GOV_FR",
    "AZURE_GOV_SG",
    "AZURE_PUBLIC",
    "AZURE_US_GOVERNMENT",
    "DEPRECATED_AZURE_CHINA",
    "WELL_KNOWN_AUTHORITY_HOSTS",
    "WELL_KNOWN_B2C_HOSTS",
    "WORLD_WIDE",
    "Authority",
    "AuthorityBuilder",
    "AuthorityKind",
    "parse_authority",
]

AZURE_PUBLIC = "login.microsoftonline.com"
WORLD_WIDE = AZURE_PUBLIC
AZURE_US_GOVERNMENT = "login.microsoftonline.us"
AZURE_CHINA = "login.chinacloudapi.cn"
DEPRECATED_AZURE_CHINA = AZURE_CHINA
AZURE_GOV_FR = "login.sovcloud-identity.fr"
AZURE_GOV_DE = "login.sovcloud-identity.de"
AZURE_GOV_SG = "login.sovcloud-identity.sg"

WELL_KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.chinacloudapi.cn",
        "login-us.microsoftonline.com",
        "login.microsoftonline.us",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.partner.microsoftonline.cn",
        "login.microsoftonline.de",
        "login.usgovcloudapi.net",
        AZURE_GOV_FR,
        AZURE_GOV_DE,
        AZURE_GOV_SG,
    }
)
WELL_KNOWN_B2C_HOSTS = (
    "b2clogin.com",
    "b2clogin.cn",
    "b2clogin.us",
    "b2clogin.de",
    "ciamlogin.com",
)
_CIAM_SUFFIX = ".ciamlogin.com"
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
DEFAULT_AUTHORITY = "https://login.microsoftonline.com/common/"


class AuthorityKind(enum.Enum):
    """How an authority is discovered and which rules apply to it."""

    ENTRA = "entra"
    B2C = "b2c"
    CIAM = "ciam"
    ADFS = "adfs"
    OIDC = "oidc"


@dataclass(frozen=True, slots=True)
class Authority:
    """A parsed authority. ``url`` is canonical: scheme, lower-cased host, path, no slash."""

    kind: AuthorityKind
    url: str
    host: str
    tenant: str
    discovery_url: str

    @property
    def environment(self) -> str:
        """The host name the token cache files tokens under."""
        return self.host.split(":", 1)[0] if not self.host.startswith("[") else self.host

    @property
    def is_well_known(self) -> bool:
        """Whether the host is one Entra serves, so instance discovery is unnecessary."""
        return self.environment in WELL_KNOWN_AUTHORITY_HOSTS

    @property
    def is_adfs(self) -> bool:
        return self.kind is AuthorityKind.ADFS

    @property
    def is_b2c_like(self) -> bool:
        """B2C and CIAM authorities: validated by their host name, never by discovery."""
        return self.kind in (AuthorityKind.B2C, AuthorityKind.CIAM)

    @property
    def authorization_endpoint_hint(self) -> str:
        """The authorize URL Entra expects in an instance-discovery (validation) query."""
        return f"{self.url}/oauth2/v2.0/authorize"

    def with_host(self, host: str) -> Authority:
        """The same tenant on another host (an alias, or a regional host)."""
        return parse_authority(f"https://{host}/{self.tenant}")


class AuthorityBuilder(str):
    """An authority URL built from a cloud host and a tenant: ``https://{instance}/{tenant}``.

    It is a ``str``, so it can be passed wherever an authority URL is expected::

        AuthorityBuilder(AZURE_PUBLIC, "contoso.onmicrosoft.com")
        # 'https://login.microsoftonline.com/contoso.onmicrosoft.com'

    ``instance`` may be a bare host (``AZURE_PUBLIC``) or a URL; ``tenant`` a GUID or a domain.
    """

    __slots__ = ()

    def __new__(cls, instance: str, tenant: str) -> AuthorityBuilder:
        if not isinstance(instance, str) or not instance.strip():
            raise ValueError("AuthorityBuilder needs a cloud instance such as AZURE_PUBLIC")
        if not isinstance(tenant, str) or not tenant.strip("/ "):
            raise ValueError("AuthorityBuilder needs a tenant, such as 'contoso.onmicrosoft.com'")
        base = instance.strip() if "://" in instance else f"https://{instance.strip()}"
        return super().__new__(cls, f"{base.rstrip('/')}/{tenant.strip('/ ')}")


def parse_authority(url: str) -> Authority:
    """Parse an authority URL, raising ``ValueError`` with what to change if it is malformed."""
    parts = _split_https(url, "authority")
    host = parts.netloc.lower()
    segments = [s for s in parts.path.split("/") if s]
    hostname = parts.hostname or ""
    if hostname.endswith(_CIAM_SUFFIX) and not segments:
        tenant = hostname[: -len(_CIAM_SUFFIX)] + ".onmicrosoft.com"
        return _authority(AuthorityKind.CIAM, host, [tenant], parts.query)
    if not segments:
        raise ValueError(
            f"authority {url!r} has no tenant: use https://{host}/<tenant>, where <tenant> is "
            "a tenant id, a domain such as contoso.onmicrosoft.com, or 'organizations'"
        )
    if segments[0].lower() == "dstsv2":
        return parse_oidc_authority(url)
    if segments[0].lower() == "adfs" and not hostname.endswith(_CIAM_SUFFIX):
        return _authority(AuthorityKind.ADFS, host, ["adfs"], parts.query)
    if hostname.endswith(_CIAM_SUFFIX):
        return _authority(AuthorityKind.CIAM, host, segments[:1], parts.query)
    if _is_b2c(hostname, parts.path):
        if len(segments) < 2:
            raise ValueError(
                f"B2C authority {url!r} has no policy: use "
                f"https://{host}/<tenant>/<policy>, such as .../contoso.onmicrosoft.com/B2C_1_susi"
            )
        return _authority(AuthorityKind.B2C, host, segments[:2], parts.query)
    return _authority(AuthorityKind.ENTRA, host, segments[:1], parts.query)


def parse_oidc_authority(url: str) -> Authority:
    """Parse an ``oidc_authority``: any OpenID Connect issuer, discovered as-is."""
    parts = _split_https(url, "oidc_authority")
    host = parts.netloc.lower()
    path = parts.path.rstrip("/")
    canonical = urlunsplit(("https", host, path, "", ""))
    segments = [s for s in path.split("/") if s]
    return Authority(
        kind=AuthorityKind.OIDC,
        url=canonical,
        host=host,
        tenant=segments[0] if segments else "",
        discovery_url=f"{canonical}/.well-known/openid-configuration",
    )


def _split_https(url: str, name: str) -> SplitResult:
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{name} must be a non-empty https URL, got {url!r}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        # urlsplit would silently drop CR, LF and TAB; an authority never carries them.
        raise ValueError(f"{name} {url!r} contains control characters")
    parts = urlsplit(url.strip())
    if any(segment in {".", ".."} for segment in parts.path.split("/")):
        raise ValueError(f"{name} {url!r} has a '.' or '..' path segment; name the tenant")
    if parts.scheme.lower() != "https":
        raise ValueError(f"{name} must use https (got {url!r}); plain http is not allowed")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{name} {url!r} has an invalid port") from exc
    malformed = port == 0 or parts.username or parts.password or parts.fragment
    if malformed or not _is_host_name(parts.hostname or ""):
        raise ValueError(f"{name} {url!r} is not a URL of the form https://host/tenant")
    return parts


def _is_host_name(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return bool(_HOST_NAME.fullmatch(hostname))
    return True


def _is_b2c(hostname: str, path: str) -> bool:
    if any(hostname.endswith("." + suffix) for suffix in WELL_KNOWN_B2C_HOSTS[:-1]):
        return True
    segments = path.split("/")
    # Any host whose path is exactly /{tenant}/{b2c_policy} is B2C (a trailing '/' defeats it).
    return len(segments) == 3 and segments[2].lower().startswith("b2c_")


def _authority(kind: AuthorityKind, host: str, segments: list[str], query: str) -> Authority:
    path = "/" + "/".join(segments)
    url = f"https://{host}{path}"
    if kind is AuthorityKind.ADFS:
        discovery = f"{url}/.well-known/openid-configuration" + (f"?{query}" if query else "")
    else:
        discovery = f"{url}/v2.0/.well-known/openid-configuration"
    return Authority(kind=kind, url=url, host=host, tenant=segments[0], discovery_url=discovery)
