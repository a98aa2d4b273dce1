"""The headers every request to the token service carries (PROTOCOL.md §5.1).

Header values are sanitised: a caller-supplied ``app_name`` with a newline cannot inject a
header, and one with non-ASCII letters cannot make the HTTP library fail (they are
percent-encoded as UTF-8); values are cut at :data:`MAX_HEADER_VALUE` characters.
``client-request-id`` is fresh for each public call and echoed back by Entra as the
``correlation_id`` of its errors; entraclient adds it to the error dicts it builds itself.
"""

from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from entraclient._version import __version__
from entraclient.http.messages import Pairs

__all__ = ["MAX_HEADER_VALUE", "SKU", "Telemetry", "new_correlation_id", "sanitise_header_value"]

SKU = "entraclient.Python"
MAX_HEADER_VALUE = 256
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def sanitise_header_value(value: str) -> str:
    """``value`` as printable ASCII: control characters (newlines included) become spaces,
    other non-ASCII characters are percent-encoded; trimmed and cut to a sane length."""
    printable = _UNSAFE.sub(" ", value).strip()
    encoded = quote(printable, safe="".join(chr(c) for c in range(0x20, 0x7F)))
    return encoded[:MAX_HEADER_VALUE].strip()


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
