"""The token cache of ``entraclient token --cache PATH``: one JSON file, written atomically.

This is the seam where the persistent file store (issue 11) plugs in: :func:`open_cache`
returns the cache to hand to the application, :func:`save_cache` persists what changed.
Today the file holds the MSAL cache JSON (tokens in clear text), created with mode 0600 and
replaced with ``os.replace`` so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from entraclient.cache import SerializableTokenCache
from entraclient.cli.errors import CommandError, ExitCode

__all__ = ["open_cache", "save_cache"]


def open_cache(path: Path) -> SerializableTokenCache:
    """The cache stored at ``path`` (empty if there is no file yet)."""
    cache = SerializableTokenCache()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return cache
    except OSError as exc:
        raise CommandError(
            f"cannot read the cache file {path}: {exc.strerror}", ExitCode.USAGE
        ) from exc
    try:
        cache.deserialize(text)
    except ValueError as exc:
        raise CommandError(
            f"the cache file {path} is not a token cache; delete it or pick another --cache",
            ExitCode.USAGE,
        ) from exc
    return cache


def save_cache(cache: SerializableTokenCache, path: Path) -> None:
    """Write ``cache`` to ``path`` if it changed: a private temporary file, then a rename."""
    if not cache.has_state_changed:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:  # mkstemp makes it 0600
            stream.write(cache.serialize())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
