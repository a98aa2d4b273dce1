"""The headers every request to the token service carries (PROTOCOL.md §5.1).

Header values are sanitised: a caller-supplied ``app_name`` with a newline cannot inject a
header. ``client-request-id`` is fresh for each public call and echoed back by Entra as the
``correlation_id`` of its errors.
"""

from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass

from entraclient._version import __version__
from entraclient.http.messages import Pairs

__all__ = ["SKU", "Telemetry", "new_correlation_id", "sanitise_header_value"]

SKU = "entraclient.Python"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]+")


def sanitise_header_value(value: str) -> str:
    """``value`` without control characters (newlines included), trimmed."""
    return _UNSAFE.sub(" ", value).strip()


def new_correlation_id() -> str:
    """A fresh ``client-request-id``."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Telemetry:
    """The constant part of the request headers for one application."""

    app_name: str | None = None
    app_version: str | None = None

    def token_headers(self, correlation_id: str) -> Pairs:
        """Headers for a token request in the public call ``correlation_id``."""
        headers: list[tuple[str, str]] = [
            ("Accept", "application/json"),
            ("x-client-sku", SKU),
            ("x-client-ver", __version__),
            ("x-client-os", sys.platform),
            ("x-ms-lib-capability", "retry-after, h429"),
            ("client-request-id", correlation_id),
        ]
        if self.app_name:
            headers.append(("x-app-name", sanitise_header_value(self.app_name)))
        if self.app_version:
            headers.append(("x-app-ver", sanitise_header_value(self.app_version)))
        return tuple(headers)
