"""Who a token response is about: ``client_info`` and id token claims (PROTOCOL.md §7.4).

Invariants:

* Nothing here verifies a signature: like MSAL, the cache only reads the claims of an id token
  it received straight from the token endpoint.
* Malformed input raises ``ValueError`` with a message that names the field, never its value.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from entraclient.cache.schema import AUTHORITY_TYPE_ADFS, AUTHORITY_TYPE_MSSTS

__all__ = ["AccountIdentity", "decode_client_info", "decode_jwt_claims", "identify_account"]


def _b64url_json_object(text: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise ValueError(f"the {what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise ValueError(f"the {what} is not a JSON object")
    return value


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a compact JWT, without verifying it."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("the id_token is not a compact JWT")
    return _b64url_json_object(parts[1], "id_token payload")


def decode_client_info(client_info: str) -> dict[str, Any]:
    """The ``client_info`` object (``uid``, ``utid``)."""
    return _b64url_json_object(client_info, "client_info")


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """The account a response belongs to; ``home_account_id`` is ``None`` for app tokens."""

    home_account_id: str | None
    has_client_info: bool
    local_account_id: str
    username: str

    def authority_type(self, realm: str) -> str:
        return AUTHORITY_TYPE_ADFS if realm.lower() == "adfs" else AUTHORITY_TYPE_MSSTS


def _home_account_id(info: dict[str, Any], claims: dict[str, Any]) -> tuple[str | None, bool]:
    uid, utid = info.get("uid"), info.get("utid")
    if isinstance(uid, str) and isinstance(utid, str):
        return f"{uid}.{utid}", True
    sub = claims.get("sub")
    if claims:
        if not isinstance(sub, str):
            raise ValueError("the id_token has no 'sub' claim")
        return sub, True
    return None, False


def identify_account(
    client_info: str | None,
    id_token_claims: dict[str, Any],
    *,
    username_hint: str | None = None,
    local_account_id_hint: str | None = None,
) -> AccountIdentity:
    """Derive the account from ``client_info`` (``{uid}.{utid}``), else the id token's ``sub``."""
    info = decode_client_info(client_info) if client_info else {}
    home, has_info = _home_account_id(info, id_token_claims)
    local = local_account_id_hint or id_token_claims.get("oid") or id_token_claims.get("sub")
    username = (
        id_token_claims.get("preferred_username") or id_token_claims.get("upn") or username_hint
    )
    return AccountIdentity(
        home_account_id=home,
        has_client_info=has_info,
        local_account_id=local if isinstance(local, str) else "",
        username=username if isinstance(username, str) else "",
    )
