"""The token cache of ``entraclient token --cache DIR``: the file store, between runs.

:func:`open_cache` returns an in-memory cache backed by a
:class:`~entraclient.cache.stores.files.FileStore` in ``DIR``: a run loads only the partition
it needs and writes only what changed, atomically, in files of mode 0600. With
``--cache-key-env VAR`` the entries are encrypted at rest (AES-GCM) with the base64 key that
variable holds (16, 24 or 32 bytes).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from entraclient.cache import TokenCache
from entraclient.cli.errors import CommandError, ExitCode

__all__ = ["open_cache"]


def open_cache(directory: Path, key_variable: str | None = None) -> TokenCache:
    """The cache kept in ``directory`` (created on first use)."""
    try:
        from entraclient.cache.stores.files import FileStore
    except ImportError as missing:
        raise CommandError(
            f"--cache needs the file store ({missing.name} is missing): "
            "pip install 'entraclient[file]'",
            ExitCode.USAGE,
        ) from None
    if directory.exists() and not directory.is_dir():
        raise CommandError(
            f"--cache {directory} is a file; give a directory for the token cache",
            ExitCode.USAGE,
        )
    try:
        store = FileStore(directory, encryption_key=_key(key_variable))
    except ValueError as bad:
        raise CommandError(f"--cache-key-env: {bad}", ExitCode.USAGE) from None
    return TokenCache(store=store)


def _key(variable: str | None) -> bytes | None:
    """The encryption key in ``$variable`` (base64), or ``None`` without the option."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise CommandError(f"--cache-key-env: ${variable} is not set", ExitCode.USAGE)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CommandError(
            f"--cache-key-env: ${variable} is not base64 (e.g. `openssl rand -base64 32`)",
            ExitCode.USAGE,
        ) from None
