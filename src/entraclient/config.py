"""Validation of the constructor arguments, each with a message that says what to change.

Every function here checks one argument and returns it in the form the rest of the library
uses; nothing here performs I/O.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from entraclient.authority import (
    DEFAULT_AUTHORITY,
    Authority,
    parse_authority,
    parse_oidc_authority,
)
from entraclient.cache.foreign import check_msal_cache_object, uses_msal_contract
from entraclient.cache.token_cache import TokenCache
from entraclient.flows.discovery import InstanceDiscovery
from entraclient.http.transport import Timeout, Verify
from entraclient.region import REGION_PATTERN

__all__ = [
    "REGION_PATTERN",
    "check_allow_broker",
    "check_client_claims",
    "check_client_id",
    "check_exclude_scopes",
    "check_http_cache",
    "check_optional_bool",
    "check_optional_str",
    "check_proxies",
    "check_region",
    "check_str_list",
    "check_timeout",
    "check_token_cache",
    "check_verify",
    "choose_authority",
    "choose_instance_discovery",
]


def check_client_id(client_id: object) -> str:
    if not isinstance(client_id, str):
        raise TypeError(f"client_id must be a string, got {type(client_id).__name__}")
    if not client_id.strip():
        raise ValueError("client_id is empty: pass the application (client) id of your app")
    return client_id


def choose_authority(authority: object, oidc_authority: object) -> Authority:
    if authority is not None and oidc_authority is not None:
        raise ValueError("pass either authority or oidc_authority, not both")
    if oidc_authority is not None:
        if not isinstance(oidc_authority, str):
            raise TypeError("oidc_authority must be a URL string")
        return parse_oidc_authority(oidc_authority)
    if authority is None:
        return parse_authority(DEFAULT_AUTHORITY)
    if not isinstance(authority, str):
        raise TypeError(
            f"authority must be a URL string such as "
            f"'https://login.microsoftonline.com/<tenant>', got {type(authority).__name__}"
        )
    return parse_authority(authority)


def choose_instance_discovery(
    validate_authority: object, instance_discovery: object
) -> InstanceDiscovery:
    validate = check_optional_bool(validate_authority, "validate_authority", default=True)
    if instance_discovery is None or instance_discovery is True:
        return InstanceDiscovery(enabled=validate)
    if instance_discovery is False:
        return InstanceDiscovery(enabled=False)
    if isinstance(instance_discovery, str):
        if not instance_discovery.lower().startswith("https://"):
            raise ValueError("instance_discovery as a URL must be an https URL")
        return InstanceDiscovery(enabled=validate, endpoint=instance_discovery)
    raise TypeError("instance_discovery must be None, True, False or an https URL")


def check_optional_bool(value: object, name: str, *, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True, False or None, got {type(value).__name__}")
    return value


def check_optional_str(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
    return value


def check_str_list(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence | set | frozenset):
        raise TypeError(f"{name} must be a list of strings, such as ['CP1']")
    items = tuple(value)
    if not all(isinstance(item, str) and item for item in items):
        raise TypeError(f"every item of {name} must be a non-empty string")
    return items


def check_verify(verify: object) -> Verify:
    if isinstance(verify, bool):
        return verify
    if isinstance(verify, str | os.PathLike):
        path = os.fspath(verify)
        if not isinstance(path, str) or not os.path.exists(path):
            raise ValueError(f"verify names a CA bundle that does not exist: {path!r}")
        return path
    raise TypeError("verify must be True, False, or the path of a CA bundle file or directory")


def check_proxies(proxies: object) -> Mapping[str, str] | None:
    if proxies is None:
        return None
    if not isinstance(proxies, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in proxies.items()
    ):
        raise TypeError("proxies must be a dict such as {'https': 'http://proxy:3128'}")
    return proxies


def check_timeout(timeout: object) -> Timeout:
    if timeout is None:
        return None
    if isinstance(timeout, bool):
        raise TypeError("timeout must be seconds (a number) or a (connect, read) pair")
    if isinstance(timeout, int | float):
        if timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        return float(timeout)
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = (check_timeout(part) for part in timeout)
        if connect is None or read is None or isinstance(connect, tuple):
            raise ValueError("a timeout pair needs two positive numbers")
        if isinstance(read, tuple):
            raise ValueError("a timeout pair needs two positive numbers")
        return (connect, read)
    raise TypeError("timeout must be seconds (a number) or a (connect, read) pair")


def check_region(azure_region: object) -> str | bool | None:
    """Validate ``azure_region``: ``None``, ``True``/``False``, or a region name."""
    if azure_region is None or isinstance(azure_region, bool):
        return azure_region
    if not isinstance(azure_region, str):
        raise TypeError("azure_region must be None, True, False or a region name string")
    if not REGION_PATTERN.fullmatch(azure_region):
        raise ValueError(
            f"azure_region {azure_region!r} is not a region name such as 'westus2' "
            "(lower-case letters, digits and dashes)"
        )
    return azure_region


def check_http_cache(http_cache: object) -> MutableMapping[str, Any] | None:
    if http_cache is None:
        return None
    needed = ("__getitem__", "__setitem__", "__delitem__", "__contains__", "get")
    if not all(hasattr(http_cache, name) for name in needed):
        raise TypeError("http_cache must be a dict-like object (such as a plain dict)")
    return http_cache  # type: ignore[return-value]


def check_client_claims(client_claims: object) -> dict[str, Any] | None:
    if client_claims is None:
        return None
    if not isinstance(client_claims, Mapping) or not all(isinstance(k, str) for k in client_claims):
        raise TypeError("client_claims must be a dict of claim names to values")
    return dict(client_claims)


def check_token_cache(token_cache: object) -> Any:
    """The cache the application keeps its tokens in: ``token_cache``, or a new one.

    Our :class:`TokenCache` is used directly; any other object must offer MSAL's cache methods
    (``search`` or ``find``, ``add``, ``modify``) and is then used through them only
    (:mod:`entraclient.cache.foreign`).
    """
    if token_cache is None:
        return TokenCache()
    if uses_msal_contract(token_cache):
        check_msal_cache_object(token_cache)
    return token_cache


def check_exclude_scopes(exclude_scopes: object) -> tuple[str, ...]:
    if exclude_scopes is not None and not isinstance(exclude_scopes, list):
        raise ValueError("exclude_scopes must be a list, such as ['offline_access']")
    excluded = check_str_list(exclude_scopes, "exclude_scopes")
    if "openid" in excluded:
        raise ValueError("exclude_scopes cannot exclude 'openid': sign-in needs it")
    return excluded


def check_allow_broker(allow_broker: object, *, confidential: bool) -> None:
    if confidential and allow_broker is not None:
        raise ValueError("allow_broker must remain None for a ConfidentialClientApplication")
    check_optional_bool(allow_broker, "allow_broker", default=False)
