"""A token cache that serializes to, and loads from, MSAL's JSON cache format.

Invariants:

* ``deserialize`` parses the text and checks its structure before it changes anything:
  garbage or a truncated file raises ``ValueError`` and leaves the cache as it was. Entries
  are checked on use, and an unusable one (a field missing, wrong-typed or out of range, as
  another MSAL may write) is kept and written back as it came, never used. The indexes are
  built on first need, and the access tokens are decoded on first use (see ``codec.parse_outline``):
  a cache loaded and then only hit decodes only the entries it hits.
* ``serialize`` copies the sections under the lock (entries are never changed in place, so a
  shallow copy is a consistent snapshot) and writes JSON outside it, so a large cache does
  not stall the threads acquiring tokens.
* ``has_state_changed`` turns true on every change and false after ``serialize`` or
  ``deserialize``, as in MSAL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from entraclient.cache.codec import dump_sections, parse_outline
from entraclient.cache.token_cache import TokenCache
from entraclient.clock import Clock, system_clock

if TYPE_CHECKING:
    from entraclient.cache.stores.contract import AsyncPartitionStore, PartitionStore

__all__ = ["SerializableTokenCache"]


class SerializableTokenCache(TokenCache):
    """A :class:`TokenCache` you can save and load, compatible with MSAL Python's files.

    Write the file when :attr:`has_state_changed` is true; MSAL Python reads what
    :meth:`serialize` writes and this class reads what MSAL writes.
    """

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        store: PartitionStore | AsyncPartitionStore | None = None,
    ) -> None:
        super().__init__(clock=clock, store=store)
        self.has_state_changed = False
        self._on_change(self._mark_changed)

    def _mark_changed(self) -> None:
        self.has_state_changed = True

    def serialize(self, *, indent: int | None = None) -> str:
        """The whole cache as MSAL-format JSON text.

        Compact by default (about twice as fast to write as MSAL's ``indent=4``; both read
        either); pass ``indent=4`` for MSAL's exact layout.
        """
        with self._lock:
            sections = self._snapshot_to_write()
            self.has_state_changed = False
        return dump_sections(sections, indent)

    def deserialize(self, state: str | bytes | bytearray | None) -> None:
        """Replace the content with ``state`` (MSAL-format JSON); ``None``/empty clears it.

        Raises ``ValueError`` (or ``TypeError`` for a non-text argument) and changes nothing
        when ``state`` is not JSON shaped as a cache; entries another MSAL wrote incompletely
        are kept as they came and never used.
        """
        sections, undecoded = parse_outline(state)
        with self._lock:
            self._install(sections, undecoded)
            self.has_state_changed = False
