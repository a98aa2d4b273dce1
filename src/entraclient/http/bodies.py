"""Turning the bytes of a response body into the text a flow reads.

Invariants:

* No transport keeps more than :data:`MAX_BODY_BYTES` + 1 bytes of a body: a token or
  discovery answer is a few kilobytes (a token with many group claims some tens), so a
  larger body is a fault, reported as a ``defect`` instead of being parsed.
* Bodies are decoded strictly, with the charset the ``Content-Type`` declares, else UTF-8
  (RFC 8259 §8.1: JSON on the wire is UTF-8). Bytes that do not decode are a ``defect``;
  ``text`` then holds a lossy decoding, for error messages only, never for tokens.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["MAX_BODY_BYTES", "DecodedBody", "charset_of", "decode_body", "read_capped"]

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DecodedBody:
    """A body as text, and what kept it from being read faithfully (``None`` if nothing)."""

    text: str
    defect: str | None = None


def charset_of(content_type: str | None) -> str:
    """The charset a ``Content-Type`` declares, if Python knows it; else ``utf-8``."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            try:
                return codecs.lookup(charset).name
            except LookupError:
                return "utf-8"
    return "utf-8"


def read_capped(chunks: Iterable[bytes], limit: int = MAX_BODY_BYTES) -> tuple[bytes, bool]:
    """Join ``chunks`` until more than ``limit`` bytes came; return them and whether cut."""
    kept: list[bytes] = []
    size = 0
    for chunk in chunks:
        kept.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(kept)[: limit + 1], True
    return b"".join(kept), False


def decode_body(
    content: bytes, content_type: str | None, *, truncated: bool = False
) -> DecodedBody:
    """Decode ``content`` as its ``Content-Type`` says; report oversize or undecodable bytes."""
    if truncated or len(content) > MAX_BODY_BYTES:
        prefix = content[:MAX_BODY_BYTES].decode("utf-8", "replace")
        return DecodedBody(prefix, f"the body is larger than {MAX_BODY_BYTES} bytes")
    charset = charset_of(content_type)
    try:
        return DecodedBody(content.decode(charset))
    except UnicodeDecodeError:
        return DecodedBody(content.decode(charset, "replace"), f"the body is not valid {charset}")
