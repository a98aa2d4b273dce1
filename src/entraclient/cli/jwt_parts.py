"""A JWT's parts, decoded without verification (for display and for ``--verify``)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["JwtParts", "split_jwt"]


@dataclass(frozen=True, slots=True)
class JwtParts:
    """The decoded header and claims of a compact JWS (``header.claims.signature``)."""

    header: dict[str, Any]
    claims: dict[str, Any]


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"its {what} is not base64url-encoded JSON") from exc
    if not isinstance(value, dict):
        raise ValueError(f"its {what} is not a JSON object")
    return value


def split_jwt(token: str) -> JwtParts:
    """The header and claims of ``token``; raises :class:`ValueError` if it is not a JWS."""
    parts = token.strip().split(".")
    if len(parts) == 5:
        raise ValueError("it is an encrypted token (JWE): only its recipient can read it")
    if len(parts) != 3 or not all(parts[:2]):
        raise ValueError("a JWT has three parts separated by dots (header.claims.signature)")
    return JwtParts(_json_part(parts[0], "header"), _json_part(parts[1], "claims"))
