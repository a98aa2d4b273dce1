"""Which ``issuer`` an ``oidc_authority``'s OpenID configuration may name (PROTOCOL.md §2.1).

OpenID Connect Discovery 1.0 §4.3 wants the issuer to equal the URL the configuration was
fetched from; Entra-hosted issuers legitimately differ (a GUID path, a regional or tenant
sub-domain), so an issuer is accepted when any of these holds:

1. it is the authority, ignoring a trailing ``/``;
2. it has the authority's scheme and ``host[:port]`` (any path);
3. its host is a well-known Entra host;
4. its host is ``{one label}.{well-known Entra host}`` or ``{one label}.{authority host}``;
5. its host is a sub-domain of a B2C/CIAM host (``*.b2clogin.com``, ``*.ciamlogin.com``, …).

Anything else — or no issuer at all — means the configuration does not belong to the
authority, and nothing is sent to its endpoints.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from entraclient.authority import WELL_KNOWN_AUTHORITY_HOSTS, WELL_KNOWN_B2C_HOSTS

__all__ = ["issuer_is_valid"]


def issuer_is_valid(issuer: str | None, authority_url: str) -> bool:
    """Whether ``issuer`` may be the issuer of the OIDC authority at ``authority_url``."""
    if not issuer:
        return False
    if issuer.rstrip("/") == authority_url.rstrip("/"):
        return True
    found, expected = urlsplit(issuer), urlsplit(authority_url)
    host = (found.hostname or "").lower()
    if not host:
        return False
    if (found.scheme.lower(), found.netloc.lower()) == (
        expected.scheme.lower(),
        expected.netloc.lower(),
    ):
        return True
    if host in WELL_KNOWN_AUTHORITY_HOSTS:
        return True
    label, _, parent = host.partition(".")
    if label and parent and parent in {*WELL_KNOWN_AUTHORITY_HOSTS, (expected.hostname or "")}:
        return True
    return any(host.endswith("." + b2c_host) for b2c_host in WELL_KNOWN_B2C_HOSTS)
