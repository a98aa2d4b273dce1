"""The MSAL unified token cache schema: sections, field names and keys (PROTOCOL.md §8).

Invariants:

* Entries are plain ``dict[str, str]`` (plus ``None`` for an app token's ``home_account_id``)
  with MSAL's field names and string-typed numbers, so a serialized cache is byte-compatible
  in meaning with one MSAL Python wrote, and fields we do not know survive a round trip.
* Keys are built here and nowhere else; look-ups never parse a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACCESS_TOKEN",
    "ACCOUNT",
    "APP_METADATA",
    "ID_TOKEN",
    "REFRESH_TOKEN",
    "SECTIONS",
    "AccessTokenRecord",
    "Entry",
    "access_token_key",
    "app_metadata_key",
]

ACCESS_TOKEN = "AccessToken"
REFRESH_TOKEN = "RefreshToken"
ID_TOKEN = "IdToken"
ACCOUNT = "Account"
APP_METADATA = "AppMetadata"
SECTIONS = (ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, ACCOUNT, APP_METADATA)

Entry = dict[str, Any]


def access_token_key(
    *,
    home_account_id: str | None,
    environment: str,
    client_id: str,
    realm: str,
    target: str,
    ext_cache_key: str | None = None,
) -> str:
    """The key of an access token entry (``-accesstoken-`` or, with an ext key, ``-atext-``)."""
    if ext_cache_key:
        parts = [home_account_id or "", environment, "atext", client_id, realm, target]
        parts.append(ext_cache_key)
    else:
        parts = [home_account_id or "", environment, "accesstoken", client_id, realm, target]
    return "-".join(parts).lower()


def app_metadata_key(environment: str, client_id: str) -> str:
    """The key of an AppMetadata entry (case kept, as MSAL does)."""
    return f"appmetadata-{environment}-{client_id}"


@dataclass(frozen=True, slots=True)
class AccessTokenRecord:
    """A typed access token, as a flow hands it to the cache."""

    secret: str
    home_account_id: str | None
    environment: str
    client_id: str
    realm: str
    target: str
    token_type: str
    cached_at: int
    expires_on: int
    extended_expires_on: int
    refresh_on: int | None = None
    key_id: str | None = None
    ext_cache_key: str | None = None

    @property
    def key(self) -> str:
        return access_token_key(
            home_account_id=self.home_account_id,
            environment=self.environment,
            client_id=self.client_id,
            realm=self.realm,
            target=self.target,
            ext_cache_key=self.ext_cache_key,
        )

    def to_entry(self) -> Entry:
        """The entry as MSAL stores it: numbers as strings, optional fields only when set."""
        entry: Entry = {
            "credential_type": ACCESS_TOKEN,
            "secret": self.secret,
            "home_account_id": self.home_account_id,
            "environment": self.environment,
            "client_id": self.client_id,
            "target": self.target,
            "realm": self.realm,
            "token_type": self.token_type,
            "cached_at": str(self.cached_at),
            "expires_on": str(self.expires_on),
            "extended_expires_on": str(self.extended_expires_on),
        }
        if self.refresh_on is not None:
            entry["refresh_on"] = str(self.refresh_on)
        if self.key_id:
            entry["key_id"] = self.key_id
        if self.ext_cache_key:
            entry["ext_cache_key"] = self.ext_cache_key
        return entry

    def __repr__(self) -> str:
        return f"AccessTokenRecord(client_id={self.client_id!r}, target={self.target!r}, ****)"


_EXT_KEY_EXCLUDED = frozenset(
    {
        "client_id", "grant_type", "scope", "claims", "username", "password", "refresh_token",
        "code", "redirect_uri", "code_verifier", "device_code", "assertion",
        "requested_token_use", "client_assertion", "client_assertion_type", "client_secret",
        "token_type", "req_cnf", "key_id", "user_federated_identity_credential", "user_id",
        "client_info",
    }
)  # fmt: skip


def ext_cache_key(fields: dict[str, str]) -> str | None:
    """The extension key separating tokens requested with extra fields such as ``fmi_path``.

    Fields outside the standard protocol set, non-empty, sorted by name, each written as
    ``{len(name)}:{name}{len(value)}:{value}`` (UTF-8 lengths); the SHA-256 of that, in
    unpadded base64url, lower-cased (PROTOCOL.md §8.8). ``None`` when no such field is set.
    """
    import base64
    import hashlib

    chosen = sorted((k, v) for k, v in fields.items() if v and k not in _EXT_KEY_EXCLUDED)
    if not chosen:
        return None
    text = "".join(f"{len(k.encode())}:{k}{len(v.encode())}:{v}" for k, v in chosen)
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode().lower()
