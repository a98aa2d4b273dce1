"""Request identity for coalescing: two requests are "the same" when a server could not tell
them apart by what they ask (method, URL, query and form), whatever their headers say.

The fingerprint is a SHA-256 digest, so the table of requests in flight never holds a
secret or an assertion in clear.
"""

from __future__ import annotations

import hashlib

from entraclient.http.messages import HttpRequest

__all__ = ["fingerprint"]


def fingerprint(request: HttpRequest) -> bytes:
    """A digest identifying what ``request`` asks for (headers excluded)."""
    digest = hashlib.sha256()
    for part in (request.method, request.url, repr(request.query), repr(request.form)):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.digest()
