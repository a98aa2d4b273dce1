"""What the command line reports: one-line failures, each with its exit code."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["CommandError", "ExitCode"]


class ExitCode(IntEnum):
    """The documented exit codes of ``entraclient``."""

    OK = 0
    REFUSED = 1
    USAGE = 2
    UNREACHABLE = 3
    NOT_A_TOKEN = 4
    INTERNAL = 70


class CommandError(Exception):
    """A failure the command line prints as one line (``error: ...``) and exits with."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code
