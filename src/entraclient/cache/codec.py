"""Cache text: MSAL-format JSON in and out, tolerant of what other MSALs write.

Invariants:

* :func:`parse_sections` checks the structure only (an object of sections, each an object of
  entries, each an object in the sections this library knows) and raises ``ValueError``
  otherwise, before the cache is touched. Garbage and a truncated file are refused; messages
  never show a value (entries hold secrets).
* Entries are not checked field by field when loaded: an entry of a known section that lacks
  a field, has a wrong-typed one or a number out of range (:func:`is_usable` says so) is kept
  as it came, written back unchanged, and never used, as MSAL .NET, Java and Node may write
  such entries into a shared cache. :func:`check_entry` is the strict form, for writes made
  through our own API.
* Unknown sections and unknown fields are kept as they are, for other SDKs.
* ``msgspec`` parses and writes the text when it is installed (several times faster than the
  standard library at writing); :mod:`json` otherwise. Both give the same sections.
* :func:`parse_outline` is :func:`parse_sections` that leaves the access tokens undecoded
  (each one's JSON text, checked to be an object, decoded on first use by
  :func:`decode_entry`): ``deserialize`` of a large cache then costs one scan of the text.
  :func:`dump_sections` writes such text back as it came.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from entraclient.cache.schema import ACCESS_TOKEN, ACCOUNT, APP_METADATA, ID_TOKEN, REFRESH_TOKEN

if TYPE_CHECKING:
    from msgspec import Raw

    from entraclient.cache.store import Sections

__all__ = [
    "MAX_TIME_DIGITS",
    "SpelledNumber",
    "check_entry",
    "decode_entry",
    "dump_sections",
    "is_time_value",
    "is_usable",
    "load_json",
    "parse_outline",
    "parse_sections",
]

MAX_TIME_DIGITS = 12
"""A time field longer than this (past the year 33000) is out of range: the entry is unusable."""

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
    "int": "a string of at most 12 digits",
    "int?": "a string of at most 12 digits",
}


def is_time_value(value: object) -> bool:
    """Whether ``value`` is a time field as the cache takes it: a non-negative time in range,
    a string of at most 12 ASCII digits or such an int."""
    if type(value) is str:
        return 0 < len(value) <= MAX_TIME_DIGITS and value.isascii() and value.isdigit()
    return type(value) is int and 0 <= value < 10**MAX_TIME_DIGITS


_MISSING = object()


def _first_bad_field(entry: dict[str, Any], rules: tuple[tuple[str, str], ...]) -> str | None:
    """The first field of ``entry`` that breaks ``rules`` (one pass, no calls when clean)."""
    for field, rule in rules:
        value = entry.get(field, _MISSING)
        if value is _MISSING:
            if rule == "str" or rule == "int":
                return field
        elif rule[0] == "i":
            if not is_time_value(value):
                return field
        elif type(value) is not str and not (value is None and rule == "str|null"):
            return field
    return None


_UNREAD_FIELDS = frozenset({"cached_at", "extended_expires_on"})
_USED_FIELD_RULES = {
    section: tuple(rule for rule in rules if rule[0] not in _UNREAD_FIELDS)
    for section, rules in _FIELD_RULES.items()
}


def is_usable(section: str, entry: object) -> bool:
    """Whether ``entry`` of ``section`` has every field the cache reads, well typed and in
    range (entries of sections this library does not know are never used: always false).
    Fields no look-up or answer reads (``cached_at``, ``extended_expires_on``) are not
    checked here; :func:`check_entry` checks them too."""
    rules = _USED_FIELD_RULES.get(section)
    return rules is not None and type(entry) is dict and _first_bad_field(entry, rules) is None


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


class SpelledNumber(float):
    """A JSON number that is no finite float (``NaN``, ``Infinity``, ``1e400``, as another
    SDK may write in its own fields): a float to whoever reads it, written back spelled as it
    came (msgspec would write ``null``)."""

    text: str

    def __new__(cls, text: str) -> SpelledNumber:
        number = super().__new__(cls, float(text))
        number.text = text
        return number


def _number(text: str) -> float:
    """A JSON number's value: a float, or a :class:`SpelledNumber` when it is not finite."""
    value = float(text)
    return value if math.isfinite(value) else SpelledNumber(text)


def _json_loads(text: str | bytes | bytearray) -> Any:
    return json.loads(text, parse_float=_number, parse_constant=SpelledNumber)


class _Msgspec:
    """msgspec's decoders and encoder as the cache uses them, built on first use."""

    def __init__(self) -> None:
        import msgspec

        self.module = msgspec
        self.decoder = msgspec.json.Decoder(float_hook=_number)
        self.outline_decoder = msgspec.json.Decoder(dict[str, dict[str, msgspec.Raw]])
        self.encoder = msgspec.json.Encoder(enc_hook=self._spelled)

    def _spelled(self, value: object) -> Any:
        if isinstance(value, SpelledNumber):
            return self.module.Raw(value.text.encode())
        raise TypeError(f"{type(value).__name__} is not JSON serializable")


_MSGSPEC: _Msgspec | None = None


def _msgspec() -> _Msgspec | None:
    """msgspec as the cache uses it, or ``None`` when it is not installed."""
    global _MSGSPEC
    if _MSGSPEC is None:
        try:
            _MSGSPEC = _Msgspec()
        except ImportError:  # pragma: no cover - msgspec is a dependency; json is the fallback
            return None
    return _MSGSPEC


def _fast_decode(state: str | bytes | bytearray) -> Any:
    """``state`` parsed by msgspec, or ``_MISSING`` when msgspec is absent or refuses it
    (NaN, Infinity and the like, which json reads, as MSAL does)."""
    fast = _msgspec()
    if fast is None:  # pragma: no cover - msgspec is a dependency
        return _MISSING
    try:
        return fast.decoder.decode(state)
    except fast.module.DecodeError:
        return _MISSING


def load_json(text: str | bytes | bytearray) -> Any:
    """``text`` parsed as the cache parses JSON (msgspec, else :mod:`json` for what only it
    reads); ``ValueError`` naming no value when it is not JSON."""
    try:
        loaded = _fast_decode(text)
        return _json_loads(text) if loaded is _MISSING else loaded
    except (ValueError, RecursionError):
        raise ValueError("not valid JSON (truncated or garbage?)") from None


def _load_json(state: str | bytes | bytearray) -> Any:
    try:
        return load_json(state)
    except ValueError:
        raise ValueError(
            "the token cache state is not valid JSON (truncated or garbage?)"
        ) from None


def _is_blank(state: object) -> bool:
    if state is None:
        return True
    if not isinstance(state, str | bytes | bytearray):
        raise TypeError(f"expected the text serialize() returned, not {type(state).__name__}")
    return not state.strip()


def parse_sections(state: str | bytes | bytearray | None) -> Sections:
    """Parse MSAL-format cache text, checking its structure; ``None`` or blank text is an
    empty cache. Entries are kept as they are (see :func:`is_usable`)."""
    if _is_blank(state):
        return {}
    assert state is not None
    loaded = _load_json(state)
    if type(loaded) is not dict:
        raise ValueError("the token cache state must be a JSON object of sections")
    for name, section in loaded.items():
        if type(section) is not dict:
            raise ValueError(f"token cache section {name!r} must be a JSON object")
        if name not in _FIELD_RULES:
            continue  # another SDK's section: kept as it is
        for key, entry in section.items():
            if type(entry) is not dict:
                raise ValueError(f"token cache entry {name}/{key[:60]!r} must be a JSON object")
    return loaded


def parse_outline(state: str | bytes | bytearray | None) -> tuple[Sections, dict[str, Raw]]:
    """:func:`parse_sections`, but with the access tokens left undecoded: the sections, and
    the ``AccessToken`` entries as their JSON text by key (each checked to be an object).

    The same text is refused with the same ``ValueError``; whatever msgspec does not take
    (NaN, a section that is not an object, ...) goes through :func:`parse_sections`.
    """
    if _is_blank(state):
        return {}, {}
    assert state is not None
    fast = _msgspec()
    if fast is None:  # pragma: no cover - msgspec is a dependency
        return parse_sections(state), {}
    try:  # a bytearray may change after we return: the entries must not point into it
        outline = fast.outline_decoder.decode(
            bytes(state) if isinstance(state, bytearray) else state
        )
    except fast.module.DecodeError:
        return parse_sections(state), {}
    sections: Sections = {}
    undecoded: dict[str, Raw] = {}
    for name, entries in outline.items():
        if name == ACCESS_TOKEN:
            for key, text in entries.items():
                if memoryview(text)[0] != _OPENING_BRACE:
                    raise ValueError(f"token cache entry {name}/{key[:60]!r} must be a JSON object")
            undecoded = entries
            sections[name] = {}
            continue
        decoded = {key: decode_entry(text) for key, text in entries.items()}
        if name in _FIELD_RULES:
            for key, entry in decoded.items():
                if type(entry) is not dict:
                    raise ValueError(f"token cache entry {name}/{key[:60]!r} must be a JSON object")
        sections[name] = decoded
    return sections, undecoded


_OPENING_BRACE = ord("{")


def decode_entry(text: Raw) -> Any:
    """One entry's JSON text (from :func:`parse_outline`), decoded."""
    fast = _msgspec()
    assert fast is not None  # only parse_outline makes such text, with msgspec
    try:
        return fast.decoder.decode(text)
    except fast.module.DecodeError:  # pragma: no cover - the outline decoder read it already
        return _json_loads(bytes(text))


def _raw_as_value(value: object) -> Any:
    """For :func:`json.dumps`: an undecoded entry (msgspec's ``Raw``) as its value."""
    fast = _msgspec()
    if fast is not None and isinstance(value, fast.module.Raw):
        return decode_entry(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_sections(sections: Mapping[str, Mapping[str, object]], indent: int | None = None) -> str:
    """``sections`` as JSON text (compact unless ``indent`` is given; MSAL reads both).
    Undecoded entries (see :func:`parse_outline`) are written as they came, and numbers
    that are not finite as they were spelled (:class:`SpelledNumber`)."""
    if indent is None:
        fast = _msgspec()
        if fast is not None:
            try:
                return fast.encoder.encode(sections).decode()
            except (TypeError, OverflowError, fast.module.EncodeError):
                pass  # a value msgspec does not write (an int past 64 bits): json writes it
    return json.dumps(sections, indent=indent, default=_raw_as_value)
