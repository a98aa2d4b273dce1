"""Authority discovery: instance validation, then the OpenID configuration (OIDC Discovery 1.0).

Order (PROTOCOL.md §2): an Entra authority on a host Entra does not list as well known is
first validated against Entra's instance-discovery endpoint, unless the caller opted out; an
unknown instance is refused before any credential is sent to it. Then the authority's
OpenID configuration gives the token endpoint, whose first path segment is the realm under
which tokens are cached. For an ``oidc_authority`` the configuration's ``issuer`` must
belong to the authority (:mod:`entraclient.flows.oidc_issuer`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from entraclient.authority import (
    WELL_KNOWN_AUTHORITY_HOSTS,
    WELL_KNOWN_B2C_HOSTS,
    Authority,
    AuthorityKind,
)
from entraclient.errors import ProtocolError
from entraclient.flows.oidc_issuer import issuer_is_valid
from entraclient.flows.responses import successful_json
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest
from entraclient.redaction import loggable_url

__all__ = [
    "DEFAULT_INSTANCE_DISCOVERY_URL",
    "AuthorityEndpoints",
    "EndpointResolver",
    "InstanceDiscovery",
    "discover_endpoints",
]

OPENID_REQUIRED_FIELDS = ("authorization_endpoint", "token_endpoint")
"""The members of an OpenID configuration a client cannot work without."""

DEFAULT_INSTANCE_DISCOVERY_URL = "https://login.microsoftonline.com/common/discovery/instance"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InstanceDiscovery:
    """Whether and where to validate an authority's host before trusting it."""

    enabled: bool = True
    endpoint: str = DEFAULT_INSTANCE_DISCOVERY_URL

    def applies_to(self, authority: Authority) -> bool:
        """Whether ``authority`` must be validated: an Entra authority on an unlisted host."""
        return (
            self.enabled and authority.kind is AuthorityKind.ENTRA and not authority.is_well_known
        )


@dataclass(frozen=True, slots=True)
class AuthorityEndpoints:
    """What discovery found: the endpoints and the realm tokens are cached under."""

    authority: Authority
    token_endpoint: str
    authorization_endpoint: str
    issuer: str | None
    realm: str
    device_authorization_endpoint: str | None = None


def discover_endpoints(
    authority: Authority, instance_discovery: InstanceDiscovery
) -> Flow[AuthorityEndpoints]:
    """Validate ``authority`` where needed, then read its OpenID configuration."""
    discovery_url = authority.discovery_url
    if instance_discovery.applies_to(authority):
        discovery_url = yield from _validate_instance(authority, instance_discovery.endpoint)
    response = yield HttpRequest("GET", discovery_url, cache_requires=OPENID_REQUIRED_FIELDS)
    document = successful_json(response)
    endpoints = _endpoints_from(authority, document)
    if authority.kind is AuthorityKind.OIDC and not issuer_is_valid(
        endpoints.issuer, authority.url
    ):
        raise ProtocolError(
            f"the OpenID configuration of {authority.url} names the issuer "
            f"{(endpoints.issuer or '')[:120]!r}, which does not belong to that oidc_authority"
        )
    return endpoints


def _validate_instance(authority: Authority, endpoint: str) -> Flow[str]:
    query = (
        ("authorization_endpoint", authority.authorization_endpoint_hint),
        ("api-version", "1.0"),
    )
    response = yield HttpRequest(
        "GET", endpoint, query=query, cache_requires=("tenant_discovery_endpoint",)
    )
    body = successful_json(response)
    found = body.get("tenant_discovery_endpoint")
    if not isinstance(found, str) or not found.startswith("https://"):
        raise ProtocolError("instance discovery answered without a tenant_discovery_endpoint")
    return found


def _endpoints_from(authority: Authority, document: dict[str, object]) -> AuthorityEndpoints:
    token_endpoint = _https_field(document, "token_endpoint")
    authorization_endpoint = _https_field(document, "authorization_endpoint")
    _check_token_host(authority, token_endpoint)
    segments = [s for s in urlsplit(token_endpoint).path.split("/") if s]
    if not segments:
        raise ProtocolError("the token_endpoint in the OpenID configuration has no tenant path")
    issuer = document.get("issuer")
    device = document.get("device_authorization_endpoint")
    return AuthorityEndpoints(
        authority=authority,
        token_endpoint=token_endpoint,
        authorization_endpoint=authorization_endpoint,
        issuer=issuer if isinstance(issuer, str) else None,
        realm=segments[0],
        device_authorization_endpoint=device if isinstance(device, str) else None,
    )


_ENTRA_FAMILY = (AuthorityKind.ENTRA, AuthorityKind.B2C, AuthorityKind.CIAM)


def _check_token_host(authority: Authority, token_endpoint: str) -> None:
    """An Entra-family authority's credential goes only to its host, an alias or a region."""
    if authority.kind not in _ENTRA_FAMILY:
        return
    host = (urlsplit(token_endpoint).hostname or "").lower()
    own = authority.environment.lower()
    microsoft = (*WELL_KNOWN_AUTHORITY_HOSTS, *WELL_KNOWN_B2C_HOSTS)

    def operated_by_microsoft(name: str) -> bool:
        return any(name == known or name.endswith("." + known) for known in microsoft)

    if (
        host == own
        or host.endswith("." + own)  # a regional host of this one
        or (operated_by_microsoft(own) and operated_by_microsoft(host))
    ):
        return
    raise ProtocolError(
        f"the OpenID configuration names a token_endpoint on {host[:100]!r}, which is neither "
        f"{own!r} nor one of its aliases or regional hosts; the credential is not sent there"
    )


def _https_field(document: dict[str, object], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.lower().startswith("https://"):
        raise ProtocolError(f"the OpenID configuration has no https {name}")
    return value


class EndpointResolver:
    """Discovers an authority's endpoints once and remembers them for the application."""

    def __init__(self, authority: Authority, instance_discovery: InstanceDiscovery) -> None:
        self.authority = authority
        self.instance_discovery = instance_discovery
        self.known: AuthorityEndpoints | None = None
        """The endpoints if discovery already ran, else ``None`` (an attribute: hits read it)."""

    def resolve(self, *, pii_logging: bool = False) -> Flow[AuthorityEndpoints]:
        """The endpoints, discovering them on first use."""
        if self.known is None:
            url = loggable_url(self.authority.discovery_url, pii_shown=pii_logging)
            logger.debug("discovering the authority's endpoints: %s", url)
            self.known = yield from discover_endpoints(self.authority, self.instance_discovery)
        return self.known
