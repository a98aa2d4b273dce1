"""Cache text: MSAL-format JSON in and out; every entry checked before anything changes.

Invariants:

* :func:`parse_sections` either returns sections whose every entry of a known section has
  its required fields with the right types, or raises ``ValueError`` naming the section and
  field (never a value: entries hold secrets). Garbage, a truncated file and a wrong-typed
  field are all refused the same way, before the cache is touched.
* Unknown sections and unknown fields are kept as they are, for other SDKs.
"""

from __future__ import annotations

import json
from typing import Any

from entraclient.cache.schema import ACCESS_TOKEN, ACCOUNT, APP_METADATA, ID_TOKEN, REFRESH_TOKEN
from entraclient.cache.store import Sections, intern_common_values

__all__ = ["check_entry", "dump_sections", "parse_sections"]

# Rules: "str" a required string, "str?" an optional string, "str|null" an optional string or
# null, "int" a required integer (a string of digits, as MSAL writes, or a JSON number),
# "int?" an optional one.
_FIELD_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    ACCESS_TOKEN: (
        ("secret", "str"), ("environment", "str"), ("client_id", "str"), ("realm", "str"),
        ("target", "str"), ("home_account_id", "str|null"), ("token_type", "str?"),
        ("expires_on", "int"), ("cached_at", "int?"), ("extended_expires_on", "int?"),
        ("refresh_on", "int?"), ("key_id", "str?"), ("ext_cache_key", "str?"),
        ("user_assertion_hash", "str?"),
    ),
    REFRESH_TOKEN: (
        ("secret", "str"), ("environment", "str"), ("client_id", "str"),
        ("home_account_id", "str|null"), ("target", "str|null"),
        ("last_modification_time", "int?"), ("family_id", "str|null"),
        ("user_assertion_hash", "str?"),
    ),
    ID_TOKEN: (
        ("secret", "str"), ("environment", "str"), ("client_id", "str"), ("realm", "str"),
        ("home_account_id", "str|null"),
    ),
    ACCOUNT: (
        ("home_account_id", "str"), ("environment", "str"), ("realm", "str"),
        ("local_account_id", "str|null"), ("username", "str|null"),
        ("authority_type", "str?"), ("account_source", "str|null"),
    ),
    APP_METADATA: (("client_id", "str"), ("environment", "str"), ("family_id", "str|null")),
}  # fmt: skip
_DESCRIPTIONS = {
    "str": "a string",
    "str?": "a string",
    "str|null": "a string or null",
    "int": "an integer string",
    "int?": "an integer string",
}


def _is_integer_text(value: object) -> bool:
    if type(value) is str:
        return value.isascii() and value.lstrip("-").isdigit()
    return type(value) is int


_MISSING = object()


def _first_bad_field(entry: dict[str, Any], rules: tuple[tuple[str, str], ...]) -> str | None:
    """The first field of ``entry`` that breaks ``rules`` (one pass, no calls when clean)."""
    for field, rule in rules:
        value = entry.get(field, _MISSING)
        if value is _MISSING:
            if rule == "str" or rule == "int":
                return field
        elif rule[0] == "i":
            if not _is_integer_text(value):
                return field
        elif type(value) is not str and not (value is None and rule == "str|null"):
            return field
    return None


def check_entry(section: str, key: object, entry: object) -> None:
    """Raise ``ValueError`` unless ``entry`` is a well-formed entry of ``section``."""
    if not isinstance(key, str):
        raise ValueError(f"token cache section {section!r} has a non-string key")
    rules = _FIELD_RULES.get(section)
    if rules is None:
        return
    if not isinstance(entry, dict):
        raise ValueError(f"token cache entry {section}/{key[:60]!r} must be a JSON object")
    field = _first_bad_field(entry, rules)
    if field is not None:
        rule = dict(rules)[field]
        problem = "lacks" if field not in entry else "has a wrong-typed"
        raise ValueError(
            f"token cache entry {section}/{key[:60]!r} {problem} field {field!r} "
            f"(expected {_DESCRIPTIONS[rule]})"
        )


def _load_json(state: str | bytes | bytearray) -> Any:
    try:
        return json.loads(state)
    except (ValueError, RecursionError):
        raise ValueError(
            "the token cache state is not valid JSON (truncated or garbage?)"
        ) from None


def parse_sections(state: str | bytes | bytearray | None) -> Sections:
    """Parse and check MSAL-format cache text; ``None`` or blank text is an empty cache."""
    if state is None:
        return {}
    if not isinstance(state, str | bytes | bytearray):
        raise TypeError(f"expected the text serialize() returned, not {type(state).__name__}")
    if not state.strip():
        return {}
    loaded = _load_json(state)
    if not isinstance(loaded, dict):
        raise ValueError("the token cache state must be a JSON object of sections")
    sections: Sections = {}
    for name, section in loaded.items():
        if not isinstance(section, dict):
            raise ValueError(f"token cache section {name!r} must be a JSON object")
        known = name in _FIELD_RULES
        for key, entry in section.items():
            check_entry(name, key, entry)
            if known:
                intern_common_values(entry)
        sections[name] = section
    return sections


def dump_sections(sections: Sections, indent: int | None = None) -> str:
    """``sections`` as JSON text (compact unless ``indent`` is given; MSAL reads both)."""
    return json.dumps(sections, indent=indent)
