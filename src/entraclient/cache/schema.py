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
    "AUTHORITY_TYPE_ADFS",
    "AUTHORITY_TYPE_MSSTS",
    "ID_TOKEN",
    "REFRESH_TOKEN",
    "SECTIONS",
    "AccessTokenRecord",
    "Entry",
    "access_token_key",
    "account_key",
    "app_metadata_key",
    "entry_key",
    "id_token_key",
    "refresh_token_key",
]

ACCESS_TOKEN = "AccessToken"
REFRESH_TOKEN = "RefreshToken"
ID_TOKEN = "IdToken"
ACCOUNT = "Account"
APP_METADATA = "AppMetadata"
SECTIONS = (ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, ACCOUNT, APP_METADATA)
AUTHORITY_TYPE_MSSTS = "MSSTS"
AUTHORITY_TYPE_ADFS = "ADFS"

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


def refresh_token_key(
    *, home_account_id: str | None, environment: str, client_id: str, target: str | None
) -> str:
    """The key of a refresh token entry; its realm slot is empty (RTs are cross-tenant)."""
    parts = [home_account_id or "", environment, "refreshtoken", client_id, "", target or ""]
    return "-".join(parts).lower()


def id_token_key(
    *, home_account_id: str | None, environment: str, client_id: str, realm: str
) -> str:
    """The key of an id token entry (its target slot is always empty)."""
    parts = [home_account_id or "", environment, "idtoken", client_id, realm, ""]
    return "-".join(parts).lower()


def account_key(*, home_account_id: str, environment: str, realm: str) -> str:
    """The key of an Account entry."""
    return "-".join([home_account_id, environment, realm]).lower()


def app_metadata_key(environment: str, client_id: str) -> str:
    """The key of an AppMetadata entry (case kept, as MSAL does)."""
    return f"appmetadata-{environment}-{client_id}"


def _text(entry: Entry, field: str) -> str:
    value = entry.get(field)
    return value if isinstance(value, str) else ""


def entry_key(section: str, entry: Entry) -> str:
    """The key MSAL files ``entry`` under in ``section``, rebuilt from its fields.

    Raises ``ValueError`` for a section whose keys this library does not know how to build.
    """
    home = _text(entry, "home_account_id")
    environment = _text(entry, "environment")
    client_id = _text(entry, "client_id")
    realm = _text(entry, "realm")
    if section == ACCESS_TOKEN:
        return access_token_key(
            home_account_id=home,
            environment=environment,
            client_id=client_id,
            realm=realm,
            target=_text(entry, "target"),
            ext_cache_key=_text(entry, "ext_cache_key") or None,
        )
    if section == REFRESH_TOKEN:
        return refresh_token_key(
            home_account_id=home,
            environment=environment,
            client_id=client_id,
            target=_text(entry, "target"),
        )
    if section == ID_TOKEN:
        return id_token_key(
            home_account_id=home, environment=environment, client_id=client_id, realm=realm
        )
    if section == ACCOUNT:
        return account_key(home_account_id=home, environment=environment, realm=realm)
    if section == APP_METADATA:
        return app_metadata_key(environment, client_id)
    raise ValueError(f"no key format is known for the token cache section {section!r}")


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
    user_assertion_hash: str | None = None

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
        if self.user_assertion_hash:
            entry["user_assertion_hash"] = self.user_assertion_hash
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
