"""Secretless confidential clients: a platform token as the app's ``client_assertion``.

Pass either helper as ``client_credential={"client_assertion": helper}``; the application
calls it whenever it needs a new token from Entra, and the token endpoint accepts the result
as a federated identity credential of the app.

* :class:`FederatedTokenFile` reads a token the platform writes to a file and rotates (AKS
  workload identity: ``AZURE_FEDERATED_TOKEN_FILE``); it re-reads the file only when the
  file has changed.
* :func:`managed_identity_assertion` asks a :class:`ManagedIdentityClient` for a token for
  ``api://AzureADTokenExchange`` (cached and refreshed by that client).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entraclient.managed_identity.client import ManagedIdentityClient

__all__ = ["TOKEN_EXCHANGE_AUDIENCE", "FederatedTokenFile", "managed_identity_assertion"]

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
MAX_TOKEN_FILE_SIZE = 64 * 1024


class FederatedTokenFile:
    """A callable returning the federated token in ``path`` (by default the file named by
    ``AZURE_FEDERATED_TOKEN_FILE``), re-read whenever the file's identity, size or
    modification time changes."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        named = (
            path if path is not None else (environ or os.environ).get("AZURE_FEDERATED_TOKEN_FILE")
        )
        if not named:
            raise ValueError("no token file: pass path= or set AZURE_FEDERATED_TOKEN_FILE")
        self.path = Path(named)
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._token = ""

    def __call__(self) -> str:
        """The token in the file (read again only if the file changed)."""
        try:
            status = self.path.stat()
        except OSError as failure:
            raise ValueError(
                f"the federated token file cannot be read: {failure.strerror}"
            ) from None
        version = (status.st_ino, status.st_size, status.st_mtime_ns)
        with self._lock:
            if version != self._seen:
                self._token = self._read(status.st_size)
                self._seen = version
            return self._token

    def _read(self, size: int) -> str:
        if size > MAX_TOKEN_FILE_SIZE:
            raise ValueError(f"the federated token file is larger than {MAX_TOKEN_FILE_SIZE} bytes")
        token = self.path.read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError("the federated token file is empty")
        return token

    def __repr__(self) -> str:
        return f"FederatedTokenFile({str(self.path)!r})"


def managed_identity_assertion(
    client: ManagedIdentityClient, *, audience: str = TOKEN_EXCHANGE_AUDIENCE
) -> Callable[[], str]:
    """A callable returning ``client``'s managed identity token for ``audience``, for use as
    a confidential client's ``client_assertion``. A failure raises ``ValueError``."""

    def assertion() -> str:
        result = client.acquire_token_for_client(resource=audience)
        token = result.get("access_token")
        if not isinstance(token, str):
            raise ValueError(f"no managed identity token for {audience}: {result.get('error')}")
        return token

    return assertion
