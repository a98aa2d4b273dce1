"""A token cache that serializes to, and loads from, MSAL's JSON cache format.

``deserialize`` validates everything before it changes anything: garbage, a wrong-typed
field or a truncated file raises ``ValueError`` and leaves the cache as it was.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from entraclient.cache.schema import ACCESS_TOKEN, ACCOUNT, ID_TOKEN, REFRESH_TOKEN, Entry
from entraclient.cache.token_cache import TokenCache

__all__ = ["SerializableTokenCache"]

_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    ACCESS_TOKEN: ("secret", "environment", "client_id", "realm", "target", "expires_on"),
    REFRESH_TOKEN: ("secret", "environment", "client_id"),
    ID_TOKEN: ("secret", "environment", "client_id", "realm"),
    ACCOUNT: ("home_account_id", "environment", "realm"),
}
_NUMERIC_FIELDS = ("cached_at", "expires_on", "extended_expires_on", "refresh_on")


class SerializableTokenCache(TokenCache):
    """A :class:`TokenCache` you can save and load, compatible with MSAL Python's files.

    ``has_state_changed`` turns true when the content changes and false after
    :meth:`serialize` or :meth:`deserialize`, so you write the file only when needed.
    """

    def __init__(self) -> None:
        super().__init__()
        self._state_lock = threading.Lock()
        self.has_state_changed = False
        self._on_change(self._mark_changed)

    def _mark_changed(self) -> None:
        self.has_state_changed = True

    def serialize(self) -> str:
        """The whole cache as MSAL-format JSON text."""
        with self._lock:
            text = json.dumps(self.snapshot(), indent=4)
            self.has_state_changed = False
        return text

    def deserialize(self, state: str | bytes | bytearray | None) -> None:
        """Replace the content with ``state`` (MSAL-format JSON); ``None``/empty clears it."""
        sections = _parse_state(state)
        with self._lock:
            self.replace_all(sections)
            self.has_state_changed = False


def _parse_state(state: str | bytes | bytearray | None) -> dict[str, dict[str, Entry]]:
    if state is None or (isinstance(state, str | bytes | bytearray) and not state.strip()):
        return {}
    if not isinstance(state, str | bytes | bytearray):
        raise TypeError(f"deserialize() takes the text serialize() returned, not {type(state)}")
    try:
        loaded: Any = json.loads(state)
    except (ValueError, RecursionError):
        raise ValueError(
            "the token cache state is not valid JSON (truncated or garbage?)"
        ) from None
    if not isinstance(loaded, dict):
        raise ValueError("the token cache state must be a JSON object of sections")
    sections: dict[str, dict[str, Entry]] = {}
    for name, section in loaded.items():
        if not isinstance(section, dict):
            raise ValueError(f"token cache section {name!r} must be a JSON object")
        for key, entry in section.items():
            _check_entry(name, key, entry)
        sections[name] = {key: dict(entry) for key, entry in section.items()}
    return sections


def _check_entry(section: str, key: str, entry: object) -> None:
    if not isinstance(entry, dict):
        raise ValueError(f"token cache entry {section}/{key[:40]!r} must be a JSON object")
    for field in _REQUIRED_FIELDS.get(section, ()):
        value = entry.get(field)
        if field == "home_account_id" and section != ACCOUNT:
            continue
        if not isinstance(value, str):
            raise ValueError(f"token cache entry in {section} lacks the string field {field!r}")
    if section == ACCESS_TOKEN:
        home = entry.get("home_account_id")
        if home is not None and not isinstance(home, str):
            raise ValueError("an AccessToken's home_account_id must be a string or null")
        for field in _NUMERIC_FIELDS:
            value = entry.get(field)
            if value is not None and not (isinstance(value, str | int) and _is_integer(value)):
                raise ValueError(f"an AccessToken's {field!r} must be an integer string")


def _is_integer(value: str | int) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True
