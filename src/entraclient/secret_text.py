"""Credential material that is a string on the wire and ``'****'`` everywhere else.

Error reporters that capture the local variables of a traceback (Sentry, rich tracebacks)
print them with ``repr``: a client secret or assertion held as a plain ``str`` in a form
would be printed. :class:`SecretText` is a ``str`` (so it is form-encoded, compared and
hashed as its value) whose ``repr`` hides it.
"""

from __future__ import annotations

__all__ = ["SecretText"]


class SecretText(str):
    """A string whose ``repr`` is ``'****'``: client secrets and assertions."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'****'"
