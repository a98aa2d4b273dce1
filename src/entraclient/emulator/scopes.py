"""Parsing the ``scope`` parameter of token requests (space-separated, Entra rules).

Invariants:

* A resource is named by the part of a scope before its last ``/`` (``api://x/.default`` →
  ``api://x``); ``https://graph.microsoft.com//.default`` names Graph, as Entra tolerates.
* Only identifiers reach error messages; scope strings are not secrets.
"""

from __future__ import annotations

from entraclient.emulator.errors import EntraError, ErrorKind

__all__ = ["OIDC_SCOPES", "default_scope_resource", "split_scope"]

OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
DEFAULT_SUFFIX = "/.default"


def split_scope(scope: str | None) -> list[str]:
    """The scopes of a ``scope`` parameter; raises AADSTS900144 when it is absent or empty."""
    scopes = (scope or "").split()
    if not scopes:
        raise EntraError(ErrorKind.MISSING_PARAMETER, name="scope")
    return scopes


def _resource_of_default_scope(scope: str) -> str:
    if not scope.endswith(DEFAULT_SUFFIX):
        raise EntraError(ErrorKind.SCOPE_NOT_DEFAULT, scope=scope)
    resource = scope[: -len(DEFAULT_SUFFIX)].rstrip("/")
    if not resource or any(c.isspace() for c in resource):
        raise EntraError(ErrorKind.MALFORMED_SCOPE, scope=scope)
    return resource


def default_scope_resource(scope: str | None) -> str:
    """The one resource of an app-only ``{resource}/.default`` scope parameter.

    Raises :class:`EntraError`: AADSTS900144 (no scope), 1002012 (a scope without
    ``/.default``), 70011 (no resource before it), 28000 (several resources).
    """
    scopes = split_scope(scope)
    resources = [_resource_of_default_scope(s) for s in scopes]
    if len({r.lower() for r in resources}) > 1:
        raise EntraError(ErrorKind.SEVERAL_RESOURCES, scope=" ".join(scopes))
    return resources[0]
