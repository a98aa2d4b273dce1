"""The log of every request the emulator received, for tests to inspect.

Invariants:

* Records are frozen; :attr:`RequestLog.records` returns a copy, so readers never see a list
  that changes under them. All access goes through one lock.
* A record may hold secrets (it is test data), but its ``repr`` shows form field *names* only
  and hides the ``Authorization`` header.
* The log is bounded: it keeps the last :data:`MAX_RECORDS` requests, and a form or query
  value longer than :data:`MAX_VALUE_CHARS` is kept cut to that length (two 50 MB POSTs
  must not cost 100 MB).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace

__all__ = ["MAX_RECORDS", "MAX_VALUE_CHARS", "LoggedRequest", "RequestLog"]

MAX_RECORDS = 10_000
MAX_VALUE_CHARS = 64 * 1024

Pairs = tuple[tuple[str, str], ...]

# /{tenant}/oauth2/[v2.0/]token, and B2C's /{tenant}/{policy}/oauth2/v2.0/token.
_TOKEN_PATH = re.compile(r"^/+[^/]+/+([^/]+/+)?oauth2/+(v2\.0/+)?token/*$")


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the emulator received it, and the status it answered with."""

    method: str
    host: str
    path: str
    query: Pairs
    form: Pairs
    headers: Mapping[str, str]
    status: int
    time: float

    def form_value(self, name: str) -> str | None:
        """The first value of form field ``name``, or ``None``."""
        return next((value for key, value in self.form if key == name), None)

    def query_value(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or ``None``."""
        return next((value for key, value in self.query if key == name), None)

    @property
    def is_token_request(self) -> bool:
        """Whether this is a POST to a token endpoint (v1 or v2)."""
        return self.method == "POST" and bool(_TOKEN_PATH.match(self.path))

    def __repr__(self) -> str:
        fields = ",".join(key for key, _ in self.form)
        return (
            f"LoggedRequest({self.method} https://{self.host}{self.path} "
            f"status={self.status} form=[{fields}])"
        )


class RequestLog:
    """A thread-safe, append-only (until cleared) list of :class:`LoggedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: deque[LoggedRequest] = deque(maxlen=MAX_RECORDS)  # read when built

    def __repr__(self) -> str:
        return f"RequestLog({len(self.records)} requests)"

    def append(self, record: LoggedRequest) -> None:
        """Add ``record`` at the end."""
        record = replace(record, form=_cut(record.form), query=_cut(record.query))
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[LoggedRequest]:
        """A copy of the records, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()


def _cut(pairs: Pairs) -> Pairs:
    if all(len(value) <= MAX_VALUE_CHARS for _, value in pairs):
        return pairs
    return tuple((key, value[:MAX_VALUE_CHARS]) for key, value in pairs)
