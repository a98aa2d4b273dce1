"""Authority aliases: the hosts Entra treats as one environment (PROTOCOL.md §2.3 b, §8.10).

Tokens are cached under the configured host; a token cached under an alias of it (say
``login.windows.net`` for ``login.microsoftonline.com``) belongs to the same environment, so
cache look-ups and removals also try the aliases. Entra lists the alias groups in the
instance-discovery metadata call::

    GET https://{h}/common/discovery/instance?api-version=1.1
        &authorization_endpoint=https://{h}/common/oauth2/authorize
    Accept: application/json

where ``{h}`` is the environment itself if it is a well-known Entra host, else
``login.microsoftonline.com``. The answer is memoised per application (and, being a 2xx GET,
kept in the HTTP cache). No call is made, and there are no aliases, for authorities the
developer vouches for: ADFS, B2C, CIAM and OIDC ones, and whenever ``instance_discovery`` or
``validate_authority`` is ``False``.

Usage, inside a flow::

    for environment in (app_host, *(yield from resolver.aliases(app_host))):
        ...
"""

from __future__ import annotations

from typing import Protocol

from entraclient.authority import WELL_KNOWN_AUTHORITY_HOSTS, WORLD_WIDE, Authority, AuthorityKind
from entraclient.errors import ProtocolError
from entraclient.flows.discovery import InstanceDiscovery
from entraclient.flows.responses import successful_json
from entraclient.http.driver import Flow
from entraclient.http.messages import HttpRequest

__all__ = [
    "AliasHosts",
    "AliasResolver",
    "NoAliases",
    "alias_metadata_request",
    "parse_alias_groups",
]

AliasGroups = tuple[frozenset[str], ...]


def metadata_host(environment: str) -> str:
    """The host asked for the alias groups of ``environment``."""
    return environment if environment in WELL_KNOWN_AUTHORITY_HOSTS else WORLD_WIDE


def alias_metadata_request(environment: str) -> HttpRequest:
    """The instance-discovery metadata GET that lists the alias groups."""
    host = metadata_host(environment)
    return HttpRequest(
        "GET",
        f"https://{host}/common/discovery/instance",
        headers=(("Accept", "application/json"),),
        query=(
            ("api-version", "1.1"),
            ("authorization_endpoint", f"https://{host}/common/oauth2/authorize"),
        ),
        cache_requires=("metadata",),
    )


def parse_alias_groups(body: dict[str, object]) -> AliasGroups:
    """The ``metadata`` array as sets of lower-cased hosts; a malformed one is a ProtocolError."""
    metadata = body.get("metadata")
    if not isinstance(metadata, list):
        raise ProtocolError("instance discovery answered without a metadata list")
    groups = []
    for entry in metadata:
        aliases = entry.get("aliases") if isinstance(entry, dict) else None
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ProtocolError("instance discovery metadata has an entry without aliases")
        groups.append(frozenset(alias.lower() for alias in aliases))
    return tuple(groups)


class AliasResolver:
    """The aliases of an application's environment, looked up once per metadata host.

    A host already found in a fetched group is answered from memory, whatever host it came from.
    """

    def __init__(self, authority: Authority, instance_discovery: InstanceDiscovery) -> None:
        self.authority = authority
        self.enabled = instance_discovery.enabled and authority.kind is AuthorityKind.ENTRA
        self._groups: dict[str, AliasGroups] = {}

    def aliases(self, environment: str | None = None) -> Flow[tuple[str, ...]]:
        """The other hosts of ``environment``'s group (default: the app's), sorted.

        Empty when aliases do not apply to this authority or the host is in no group.
        """
        host = (environment or self.authority.environment).lower()
        if not self.enabled:
            return ()
        group = self._known_group_of(host)
        if group is None:
            groups = yield from self._alias_groups(metadata_host(host))
            group = next((g for g in groups if host in g), frozenset({host}))
        return tuple(sorted(group - {host}))

    def _known_group_of(self, host: str) -> frozenset[str] | None:
        """The group of ``host`` among those already fetched (from any metadata host)."""
        for groups in self._groups.values():
            for group in groups:
                if host in group:
                    return group
        return None

    def _alias_groups(self, metadata_host_name: str) -> Flow[AliasGroups]:
        groups = self._groups.get(metadata_host_name)
        if groups is None:
            response = yield alias_metadata_request(metadata_host_name)
            groups = parse_alias_groups(successful_json(response))
            self._groups[metadata_host_name] = groups
        return groups


class AliasHosts(Protocol):
    """Finds the other host names of an environment's cloud (what flows depend on)."""

    def aliases(self, environment: str) -> Flow[tuple[str, ...]]:
        """The aliases of ``environment``, without ``environment`` itself."""
        ...


class NoAliases:
    """Knows no aliases: look-ups stay under the configured host (for tests and ADFS-like
    authorities)."""

    def aliases(self, environment: str) -> Flow[tuple[str, ...]]:
        return ()
        yield  # a flow that sends nothing
