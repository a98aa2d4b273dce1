"""What log lines may show: PII only when the application enabled it, secrets never.

PII here means user and tenant identifiers: usernames, object ids, tenant ids and domains
(which appear in authority and endpoint URLs). Secrets (client secrets, private keys,
assertions, authorization codes, refresh and access tokens) are never handed to a logger
at all; nothing here is needed for them, and the log-scan test checks that none slips in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["MASK", "loggable_url", "pii"]

MASK = "****"


def pii(value: object, *, shown: bool) -> str:
    """``value`` as text if PII logging is on, else a mask."""
    return str(value) if shown else MASK


def loggable_url(url: str, *, pii_shown: bool) -> str:
    """``url`` without its query; its first path segment (the tenant) masked unless shown."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if not pii_shown and len(segments) > 1 and segments[1]:
        segments[1] = MASK
    return f"{parts.scheme}://{parts.netloc}{'/'.join(segments)}"
