"""Azure Arc's challenge: the agent answers 401 naming a key file only a local administrator
(or the agent's group) can read; the content of that file, sent as ``Authorization: Basic``,
proves the caller runs on the machine.

Rules (as Azure Arc documents them, and MSAL Python applies them):

* The challenge is ``WWW-Authenticate: Basic realm=<path>``; only the file *name* is used,
  looked up as ``<stem>.key`` in the agent's token directory for this platform
  (:data:`AGENT_DIRECTORIES`).
* The file must stay inside that directory once links are resolved, be a regular file, and
  be at most :data:`MAX_KEY_SIZE` bytes (checked before reading); otherwise it is refused.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from entraclient.managed_identity.identities import (
    ArcPlatformNotSupportedError,
    ManagedIdentityError,
)

__all__ = ["AGENT_DIRECTORIES", "MAX_KEY_SIZE", "ArcKeyFiles", "challenge_file_name"]

MAX_KEY_SIZE = 4096
AGENT_DIRECTORIES = {
    "linux": "/var/opt/azcmagent/tokens",
    "win32": os.path.expandvars(r"%ProgramData%\AzureConnectedMachineAgent\Tokens"),
}
AGENT_BINARIES = {
    "linux": "/opt/azcmagent/bin/himds",
    "win32": os.path.expandvars(r"%ProgramFiles%\AzureConnectedMachineAgent\himds.exe"),
}


def challenge_file_name(www_authenticate: str | None) -> str:
    """The key file name (``<stem>.key``) a ``Basic realm=<path>`` challenge names."""
    scheme, _, realm = (www_authenticate or "").partition("=")
    if scheme.strip().lower() != "basic realm" or not realm.strip():
        raise ManagedIdentityError("Azure Arc sent an unrecognisable WWW-Authenticate challenge")
    path = realm.strip().strip('"')
    name = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if not stem or stem in (".", ".."):
        raise ManagedIdentityError("Azure Arc's challenge names no key file")
    return f"{stem}.key"


@dataclass(frozen=True, slots=True)
class ArcKeyFiles:
    """Reads Arc key files from the agent's directory (injectable for tests)."""

    directory: Path | None = None

    def agent_directory(self) -> Path:
        """The directory key files must be in: the injected one, else this platform's."""
        if self.directory is not None:
            return self.directory
        known = AGENT_DIRECTORIES.get(sys.platform)
        if known is None:
            raise ArcPlatformNotSupportedError(
                f"Azure Arc has no known key directory on platform {sys.platform!r}"
            )
        return Path(known)

    def read(self, www_authenticate: str | None) -> str:
        """The content of the key file the challenge names, after every check."""
        name = challenge_file_name(www_authenticate)
        directory = self.agent_directory().resolve()
        path = (directory / name).resolve()
        if path.parent != directory:
            raise ManagedIdentityError("Azure Arc's key file is outside the agent's directory")
        try:
            status = path.stat()
            if not stat.S_ISREG(status.st_mode):
                raise ManagedIdentityError("Azure Arc's key file is not a regular file")
            if status.st_size > MAX_KEY_SIZE:
                raise ManagedIdentityError(
                    f"Azure Arc's key file is larger than {MAX_KEY_SIZE} bytes"
                )
            with path.open("rb") as file:
                content = file.read(MAX_KEY_SIZE + 1)
        except OSError as failure:
            raise ManagedIdentityError(
                f"Azure Arc's key file cannot be read: {type(failure).__name__}"
            ) from None
        if len(content) > MAX_KEY_SIZE:  # it grew between the check and the read
            raise ManagedIdentityError(f"Azure Arc's key file is larger than {MAX_KEY_SIZE} bytes")
        return content.decode("utf-8", "replace").strip()


def arc_agent_installed() -> bool:
    """Whether this machine has an Azure Arc agent (its ``himds`` binary exists)."""
    binary = AGENT_BINARIES.get(sys.platform)
    return binary is not None and os.path.exists(binary)
