"""Which managed identity to ask for: the host's own, or a user-assigned one by one of its ids.

The objects and the JSON configuration form are MSAL Python's: a dict
``{"ManagedIdentityIdType": "SystemAssigned" | "ClientId" | "ResourceId" | "ObjectId",
"Id": ...}``, which :class:`SystemAssignedManagedIdentity` and
:class:`UserAssignedManagedIdentity` build for you. :func:`identity_selector` checks any of
these once and turns it into the frozen :class:`IdentitySelector` the flows use.
"""

from __future__ import annotations

from collections import UserDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

__all__ = [
    "SYSTEM_ASSIGNED_CACHE_ID",
    "ArcPlatformNotSupportedError",
    "IdentitySelector",
    "ManagedIdentity",
    "ManagedIdentityError",
    "SystemAssignedManagedIdentity",
    "UserAssignedManagedIdentity",
    "identity_selector",
]

SYSTEM_ASSIGNED_CACHE_ID = "SYSTEM_ASSIGNED_MANAGED_IDENTITY"  # MSAL's cache client_id
IdKind = Literal["system_assigned", "client_id", "resource_id", "object_id"]


class ManagedIdentityError(ValueError):
    """A managed identity that cannot be used: a bad configuration, or a host that refused."""


class ArcPlatformNotSupportedError(ManagedIdentityError):
    """Azure Arc answered, but this operating system has no known Arc agent directory."""


class ManagedIdentity(UserDict[str, Any]):
    """A managed identity in MSAL's configuration form (a dict with two keys)."""

    ID_TYPE = "ManagedIdentityIdType"
    ID = "Id"
    CLIENT_ID = "ClientId"
    RESOURCE_ID = "ResourceId"
    OBJECT_ID = "ObjectId"
    SYSTEM_ASSIGNED = "SystemAssigned"
    _USER_ASSIGNED_TYPES = (CLIENT_ID, RESOURCE_ID, OBJECT_ID)

    def __init__(self, identifier: str | None = None, id_type: str | None = None) -> None:
        super().__init__({self.ID_TYPE: id_type, self.ID: identifier})

    @classmethod
    def is_managed_identity(cls, unknown: object) -> bool:
        """Whether ``unknown`` names a managed identity (an object or its dict form)."""
        return (
            isinstance(unknown, ManagedIdentity)
            or cls.is_system_assigned(unknown)
            or (cls.is_user_assigned(unknown))
        )

    @classmethod
    def is_system_assigned(cls, unknown: object) -> bool:
        """Whether ``unknown`` names the host's own identity."""
        if isinstance(unknown, SystemAssignedManagedIdentity):
            return True
        return _is_mapping(unknown) and unknown.get(cls.ID_TYPE) == cls.SYSTEM_ASSIGNED

    @classmethod
    def is_user_assigned(cls, unknown: object) -> bool:
        """Whether ``unknown`` names a user-assigned identity by one of its ids."""
        if isinstance(unknown, UserAssignedManagedIdentity):
            return True
        return (
            _is_mapping(unknown)
            and unknown.get(cls.ID_TYPE) in cls._USER_ASSIGNED_TYPES
            and bool(unknown.get(cls.ID))
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.data)!r})"


class SystemAssignedManagedIdentity(ManagedIdentity):
    """The host's own identity: ``{"ManagedIdentityIdType": "SystemAssigned", "Id": None}``."""

    def __init__(self) -> None:
        super().__init__(id_type=self.SYSTEM_ASSIGNED)


class UserAssignedManagedIdentity(ManagedIdentity):
    """A user-assigned identity, named by exactly one of its client id, Azure resource id
    or object (principal) id."""

    def __init__(
        self,
        *,
        client_id: str | None = None,
        resource_id: str | None = None,
        object_id: str | None = None,
    ) -> None:
        given = [
            (kind, value)
            for kind, value in (
                (self.CLIENT_ID, client_id),
                (self.RESOURCE_ID, resource_id),
                (self.OBJECT_ID, object_id),
            )
            if value
        ]
        if len(given) != 1:
            raise ManagedIdentityError("give exactly one of client_id, resource_id and object_id")
        id_type, identifier = given[0]
        super().__init__(identifier=identifier, id_type=id_type)


def _is_mapping(unknown: object) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(unknown, dict | UserDict)


@dataclass(frozen=True, slots=True)
class IdentitySelector:
    """A checked managed identity: the kind of id that names it, and its value."""

    kind: IdKind
    value: str | None = None

    @property
    def cache_client_id(self) -> str:
        """The ``client_id`` its tokens are cached under (as MSAL caches them)."""
        return self.value or SYSTEM_ASSIGNED_CACHE_ID

    @property
    def user_assigned(self) -> bool:
        """Whether it names a user-assigned identity."""
        return self.kind != "system_assigned"


_KINDS: dict[str, IdKind] = {
    ManagedIdentity.SYSTEM_ASSIGNED: "system_assigned",
    ManagedIdentity.CLIENT_ID: "client_id",
    ManagedIdentity.RESOURCE_ID: "resource_id",
    ManagedIdentity.OBJECT_ID: "object_id",
}


def identity_selector(managed_identity: object) -> IdentitySelector:
    """Check ``managed_identity`` (an object or its dict form) and return its selector."""
    if not ManagedIdentity.is_managed_identity(managed_identity):
        raise ManagedIdentityError(
            "managed_identity must be SystemAssignedManagedIdentity(), "
            "UserAssignedManagedIdentity(client_id=... | resource_id=... | object_id=...) or "
            'a dict such as {"ManagedIdentityIdType": "ClientId", "Id": "..."}'
        )
    assert isinstance(managed_identity, dict | UserDict)
    kind = _KINDS[managed_identity[ManagedIdentity.ID_TYPE]]
    if kind == "system_assigned":
        return IdentitySelector(kind)
    value = managed_identity.get(ManagedIdentity.ID)
    if not isinstance(value, str) or not value.strip():
        raise ManagedIdentityError("a user-assigned managed identity needs a non-empty Id")
    return IdentitySelector(kind, value)
