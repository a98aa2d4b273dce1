"""Putting a running emulator back as it was: what lets tests share one emulator safely.

:class:`StateSnapshot` records the attributes of the emulator's state holders (directory,
users, refresh tokens, sign-ins, routed hosts, ...) and writes them back on
:meth:`StateSnapshot.restore`, in place, because the running server's endpoints keep
references to those very objects.

Invariants:

* Every state holder keeps its state in plain attributes, guarded by an optional ``_lock``;
  the lock itself is kept, and is held while the attributes are written back.
* Built-in containers (dict, list, set, deque) are copied one level deep, at snapshot and at
  each restore. That is enough as long as the values inside them are immutable (frozen
  records, tuples, frozensets), which is how every holder stores its state; a holder with
  mutable values inside its containers must be snapshotted while they are still empty.
* Any other attribute (a number, a string, a reference to a collaborator) is written back as
  the very value it had: collaborators are never copied.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
from collections.abc import Iterable
from typing import Any

__all__ = ["StateSnapshot", "state_holders"]

_KEEP_TYPES = (int, float, str, bytes, bool, type(None), tuple, frozenset)
_CONTAINERS = (dict, list, set, collections.deque)


def _is_lock(value: object) -> bool:
    return callable(getattr(value, "acquire", None)) and callable(getattr(value, "release", None))


def _attributes(holder: object) -> dict[str, Any]:
    names: list[str] = list(getattr(holder, "__dict__", {}))
    for klass in type(holder).__mro__:
        names.extend(s for s in getattr(klass, "__slots__", ()) if hasattr(holder, s))
    return {name: getattr(holder, name) for name in names if not _is_lock(getattr(holder, name))}


def _copied(value: Any) -> Any:
    return copy.copy(value) if isinstance(value, _CONTAINERS) else value


def state_holders(context: object, *, keep: Iterable[str] = ()) -> list[object]:
    """The state holders among the fields of a dataclass ``context``, except those in ``keep``.

    Callables (the clock) and plain values are never holders.
    """
    kept = set(keep)
    holders: list[object] = []
    for spec in dataclasses.fields(context):  # type: ignore[arg-type]
        value = getattr(context, spec.name)
        if spec.name in kept or callable(value) or isinstance(value, _KEEP_TYPES):
            continue
        holders.append(value)
    return holders


class StateSnapshot:
    """The attributes of some state holders at one moment, to write back later."""

    def __init__(self, holders: Iterable[object]) -> None:
        self._saved = [
            (holder, {name: _copied(value) for name, value in _attributes(holder).items()})
            for holder in holders
        ]

    def restore(self) -> None:
        """Write every holder's attributes back to what they were at the snapshot."""
        for holder, saved in self._saved:
            lock: Any = getattr(holder, "_lock", None)
            if _is_lock(lock):
                with lock:
                    self._write(holder, saved)
            else:
                self._write(holder, saved)

    @staticmethod
    def _write(holder: object, saved: dict[str, Any]) -> None:
        for name, value in saved.items():
            object.__setattr__(holder, name, _copied(value))
