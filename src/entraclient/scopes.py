"""Scope lists: validation, the wire form, and decoration with the OpenID scopes.

Rules (PROTOCOL.md §5.3): scopes come as a list, set or tuple of non-empty strings; on the
wire they are sorted (code-point order) and space-joined; decorated grants add the reserved
scopes ``openid``, ``profile`` and ``offline_access`` minus ``exclude_scopes``, and a caller
may not pass a reserved scope to them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

__all__ = [
    "RESERVED_SCOPES",
    "are_plain_scopes",
    "decorate",
    "validate_scopes",
    "wire_scope",
]

RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
_WHITESPACE = re.compile(r"\s")


def validate_scopes(scopes: object, *, allow_empty: bool = False) -> list[str]:
    """Return ``scopes`` as a list, or raise ``ValueError``/``TypeError`` saying what is wrong."""
    if isinstance(scopes, str | bytes):
        raise ValueError(f"scopes must be a list of strings, not a single string: use [{scopes!r}]")
    if not isinstance(scopes, list | tuple | set | frozenset):
        raise TypeError(f"scopes must be a list of strings, got {type(scopes).__name__}")
    result: list[str] = []
    for scope in scopes:
        if not isinstance(scope, str):
            raise TypeError(f"each scope must be a string, got {type(scope).__name__}")
        if not scope or _WHITESPACE.search(scope):
            raise ValueError(f"scope {scope!r} is empty or contains whitespace")
        if scope not in result:
            result.append(scope)
    if not result and not allow_empty:
        raise ValueError("scopes must name at least one scope, such as 'api://<app>/.default'")
    return result


def are_plain_scopes(scopes: object) -> bool:
    """Whether ``scopes`` is a non-empty list of distinct valid scopes, none reserved: the
    common case, checked quickly (anything else goes through :func:`validate_scopes`)."""
    if type(scopes) is not list or not scopes:
        return False
    if len(scopes) == 1:
        scope = scopes[0]
        return (
            type(scope) is str
            and " " not in scope
            and scope.isprintable()
            and scope not in RESERVED_SCOPES
            and scope != ""
        )
    for scope in scopes:
        # isprintable() is false for every whitespace character but the space itself.
        if type(scope) is not str or " " in scope or not scope.isprintable():
            return False
        if not scope or scope in RESERVED_SCOPES:
            return False
    return len(scopes) == 1 or len(set(scopes)) == len(scopes)


def wire_scope(scopes: Iterable[str]) -> str:
    """The ``scope`` form value: sorted, space-joined."""
    return " ".join(sorted(set(scopes)))


def decorate(scopes: Collection[str], exclude_scopes: Collection[str] = ()) -> list[str]:
    """Add the reserved OpenID scopes (minus ``exclude_scopes``) to a user grant's scopes."""
    reserved = RESERVED_SCOPES.intersection(scopes)
    if reserved:
        raise ValueError(
            f"do not pass {sorted(reserved)}: they are added for you "
            "(use exclude_scopes=['offline_access'] to go without a refresh token)"
        )
    return sorted(set(scopes) | (RESERVED_SCOPES - set(exclude_scopes)))
