"""Accounts in the cache: listing them (``get_accounts``) and forgetting one (``remove_account``).

Rules (PROTOCOL.md §8.10): accounts are the Account entries of the configured host with an
``authority_type`` of ``MSSTS`` or ``ADFS``, one per ``home_account_id``; when the host has
none, the first alias host that has some answers instead. A username filter ignores case.
Forgetting an account removes, for its home account in its environment, the refresh tokens
of this app or of its family, every access token, id token and Account entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from entraclient.cache.schema import AUTHORITY_TYPE_ADFS, AUTHORITY_TYPE_MSSTS
from entraclient.flows.aliases import AliasHosts
from entraclient.flows.context import AppContext
from entraclient.http.driver import Flow

__all__ = ["find_accounts", "forget_account"]

_LISTED_AUTHORITY_TYPES = (AUTHORITY_TYPE_MSSTS, AUTHORITY_TYPE_ADFS)
_ACCOUNT_FIELDS = (
    "home_account_id",
    "environment",
    "username",
    "account_source",
    "authority_type",
    "local_account_id",
    "realm",
)


def _accounts_under(app: AppContext, environment: str) -> list[dict[str, Any]]:
    by_home: dict[Any, dict[str, Any]] = {}
    for entry in app.cache.accounts(environment):
        if entry.get("authority_type") in _LISTED_AUTHORITY_TYPES:
            by_home[entry.get("home_account_id")] = {f: entry.get(f) for f in _ACCOUNT_FIELDS}
    return list(by_home.values())


def find_accounts(
    app: AppContext, aliases: AliasHosts, username: str | None
) -> Flow[list[dict[str, Any]]]:
    """The accounts signed in to this app's cloud, optionally only those named ``username``."""
    environment = app.authority.environment
    accounts = _accounts_under(app, environment)
    if not accounts:
        for alias in (yield from aliases.aliases(environment)):
            accounts = _accounts_under(app, alias)
            if accounts:
                break
    if username:
        wanted = username.lower()
        accounts = [a for a in accounts if str(a.get("username") or "").lower() == wanted]
    return accounts


def forget_account(app: AppContext, account: Mapping[str, Any]) -> int:
    """Remove what the cache holds for ``account``; returns the number of entries removed."""
    environment = str(account["environment"])
    metadata = app.cache.app_metadata(environment, app.client_id)
    family_id = metadata.get("family_id") if metadata is not None else None
    return app.cache.remove_account_credentials(
        home_account_id=str(account["home_account_id"]),
        environment=environment,
        client_id=app.client_id,
        family_id=family_id,
    )
